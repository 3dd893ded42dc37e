#!/usr/bin/env python3
"""Answers confirmations on mcp-firewall's web approval page in headless Chromium.

  check_approval.py MCP_FIREWALL EXAMPLE_HR_SERVER [--screenshot PNG]

Two proxy runs, each `mcp-firewall proxy --approve-web 127.0.0.1:0 --no-terminal` in front of the example HR
server, spoken to over stdio by this script as an MCP client (2025-11-25, no elicitation capability):

  1. update_salary waits for approval; the page lists it with its arguments; a read call is answered meanwhile;
     the approver's name survives a reload (localStorage); Approve -> the call's result arrives, and the audit
     log's decision names the human, the `web` channel and the approver.
  2. add_review_note with markup in its arguments waits; the page shows the markup as text and runs nothing;
     Deny -> the client gets the denial, and the audit log names the human who denied it.

Uses the system chromedriver (/usr/bin/chromedriver) and Chromium; never the network.
"""
import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.dont_write_bytecode = True  # importing check_report must leave no __pycache__ in the work tree
from check_report import browser, check, fail, quiet_console  # noqa: E402

POLICY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "approval-policy.yaml")
URL_LINE = re.compile(r"^mcp-firewall: approve calls at (http://127\.0\.0\.1:\d+/approve/[A-Za-z0-9_-]+/)$")
APPROVER = "Alice Example"
HOSTILE = "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>"
TIMEOUT = 30


class Proxy:
    """The proxy as a child process, with this script as its MCP client on stdin/stdout."""

    def __init__(self, binary, server, folder):
        self.audit = os.path.join(folder, "audit.jsonl")
        environment = dict(os.environ, MCP_FIREWALL_NO_TTY="1")
        self.process = subprocess.Popen(
            [binary, "proxy", "--approve-web", "127.0.0.1:0", "--no-terminal", "--audit", self.audit,
             "--policy", POLICY, "--", server],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
        self.messages = queue.Queue()
        self.stderr_lines = queue.Queue()
        self.stderr_text = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.pending = {}

    def _read_stdout(self):
        for line in self.process.stdout:
            self.messages.put(json.loads(line))
        self.messages.put(None)

    def _read_stderr(self):
        for line in self.process.stderr:
            text = line.decode("utf-8", "replace").rstrip("\n")
            self.stderr_text.append(text)
            self.stderr_lines.put(text)

    def url(self):
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.stderr_lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            match = URL_LINE.match(line)
            if match:
                return match.group(1)
        fail("the proxy printed no approval URL; stderr:\n" + "\n".join(self.stderr_text))

    def send(self, message):
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def request(self, id, method, params):
        self.send({"jsonrpc": "2.0", "id": id, "method": method, "params": params})

    def response(self, id, timeout=TIMEOUT):
        """The answer to request `id`; answers to other requests are kept for later."""
        deadline = time.monotonic() + timeout
        while id not in self.pending:
            try:
                message = self.messages.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                fail("no answer to request %s within %d s; stderr:\n%s" % (id, timeout, "\n".join(self.stderr_text)))
            if message is None:
                fail("the proxy closed stdout before answering request %s" % id)
            if "id" in message and ("result" in message or "error" in message):
                self.pending[message["id"]] = message
        return self.pending.pop(id)

    def answered(self, id):
        """Whether request `id` has been answered yet (without waiting)."""
        while True:
            try:
                message = self.messages.get_nowait()
            except queue.Empty:
                return id in self.pending
            if message is not None and "id" in message:
                self.pending[message["id"]] = message

    def initialize(self):
        self.request(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                       "clientInfo": {"name": "check_approval", "version": "1"}})
        result = self.response(1).get("result")
        check(result is not None and result.get("protocolVersion") == "2025-11-25", "the session initialized")
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def close(self):
        self.process.stdin.close()
        try:
            code = self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            fail("the proxy did not exit after its client closed stdin")
        check(code == 0, "the proxy exited 0 when the client closed its input (exit %s)" % code)

    def decision(self, tool):
        with open(self.audit, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
        decisions = [record for record in records if record.get("event") == "decision" and record.get("tool") == tool]
        check(len(decisions) == 1, "the audit log has one decision record for %s" % tool)
        return decisions[0]


def call(proxy, id, tool, arguments):
    proxy.request(id, "tools/call", {"name": tool, "arguments": arguments})


def wait_for_card(driver, tool):
    def card(d):
        for node in d.find_elements(By.CSS_SELECTOR, "#pending li.call"):
            if node.find_element(By.CSS_SELECTOR, ".tool").text == tool:
                return node
        return False
    return WebDriverWait(driver, TIMEOUT).until(card)


def wait_gone(driver, approval_id):
    WebDriverWait(driver, TIMEOUT).until(lambda d: not d.find_elements(
        By.CSS_SELECTOR, "#pending li.call[data-approval-id='%s']" % approval_id))


def argument_text(card):
    return {node.find_element(By.CSS_SELECTOR, ".arg-name").get_attribute("textContent"):
            node.find_element(By.CSS_SELECTOR, ".arg-value").get_attribute("textContent")
            for node in card.find_elements(By.CSS_SELECTOR, ".arg")}


def check_decided_by(record, label):
    decided = record.get("decided_by") or {}
    check(decided.get("kind") == "human" and decided.get("channel") == "web" and decided.get("identity") == APPROVER,
          "%s: the audit log's decided_by is the human %r on the web channel (%s)" % (label, APPROVER, decided))


def approve_run(driver, binary, server, folder, screenshot):
    proxy = Proxy(binary, server, folder)
    url = proxy.url()
    check(True, "approve: the proxy printed the page's URL " + url.split("/approve/")[0] + "/approve/…")
    proxy.initialize()
    call(proxy, 2, "update_salary", {"employee_id": "E-1002", "new_salary": 123456})
    driver.get(url)
    card = wait_for_card(driver, "update_salary")
    arguments = argument_text(card)
    check(arguments == {"employee_id": '"E-1002"', "new_salary": "123456"},
          "approve: the page lists the call with every argument (%s)" % arguments)
    facts = card.find_element(By.CSS_SELECTOR, ".facts").text
    check("example-hr-server" in facts and "approval-policy.yaml" in facts and "approved by a person" in facts,
          "approve: the card shows the server, the rule and the reason")
    check(card.find_element(By.CSS_SELECTOR, ".class").text == "write", "approve: the card shows the class")
    check(re.match(r"^\d+ (min \d+ )?s left$", card.find_element(By.CSS_SELECTOR, ".time-left").text) is not None,
          "approve: the card counts down the time left")
    check(bool(card.find_elements(By.CSS_SELECTOR, "input.remember")),
          "approve: the card offers to remember the approval (the policy allows it)")

    call(proxy, 3, "get_employee", {"employee_id": "E-1001"})
    read = proxy.response(3)
    check("result" in read and not read["result"].get("isError"), "approve: a read call is answered meanwhile")
    check(not proxy.answered(2), "approve: the write is still waiting for its answer")

    name = driver.find_element(By.ID, "approver")
    name.clear()
    name.send_keys(APPROVER)
    driver.refresh()
    card = wait_for_card(driver, "update_salary")
    check(driver.find_element(By.ID, "approver").get_attribute("value") == APPROVER,
          "approve: the approver's name is remembered across a reload")
    card.find_element(By.CSS_SELECTOR, "textarea.comment").send_keys("checked against ticket HR-42")
    if screenshot:
        driver.save_screenshot(screenshot)
        print("ok   screenshot written to " + screenshot)
    approval_id = card.get_attribute("data-approval-id")
    card.find_element(By.CSS_SELECTOR, "button.approve").click()
    result = proxy.response(2)
    check("result" in result and not result["result"].get("isError"),
          "approve: the approved call's result reaches the client (%s)" % json.dumps(result)[:200])
    wait_gone(driver, approval_id)
    history = driver.find_element(By.ID, "history").text
    check("update_salary" in history and "approved" in history, "approve: the call moves to the settled list")
    quiet_console(driver, "approve")
    proxy.close()
    record = proxy.decision("update_salary")
    check_decided_by(record, "approve")
    check((record.get("decided_by") or {}).get("comment") == "checked against ticket HR-42",
          "approve: the approver's comment is recorded")


def deny_run(driver, binary, server, folder):
    proxy = Proxy(binary, server, folder)
    url = proxy.url()
    proxy.initialize()
    call(proxy, 2, "add_review_note", {"employee_id": "E-1003", "note": HOSTILE})
    driver.get(url)
    card = wait_for_card(driver, "add_review_note")
    arguments = argument_text(card)
    check(arguments.get("note") == json.dumps(HOSTILE), "deny: markup in an argument is shown as text")
    check(driver.execute_script("return window.__pwned") is None, "deny: nothing from the arguments ran")
    check(driver.execute_script("return window.__dialogs") == [], "deny: no alert, confirm or prompt was called")
    check(not driver.find_elements(By.CSS_SELECTOR, "img, #pending script"), "deny: no element was injected")
    name = driver.find_element(By.ID, "approver")
    name.clear()
    name.send_keys(APPROVER)
    approval_id = card.get_attribute("data-approval-id")
    card.find_element(By.CSS_SELECTOR, "button.deny").click()
    result = proxy.response(2)
    content = result.get("result") or {}
    text = " ".join(item.get("text", "") for item in content.get("content", []))
    check(content.get("isError") is True and "denied" in text,
          "deny: the client gets the denial (%s)" % text[:160])
    wait_gone(driver, approval_id)
    quiet_console(driver, "deny")
    proxy.close()
    record = proxy.decision("add_review_note")
    check_decided_by(record, "deny")
    check(record.get("decision") == "deny", "deny: the audit log's final decision is deny")


def main(arguments):
    if len(arguments) not in (2, 4) or (len(arguments) == 4 and arguments[2] != "--screenshot"):
        fail(__doc__)
    binary, server = arguments[0], arguments[1]
    screenshot = arguments[3] if len(arguments) == 4 else None
    driver = browser()
    try:
        with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
            approve_run(driver, binary, server, first, screenshot)
            deny_run(driver, binary, server, second)
    finally:
        driver.quit()
    print("approval page checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
