"""Harness self-check: the SDK client against mcp-server-time directly, no proxy.

If these fail, the problem is the SDK/venv/harness, not mcp-firewall. They need
no project binaries, so they also run while the proxy is being built.
"""

from __future__ import annotations

import sys

import anyio
import pytest
from conftest import REQUEST_TIMEOUT, TEST_TIMEOUT, RecordingStdioTransport, legacy_session, result_text, tool_names
from mcp import StdioServerParameters
from mcp.shared.exceptions import MCPError
from test_interop import CONVERT_ARGS, HAS_MODERN, LEGACY, MODERN, Client, assert_real_time, needs_modern

pytestmark = pytest.mark.anyio


@pytest.fixture
def direct_time(time_server_cmd) -> StdioServerParameters:
    return StdioServerParameters(command=time_server_cmd[0], args=time_server_cmd[1:])


async def test_baseline_legacy_direct(direct_time):
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(direct_time, sys.stderr) as (session, init):
            names = await tool_names(session)
            now = await session.call_tool("get_current_time", {"timezone": "Europe/Warsaw"})
            conv = await session.call_tool("convert_time", CONVERT_ARGS)
            with pytest.raises(MCPError) as unknown:
                await session.call_tool("no_such_tool", {})
    assert init.protocol_version == LEGACY and init.server_info.name == "mcp-time"
    assert names == {"get_current_time", "convert_time"}
    assert_real_time(now, "Europe/Warsaw")
    assert conv.is_error is False and conv.structured_content["target"]["timezone"] == "Asia/Tokyo", result_text(conv)
    assert unknown.value.code == -32602


async def test_baseline_legacy_wire_has_no_result_type(direct_time):
    transport = RecordingStdioTransport(direct_time, sys.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(transport, mode="legacy", cache=None, read_timeout_seconds=REQUEST_TIMEOUT) as client:
            await client.call_tool("get_current_time", {"timezone": "UTC"})
    assert [m.get("method") for m in transport.sent][:2] == ["initialize", "notifications/initialized"]
    assert "resultType" not in transport.raw_result_for_call("get_current_time")


@needs_modern
async def test_baseline_modern_direct(direct_time):
    transport = RecordingStdioTransport(direct_time, sys.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(transport, mode=MODERN, cache=None, read_timeout_seconds=REQUEST_TIMEOUT) as client:
            names = await tool_names(client)
            now = await client.call_tool("get_current_time", {"timezone": "UTC"})
    assert names == {"get_current_time", "convert_time"}
    assert_real_time(now, "UTC")
    first = transport.sent[0]
    assert first["method"] == "tools/list", first
    meta = first["params"]["_meta"]
    assert meta["io.modelcontextprotocol/protocolVersion"] == MODERN
    assert "io.modelcontextprotocol/clientInfo" in meta and "io.modelcontextprotocol/clientCapabilities" in meta
    assert transport.raw_result_for_call("get_current_time")["resultType"] == "complete"


@needs_modern
async def test_baseline_auto_mode_discovers(direct_time):
    transport = RecordingStdioTransport(direct_time, sys.stderr)
    with anyio.fail_after(TEST_TIMEOUT):
        async with Client(transport, mode="auto", cache=None, read_timeout_seconds=REQUEST_TIMEOUT) as client:
            version = client.protocol_version
    assert version == MODERN and transport.sent[0]["method"] == "server/discover"


def test_sdk_has_modern_mode():
    """Fails loudly if a requirements bump loses the 2026-07-28 client (the modern tests would only skip)."""
    assert HAS_MODERN, "installed mcp SDK lacks Client(mode='2026-07-28')"
