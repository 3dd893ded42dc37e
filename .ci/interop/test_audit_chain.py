"""The audit chain and checkpoint signatures, checked by a verifier that shares no code with ours.

A proxy launched by the official SDK signs its checkpoints and copies them to an anchor; then
`audit_chain_verify.py` (hashlib + cryptography, written from docs/audit-format.md) and
`mcp-firewall audit verify` must agree: intact, and both see the same edit.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from conftest import TEST_TIMEOUT, legacy_session

import audit_chain_verify

pytestmark = pytest.mark.anyio


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60)


async def test_signed_chain_verifies_with_an_independent_verifier(proxy_factory, firewall_bin, hr_server_bin, tmp_path):
    key = tmp_path / "audit"
    assert run(firewall_bin, "audit", "keygen", str(key)).returncode == 0
    anchor = tmp_path / "anchor.jsonl"
    proxy = proxy_factory(
        "hr.yaml", [hr_server_bin],
        extra_args=["--audit-signing-key", f"{key}.key", "--audit-anchor", str(anchor)])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            await session.list_tools()
            await session.call_tool("get_employee", {"employee_id": "E-1001"})
    events = [record["event"] for record in proxy.audit_records()]
    assert events[0] == "session_start" and events[1] == "checkpoint" and events[-1] == "checkpoint"

    verdicts = audit_chain_verify.verify(proxy.audit, Path(f"{key}.pub"))
    assert len(verdicts) == 1 and next(iter(verdicts.values())).startswith("intact "), verdicts
    ours = run(firewall_bin, "audit", "verify", str(proxy.audit), "--public-key", f"{key}.pub", "--anchor", str(anchor))
    assert ours.returncode == 0, ours.stdout + ours.stderr
    assert "intact, signed" in ours.stdout

    # OpenSSL reads the key files as well (PKCS#8 / SubjectPublicKeyInfo).
    openssl = run("openssl", "pkey", "-in", f"{key}.key", "-pubout")
    if openssl.returncode == 0:
        assert openssl.stdout == Path(f"{key}.pub").read_text()

    # One byte changed in the middle: both verifiers name the same record.
    lines = proxy.audit.read_bytes().split(b"\n")
    target = len(lines) // 2
    lines[target] = lines[target].replace(b'"ts":"2', b'"ts":"3', 1)
    edited = tmp_path / "edited.jsonl"
    edited.write_bytes(b"\n".join(lines))
    theirs = next(iter(audit_chain_verify.verify(edited, Path(f"{key}.pub")).values()))
    assert theirs.startswith(f"edited@{target + 1}"), theirs
    ours = run(firewall_bin, "audit", "verify", str(edited), "--public-key", f"{key}.pub", "--json")
    assert ours.returncode == 1
    assert f'"untrusted_from_seq":{target + 1}' in ours.stdout, ours.stdout


async def test_unsigned_chain_verifies_too(proxy_factory, firewall_bin, hr_server_bin):
    proxy = proxy_factory("hr.yaml", [hr_server_bin])
    with anyio.fail_after(TEST_TIMEOUT):
        async with legacy_session(proxy.params, proxy.stderr) as (session, _):
            await session.call_tool("get_employee", {"employee_id": "E-1001"})
    assert "checkpoint" not in {record["event"] for record in proxy.audit_records()}
    verdicts = audit_chain_verify.verify(proxy.audit, None)
    assert next(iter(verdicts.values())).startswith("intact "), verdicts
    ours = run(firewall_bin, "audit", "verify", str(proxy.audit))
    assert ours.returncode == 0 and "intact, unsigned" in ours.stdout


def test_shipped_vectors_read_the_same_to_the_independent_verifier():
    folder = Path(__file__).resolve().parents[2] / "examples" / "audit-vectors"
    key = folder / "key.pub"
    verdict = lambda name: next(iter(audit_chain_verify.verify(folder / name, key).values())).split()[0]  # noqa: E731
    assert verdict("intact.jsonl") == "intact"
    assert verdict("edited.jsonl").startswith("edited@")
    for name in ("dropped.jsonl", "reordered.jsonl", "inserted.jsonl"):
        assert verdict(name).startswith("broken@"), name
    assert verdict("truncated.jsonl") == "incomplete"
    assert verdict("crashed.jsonl") == "incomplete"
