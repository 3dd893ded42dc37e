#!/usr/bin/env python3
"""Loads mcp-firewall HTML reports in headless Chromium and asserts on the rendered DOM.

  check_report.py write-hostile DIR
      writes an audit log whose every free-text field is hostile (markup, script breakouts,
      javascript: URLs, U+2028) into DIR and prints its path (the file name is hostile too)
  check_report.py check --demo DEMO.html --hostile HOSTILE.html [--screenshot PNG]
      the demo report shows its approval labels and its filters change the visible rows;
      in the hostile report nothing from the log runs (no alert, window.__pwned stays undefined,
      no element injected, no CSP violation, no console error).

Uses the system chromedriver (/usr/bin/chromedriver) and Chromium; never the network.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

# Each one sets window.__pwned or calls alert() if it ever runs.
HOSTILE = [
    "<script>window.__pwned=1</script>",
    "\"><img src=x onerror=\"window.__pwned=2\">",
    "</script><script>window.__pwned=3</script>",
    "javascript:window.__pwned=4",
    "<svg onload=window.__pwned=5>",
    "'><iframe srcdoc=\"<script>parent.__pwned=6</script>\">",
    "\u2028window.__pwned=7//\u2029",
    "<!--<script>window.__pwned=8</script>-->",
    "<a href=\"javascript:alert(9)\">click me</a>",
    "<body onload=alert(10)>",
]

# Runs before any page script (CDP scripts are not subject to the page's CSP): records dialogs and CSP reports.
INSTRUMENT = """
window.__dialogs = [];
window.__cspViolations = [];
['alert', 'confirm', 'prompt'].forEach(function (name) {
  window[name] = function (message) { window.__dialogs.push(name + ':' + message); };
});
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("ok   " + message)


def write_hostile(folder):
    session = HOSTILE[0]
    records = []

    def record(event, **fields):
        base = {"v": 1, "seq": len(records) + 1, "ts": "2026-11-25T10:00:%02d.000000Z" % (len(records) % 60),
                "session": session, "event": event}
        base.update(fields)
        records.append(json.dumps(base, ensure_ascii=False))

    record("session_start", server={"argv": HOSTILE[1:4]}, policy={"path": HOSTILE[2], "sha256": HOSTILE[5]},
           environment=HOSTILE[0], proxy={"name": HOSTILE[4], "version": HOSTILE[6], "pid": 1})
    record("session_negotiated", era=HOSTILE[8], protocol_version=HOSTILE[6],
           client_info={"name": HOSTILE[1], "version": HOSTILE[3]})
    for call, text in enumerate(HOSTILE, start=1):
        arguments = {"employee_id": text, "url": HOSTILE[3], text: text}
        record("message", direction="client_to_server", kind="request", method="tools/call", id=call, call=call,
               size=10, payload={"jsonrpc": "2.0", "id": call, "method": "tools/call",
                                 "params": {"name": text, "arguments": arguments}})
        approved = call % 2 == 0
        record("decision", call=call, id=call, tool=text, arguments=arguments, reason=text, tags=[text],
               policy_decision="confirm", decision="allow" if approved else "deny", decision_source="rule",
               rule={"name": text, "file": text, "line": call}, class_source=text,
               decided_by={"kind": "human", "channel": text, "identity": text},
               approval={"outcome": "approved" if approved else "declined", "detail": text, "wait_ms": 1200},
               **{"class": "write" if call % 3 else "sensitive"})
        record("message", direction="server_to_client", kind="response", id=call, call=call, size=10,
               payload={"jsonrpc": "2.0", "id": call, "result": {"content": [{"type": "text", "text": text}]}})
        record("result", call=call, id=call, tool=text, outcome=text, is_error=True, duration_ms=1.5)
    record(HOSTILE[9], note=HOSTILE[0])
    records.append('{"v":1,"seq":99,"session":"x","event":"decision","<img src=x onerror=alert(11)>":1,'
                   '"<img src=x onerror=alert(11)>":2}')
    records.append('{"v":1,"seq":100,"session":"' + session.replace('"', '\\"') + '","event":"decision","to')
    path = os.path.join(folder, "hostile-<img src=x onerror=alert(12)>.jsonl")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(records[:-1]) + "\n" + records[-1])
    print(path)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENT})
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    return driver


def load(driver, path):
    driver.get("file://" + os.path.abspath(path))
    WebDriverWait(driver, 20).until(
        lambda d: d.find_element(By.ID, "tl-status").text.startswith(("Showing", "No event")))


def visible_rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#tl-body tr.ev")


def quiet_console(driver, label):
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    check(not problems, "%s: no console errors %s" % (label, problems))
    violations = driver.execute_script("return window.__cspViolations")
    check(violations == [], "%s: the CSP blocked nothing (%s)" % (label, violations))


def check_demo(driver, path, screenshot):
    load(driver, path)
    labels = [node.text for node in driver.find_elements(By.CSS_SELECTOR, "table.approvals .label")]
    badges = [node.text for node in driver.find_elements(By.CSS_SELECTOR, "table.approvals .badge")]
    check(len(labels) >= 4, "demo: the Approvals table lists the write and sensitive calls (%d)" % len(labels))
    check(any(label.startswith("approved via client elicitation") and "human not verified" in label
              for label in labels),
          "demo: the client's answer is labelled as the client's, not a verified human's")
    check(any(label.startswith("declined via client elicitation") for label in labels),
          "demo: the client's refusal is labelled as such")
    check(any(label.startswith("denied by rule `") for label in labels), "demo: a rule denial cites the rule")
    check(all(badge.strip() for badge in badges), "demo: every label has a badge with a word and an icon")
    if screenshot:
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(screenshot)
        print("ok   screenshot written to " + screenshot)
    total = len(visible_rows(driver))
    check(total > 20, "demo: the timeline shows the session's records (%d rows)" % total)
    Select(driver.find_element(By.ID, "f-class")).select_by_visible_text("write")
    writes = visible_rows(driver)
    classes = {row.find_element(By.CSS_SELECTOR, "td.cls").text for row in writes}
    check(0 < len(writes) < total and classes == {"write"}, "demo: the class filter keeps only write rows")
    Select(driver.find_element(By.ID, "f-class")).select_by_visible_text("all")
    Select(driver.find_element(By.ID, "f-decision")).select_by_visible_text("deny")
    denied = visible_rows(driver)
    check(0 < len(denied) < total and {row.find_element(By.CSS_SELECTOR, "td.dec").text for row in denied} == {"deny"},
          "demo: the decision filter keeps only denied calls")
    Select(driver.find_element(By.ID, "f-decision")).select_by_visible_text("all")
    Select(driver.find_element(By.ID, "f-tool")).select_by_visible_text("update_salary")
    tools = {row.find_element(By.CSS_SELECTOR, "td.tool").text for row in visible_rows(driver)}
    check(tools == {"update_salary"}, "demo: the tool filter keeps one tool")
    Select(driver.find_element(By.ID, "f-tool")).select_by_visible_text("all")
    search = driver.find_element(By.ID, "f-text")
    search.send_keys("elicitation")
    WebDriverWait(driver, 5).until(lambda d: len(visible_rows(d)) < total)
    check(0 < len(visible_rows(driver)) < total, "demo: the text filter narrows the rows")
    search.clear()
    search.send_keys("\n")
    WebDriverWait(driver, 5).until(lambda d: len(visible_rows(d)) == total)
    Select(driver.find_element(By.ID, "f-size")).select_by_visible_text("50")
    if total > 50:
        check(len(visible_rows(driver)) == 50, "demo: pages hold 50 rows")
        driver.find_element(By.ID, "tl-next").click()
        check(len(visible_rows(driver)) == total - 50, "demo: the next page holds the rest")
    visible_rows(driver)[0].find_element(By.CSS_SELECTOR, "button.toggle").click()
    details = driver.find_elements(By.CSS_SELECTOR, "#tl-body tr.detail pre")
    check(len(details) == 1 and details[0].text.strip(), "demo: a row expands to its details")
    quiet_console(driver, "demo")


def check_hostile(driver, path):
    load(driver, path)
    # Exercise every rendering path: every row expanded, every tool selected, hostile text searched.
    Select(driver.find_element(By.ID, "f-size")).select_by_visible_text("500")
    for index in range(len(visible_rows(driver))):
        visible_rows(driver)[index].find_element(By.CSS_SELECTOR, "button.toggle").click()
    tool_select = Select(driver.find_element(By.ID, "f-tool"))
    tool_names = [option.get_attribute("textContent") for option in tool_select.options[1:]]
    missing = set(HOSTILE) - set(tool_names)
    check(not missing, "hostile: tool names are listed as plain text options (missing %s)" % missing)
    for index in range(1, len(tool_names) + 1):
        tool_select.select_by_index(index)
    tool_select.select_by_index(0)
    search = driver.find_element(By.ID, "f-text")
    for text in HOSTILE[:3]:
        search.clear()
        search.send_keys(text)
    time.sleep(0.5)
    try:
        alert = driver.switch_to.alert
        fail("hostile: an alert opened: " + alert.text)
    except NoAlertPresentException:
        pass
    check(driver.execute_script("return window.__pwned") is None, "hostile: window.__pwned is undefined")
    check(driver.execute_script("return window.__dialogs") == [], "hostile: no alert, confirm or prompt was called")
    for selector in ("img", "svg", "iframe", "body a[href^='javascript']", "[onerror]", "[onload]"):
        check(not driver.find_elements(By.CSS_SELECTOR, selector), "hostile: no %s element in the page" % selector)
    check(len(driver.find_elements(By.TAG_NAME, "script")) == 3, "hostile: only the report's own three scripts")
    links = [node.get_attribute("href") or "" for node in driver.find_elements(By.TAG_NAME, "a")]
    check(all("#" in link and not link.startswith("javascript") for link in links), "hostile: links are anchors only")
    text = driver.find_element(By.TAG_NAME, "body").get_attribute("textContent")
    check(all(item in text for item in HOSTILE), "hostile: the hostile strings are shown as text")
    check(bool(driver.find_elements(By.CSS_SELECTOR, "[role=alert] li")), "hostile: the bad lines are listed as warnings")
    check(driver.title == HOSTILE[0], "hostile: the hostile title is the document title, as text")
    quiet_console(driver, "hostile")


def main(arguments):
    if len(arguments) == 2 and arguments[0] == "write-hostile":
        write_hostile(arguments[1])
        return
    if not arguments or arguments[0] != "check":
        fail(__doc__)
    values = dict(zip(arguments[1::2], arguments[2::2]))
    driver = browser()
    try:
        check_demo(driver, values["--demo"], values.get("--screenshot"))
        check_hostile(driver, values["--hostile"])
    finally:
        driver.quit()
    print("browser checks passed")


if __name__ == "__main__":
    main(sys.argv[1:])
