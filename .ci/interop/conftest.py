"""Fixtures and helpers for the mcp-firewall interop suite.

Drives `mcp-firewall proxy` with the official MCP Python SDK client (mcp 2.x)
over stdio. See README.md for the SDK API notes this code relies on.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

HERE = Path(__file__).resolve().parent
POLICIES = HERE / "policies"

# Default budget for one test body (anyio.fail_after); pytest.ini has a hard ceiling above it.
TEST_TIMEOUT = float(os.environ.get("INTEROP_TEST_TIMEOUT", "90"))
# Per-request read timeout on the SDK session, so a request the proxy never
# answers fails as an MCPError rather than waiting for the test budget.
REQUEST_TIMEOUT = float(os.environ.get("INTEROP_REQUEST_TIMEOUT", "60"))

# Extra environment for the proxy. stdio_client passes only a safe subset of
# os.environ (HOME, LOGNAME, PATH, SHELL, TERM, USER) plus this, and starts the
# child in a new session (no controlling terminal), so /dev/tty is unavailable
# anyway; MCP_FIREWALL_NO_TTY=1 makes "no approver" explicit.
PROXY_ENV = {"MCP_FIREWALL_NO_TTY": "1"}

AUDIT_EVENTS = {
    "session_start",
    "session_negotiated",
    "message",
    "decision",
    "approval_requested",
    "rejection",
    "result",
    "tools_listed",
    "checkpoint",
    "session_end",
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _binary(var: str) -> str:
    value = os.environ.get(var)
    if not value:
        pytest.fail(f"{var} is not set: run the suite through .ci/interop/run.sh MCP_FIREWALL_BIN EXAMPLE_SERVER_BIN")
    path = Path(value)
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"{var}={value} is not an executable file (build it first: swift build)")
    return str(path.resolve())


@pytest.fixture(scope="session")
def firewall_bin() -> str:
    return _binary("MCP_FIREWALL_BIN")


@pytest.fixture(scope="session")
def hr_server_bin() -> str:
    return _binary("EXAMPLE_SERVER_BIN")


@pytest.fixture(scope="session")
def time_server_cmd() -> list[str]:
    """The third-party reference server, run with the venv's interpreter (no PATH lookup)."""
    return [sys.executable, "-m", "mcp_server_time", "--local-timezone", "UTC"]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@dataclass
class Proxy:
    """One proxy launch: the SDK parameters plus where its side outputs go."""

    params: StdioServerParameters
    audit: Path
    stderr_path: Path
    policy: Path
    stderr: TextIO = field(repr=False)

    def audit_records(self) -> list[dict[str, Any]]:
        return read_audit(self.audit)


class ProxyFactory:
    def __init__(self, firewall_bin: str, tmp_path: Path) -> None:
        self._bin = firewall_bin
        self._tmp = tmp_path
        self.launched: list[Proxy] = []

    def __call__(
        self,
        policy: str | Path,
        server_cmd: list[str],
        *,
        name: str | None = None,
        audit: Path | None = None,
        extra_args: list[str] | None = None,
    ) -> Proxy:
        policy_path = Path(policy)
        if not policy_path.is_absolute():
            policy_path = POLICIES / policy_path
        tag = name or f"proxy{len(self.launched)}"
        audit = audit or self._tmp / f"{tag}-audit.jsonl"
        stderr_path = self._tmp / f"{tag}-stderr.log"
        stderr = open(stderr_path, "w", encoding="utf-8")  # closed by the fixture teardown
        params = StdioServerParameters(
            command=self._bin,
            args=[
                "proxy",
                "--policy",
                str(policy_path),
                "--audit",
                str(audit),
                *(extra_args or []),
                "--",
                *server_cmd,
            ],
            env=dict(PROXY_ENV),
        )
        proxy = Proxy(params=params, audit=audit, stderr_path=stderr_path, policy=policy_path, stderr=stderr)
        self.launched.append(proxy)
        return proxy


@pytest.fixture
def proxy_factory(firewall_bin: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Build proxy launch parameters; on failure, print each proxy's stderr and audit tail."""
    factory = ProxyFactory(firewall_bin, tmp_path)
    yield factory
    failed = any(getattr(getattr(request.node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))
    for proxy in factory.launched:
        proxy.stderr.close()
        if failed:
            _dump(f"proxy stderr ({proxy.stderr_path.name})", proxy.stderr_path)
            _dump(f"audit log ({proxy.audit.name})", proxy.audit, max_line=600)


def _dump(title: str, path: Path, *, limit: int = 20_000, max_line: int | None = None) -> None:
    print(f"----- {title} -----")
    if not path.exists():
        print("(missing)")
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    if max_line is not None:
        text = "\n".join(line if len(line) <= max_line else line[:max_line] + "…" for line in text.splitlines())
    print(text[-limit:] if len(text) > limit else text)


@asynccontextmanager
async def legacy_session(
    params: StdioServerParameters, errlog: TextIO | None = None
) -> AsyncIterator[tuple[ClientSession, Any]]:
    """2025-11-25 era: stdio_client + ClientSession + initialize(). Yields (session, InitializeResult)."""
    async with stdio_client(params, errlog=errlog or sys.stderr) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=REQUEST_TIMEOUT) as session:
            init = await session.initialize()
            yield session, init


# ---------------------------------------------------------------------------
# Raw wire capture: wraps stdio_client so a test can see the JSON-RPC results
# exactly as they arrived (the SDK's result models fill defaults such as
# resultType="complete", so the parsed object cannot prove what was on the wire).


class _TapRead:
    def __init__(self, inner: Any, log: list[dict[str, Any]]) -> None:
        self._inner = inner
        self._log = log

    def _record(self, item: Any) -> Any:
        message = getattr(item, "message", None)
        if message is not None:
            self._log.append(message.model_dump(mode="json", by_alias=True, exclude_unset=True))
        return item

    async def receive(self) -> Any:
        return self._record(await self._inner.receive())

    def __aiter__(self) -> _TapRead:
        return self

    async def __anext__(self) -> Any:
        return self._record(await self._inner.__anext__())

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _TapRead:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._inner.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _TapWrite:
    def __init__(self, inner: Any, log: list[dict[str, Any]]) -> None:
        self._inner = inner
        self._log = log

    async def send(self, item: Any) -> None:
        message = getattr(item, "message", None)
        if message is not None:
            self._log.append(message.model_dump(mode="json", by_alias=True, exclude_unset=True))
        await self._inner.send(item)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _TapWrite:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._inner.__aexit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class RecordingStdioTransport:
    """A `mcp.client.Transport` over stdio_client that records every message both ways."""

    def __init__(self, params: StdioServerParameters, errlog: TextIO | None = None) -> None:
        self._cm = stdio_client(params, errlog=errlog or sys.stderr)
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []

    async def __aenter__(self) -> tuple[Any, Any]:
        read, write = await self._cm.__aenter__()
        return _TapRead(read, self.received), _TapWrite(write, self.sent)

    async def __aexit__(self, *exc: Any) -> bool | None:
        return await self._cm.__aexit__(*exc)

    def raw_result_for_call(self, tool: str) -> dict[str, Any]:
        """The raw `result` object of the last tools/call of `tool` (fails if it was an error response)."""
        ids = [
            m["id"]
            for m in self.sent
            if m.get("method") == "tools/call" and (m.get("params") or {}).get("name") == tool
        ]
        assert ids, f"no tools/call for {tool!r} was sent"
        call_id = ids[-1]
        responses = [m for m in self.received if "id" in m and m.get("id") == call_id and "method" not in m]
        assert len(responses) == 1, f"expected exactly one response to tools/call id={call_id!r}, got {responses!r}"
        response = responses[0]
        assert "result" in response, f"tools/call {tool!r} got a JSON-RPC error instead of a result: {response!r}"
        return response["result"]


# ---------------------------------------------------------------------------
# Helpers


def result_text(result: Any) -> str:
    """Concatenated text of a CallToolResult's text blocks."""
    return "".join(block.text for block in result.content if getattr(block, "type", None) == "text")


def rule_lines(policy: Path, tool: str) -> range:
    """1-based line numbers of the `- name: <tool>` rule block in a policy file."""
    lines = policy.read_text(encoding="utf-8").splitlines()
    start = None
    for i, line in enumerate(lines, start=1):
        m = re.match(r"^\s*-\s*name:\s*['\"]?([^'\"#\s]+)", line)
        if start is None:
            if m and m.group(1) == tool:
                start = i
        elif m or re.match(r"^\S", line):
            return range(start, i)  # next rule or next top-level key ends the block
    if start is None:
        raise AssertionError(f"no rule for {tool!r} in {policy}")
    return range(start, len(lines) + 1)


async def list_all_tools(lister: Any, *, page_cap: int = 50) -> list[Any]:
    """Every tool over all pages (the example HR server paginates tools/list).

    `lister` is a ClientSession (list_tools(params=...)) or an mcp.client.Client (list_tools(cursor=...)).
    """
    from mcp import types as mcp_types

    tools: list[Any] = []
    cursor: str | None = None
    for _ in range(page_cap):
        if isinstance(lister, ClientSession):
            page = await lister.list_tools(params=mcp_types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        else:
            page = await lister.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if cursor is None:
            return tools
    raise AssertionError(f"tools/list still paginating after {page_cap} pages")


async def tool_names(lister: Any) -> set[str]:
    return {tool.name for tool in await list_all_tools(lister)}


def cited_lines(text: str, policy: Path) -> list[int]:
    """Line numbers cited as `<...policy file name>:<line>` in a denial text."""
    return [int(n) for n in re.findall(re.escape(policy.name) + r":(\d+)", text)]


def assert_denial(result: Any, policy: Path, tool: str, *, reason: str | None, must_contain: tuple[str, ...] = ()) -> str:
    """Check the contract's denial shape: isError, 'denied', file:line of the tool's rule, reason text."""
    text = result_text(result)
    assert result.is_error is True, f"expected isError=true for denied {tool!r}, got {result!r}"
    assert "denied" in text.lower(), f"denial text lacks 'denied': {text!r}"
    cited = cited_lines(text, policy)
    assert cited, f"denial text lacks a '{policy.name}:<line>' rule location: {text!r}"
    block = rule_lines(policy, tool)
    assert any(n in block for n in cited), (
        f"denial of {tool!r} cites {policy.name}:{cited}, expected a line of its rule block "
        f"{block.start}-{block.stop - 1}: {text!r}"
    )
    if reason is not None:
        assert reason in text, f"denial text lacks the rule's reason {reason!r}: {text!r}"
    for needle in must_contain:
        assert needle.lower() in text.lower(), f"denial text lacks {needle!r}: {text!r}"
    return text


def read_audit(path: Path) -> list[dict[str, Any]]:
    assert path.exists(), f"audit log {path} was not written"
    records = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            assert line.endswith("\n"), f"audit line {n} is not newline-terminated (torn write?)"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise AssertionError(f"audit line {n} is not JSON ({e}): {line[:300]!r}") from None
            assert isinstance(record, dict), f"audit line {n} is not a JSON object: {line[:300]!r}"
            assert record.get("event") in AUDIT_EVENTS, f"audit line {n} has unknown event {record.get('event')!r}"
            records.append(record)
    assert records, f"audit log {path} is empty"
    return records


