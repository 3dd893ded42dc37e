"""Interop: the official MCP Python SDK client <-> mcp-firewall proxy <-> real servers.

Servers:
- `mcp-server-time` (third-party reference server, Python SDK `MCPServer`, serves both eras);
- `example-hr-server` (this project's example server).

Every test body runs under anyio.fail_after(); pytest-timeout (pytest.ini) is the outer guard.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

import anyio
import pytest
from conftest import (
    POLICIES,
    REQUEST_TIMEOUT,
    TEST_TIMEOUT,
    RecordingStdioTransport,
    assert_denial,
    legacy_session,
    result_text,
    tool_names,
)
from mcp import ClientSession, StdioServerParameters
from mcp.shared.exceptions import MCPError

try:  # the unified Client and the 2026-07-28 revision arrived in mcp 2.x
    from mcp.client import Client
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS
except ImportError:  # pragma: no cover - only with an old SDK
    Client = None  # type: ignore[assignment,misc]
    MODERN_PROTOCOL_VERSIONS = ()

MODERN = "2026-07-28"
LEGACY = "2025-11-25"
HAS_MODERN = Client is not None and MODERN in MODERN_PROTOCOL_VERSIONS
needs_modern = pytest.mark.skipif(
    not HAS_MODERN,
    reason=f"installed MCP SDK has no Client(mode={MODERN!r}); pin mcp>=2.0 in .ci/interop/requirements.txt",
)

pytestmark = pytest.mark.anyio

TIME_POLICY = POLICIES / "time.yaml"
HR_POLICY = POLICIES / "hr.yaml"

CONVERT_REASON = "conversions are not allowed in this test"
SALARY_REASON = "salary changes need a human approver"
PAYROLL_REASON = "payroll exports are blocked in CI"
NO_APPROVER = "no approver available"

CONVERT_ARGS = {"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}
EMPLOYEE = "E-1001"
TEN_MB = 10 * 1024 * 1024


def assert_real_time(result: Any, tz: str) -> None:
    assert result.is_error is False, f"get_current_time failed: {result_text(result)!r}"
    data = result.structured_content
    assert isinstance(data, dict), f"no structuredContent in {result!r}"
    assert data["timezone"] == tz
    stamp = datetime.fromisoformat(data["datetime"])
    assert stamp.tzinfo is not None, data
    skew = abs((datetime.now(timezone.utc) - stamp).total_seconds())
    assert skew < 300, f"server time {data['datetime']} is {skew:.0f}s away from now"
    assert json.loads(result_text(result)) == data, "text block does not match structuredContent"


def decisions_for(records: list[dict[str, Any]], tool: str) -> list[dict[str, Any]]:
    return [r for r in records if r.get("event") == "decision" and r.get("tool") == tool]


# ---------------------------------------------------------------------------
# mcp-server-time, 2025-11-25 era (stdio_client + ClientSession.initialize)


async def test_time_initialize_and_tools_list_filtered(proxy_factory, time_server_cmd):
    proxy = proxy_factory("time.yaml", time_server_cmd)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, init):
            assert init.protocol_version == LEGACY
            assert init.server_info.name == "mcp-time", "serverInfo must be the upstream server's, relayed as is"
            assert init.capabilities.tools is not None
            names = await tool_names(session)
    assert "get_current_time" in names, names
    assert "convert_time" not in names, f"unconditionally denied tool was not filtered from tools/list: {names}"


async def test_time_allowed_call_returns_real_time(proxy_factory, time_server_cmd):
    proxy = proxy_factory("time.yaml", time_server_cmd)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            await tool_names(session)
            result = await session.call_tool("get_current_time", {"timezone": "Europe/Warsaw"})
    assert_real_time(result, "Europe/Warsaw")


async def test_time_denied_call_returns_reason_and_rule_location(proxy_factory, time_server_cmd):
    proxy = proxy_factory("time.yaml", time_server_cmd)
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with transport as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=REQUEST_TIMEOUT) as session:
                await session.initialize()
                # Not listed (filtered), called anyway: the proxy must answer it itself.
                result = await session.call_tool("convert_time", CONVERT_ARGS)
                # The session must still be usable after a denial.
                after = await session.call_tool("get_current_time", {"timezone": "UTC"})
    assert_denial(result, TIME_POLICY, "convert_time", reason=CONVERT_REASON)
    assert_real_time(after, "UTC")

    raw = transport.raw_result_for_call("convert_time")
    assert raw.get("isError") is True, raw
    assert isinstance(raw.get("content"), list) and raw["content"][0].get("type") == "text", raw
    # A legacy (2025-11-25) result must not grow 2026-07-28 fields (mcp-protocol-facts.md);
    # the SDK's own legacy server sends none.
    assert "resultType" not in raw, f"legacy denial carries a 2026-07-28 field: {raw!r}"

    records = proxy.audit_records()
    denied = decisions_for(records, "convert_time")
    assert denied, "no decision record for convert_time"
    assert all(r.get("decision") == "deny" for r in denied), denied
    allowed = decisions_for(records, "get_current_time")
    assert allowed and all(r.get("decision") == "allow" for r in allowed), allowed


# ---------------------------------------------------------------------------
# example-hr-server, 2025-11-25 era


async def test_hr_tools_list_filtered(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            names = await tool_names(session)
    for visible in ("list_employees", "get_employee", "search_employees", "get_personnel_file"):
        assert visible in names, f"allowed tool {visible!r} missing from tools/list: {names}"
    for confirm in ("update_salary", "add_review_note"):
        assert confirm in names, f"confirm tool {confirm!r} must stay listed (not an unconditional deny): {names}"
    for hidden in ("export_payroll", "delete_employee"):
        assert hidden not in names, f"unconditionally denied tool {hidden!r} was not filtered: {names}"


async def test_hr_read_call_allowed(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            listing = await session.call_tool("list_employees", {})
            employee = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})
    assert listing.is_error is False, result_text(listing)
    assert EMPLOYEE in result_text(listing)
    assert employee.is_error is False, result_text(employee)
    assert EMPLOYEE in result_text(employee)


async def test_hr_confirm_write_denied_without_approver(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            before = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})
            salary = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 999_999})
            note = await session.call_tool("add_review_note", {"employee_id": EMPLOYEE, "note": "interop test"})
            after = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})
    assert_denial(salary, HR_POLICY, "update_salary", reason=SALARY_REASON, must_contain=(NO_APPROVER,))
    note_text = result_text(note)
    assert note.is_error is True, note_text
    assert "denied" in note_text.lower() and NO_APPROVER in note_text.lower(), note_text
    assert before.is_error is False and after.is_error is False
    assert result_text(after) == result_text(before), "a denied write reached the server (employee record changed)"


async def test_hr_unconditional_deny_called_anyway(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            result = await session.call_tool("export_payroll", {})
    assert_denial(result, HR_POLICY, "export_payroll", reason=PAYROLL_REASON)


async def test_hr_10mb_result_arrives_intact(proxy_factory, hr_server_bin):
    args = {"employee_id": EMPLOYEE, "size_bytes": TEN_MB}
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    with anyio.fail_after(max(TEST_TIMEOUT, 240)):
        # Reference: the same call straight to the server, no proxy.
        direct_params = StdioServerParameters(command=hr_server_bin, args=[])
        async with legacy_session(direct_params, proxy.stderr) as (session, _):
            direct = await session.call_tool("get_personnel_file", args, read_timeout_seconds=180)
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            proxied = await session.call_tool("get_personnel_file", args, read_timeout_seconds=180)
            # The relay must still work after a 10 MB line.
            small = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})

    direct_text, proxied_text = result_text(direct), result_text(proxied)
    assert direct.is_error is False, direct_text[:500]
    assert len(direct_text.encode()) == TEN_MB, f"server padded to {len(direct_text.encode())} bytes, expected {TEN_MB}"
    assert proxied.is_error is False, proxied_text[:500]
    assert len(proxied_text.encode()) == TEN_MB, f"proxied result is {len(proxied_text.encode())} bytes, expected {TEN_MB}"
    assert EMPLOYEE in proxied_text[:4096], "personnel file does not start with the employee's record"
    assert hashlib.sha256(proxied_text.encode()).hexdigest() == hashlib.sha256(direct_text.encode()).hexdigest(), (
        "proxied 10 MB result differs from the direct one"
    )
    assert small.is_error is False and EMPLOYEE in result_text(small)


async def test_hr_audit_log(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin], extra_args=["--env", "interop-env"])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            await tool_names(session)
            read = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})
            write = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 1})
            sensitive = await session.call_tool("export_payroll", {"department": "engineering"})
        # Leaving the context closed the proxy's stdin and waited for it to exit.
    assert read.is_error is False and write.is_error is True and sensitive.is_error is True

    records = proxy.audit_records()  # every line: JSON object with a known "event"
    events = [r["event"] for r in records]
    assert events[0] == "session_start", f"first audit event is {events[0]!r}"
    assert events[-1] == "session_end", f"last audit event is {events[-1]!r} (proxy did not close the log cleanly?)"
    assert events.count("session_start") == 1 and events.count("session_end") == 1, events
    assert "session_negotiated" in events, events
    assert "interop-env" in json.dumps(records[0]), f"--env name not recorded in session_start: {records[0]}"
    assert records[0].get("environment") == "interop-env" and records[0].get("environment_source") == "flag", records[0]

    expected = {
        # tool: (class, decision, policy_decision, reason substring or None)
        "get_employee": ("read", "allow", "allow", None),
        "update_salary": ("write", "deny", "confirm", None),
        "export_payroll": ("sensitive", "deny", "deny", PAYROLL_REASON),
    }
    for tool, (klass, decision, policy_decision, reason) in expected.items():
        found = decisions_for(records, tool)
        assert found, f"no decision record for {tool}"
        for record in found:
            for key in ("tool", "class", "decision", "policy_decision", "reason", "decided_by"):
                assert key in record, f"decision record for {tool} lacks {key!r}: {record}"
            assert record["class"] == klass, record
            assert record["decision"] == decision, record
            assert record["policy_decision"] == policy_decision, record
            assert isinstance(record["decided_by"], dict) and "kind" in record["decided_by"], record
            if reason is not None:
                assert reason in (record["reason"] or ""), record
            if policy_decision != "confirm":
                assert record["decided_by"]["kind"] == "policy", record

    # The confirm that found no approver must say so somewhere in its audit trail.
    salary_trail = decisions_for(records, "update_salary") + [r for r in records if r["event"] == "rejection"]
    assert any(NO_APPROVER in json.dumps(r).lower() for r in salary_trail), (
        f"'{NO_APPROVER}' not recorded for update_salary: {salary_trail}"
    )


async def test_audit_log_is_appended_across_sessions(proxy_factory, time_server_cmd, tmp_path):
    audit = tmp_path / "shared-audit.jsonl"
    for n in range(2):
        proxy = proxy_factory("time.yaml", time_server_cmd, name=f"run{n}", audit=audit)
        with anyio.fail_after(TEST_TIMEOUT):
            async with legacy_session(proxy.params, proxy.stderr) as (session, _):
                await session.call_tool("convert_time", CONVERT_ARGS)
        if n == 0:
            first_run = audit.read_bytes()
    assert audit.read_bytes().startswith(first_run), "second session rewrote the first session's audit lines"
    records = proxy.audit_records()
    events = [r["event"] for r in records]
    assert events.count("session_start") == 2 and events.count("session_end") == 2, events
    assert len(decisions_for(records, "convert_time")) == 2


# ---------------------------------------------------------------------------
# mcp-server-time, 2026-07-28 era (mcp.client.Client, no initialize, per-request _meta)


@needs_modern
async def test_modern_allowed_and_denied(proxy_factory, time_server_cmd):
    proxy = proxy_factory("time.yaml", time_server_cmd)
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(transport, mode=MODERN, cache=None, read_timeout_seconds=REQUEST_TIMEOUT) as client:
            assert client.protocol_version == MODERN
            names = await tool_names(client)
            allowed = await client.call_tool("get_current_time", {"timezone": "Asia/Tokyo"})
            denied = await client.call_tool("convert_time", CONVERT_ARGS)

    assert "initialize" not in [m.get("method") for m in transport.sent], "modern client sent initialize?"
    assert "get_current_time" in names and "convert_time" not in names, names
    assert_real_time(allowed, "Asia/Tokyo")
    assert_denial(denied, TIME_POLICY, "convert_time", reason=CONVERT_REASON)

    raw = transport.raw_result_for_call("convert_time")
    assert raw.get("resultType") == "complete", f"modern denial lacks resultType 'complete': {raw!r}"
    assert raw.get("isError") is True, raw
    raw_ok = transport.raw_result_for_call("get_current_time")
    assert raw_ok.get("resultType") == "complete", raw_ok


@needs_modern
async def test_modern_auto_mode_discovers_through_proxy(proxy_factory, time_server_cmd):
    """mode='auto' sends server/discover first; a proxy that blocks it silently downgrades clients to legacy."""
    proxy = proxy_factory("time.yaml", time_server_cmd)
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(transport, mode="auto", cache=None, read_timeout_seconds=REQUEST_TIMEOUT) as client:
            version = client.protocol_version
            info = client.server_info
            denied = await client.call_tool("convert_time", CONVERT_ARGS)
    methods = [m.get("method") for m in transport.sent]
    assert methods[0] == "server/discover", methods
    assert "initialize" not in methods, f"client fell back to the legacy handshake through the proxy: {methods}"
    assert version == MODERN
    assert info is not None and info.name == "mcp-time"
    assert_denial(denied, TIME_POLICY, "convert_time", reason=CONVERT_REASON)
    assert transport.raw_result_for_call("convert_time").get("resultType") == "complete"


@needs_modern
async def test_modern_hr_paginated_list_and_confirm_denied(proxy_factory, hr_server_bin):
    """2026-07-28 against the project's own server: filtered, paginated list results keep their
    required modern fields (the SDK rejects them otherwise), and a confirm without approver is a
    complete denial."""
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(transport, mode=MODERN, cache=None, read_timeout_seconds=REQUEST_TIMEOUT) as client:
            names = await tool_names(client)
            employee = await client.call_tool("get_employee", {"employee_id": EMPLOYEE})
            salary = await client.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 5})
    assert {"get_employee", "update_salary", "add_review_note"} <= names, names
    assert not names & {"export_payroll", "delete_employee"}, names
    assert employee.is_error is False and EMPLOYEE in result_text(employee)
    assert_denial(salary, HR_POLICY, "update_salary", reason=SALARY_REASON, must_contain=(NO_APPROVER,))
    raw = transport.raw_result_for_call("update_salary")
    assert raw.get("resultType") == "complete", f"modern denial lacks resultType 'complete': {raw!r}"
    lists = [m for m in transport.received if isinstance(m.get("result"), dict) and "tools" in m["result"]]
    assert lists, "no tools/list result recorded"
    for listing in lists:
        for key in ("resultType", "ttlMs", "cacheScope"):
            assert key in listing["result"], f"modern tools/list result lacks {key!r}: {listing['result'].keys()}"


async def test_unknown_tool_gets_exactly_one_answer(proxy_factory, time_server_cmd):
    """An unknown tool is a JSON-RPC -32602 from mcp-server-time: the proxy must relay the error, not eat it."""
    proxy = proxy_factory("time.yaml", time_server_cmd)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            # Classified via `unlisted: {class: annotations}`; no annotations -> not a read.
            # Whatever the proxy decides, the client must get exactly one answer, then keep working.
            try:
                result = await session.call_tool("no_such_tool", {})
            except MCPError as error:
                assert error.code == -32602, error
            else:
                assert result.is_error is True, result
            after = await session.call_tool("get_current_time", {"timezone": "UTC"})
    assert_real_time(after, "UTC")
