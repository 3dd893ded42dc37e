"""Interop: `confirm` decisions answered by the MCP client itself (MCP elicitation).

The official MCP Python SDK client talks to `mcp-firewall proxy --no-terminal` in front of the
project's example HR server, with `policies/approval.yaml` (channels: [elicitation]):

- 2025-11-25 (`ClientSession` + `initialize`, `elicitation_callback=`): the proxy sends the
  client `elicitation/create` and holds the call until the answer (or the timeout) arrives;
- 2026-07-28 (`Client(mode="2026-07-28")`): the proxy answers the `tools/call` with
  `resultType: input_required` and a signed `requestState`; the SDK's driver (or the test, by
  hand) answers and retries.

Every check looks at three places: the result the client gets, the audit log (`--audit`), and
what the server actually received. The server runs behind `tee` (see `tee_server`), so the
tests can prove a refused call never reached it and an approved 2026-07-28 retry reached it
without the proxy's own `requestState`/`inputResponses`.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import (
    POLICIES,
    REQUEST_TIMEOUT,
    TEST_TIMEOUT,
    Proxy,
    RecordingStdioTransport,
    assert_denial,
    result_text,
    rule_lines,
)
from mcp import ClientSession, types
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from mcp.shared.message import SessionMessage

try:  # the unified Client, the 2026-07-28 revision and input_required arrived in mcp 2.x
    from mcp.client import Client
    from mcp_types import InputRequiredResult, JSONRPCResponse
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS
except ImportError:  # pragma: no cover - only with an old SDK
    Client = None  # type: ignore[assignment,misc]
    InputRequiredResult = None  # type: ignore[assignment,misc]
    JSONRPCResponse = None  # type: ignore[assignment,misc]
    MODERN_PROTOCOL_VERSIONS = ()

MODERN = "2026-07-28"
HAS_MODERN = Client is not None and MODERN in MODERN_PROTOCOL_VERSIONS
needs_modern = pytest.mark.skipif(
    not HAS_MODERN,
    reason=f"installed MCP SDK has no Client(mode={MODERN!r}); pin mcp>=2.0 in .ci/interop/requirements.txt",
)

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

POLICY = POLICIES / "approval.yaml"
SALARY_REASON = "salary changes need a human approver"
NOTE_REASON = "review notes become part of the record"
NO_APPROVER = "no approver available"
INPUT_KEY = "mcp-firewall.approval"  # the proxy's key in `inputRequests` (2026-07-28)
STATE_PREFIX = "mcpfw1."  # the proxy's signed requestState format

EMPLOYEE = "E-1001"
OTHER_EMPLOYEE = "E-1002"
# A distinctive client name, so the audit's approver identity can be traced back to this client.
CLIENT_INFO = types.Implementation(name="approval-interop-client", version="9.8.7")
CLIENT_NAME = CLIENT_INFO.name

# "Quickly": a denial that needs no answer must not wait for anything (the policy timeout is 20 s).
QUICK = 2.0
# Budget for this file's individual waits (each test also runs under TEST_TIMEOUT).
WAIT = 10.0


# ---------------------------------------------------------------------------
# Answers


def approve(remember: bool | None = None) -> types.ElicitResult:
    content: dict[str, Any] = {"decision": "approve"}
    if remember is not None:
        content["remember"] = remember
    return types.ElicitResult(action="accept", content=content)


def accept_deny() -> types.ElicitResult:
    return types.ElicitResult(action="accept", content={"decision": "deny"})


def decline() -> types.ElicitResult:
    return types.ElicitResult(action="decline")


def cancel() -> types.ElicitResult:
    return types.ElicitResult(action="cancel")


def refuse_request() -> types.ErrorData:
    """The client answers the question with a JSON-RPC error (it cannot or will not show it)."""
    return types.ErrorData(code=types.INTERNAL_ERROR, message="no user interface here")


class Approver:
    """An `elicitation_callback` that records every question and answers from `answer`."""

    def __init__(self, answer: Callable[[int], Any] | types.ElicitResult) -> None:
        self._answer = answer
        self.questions: list[tuple[Any, types.ElicitRequestParams]] = []

    @property
    def count(self) -> int:
        return len(self.questions)

    async def __call__(self, ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult | types.ErrorData:
        self.questions.append((ctx.request_id, params))
        answer = self._answer
        if callable(answer):
            answer = answer(len(self.questions))
            if hasattr(answer, "__await__"):
                answer = await answer
        return answer


# ---------------------------------------------------------------------------
# Launching


def tee_server(hr_server_bin: str, log: Path) -> list[str]:
    """The HR server with its stdin copied to `log`: every line the proxy forwarded, as sent."""
    sh = shutil.which("sh") or "/bin/sh"
    return [sh, "-c", 'tee -a "$0" | exec "$1"', str(log), hr_server_bin]


def server_calls(log: Path, tool: str) -> list[dict[str, Any]]:
    """`params` of every `tools/call` of `tool` that reached the server."""
    if not log.exists():
        return []
    calls = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("method") == "tools/call" and (message.get("params") or {}).get("name") == tool:
            calls.append(message["params"])
    return calls


def launch(proxy_factory: Any, hr_server_bin: str, tmp_path: Path, policy: Path = POLICY) -> tuple[Proxy, Path]:
    log = tmp_path / f"server-stdin-{len(proxy_factory.launched)}.jsonl"
    proxy = proxy_factory(policy, tee_server(hr_server_bin, log), extra_args=["--no-terminal"])
    return proxy, log


def policy_with_timeout(tmp_path: Path, timeout: str) -> Path:
    """A copy of approval.yaml (same line numbers) with another approval timeout."""
    text = POLICY.read_text(encoding="utf-8")
    assert text.count("timeout: 20s") == 1, "approval.yaml must keep exactly one `timeout: 20s`"
    path = tmp_path / f"timeout-{timeout}" / POLICY.name  # same name: denials cite `approval.yaml:<line>`
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace("timeout: 20s", f"timeout: {timeout}"), encoding="utf-8")
    return path


class InjectingTransport(RecordingStdioTransport):
    """RecordingStdioTransport that also lets a test write raw JSON-RPC messages to the proxy."""

    async def __aenter__(self) -> tuple[Any, Any]:
        read, write = await super().__aenter__()
        self.write = write
        return read, write

    async def inject(self, message: Any) -> None:
        await self.write.send(SessionMessage(message))


@asynccontextmanager
async def legacy_client(
    proxy: Proxy, callback: Any = None, transport: RecordingStdioTransport | None = None
) -> AsyncIterator[ClientSession]:
    """2025-11-25: ClientSession + initialize(); `elicitation` is declared only when `callback` is given."""
    async with (transport or stdio_client(proxy.params, errlog=proxy.stderr)) as (read, write):
        async with ClientSession(
            read,
            write,
            read_timeout_seconds=REQUEST_TIMEOUT,
            elicitation_callback=callback,
            client_info=CLIENT_INFO,
        ) as session:
            init = await session.initialize()
            assert init.protocol_version == "2025-11-25", init
            yield session


def modern_client(proxy: Proxy, callback: Any = None, transport: Any = None) -> Any:
    return Client(
        transport or proxy.params,
        mode=MODERN,
        cache=None,
        read_timeout_seconds=REQUEST_TIMEOUT,
        elicitation_callback=callback,
        client_info=CLIENT_INFO,
    )


async def salary(client: Any, employee: str = EMPLOYEE) -> float:
    result = await client.call_tool("get_employee", {"employee_id": employee})
    assert result.is_error is False, result_text(result)
    return result.structured_content["salary"]


async def review_notes(client: Any, employee: str = EMPLOYEE) -> list[str]:
    result = await client.call_tool("get_employee", {"employee_id": employee})
    assert result.is_error is False, result_text(result)
    return result.structured_content["review_notes"]


# ---------------------------------------------------------------------------
# Wire and audit helpers


def sent_calls(transport: RecordingStdioTransport, tool: str) -> list[dict[str, Any]]:
    """Every tools/call of `tool` the client sent (the SDK's input_required retries included)."""
    return [m for m in transport.sent if m.get("method") == "tools/call" and m["params"].get("name") == tool]


def response_to(transport: RecordingStdioTransport, request_id: Any) -> dict[str, Any]:
    responses = [m for m in transport.received if m.get("id") == request_id and "method" not in m]
    assert len(responses) == 1, f"expected one response to id {request_id!r}: {responses}"
    assert "result" in responses[0], responses[0]
    return responses[0]["result"]


def of(records: list[dict[str, Any]], event: str, tool: str | None = None) -> list[dict[str, Any]]:
    return [r for r in records if r.get("event") == event and (tool is None or r.get("tool") == tool)]


def only(items: list[dict[str, Any]], what: str) -> dict[str, Any]:
    assert len(items) == 1, f"expected exactly one {what}, got {len(items)}: {items}"
    return items[0]


def results_for(records: list[dict[str, Any]], call: int) -> list[dict[str, Any]]:
    return [r for r in records if r.get("event") == "result" and r.get("call") == call]


def assert_client_approver(approver: dict[str, Any]) -> None:
    assert approver.get("kind") == "client", approver
    assert approver.get("channel") == "elicitation", approver
    assert CLIENT_NAME in (approver.get("identity") or ""), f"approver identity does not name the client: {approver}"


def assert_decision(
    record: dict[str, Any], *, decision: str, outcome: str, kind: str | None = "client", detail: str | None = None
) -> dict[str, Any]:
    """A `decision` record of a confirm: final decision, who decided (`kind`; None: the caller
    checks), and its `approval` trace."""
    assert record["policy_decision"] == "confirm", record
    assert record["decision"] == decision, record
    approval = record.get("approval")
    assert isinstance(approval, dict), f"decision record lacks `approval`: {record}"
    assert approval.get("outcome") == outcome, record
    for key in ("id", "approver", "detail", "requested_at", "decided_at", "wait_ms"):
        assert key in approval, f"approval trace lacks {key!r}: {approval}"
    assert isinstance(approval["wait_ms"], int) and approval["wait_ms"] >= 0, approval
    if kind == "client":
        assert_client_approver(record["decided_by"])
        assert_client_approver(approval["approver"])
    elif kind is not None:
        assert record["decided_by"].get("kind") == kind, record
    if detail is not None:
        assert detail.lower() in (approval.get("detail") or "").lower(), f"approval detail lacks {detail!r}: {approval}"
    return approval


def assert_not_run(records: list[dict[str, Any]], decision: dict[str, Any], server_log: Path, tool: str) -> None:
    """The denied call has no `result` record and the server never received it."""
    assert not results_for(records, decision["call"]), (
        f"denied call {decision['call']} has a result record: {results_for(records, decision['call'])}"
    )
    assert server_calls(server_log, tool) == [], f"the server received {tool}: {server_calls(server_log, tool)}"


def assert_question(params: types.ElicitRequestParams, tool: str, arguments: dict[str, Any], *, remember: bool) -> None:
    """The elicitation the proxy asks: a form naming the call, with a required approve/deny choice."""
    dumped = params.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped.get("mode", "form") == "form", dumped
    message = dumped["message"]
    assert tool in message, f"question does not name the tool: {message!r}"
    for value in arguments.values():
        assert str(value) in message, f"question does not show argument {value!r}: {message!r}"
    block = rule_lines(POLICY, tool)
    cited = [int(n) for n in re.findall(r"approval\.yaml:(\d+)", message)]
    assert any(n in block for n in cited), f"question does not cite the rule ({block}): {message!r}"
    schema = dumped["requestedSchema"]
    assert schema["type"] == "object", schema
    assert schema.get("required") == ["decision"], schema
    decision = schema["properties"]["decision"]
    assert decision["type"] == "string" and decision["enum"] == ["approve", "deny"], schema
    if remember:
        assert schema["properties"]["remember"]["type"] == "boolean", schema
    else:
        assert "remember" not in schema["properties"], f"remember offered although the rule says never: {schema}"


# ---------------------------------------------------------------------------
# 2025-11-25: elicitation/create from the proxy


async def test_legacy_client_approves(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    approver = Approver(approve())
    args = {"employee_id": EMPLOYEE, "new_salary": 222_333}
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, approver, transport) as session:
            before = await salary(session)
            result = await session.call_tool("update_salary", args)
            after = await salary(session)

    text = result_text(result)
    assert result.is_error is False, text
    assert f"changed from {int(before)} to 222333" in text, f"not the server's own result: {text!r}"
    assert result.structured_content == {"employee_id": EMPLOYEE, "new_salary": 222_333, "previous_salary": before}
    assert after == 222_333

    assert approver.count == 1, approver.questions
    elicitation_id, params = approver.questions[0]
    assert isinstance(elicitation_id, str) and elicitation_id.startswith("mcp-firewall-"), elicitation_id
    assert_question(params, "update_salary", args, remember=False)
    assert SALARY_REASON in params.message, params.message
    # On the wire: one elicitation/create under the proxy's own id, answered by the client.
    asked = [m for m in transport.received if m.get("method") == "elicitation/create"]
    assert [m["id"] for m in asked] == [elicitation_id], asked
    assert asked[0]["params"].get("mode") == "form", asked

    records = proxy.audit_records()
    requested = only(of(records, "approval_requested", "update_salary"), "approval_requested")
    assert requested["channel"] == "elicitation", requested
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    approval = assert_decision(decision, decision="allow", outcome="approved")
    assert approval["id"] == requested["approval_id"], (approval, requested)
    assert CLIENT_NAME in approval["detail"], approval
    result_record = only(results_for(records, decision["call"]), "result record")
    assert result_record["outcome"] == "ok" and result_record["is_error"] is False, result_record
    # The proxy's question and the client's answer are both in the audit trail.
    trail = [r for r in of(records, "message") if r.get("id") == elicitation_id]
    assert {(r["direction"], r["kind"]) for r in trail} == {
        ("proxy_to_client", "request"),
        ("client_to_proxy", "response"),
    }, trail
    forwarded = server_calls(server_log, "update_salary")
    assert [c["arguments"] for c in forwarded] == [args], forwarded


@pytest.mark.parametrize(
    ("answer", "outcome", "wording", "kind"),
    [
        (decline, "declined", "Confirmation declined", "client"),
        (cancel, "cancelled", "Confirmation cancelled", "client"),
        (accept_deny, "declined", "Confirmation declined", "client"),
        # An error instead of an answer: nobody decided, so the policy's `unattended` applies.
        (refuse_request, "unattended", "no user interface here", "policy"),
    ],
    ids=["decline", "cancel", "accept-deny", "error-reply"],
)
async def test_legacy_client_refuses(proxy_factory, hr_server_bin, tmp_path, answer, outcome, wording, kind):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    approver = Approver(answer())
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, approver) as session:
            before = await salary(session)
            result = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 1})
            after = await salary(session)

    assert approver.count == 1
    assert_denial(result, POLICY, "update_salary", reason=SALARY_REASON, must_contain=(wording,))
    assert after == before, "a refused write reached the server (salary changed)"
    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    assert_decision(decision, decision="deny", outcome=outcome, kind=kind)
    assert_not_run(records, decision, server_log, "update_salary")


async def test_legacy_client_without_elicitation_is_denied_at_once(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, None, transport) as session:
            started = time.monotonic()
            result = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 2})
            elapsed = time.monotonic() - started

    assert elapsed < QUICK, f"denial without an approver took {elapsed:.2f}s (policy timeout is 20s)"
    assert_denial(result, POLICY, "update_salary", reason=SALARY_REASON, must_contain=(NO_APPROVER,))
    assert not [m for m in transport.received if m.get("method") == "elicitation/create"], (
        "the proxy asked a client that did not declare elicitation"
    )
    records = proxy.audit_records()
    negotiated = only(of(records, "session_negotiated"), "session_negotiated")
    assert "elicitation" not in (negotiated.get("client_capabilities") or {}), negotiated
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    approval = assert_decision(decision, decision="deny", outcome="unattended", kind="policy", detail=NO_APPROVER)
    assert approval.get("unattended") == "deny", approval
    assert not of(records, "approval_requested"), "no approval can be requested without a channel"
    assert_not_run(records, decision, server_log, "update_salary")


async def test_legacy_timeout_denies_and_ignores_the_late_answer(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path, policy_with_timeout(tmp_path, "1s"))
    withdrawn = anyio.Event()

    async def too_slow(_n: int) -> types.ElicitResult:
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            withdrawn.set()  # the SDK applies the proxy's notifications/cancelled to this handler
            raise
        return approve()

    approver = Approver(too_slow)
    transport = InjectingTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, approver, transport) as session:
            before = await salary(session)
            started = time.monotonic()
            result = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 3})
            elapsed = time.monotonic() - started
            assert approver.count == 1, f"the client was not asked: {result_text(result)!r}"
            with anyio.fail_after(WAIT):
                await withdrawn.wait()
            elicitation_id = approver.questions[0][0]
            # The answer arrives after all (the SDK never sends one for a cancelled request, so it
            # is written raw): it must be dropped, not run the call.
            await transport.inject(
                JSONRPCResponse(
                    jsonrpc="2.0", id=elicitation_id, result={"action": "accept", "content": {"decision": "approve"}}
                )
            )
            after = await salary(session)  # sent after the late answer, so the proxy has read it
            await anyio.sleep(0.2)
            after_pause = await salary(session)

    assert 0.9 <= elapsed < 1 + QUICK, f"a 1 s approval timeout took {elapsed:.2f}s"
    assert_denial(result, POLICY, "update_salary", reason=SALARY_REASON, must_contain=("Confirmation timeout",))
    cancels = [m for m in transport.received if m.get("method") == "notifications/cancelled"]
    assert [m["params"].get("requestId") for m in cancels] == [elicitation_id], cancels
    assert after == before and after_pause == before, "the late approval ran the call"

    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    approval = assert_decision(decision, decision="deny", outcome="timeout", kind="policy")
    assert decision["decided_by"].get("channel") == "elicitation", decision
    assert approval["wait_ms"] >= 900, approval
    assert_not_run(records, decision, server_log, "update_salary")
    late = [r for r in of(records, "message") if r.get("id") == elicitation_id and r["direction"] == "client_to_proxy"]
    assert len(late) == 1, f"the late answer is not audited once: {late}"


async def test_legacy_client_abandoning_the_call_withdraws_the_question(proxy_factory, hr_server_bin, tmp_path):
    """The SDK gives up on the tools/call (read timeout) and sends notifications/cancelled for it:
    the proxy withdraws its question in turn, and the call never runs."""
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    withdrawn = anyio.Event()

    async def never(_n: int) -> types.ElicitResult:
        try:
            await anyio.sleep(30)
        except anyio.get_cancelled_exc_class():
            withdrawn.set()
            raise
        return approve()

    approver = Approver(never)
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, approver, transport) as session:
            before = await salary(session)
            with pytest.raises(MCPError, match="timed out"):
                await session.call_tool(
                    "update_salary", {"employee_id": EMPLOYEE, "new_salary": 4}, read_timeout_seconds=0.5
                )
            with anyio.fail_after(WAIT):
                await withdrawn.wait()
            after = await salary(session)

    assert approver.count == 1
    assert after == before
    (call,) = sent_calls(transport, "update_salary")
    client_cancels = [m for m in transport.sent if m.get("method") == "notifications/cancelled"]
    assert [m["params"]["requestId"] for m in client_cancels] == [call["id"]], client_cancels
    elicitation_id = approver.questions[0][0]
    proxy_cancels = [m for m in transport.received if m.get("method") == "notifications/cancelled"]
    assert [m["params"]["requestId"] for m in proxy_cancels] == [elicitation_id], proxy_cancels
    assert not [m for m in transport.received if m.get("id") == call["id"]], "a cancelled request was answered"
    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    # The client withdrew the call; the proxy does not name it here (identity is optional in the
    # audit schema, unlike for answers to the question, which test_legacy_client_approves checks).
    approval = assert_decision(decision, decision="deny", outcome="cancelled", kind=None)
    for approver in (decision["decided_by"], approval["approver"]):
        assert approver.get("kind") == "client" and approver.get("channel") == "elicitation", approver
        assert CLIENT_NAME in approver.get("identity", CLIENT_NAME), approver
    assert_not_run(records, decision, server_log, "update_salary")


async def test_legacy_remember_grant(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    approver = Approver(lambda n: approve(remember=True))
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, approver) as session:
            notes_before = await review_notes(session)
            first = await session.call_tool("add_review_note", {"employee_id": EMPLOYEE, "note": "first"})
            asked_first = approver.count
            second = await session.call_tool("add_review_note", {"employee_id": EMPLOYEE, "note": "second"})
            asked_second = approver.count
            # The grant is bound to employee_id (remember.arguments): another employee is asked again.
            other = await session.call_tool("add_review_note", {"employee_id": OTHER_EMPLOYEE, "note": "third"})
            asked_other = approver.count
            # update_salary's rule says remember: never; a "remember" answer there is not a grant.
            s1 = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 150_000})
            s2 = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 150_001})
            notes_after = await review_notes(session)

    for result in (first, second, other, s1, s2):
        assert result.is_error is False, result_text(result)
    assert (asked_first, asked_second, asked_other) == (1, 1, 2), "the remembered approval did not cover the call"
    assert approver.count == 4, "update_salary (remember: never) must be asked every time"
    note_question, salary_question = approver.questions[0][1], approver.questions[2][1]
    assert_question(note_question, "add_review_note", {"employee_id": EMPLOYEE, "note": "first"}, remember=True)
    assert NOTE_REASON in note_question.message
    assert_question(salary_question, "update_salary", {"employee_id": EMPLOYEE, "new_salary": 150_000}, remember=False)
    assert notes_after == notes_before + ["first", "second"]

    records = proxy.audit_records()
    notes = of(records, "decision", "add_review_note")
    assert len(notes) == 3, notes
    granted = assert_decision(notes[0], decision="allow", outcome="approved")
    grant = granted.get("grant")
    assert isinstance(grant, dict) and grant.get("id"), f"approving with remember created no grant: {granted}"
    assert grant["tool"] == "add_review_note" and grant.get("expires_at"), grant
    assert grant.get("arguments") == {"employee_id": EMPLOYEE}, grant
    covered = assert_decision(notes[1], decision="allow", outcome="approved")
    assert covered.get("grant_id") == grant["id"], f"the covered call does not cite the grant: {covered}"
    assert "grant" not in covered, covered
    asked_again = assert_decision(notes[2], decision="allow", outcome="approved")
    assert asked_again.get("grant_id") is None, asked_again
    requested = [r["call"] for r in of(records, "approval_requested", "add_review_note")]
    assert requested == [notes[0]["call"], notes[2]["call"]], f"approval requested for {requested}"
    for decision in notes:
        assert only(results_for(records, decision["call"]), "result")["outcome"] == "ok"
    for decision in of(records, "decision", "update_salary"):
        approval = assert_decision(decision, decision="allow", outcome="approved")
        assert "grant" not in approval and approval.get("grant_id") is None, approval
    assert len(server_calls(server_log, "add_review_note")) == 3


async def test_legacy_reads_flow_while_a_write_waits(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    asked = anyio.Event()
    release = anyio.Event()

    async def held(_n: int) -> types.ElicitResult:
        asked.set()
        await release.wait()
        return approve()

    approver = Approver(held)
    results: dict[str, Any] = {}
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_client(proxy, approver) as session:
            before = await salary(session)

            async def write() -> None:
                results["write"] = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 7})
                asked.set()  # do not wait for a question that never comes

            async with anyio.create_task_group() as tg:
                tg.start_soon(write)
                with anyio.fail_after(WAIT):
                    await asked.wait()
                assert approver.count == 1 and "write" not in results, (
                    f"the write was not held for approval: {results.get('write')!r}"
                )
                with anyio.fail_after(WAIT):  # reads are not queued behind the pending write
                    during = await salary(session)
                    listing = await session.call_tool("list_employees", {})
                assert "write" not in results, "the write finished before its approval was given"
                release.set()
            after = await salary(session)

    assert during == before, "the waiting write already ran"
    assert listing.is_error is False and EMPLOYEE in result_text(listing)
    assert results["write"].is_error is False, result_text(results["write"])
    assert after == 7

    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    assert_decision(decision, decision="allow", outcome="approved")
    requested = only(of(records, "approval_requested", "update_salary"), "approval_requested")
    list_result = only(of(records, "result", "list_employees"), "list_employees result")
    assert requested["seq"] < list_result["seq"] < decision["seq"], (
        "the read did not complete while the write was waiting for its approval"
    )
    assert len(server_calls(server_log, "update_salary")) == 1


# ---------------------------------------------------------------------------
# 2026-07-28: input_required + requestState


@needs_modern
async def test_modern_client_approves(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    approver = Approver(approve())
    args = {"employee_id": EMPLOYEE, "new_salary": 246_810}
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with modern_client(proxy, approver, transport) as client:
            assert client.protocol_version == MODERN
            before = await salary(client)
            result = await client.call_tool("update_salary", args)
            after = await salary(client)

    text = result_text(result)
    assert result.is_error is False, text
    assert f"changed from {int(before)} to 246810" in text, f"not the server's own result: {text!r}"
    assert after == 246_810
    assert "initialize" not in [m.get("method") for m in transport.sent]

    # The SDK's driver: call -> input_required -> callback -> retry under a new id with the state.
    assert approver.count == 1
    key, params = approver.questions[0]
    assert key == INPUT_KEY, key
    assert_question(params, "update_salary", args, remember=False)
    first, retry = sent_calls(transport, "update_salary")
    assert first["id"] != retry["id"]
    asked = response_to(transport, first["id"])
    assert asked.get("resultType") == "input_required", asked
    assert asked["inputRequests"][INPUT_KEY]["method"] == "elicitation/create", asked
    state = asked.get("requestState")
    assert isinstance(state, str) and state.startswith(STATE_PREFIX), asked
    assert retry["params"]["requestState"] == state
    assert retry["params"]["inputResponses"][INPUT_KEY]["action"] == "accept", retry
    assert response_to(transport, retry["id"]).get("resultType") == "complete"

    # The server got the retry without the proxy's state and answers, with the client's _meta.
    forwarded = only(server_calls(server_log, "update_salary"), "forwarded update_salary")
    assert forwarded["arguments"] == args, forwarded
    assert "requestState" not in forwarded and "inputResponses" not in forwarded, f"proxy state leaked: {forwarded}"
    assert forwarded.get("_meta", {}).get("io.modelcontextprotocol/protocolVersion") == MODERN, forwarded

    records = proxy.audit_records()
    assert only(of(records, "session_negotiated"), "session_negotiated")["era"] == "modern"
    requested = only(of(records, "approval_requested", "update_salary"), "approval_requested")
    assert requested["channel"] == "elicitation" and requested["id"] == first["id"], requested
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    assert decision["id"] == retry["id"] and decision["era"] == "modern", decision
    approval = assert_decision(decision, decision="allow", outcome="approved")
    assert approval["id"] == requested["approval_id"], (approval, requested)
    assert only(results_for(records, decision["call"]), "result")["outcome"] == "ok"


@needs_modern
@pytest.mark.parametrize(
    ("answer", "outcome", "wording"),
    [(decline, "declined", "Confirmation declined"), (cancel, "cancelled", "Confirmation cancelled")],
    ids=["decline", "cancel"],
)
async def test_modern_client_refuses(proxy_factory, hr_server_bin, tmp_path, answer, outcome, wording):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    approver = Approver(answer())
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with modern_client(proxy, approver, transport) as client:
            before = await salary(client)
            result = await client.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 11})
            after = await salary(client)

    assert approver.count == 1
    assert_denial(result, POLICY, "update_salary", reason=SALARY_REASON, must_contain=(wording,))
    assert after == before
    retry = sent_calls(transport, "update_salary")[-1]
    assert response_to(transport, retry["id"]).get("resultType") == "complete"
    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    assert decision["id"] == retry["id"], decision
    assert_decision(decision, decision="deny", outcome=outcome)
    assert_not_run(records, decision, server_log, "update_salary")


@needs_modern
async def test_modern_client_without_elicitation_is_denied_at_once(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with modern_client(proxy, None, transport) as client:
            started = time.monotonic()
            result = await client.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 12})
            elapsed = time.monotonic() - started

    assert elapsed < QUICK, f"denial without an approver took {elapsed:.2f}s"
    assert_denial(result, POLICY, "update_salary", reason=SALARY_REASON, must_contain=(NO_APPROVER,))
    (call,) = sent_calls(transport, "update_salary")
    assert "elicitation" not in call["params"]["_meta"].get("io.modelcontextprotocol/clientCapabilities", {}), call
    assert response_to(transport, call["id"]).get("resultType") == "complete"
    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    assert_decision(decision, decision="deny", outcome="unattended", kind="policy", detail=NO_APPROVER)
    assert not of(records, "approval_requested")
    assert_not_run(records, decision, server_log, "update_salary")


@needs_modern
async def test_modern_remember_grant(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    approver = Approver(lambda n: approve(remember=True))
    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with modern_client(proxy, approver, transport) as client:
            first = await client.call_tool("add_review_note", {"employee_id": EMPLOYEE, "note": "modern first"})
            second = await client.call_tool("add_review_note", {"employee_id": EMPLOYEE, "note": "modern second"})
            notes = await review_notes(client)

    assert first.is_error is False and second.is_error is False, (result_text(first), result_text(second))
    assert approver.count == 1, "the remembered approval did not cover the second call"
    question = approver.questions[0][1]
    assert_question(question, "add_review_note", {"employee_id": EMPLOYEE, "note": "modern first"}, remember=True)
    assert notes[-2:] == ["modern first", "modern second"], notes
    calls = sent_calls(transport, "add_review_note")
    assert len(calls) == 3, "expected call, retry, and one plain call under the grant"
    assert response_to(transport, calls[2]["id"]).get("resultType") == "complete"
    records = proxy.audit_records()
    granted, covered = of(records, "decision", "add_review_note")
    grant = assert_decision(granted, decision="allow", outcome="approved").get("grant")
    assert isinstance(grant, dict) and grant.get("id"), granted
    assert assert_decision(covered, decision="allow", outcome="approved").get("grant_id") == grant["id"], covered
    assert covered["id"] == calls[2]["id"], covered
    assert len(server_calls(server_log, "add_review_note")) == 2


def tamper(state: str, part: int) -> str:
    """`state` (`mcpfw1.<payload>.<mac>`) with one base64url character of `part` (1 payload, 2 MAC) changed."""
    pieces = state.split(".")
    assert len(pieces) == 3 and pieces[0] + "." == STATE_PREFIX, state
    text = pieces[part]
    i = len(text) // 2
    pieces[part] = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    return ".".join(pieces)


def with_payload(state: str, **changes: Any) -> str:
    """`state` with its payload re-encoded with `changes` and the original MAC kept."""
    prefix, payload, mac = state.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{prefix}.{encoded}.{mac}"


@needs_modern
async def test_modern_request_state_is_single_use_bound_and_signed(proxy_factory, hr_server_bin, tmp_path):
    """Drive the input_required loop by hand: an approval covers exactly the call it was asked for, once."""
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path)
    # The callback only makes the client declare elicitation; the test answers by hand.
    approver = Approver(approve())
    answers = {INPUT_KEY: approve()}
    args = {"employee_id": EMPLOYEE, "new_salary": 180_000}

    async def call(arguments: dict[str, Any], **retry: Any) -> Any:
        return await client.session.call_tool("update_salary", arguments, allow_input_required=True, **retry)

    async def ask(arguments: dict[str, Any]) -> str:
        result = await call(arguments)
        assert isinstance(result, InputRequiredResult), f"expected input_required, got {result!r}"
        assert set(result.input_requests or {}) == {INPUT_KEY}, result
        assert result.request_state and result.request_state.startswith(STATE_PREFIX), result
        return result.request_state

    def refused(result: Any, needle: str) -> None:
        assert not isinstance(result, InputRequiredResult), f"expected a denial, got {result!r}"
        assert_denial(result, POLICY, "update_salary", reason=SALARY_REASON, must_contain=(needle,))

    transport = RecordingStdioTransport(proxy.params, proxy.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with modern_client(proxy, approver, transport) as client:
            before = await salary(client)
            state = await ask(args)
            approved = await call(args, input_responses=answers, request_state=state)
            # The same approval again, under a new request id: one approval covers one call.
            replayed = await call(args, input_responses=answers, request_state=state)
            # An approval asked for one set of arguments does not cover another.
            state2 = await ask({"employee_id": EMPLOYEE, "new_salary": 1})
            changed = await call(
                {"employee_id": EMPLOYEE, "new_salary": 999_999}, input_responses=answers, request_state=state2
            )
            other_employee = await call(
                {"employee_id": OTHER_EMPLOYEE, "new_salary": 1}, input_responses=answers, request_state=state2
            )
            # A state the client altered: its signature no longer matches.
            state3 = await ask(args)
            forged_mac = await call(args, input_responses=answers, request_state=tamper(state3, 2))
            forged_payload = await call(args, input_responses=answers, request_state=tamper(state3, 1))
            renamed = with_payload(state3, t="get_employee")  # payload edited, original MAC kept
            forged_tool = await call(args, input_responses=answers, request_state=renamed)
            garbage = await call(args, input_responses=answers, request_state=STATE_PREFIX + "not-a-state")
            # Answers without any state of the proxy's are not an approval: the proxy asks instead.
            unsigned = await call(args, input_responses=answers)
            middle = await salary(client)
            # The untouched state still works for the call it was issued for (it was never redeemed).
            late_ok = await call(args, input_responses=answers, request_state=state3)
            after = await salary(client)

    assert approver.count == 0, "the test answered by hand; the callback must not run"
    assert not isinstance(approved, InputRequiredResult) and approved.is_error is False, approved
    assert f"changed from {int(before)} to 180000" in result_text(approved)
    refused(replayed, "already used")
    refused(changed, "differs")
    refused(other_employee, "differs")
    for forged in (forged_mac, forged_payload, forged_tool):
        refused(forged, "integrity check")
    refused(garbage, "not one this proxy issued")
    assert isinstance(unsigned, InputRequiredResult), f"answers without a valid state were trusted: {unsigned!r}"
    assert middle == 180_000, "a refused retry reached the server"
    assert not isinstance(late_ok, InputRequiredResult) and late_ok.is_error is False, late_ok
    assert after == 180_000

    # Exactly the two approved retries reached the server, without the proxy's state.
    forwarded = server_calls(server_log, "update_salary")
    assert [c["arguments"] for c in forwarded] == [args, args], forwarded
    assert all("requestState" not in c and "inputResponses" not in c for c in forwarded), forwarded

    records = proxy.audit_records()
    decisions = of(records, "decision", "update_salary")
    by_id = {d["id"]: d for d in decisions}
    replay_call = [m for m in sent_calls(transport, "update_salary") if m["params"].get("requestState") == state]
    assert len(replay_call) == 2 and replay_call[0]["id"] != replay_call[1]["id"], replay_call
    assert_decision(by_id[replay_call[0]["id"]], decision="allow", outcome="approved")
    replay = assert_decision(by_id[replay_call[1]["id"]], decision="deny", outcome="invalid", kind="policy")
    assert "already used" in replay["detail"], replay
    invalid = [d for d in decisions if d["decision"] == "deny"]
    assert len(invalid) == 7, f"expected 7 refused retries, got {len(invalid)}: {invalid}"
    for decision in invalid:
        assert_decision(decision, decision="deny", outcome="invalid", kind="policy")
        assert not results_for(records, decision["call"]), f"refused retry has a result record: {decision}"
    allowed = [d for d in decisions if d["decision"] == "allow"]
    assert len(allowed) == 2, allowed
    for decision in allowed:
        assert only(results_for(records, decision["call"]), "result")["outcome"] == "ok"


@needs_modern
async def test_modern_expired_request_state_is_refused(proxy_factory, hr_server_bin, tmp_path):
    proxy, server_log = launch(proxy_factory, hr_server_bin, tmp_path, policy_with_timeout(tmp_path, "1s"))
    args = {"employee_id": EMPLOYEE, "new_salary": 13}
    with anyio.fail_after(TEST_TIMEOUT):
        async with modern_client(proxy, Approver(approve())) as client:
            before = await salary(client)
            first = await client.session.call_tool("update_salary", args, allow_input_required=True)
            assert isinstance(first, InputRequiredResult), first
            await anyio.sleep(1.3)
            late = await client.session.call_tool(
                "update_salary",
                args,
                input_responses={INPUT_KEY: approve()},
                request_state=first.request_state,
                allow_input_required=True,
            )
            after = await salary(client)

    assert not isinstance(late, InputRequiredResult), late
    assert_denial(late, POLICY, "update_salary", reason=SALARY_REASON, must_contain=("expired",))
    assert after == before
    records = proxy.audit_records()
    decision = only(of(records, "decision", "update_salary"), "update_salary decision")
    assert_decision(decision, decision="deny", outcome="timeout", kind="policy", detail="expired")
    assert_not_run(records, decision, server_log, "update_salary")
