"""Interop: `confirm` decisions answered by a webhook (approval.webhook), as a chat-ops bridge would.

The official MCP Python SDK client calls a write tool through `mcp-firewall proxy`; the proxy POSTs
the approval request to a local HTTP server started by the test, which checks the HMAC signature
exactly as docs/approvals.md tells integrators to, and answers:

- 200 with a decision document (approve / deny / garbage), or 500;
- 202 Accepted, and later a signed callback to the proxy's `--approve-web` server at
  /webhook/callback (the asynchronous path a chat bridge uses).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import legacy_session, result_text

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(90)]

SECRET = "webhook-test-secret-8d1f"
SECRET_ENV = "MCP_FIREWALL_WEBHOOK_SECRET"
EMPLOYEE = "E-1001"


def verified(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """The receiver-side check, as documented in docs/approvals.md."""
    expected = "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return abs(time.time() - int(timestamp)) <= 300 and hmac.compare_digest(expected, signature)


def signed_headers(body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-MCP-Firewall-Timestamp": timestamp,
        "X-MCP-Firewall-Signature": signature,
    }


class Webhook:
    """A local webhook receiver: records each request and answers with `respond(document)`."""

    def __init__(self, respond: Callable[[dict[str, Any]], tuple[int, bytes]]) -> None:
        self.respond = respond
        self.requests: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = verified(
                    SECRET.encode(),
                    self.headers.get("X-MCP-Firewall-Timestamp", "0"),
                    body,
                    self.headers.get("X-MCP-Firewall-Signature", ""),
                )
                document = json.loads(body)
                hook.requests.append({"verified": ok, "document": document, "path": self.path})
                status, answer = hook.respond(document) if ok else (401, b"bad signature")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                hook.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/approvals"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def webhook(respond: Callable[[dict[str, Any]], tuple[int, bytes]]) -> Iterator[Webhook]:
    hook = Webhook(respond)
    try:
        yield hook
    finally:
        hook.close()


def policy_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "webhook-policy.yaml"
    path.write_text(
        "version: 1\n"
        "defaults: {read: allow, write: confirm, sensitive: deny}\n"
        "approval:\n"
        "  channels: [webhook]\n"
        "  timeout: 20s\n"
        f'  webhook: {{url: "{url}", secret_env: {SECRET_ENV}}}\n'
        "tools:\n"
        "  - name: [list_employees, get_employee]\n"
        "    class: read\n"
        "  - name: update_salary\n"
        "    class: write\n"
        '    reason: "salary changes need a human approver"\n',
        encoding="utf-8",
    )
    return path


def launch(proxy_factory, hr_server_bin: str, tmp_path: Path, url: str, extra_args: list[str] | None = None):
    proxy = proxy_factory(policy_file(tmp_path, url), [hr_server_bin], extra_args=extra_args)
    proxy.params.env[SECRET_ENV] = SECRET
    return proxy


def decision_for(proxy, tool: str) -> dict[str, Any]:
    decisions = [r for r in proxy.audit_records() if r.get("event") == "decision" and r.get("tool") == tool]
    assert len(decisions) == 1, decisions
    return decisions[0]


def approve(document: dict[str, Any]) -> tuple[int, bytes]:
    return 200, json.dumps(
        {
            "decision": "approve",
            "approver": "alice@chat.example",
            "comment": "ok in #payroll",
            "approval_id": document["approval_id"],
            "binding": document["binding"],
        }
    ).encode()


async def test_webhook_approval_runs_the_call_and_names_the_approver(proxy_factory, hr_server_bin, tmp_path) -> None:
    with webhook(approve) as hook:
        proxy = launch(proxy_factory, hr_server_bin, tmp_path, hook.url)
        async with legacy_session(proxy.params, errlog=proxy.stderr) as (session, _):
            result = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 123456})
        assert result.is_error is False, result
        assert "123456" in result_text(result)
    assert len(hook.requests) == 1 and hook.requests[0]["verified"], hook.requests
    document = hook.requests[0]["document"]
    assert document["tool"] == "update_salary" and document["arguments"]["new_salary"] == 123456, document
    assert document["class"] == "write" and document["reason"] == "salary changes need a human approver"
    decision = decision_for(proxy, "update_salary")
    assert decision["decided_by"] == {
        "kind": "human",
        "channel": "webhook",
        "identity": "alice@chat.example",
        "comment": "ok in #payroll",
    }, decision
    assert decision["approval"]["outcome"] == "approved", decision
    requested = [r for r in proxy.audit_records() if r.get("event") == "approval_requested"]
    assert requested[0]["binding"] == document["binding"], (requested, document)


@pytest.mark.parametrize(
    ("status", "answer", "wording"),
    [
        (200, b'{"decision":"deny","approver":"bob@chat.example"}', "declined by bob@chat.example"),
        (500, b"bridge is down", "webhook answered 500"),
        (200, b"<html>surprise</html>", "not valid JSON"),
        (200, b'{"decision":"approve"}', "without naming"),
    ],
)
async def test_anything_but_a_named_approval_denies(
    proxy_factory, hr_server_bin, tmp_path, status: int, answer: bytes, wording: str
) -> None:
    with webhook(lambda _: (status, answer)) as hook:
        proxy = launch(proxy_factory, hr_server_bin, tmp_path, hook.url)
        async with legacy_session(proxy.params, errlog=proxy.stderr) as (session, _):
            before = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})
            result = await session.call_tool("update_salary", {"employee_id": EMPLOYEE, "new_salary": 1})
            after = await session.call_tool("get_employee", {"employee_id": EMPLOYEE})
    assert result.is_error is True, result
    assert wording in result_text(result), result_text(result)
    assert result_text(before) == result_text(after), "a refused update_salary changed the record"
    assert decision_for(proxy, "update_salary")["decision"] == "deny"


async def test_a_signed_callback_answers_a_202(proxy_factory, hr_server_bin, tmp_path) -> None:
    with webhook(lambda _: (202, b"")) as hook:
        proxy = launch(
            proxy_factory,
            hr_server_bin,
            tmp_path,
            hook.url,
            extra_args=[
                "--approve-web",
                "127.0.0.1:0",
                "--webhook-callback-url",
                "http://127.0.0.1:1/webhook/callback",  # what the bridge is told; the test posts directly
            ],
        )
        async with legacy_session(proxy.params, errlog=proxy.stderr) as (session, _):
            async with anyio.create_task_group() as group:
                outcome: dict[str, Any] = {}

                async def call() -> None:
                    outcome["result"] = await session.call_tool(
                        "update_salary", {"employee_id": EMPLOYEE, "new_salary": 222222}
                    )

                group.start_soon(call)
                await anyio.to_thread.run_sync(hook.arrived.wait, 10)
                document = hook.requests[0]["document"]
                assert document["callback_url"] == "http://127.0.0.1:1/webhook/callback", document
                base = await anyio.to_thread.run_sync(page_base, proxy.stderr_path)
                answer = json.dumps(
                    {
                        "decision": "approve",
                        "approver": "carol@chat.example",
                        "approval_id": document["approval_id"],
                        "binding": document["binding"],
                    }
                ).encode()
                # A forged callback is refused and decides nothing.
                url = base + "/webhook/callback"
                forged_headers = {**signed_headers(answer), "X-MCP-Firewall-Signature": "sha256=" + "0" * 64}
                forged = await anyio.to_thread.run_sync(post, url, answer, forged_headers)
                assert forged == 401, forged
                assert await anyio.to_thread.run_sync(post, url, answer, signed_headers(answer)) == 200
                # Accepted once: a replay finds nothing waiting.
                assert await anyio.to_thread.run_sync(post, url, answer, signed_headers(answer)) == 404
        result = outcome["result"]
    assert result.is_error is False, result
    decision = decision_for(proxy, "update_salary")
    assert decision["decided_by"]["identity"] == "carol@chat.example", decision


def page_base(stderr_path: Path) -> str:
    """The web server's origin, from the URL the proxy printed on stderr."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        match = re.search(r"approve calls at (http://[^/\s]+)/", stderr_path.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
        time.sleep(0.05)
    raise AssertionError("the proxy never printed its approval page URL")


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
