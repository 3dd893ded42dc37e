"""What the proxy says at start, launched the way the MCP Python SDK launches servers.

The SDK starts the server in a new session (no controlling terminal, so /dev/tty cannot be opened)
and passes it only HOME, LOGNAME, PATH, SHELL, TERM and USER plus what the client configures: a
`$CI` in the client's own environment never reaches the proxy.
"""

from __future__ import annotations

import anyio
import pytest
from conftest import TEST_TIMEOUT, legacy_session

pytestmark = pytest.mark.anyio


async def _run(proxy) -> tuple[str, dict]:
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            await session.list_tools()
    proxy.stderr.flush()
    stderr = proxy.stderr_path.read_text(encoding="utf-8")
    start = next(r for r in proxy.audit_records() if r["event"] == "session_start")
    return stderr, start


async def test_without_a_terminal_the_proxy_says_confirmations_will_be_denied(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin], extra_args=["--log-level", "info"])
    proxy.params.env = {}  # no MCP_FIREWALL_NO_TTY: the terminal is tried, and the new session has none
    stderr, _ = await _run(proxy)
    assert "terminal: no, /dev/tty cannot be opened" in stderr, stderr
    # hr.yaml may ask the client, so nothing is said before initialize; then the proxy knows.
    assert "no approval channel of this run reaches a person" not in stderr, stderr
    # This client declares no elicitation capability: once it has said so, the proxy says what follows.
    assert "the client does not answer elicitation and no other approval channel reaches a person" in stderr, stderr


async def test_ci_in_the_clients_environment_does_not_reach_the_proxy(
    proxy_factory, hr_server_bin, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("MCP_FIREWALL_ENV", raising=False)
    proxy = proxy_factory("hr.yaml", [hr_server_bin], extra_args=["--log-level", "info"])
    stderr, start = await _run(proxy)
    assert start["environment"] == "dev" and start["environment_source"] == "default", start
    assert "nothing chose one: no --env, $MCP_FIREWALL_ENV or $CI" in stderr, stderr


async def test_ci_passed_by_the_client_configuration_is_stated(proxy_factory, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin], extra_args=["--log-level", "info"])
    proxy.params.env = {**(proxy.params.env or {}), "CI": "true"}
    stderr, start = await _run(proxy)
    # hr.yaml defines no `ci` environment: `ci` is a label, and the log says why the base policy applies.
    assert start["environment"] == "ci" and start["environment_overlay"] is False, start
    assert "$CI is set, but the policy defines no `ci` environment" in stderr, stderr
