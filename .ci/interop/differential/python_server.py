#!/usr/bin/env python3
"""Differential decoder 1: the official MCP Python SDK (mcp 2.x `MCPServer`) on stdio.

Tools: echo(text), write_file(path, text, kind=None), delete_all(). None of them touches the
filesystem: each only logs what it received, so the tests see the call *as the SDK decoded it*.

The transport is the SDK's own `mcp.server.stdio.stdio_server`, given an explicit stdin that reads
exactly as the SDK's default one does (fd 0 -> BufferedReader -> TextIOWrapper(encoding="utf-8",
errors="replace"), universal newlines: a line ends at \\n, \\r\\n *or a lone \\r*), wrapped to log:

  DIFF_LOG          JSON lines, one per event:
                    {"event":"raw_line","line":...}      each line the SDK's reader returned
                    {"event":"message",...}             that line decoded with the SDK's own adapter
                                                        (types.jsonrpc_message_adapter.validate_json,
                                                        by_name=False, as stdio_server does)
                    {"event":"call","tool":...,"arguments":{...},"id_key":...}
                                                        logged inside the tool function
  DIFF_LOG + ".raw" every byte read from stdin, unchanged (what the proxy forwarded)
"""

from __future__ import annotations

import io
import json
import os
import threading
from typing import Any

import anyio
import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.stdio import stdio_server

LOG_PATH = os.environ["DIFF_LOG"]
_log_lock = threading.Lock()
_log = open(LOG_PATH, "a", encoding="utf-8", buffering=1)
_raw = open(LOG_PATH + ".raw", "ab", buffering=0)


def log(**record: Any) -> None:
    record["server"] = "python"
    with _log_lock:
        _log.write(json.dumps(record, ensure_ascii=True, default=repr) + "\n")
        _log.flush()


class TeeStdin(io.RawIOBase):
    """fd 0, with every byte read also appended to DIFF_LOG.raw."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = os.read(0, len(buffer))
        if data:
            _raw.write(data)
        buffer[: len(data)] = data
        return len(data)


class LoggingLines:
    """The text stream stdio_server iterates (anyio's AsyncFile calls readline())."""

    def __init__(self) -> None:
        # Exactly the SDK's reader: _UnownedTextWrapper(stdin_buffer, encoding="utf-8", errors="replace").
        self._text = io.TextIOWrapper(io.BufferedReader(TeeStdin()), encoding="utf-8", errors="replace")

    def readline(self, *args: Any) -> str:
        line = self._text.readline(*args)
        if line:
            log(event="raw_line", line=line)
            _log_decoded(line)
        return line

    def close(self) -> None:
        pass


def _log_decoded(line: str) -> None:
    try:
        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
    except Exception as exc:  # the SDK sends this exception down its read stream and carries on
        log(event="decode_error", error=type(exc).__name__, detail=str(exc)[:300])
        return
    dumped = message.model_dump(mode="json", by_alias=True, exclude_unset=True)
    record: dict[str, Any] = {"event": "message", "type": type(message).__name__}
    if "method" in dumped:
        record["method"] = dumped["method"]
    if "id" in dumped:
        record["id"] = dumped["id"]
        record["id_key"] = str(dumped["id"])
        record["kind"] = "request" if "method" in dumped else "response"
    else:
        record["kind"] = "notification" if "method" in dumped else "other"
    params = dumped.get("params")
    if isinstance(params, dict) and dumped.get("method") == "tools/call":
        record["tool"] = params.get("name")
        record["arguments"] = params.get("arguments")
        if "_meta" in params:
            record["meta"] = params["_meta"]
    log(**record)


def _call(ctx: Context, tool: str, arguments: dict[str, Any]) -> None:
    # params._meta as the SDK read it is on the "message" event with the same id_key.
    log(event="call", tool=tool, arguments=arguments, id_key=ctx.request_id)


server = MCPServer("differential-python", version="1.0.0")


@server.tool(description="Echo the text back.")
async def echo(text: str, ctx: Context) -> str:
    _call(ctx, "echo", {"text": text})
    return text


@server.tool(description="Pretend to write a file (logs only).")
async def write_file(path: str, text: str, ctx: Context, kind: str | None = None) -> str:
    arguments: dict[str, Any] = {"path": path, "text": text}
    if kind is not None:
        arguments["kind"] = kind
    _call(ctx, "write_file", arguments)
    return f"wrote {len(text)} characters to {path}"


@server.tool(description="Pretend to delete everything (logs only).")
async def delete_all(ctx: Context) -> str:
    _call(ctx, "delete_all", {})
    return "deleted everything"


async def main() -> None:
    lowlevel = server._lowlevel_server  # what MCPServer.run_stdio_async() runs
    async with stdio_server(stdin=anyio.wrap_file(LoggingLines())) as (read_stream, write_stream):
        await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
