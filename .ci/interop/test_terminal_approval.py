"""End to end: `confirm` decisions answered on the proxy's controlling terminal.

The proxy is started in a new session whose controlling terminal is the slave side of a
pseudo-terminal, so its `/dev/tty` is that pty while stdin/stdout stay the MCP pipes. The test
reads the approval prompt from the pty master and types answers into it, and speaks raw
JSON-RPC lines (2025-11-25, with `initialize`) over the pipes. No MCP SDK is involved.

run.sh exports MCP_FIREWALL_NO_TTY=1 for the SDK tests; these tests drop it from the proxy's
environment. Every wait has a timeout (pytest-timeout in pytest.ini is the outer guard).
"""

from __future__ import annotations

import errno
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import POLICIES, read_audit, rule_lines

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("pseudo-terminals need a POSIX system", allow_module_level=True)

import pty  # noqa: E402  (POSIX only)

POLICY = POLICIES / "terminal.yaml"
PROTOCOL = "2025-11-25"
EMPLOYEE = "E-1001"
SALARY_REASON = "salary changes need a human approver"

PROMPT_TIMEOUT = 10.0  # seconds to wait for a prompt (or re-prompt) on the pty
RESPONSE_TIMEOUT = 10.0  # seconds to wait for a JSON-RPC response
PROMPT_END = "Allow this call? ["
WITHDRAWN = "(withdrawn)"
REPROMPT = "Please answer y, n or a"

pytestmark = pytest.mark.timeout(90)


def _server_text(response: dict[str, Any]) -> str:
    assert "result" in response, f"expected a result, got {response!r}"
    return "".join(b.get("text", "") for b in response["result"].get("content", []) if b.get("type") == "text")


class PtyProxy:
    """One `mcp-firewall proxy` whose controlling terminal is a fresh pty."""

    def __init__(self, firewall_bin: str, server_bin: str, policy: Path, tmp: Path, tag: str) -> None:
        self.policy = policy
        self.audit = tmp / f"{tag}-audit.jsonl"
        self.stderr_path = tmp / f"{tag}-stderr.log"
        self.transcript = bytearray()  # everything read from the pty master
        self._seen = 0  # transcript offset already consumed by expect()
        self._next_id = 100
        self._responses: dict[Any, dict[str, Any]] = {}
        self._arrivals: list[Any] = []  # response ids in arrival order
        self._other: list[dict[str, Any]] = []  # notifications / server requests
        self._cond = threading.Condition()
        self._eof = False
        self._closed = False

        self.master, slave = pty.openpty()
        slave_path = os.ttyname(slave)
        # The parent keeps its slave fd open for the whole test: on Linux, reading the master
        # fails with EIO while no slave fd is open (the proxy opens /dev/tty only per prompt).
        self._slave = slave

        def become_terminal_owner() -> None:
            os.setsid()
            fd = os.open(slave_path, os.O_RDWR)  # no O_NOCTTY: becomes the controlling terminal
            os.close(fd)

        env = {k: v for k, v in os.environ.items() if k != "MCP_FIREWALL_NO_TTY"}
        argv = [
            firewall_bin, "proxy", "--policy", str(policy), "--audit", str(self.audit), "--", server_bin,
        ]
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            preexec_fn=become_terminal_owner,
            close_fds=True,
        )
        self._reader = threading.Thread(target=self._read_stdout, name="proxy-stdout", daemon=True)
        self._reader.start()

    # --- JSON-RPC over the pipes ---------------------------------------------------------

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except json.JSONDecodeError:
                message = {"unparseable": line.decode("utf-8", "replace")}
            with self._cond:
                if isinstance(message, dict) and "id" in message and "method" not in message:
                    if message["id"] in self._responses:
                        self._other.append({"duplicate_response": message})
                    self._responses[message["id"]] = message
                    self._arrivals.append(message["id"])
                else:
                    self._other.append(message)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> int:
        self._next_id += 1
        self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    def call(self, tool: str, arguments: dict[str, Any]) -> int:
        return self.request("tools/call", {"name": tool, "arguments": arguments})

    def response(self, request_id: int, timeout: float = RESPONSE_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while request_id not in self._responses:
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise AssertionError(
                        f"no response to id {request_id} within {timeout}s (proxy stdout eof={self._eof}, "
                        f"exit={self.proc.poll()}); pty so far: {self.screen()!r}"
                    )
                self._cond.wait(left)
            return self._responses[request_id]

    def has_response(self, request_id: int) -> bool:
        with self._cond:
            return request_id in self._responses

    def arrival_order(self) -> list[Any]:
        with self._cond:
            return list(self._arrivals)

    def initialize(self) -> None:
        rid = self.request(
            "initialize",
            {"protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "pty-test", "version": "1"}},
        )
        result = self.response(rid)["result"]
        assert result["protocolVersion"] == PROTOCOL, result
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def salary(self, employee: str = EMPLOYEE) -> int:
        response = self.response(self.call("get_employee", {"employee_id": employee}))
        assert response["result"].get("isError") is False, response
        return response["result"]["structuredContent"]["salary"]

    # --- the terminal --------------------------------------------------------------------

    def _pump(self, timeout: float) -> bool:
        """Reads what the pty has (waiting up to `timeout`); False if nothing arrived."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError as e:  # EIO: every slave fd closed (should not happen: we keep one)
            if e.errno == errno.EIO:
                time.sleep(min(timeout, 0.05))
                return False
            raise
        self.transcript += chunk
        return bool(chunk)

    def screen(self) -> str:
        return self.transcript.decode("utf-8", "replace")

    def expect(self, needle: str, timeout: float = PROMPT_TIMEOUT) -> str:
        """Waits until `needle` appears in the pty output after the last match; returns that output."""
        deadline = time.monotonic() + timeout
        raw = needle.encode()
        while True:
            at = self.transcript.find(raw, self._seen)
            if at >= 0:
                end = at + len(raw)
                text = bytes(self.transcript[self._seen : end]).decode("utf-8", "replace")
                self._seen = end
                return text
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{needle!r} did not appear on the terminal within {timeout}s; it shows: "
                    f"{bytes(self.transcript[self._seen:]).decode('utf-8', 'replace')!r} "
                    f"(proxy exit={self.proc.poll()})"
                )
            self._pump(min(left, 0.2))

    def wait_prompt(self, timeout: float = PROMPT_TIMEOUT) -> str:
        """The next complete approval prompt (from its header to the question)."""
        text = self.expect(PROMPT_END, timeout)
        self.expect("): ", timeout)  # "(denied after N s): "
        header = self.transcript.rfind("mcp-firewall: approval needed".encode(), 0, self._seen)
        assert header >= 0, f"prompt without header: {text!r}"
        return bytes(self.transcript[header : self._seen]).decode("utf-8", "replace")

    def drain(self, seconds: float) -> str:
        """Whatever the terminal shows during the next `seconds` (not consumed by expect())."""
        deadline = time.monotonic() + seconds
        start = len(self.transcript)
        while (left := deadline - time.monotonic()) > 0:
            self._pump(min(left, 0.1))
        return bytes(self.transcript[start:]).decode("utf-8", "replace")

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    # --- teardown ------------------------------------------------------------------------

    def close(self) -> int | None:
        """Closes the client side, waits for the proxy to exit (killing it after 10 s). Idempotent."""
        if self._closed:
            return self.proc.returncode
        self._closed = True
        try:
            if self.proc.stdin and not self.proc.stdin.closed:
                self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        self._pump(0)
        for fd in (self._slave, self.master):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass

    def audit_decisions(self, tool: str) -> list[dict[str, Any]]:
        return [r for r in read_audit(self.audit) if r.get("event") == "decision" and r.get("tool") == tool]


@pytest.fixture
def launch(firewall_bin: str, hr_server_bin: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Starts proxies on a pty; stops them afterwards and, on failure, prints what they left."""
    launched: list[PtyProxy] = []

    def start(policy: Path = POLICY, tag: str | None = None) -> PtyProxy:
        proxy = PtyProxy(firewall_bin, hr_server_bin, policy, tmp_path, tag or f"pty{len(launched)}")
        launched.append(proxy)
        proxy.initialize()
        return proxy

    yield start
    failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))
    for proxy in launched:
        proxy.kill()
        proxy.close()
        if failed:
            print(f"----- pty transcript ({proxy.stderr_path.name.replace('-stderr.log', '')}) -----")
            print(proxy.screen())
            for title, path in (("proxy stderr", proxy.stderr_path), ("audit log", proxy.audit)):
                print(f"----- {title} ({path.name}) -----")
                print(path.read_text(encoding="utf-8", errors="replace")[-20_000:] if path.exists() else "(missing)")


def only_decision(proxy: PtyProxy, tool: str) -> dict[str, Any]:
    decisions = proxy.audit_decisions(tool)
    assert len(decisions) == 1, f"expected one decision record for {tool}, got {decisions!r}"
    return decisions[0]


def assert_terminal_decision(record: dict[str, Any], outcome: str, *, kind: str = "human") -> dict[str, Any]:
    assert record["policy_decision"] == "confirm", record
    assert record["decision"] == ("allow" if outcome == "approved" else "deny"), record
    assert record["decided_by"]["kind"] == kind, record
    assert record["decided_by"]["channel"] == "terminal", record
    approval = record.get("approval")
    assert isinstance(approval, dict), f"decision without approval trace: {record!r}"
    assert approval["outcome"] == outcome, record
    assert isinstance(approval.get("wait_ms"), int) and approval["wait_ms"] >= 0, record
    return approval


# ---------------------------------------------------------------------------


def test_approve_at_terminal(launch) -> None:
    proxy = launch()
    rid = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": 234567})
    prompt = proxy.wait_prompt()

    assert "tool   : update_salary (write)" in prompt, prompt
    cited = [int(n) for n in re.findall(re.escape(POLICY.name) + r":(\d+)", prompt)]
    block = rule_lines(POLICY, "update_salary")
    assert cited and all(n in block for n in cited), f"prompt cites {cited}, rule block is {block}: {prompt!r}"
    assert "`update_salary`" in prompt, prompt
    assert SALARY_REASON in prompt, prompt
    assert f'"employee_id":"{EMPLOYEE}"' in prompt and "234567" in prompt, f"arguments missing: {prompt!r}"
    assert "example-hr-server" in prompt, prompt
    assert re.search(r"denied after 30 s\): $", prompt), prompt
    assert not proxy.has_response(rid), "the call was answered before anyone approved it"

    proxy.type("y\n")
    response = proxy.response(rid)
    assert response["result"].get("isError") is False, response
    assert "changed from" in _server_text(response) and "234567" in _server_text(response), response
    assert proxy.salary() == 234567

    assert proxy.close() == 0
    approval = assert_terminal_decision(only_decision(proxy, "update_salary"), "approved")
    assert approval["detail"] == "approved at the terminal", approval
    requested = [r for r in read_audit(proxy.audit) if r.get("event") == "approval_requested"]
    assert len(requested) == 1 and requested[0]["channel"] == "terminal" and requested[0]["timeout_ms"] == 30_000
    # With a controlling terminal the start-up report says the terminal reaches a person, and the held
    # call said where to answer it.
    stderr = proxy.stderr_path.read_text(encoding="utf-8")
    assert "terminal: yes, prompts on /dev/tty" in stderr, stderr
    assert "no approval channel of this run reaches a person" not in stderr, stderr
    assert "call waiting for approval: answer in the terminal (/dev/tty)" in stderr, stderr


def test_always_at_terminal_remembers_for_the_session(launch) -> None:
    proxy = launch()
    first = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": 200001})
    prompt = proxy.wait_prompt()
    assert "a = yes and allow `update_salary` for this session" in prompt, prompt
    proxy.type("a\n")
    assert proxy.response(first)["result"].get("isError") is False
    # The second call is not asked about: it runs under the grant the first answer created.
    second = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": 200002})
    response = proxy.response(second)
    assert response["result"].get("isError") is False, response
    assert proxy.salary() == 200002
    proxy.drain(0.3)
    shown = bytes(proxy.transcript).decode("utf-8", "replace")
    assert shown.count(PROMPT_END) == 1, f"the remembered tool was asked about again: {shown!r}"

    assert proxy.close() == 0
    decisions = [r for r in read_audit(proxy.audit) if r.get("event") == "decision" and r["tool"] == "update_salary"]
    assert len(decisions) == 2, decisions
    created = decisions[0]["approval"]["grant"]
    assert created["id"] == decisions[0]["approval"]["id"] and created["expires_at"] is None, decisions[0]
    assert decisions[1]["approval"]["grant_id"] == created["id"], decisions[1]
    assert decisions[1]["decided_by"]["kind"] == "human" and decisions[1]["decided_by"]["channel"] == "terminal"


def test_decline_at_terminal(launch) -> None:
    proxy = launch()
    before = proxy.salary()
    rid = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": before + 1})
    proxy.wait_prompt()
    proxy.type("n\n")

    response = proxy.response(rid)
    assert response["result"].get("isError") is True, response
    text = _server_text(response)
    assert "declined" in text.lower() and "denied" in text.lower(), text
    assert SALARY_REASON in text, text
    assert proxy.salary() == before, "a declined update_salary changed the salary"

    assert proxy.close() == 0
    assert_terminal_decision(only_decision(proxy, "update_salary"), "declined")


def test_invalid_answer_reprompts(launch) -> None:
    proxy = launch()
    rid = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": 111111})
    proxy.wait_prompt()

    proxy.type("maybe\n")
    proxy.expect(REPROMPT)
    proxy.expect(": ")
    assert not proxy.has_response(rid), "an invalid answer decided the call"
    proxy.drain(0.3)
    assert not proxy.has_response(rid), "an invalid answer decided the call"

    proxy.type("yes\n")
    response = proxy.response(rid)
    assert response["result"].get("isError") is False, response
    assert proxy.salary() == 111111

    assert proxy.close() == 0
    assert_terminal_decision(only_decision(proxy, "update_salary"), "approved")


def test_timeout_denies(launch, tmp_path: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    assert "approval: {timeout: 30s}" in text
    policy = tmp_path / "terminal-2s.yaml"
    policy.write_text(text.replace("approval: {timeout: 30s}", "approval: {timeout: 2s}"), encoding="utf-8")

    proxy = launch(policy)
    before = proxy.salary()
    started = time.monotonic()
    rid = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": before + 7})
    prompt = proxy.wait_prompt()
    assert re.search(r"denied after 2 s\): $", prompt), prompt

    response = proxy.response(rid, timeout=8)
    elapsed = time.monotonic() - started
    assert 1.8 <= elapsed <= 5.0, f"timeout denial after {elapsed:.2f}s, expected about 2 s"
    assert response["result"].get("isError") is True, response
    assert "timeout" in _server_text(response).lower(), response
    proxy.drain(0.3)
    assert proxy.salary() == before

    assert proxy.close() == 0
    approval = assert_terminal_decision(only_decision(proxy, "update_salary"), "timeout", kind="policy")
    assert 1800 <= approval["wait_ms"] <= 5000, approval


def test_always_is_not_an_answer_when_remembering_is_off(launch, tmp_path: Path) -> None:
    text = POLICY.read_text(encoding="utf-8")
    policy = tmp_path / "terminal-never.yaml"
    policy.write_text(
        text.replace("approval: {timeout: 30s}", "approval: {timeout: 30s, remember: never}"), encoding="utf-8"
    )
    proxy = launch(policy)
    before = proxy.salary()
    rid = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": before + 3})
    prompt = proxy.wait_prompt()
    assert "Allow this call? [y/n]" in prompt, prompt
    for word in ("a", "always"):
        proxy.type(word + "\n")
        proxy.expect("Please answer y or n")
        proxy.expect(": ")
    proxy.drain(0.3)
    assert not proxy.has_response(rid), "`a` decided a call whose prompt offered only y/n"
    proxy.type("n\n")
    assert proxy.response(rid)["result"].get("isError") is True
    assert proxy.salary() == before
    assert proxy.close() == 0
    assert_terminal_decision(only_decision(proxy, "update_salary"), "declined")


def test_cancellation_withdraws_prompt(launch) -> None:
    proxy = launch()
    before = proxy.salary()
    rid = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": before + 3})
    proxy.wait_prompt()

    proxy.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": rid, "reason": "test"}})
    proxy.expect(WITHDRAWN, timeout=5)
    proxy.drain(1.0)
    assert not proxy.has_response(rid), f"a cancelled call was answered: {proxy.response(rid, 0)!r}"

    # The session goes on: reads work, and the withdrawn write never ran.
    assert proxy.salary() == before
    # A later answer typed at the terminal must not resurrect the withdrawn call.
    proxy.type("y\n")
    proxy.drain(0.5)
    assert not proxy.has_response(rid)
    assert proxy.salary() == before

    assert proxy.close() == 0
    record = only_decision(proxy, "update_salary")
    approval = assert_terminal_decision(record, "cancelled", kind="client")
    assert record["decision"] == "deny", record
    assert approval["outcome"] == "cancelled", approval


def test_other_traffic_flows_while_prompt_waits(launch) -> None:
    proxy = launch()
    held = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": 222222})
    proxy.wait_prompt()

    read = proxy.call("get_employee", {"employee_id": EMPLOYEE})
    response = proxy.response(read, timeout=5)
    assert response["result"].get("isError") is False, response
    assert response["result"]["structuredContent"]["employee_id"] == EMPLOYEE
    listed = proxy.response(proxy.request("tools/list", {}), timeout=5)
    assert "tools" in listed.get("result", {}), listed
    assert not proxy.has_response(held), "the held call was answered before the prompt was"

    proxy.type("y\n")
    approved = proxy.response(held)
    assert approved["result"].get("isError") is False, approved
    order = proxy.arrival_order()
    assert order.index(read) < order.index(held), order
    assert proxy.salary() == 222222

    assert proxy.close() == 0
    assert_terminal_decision(only_decision(proxy, "update_salary"), "approved")
    reads = proxy.audit_decisions("get_employee")
    assert reads and all(r["decision"] == "allow" and r["decided_by"]["kind"] == "policy" for r in reads), reads


def test_prompt_escapes_terminal_controls(launch) -> None:
    proxy = launch()
    note = "before\u001b[2J\u001b]0;pwned\u0007\u202eafter\u009b31m"
    rid = proxy.call("add_review_note", {"employee_id": EMPLOYEE, "note": note})
    proxy.wait_prompt()
    proxy.drain(0.3)  # anything written right after the question
    raw = bytes(proxy.transcript)

    assert b"\x1b" not in raw, f"raw ESC reached the terminal: {raw!r}"
    assert b"\x07" not in raw, f"raw BEL reached the terminal: {raw!r}"
    assert "\u202e".encode() not in raw, f"raw U+202E reached the terminal: {raw!r}"
    assert "\u009b".encode() not in raw, f"raw C1 CSI reached the terminal: {raw!r}"
    screen = proxy.screen()
    assert re.search(r"\\u(001b|\{1b\})\[2J", screen), f"ESC not shown escaped: {screen!r}"
    assert re.search(r"\\u(202e|\{202e\})", screen, re.IGNORECASE), f"U+202E not shown escaped: {screen!r}"
    assert "tool   : add_review_note (write)" in screen, screen

    proxy.type("n\n")
    response = proxy.response(rid)
    assert response["result"].get("isError") is True, response
    assert "declined" in _server_text(response).lower(), response

    assert proxy.close() == 0
    assert_terminal_decision(only_decision(proxy, "add_review_note"), "declined")
    # The audit log keeps the exact arguments (JSON-escaped), not the terminal rendering.
    assert only_decision(proxy, "add_review_note")["arguments"]["note"] == note


# ---------------------------------------------------------------------------
# Regression tests for bugs found here: type-ahead answering an unseen prompt, and queued prompts
# promising more time than they had.


def test_type_ahead_does_not_answer_a_later_prompt(launch) -> None:
    proxy = launch()
    before = proxy.salary()
    first = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": before + 10})
    proxy.wait_prompt()
    proxy.type("y\ny\n")  # the human presses y, Enter twice
    assert proxy.response(first)["result"].get("isError") is False
    proxy.drain(0.3)

    second = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": before + 20})
    proxy.wait_prompt()
    proxy.drain(1.0)
    assert not proxy.has_response(second), (
        f"input typed before the second prompt was shown decided it: {proxy.response(second, 0)!r}"
    )
    proxy.type("n\n")
    assert proxy.response(second)["result"].get("isError") is True
    assert proxy.salary() == before + 10


def test_queued_prompt_countdown_is_truthful(launch, tmp_path: Path) -> None:
    policy = tmp_path / "terminal-4s.yaml"
    policy.write_text(
        POLICY.read_text(encoding="utf-8").replace("approval: {timeout: 30s}", "approval: {timeout: 4s}"),
        encoding="utf-8",
    )
    proxy = launch(policy)
    first = proxy.call("update_salary", {"employee_id": EMPLOYEE, "new_salary": 333333})
    proxy.wait_prompt()
    second = proxy.call("add_review_note", {"employee_id": EMPLOYEE, "note": "queued behind the first prompt"})
    proxy.drain(2.5)
    proxy.type("y\n")
    assert proxy.response(first)["result"].get("isError") is False

    prompt = proxy.wait_prompt()
    shown = time.monotonic()
    assert "add_review_note" in prompt, prompt
    promised = int(re.search(r"denied after (\d+) s", prompt).group(1))
    response = proxy.response(second, timeout=10)
    actual = time.monotonic() - shown
    assert "timeout" in _server_text(response).lower(), response
    assert actual >= promised - 1, f"prompt promised {promised} s, the call was denied after {actual:.1f} s"
