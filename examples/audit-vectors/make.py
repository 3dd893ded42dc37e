"""Rebuilds the audit test vectors in this folder (run from the repository root after a build):

    python3 examples/audit-vectors/make.py .build/debug/mcp-firewall

`intact.jsonl` is a real session: `mcp-firewall proxy` with a fresh signing key and an anchor, in
front of the example HR server, driven over stdio with raw JSON-RPC. Every other log is derived
from it by one deliberate change, described in `expected.json` next to the verdict `audit verify`
must give. A key pair is made for each run; the private key is deleted, the public keys are kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def drive(binary: str, folder: Path) -> None:
    policy = HERE.parent.parent / "policies" / "hr-example.yaml"
    argv = [binary, "proxy", "--policy", str(policy), "--audit", str(folder / "audit.jsonl"), "--no-terminal",
            "--log-level", "error", "--audit-signing-key", str(folder / "k.key"),
            "--audit-anchor", str(folder / "anchor.jsonl"), "--audit-checkpoint-records", "4", "--",
            binary, "example-server"]
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "vectors", "version": "1"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "get_employee", "arguments": {"employee_id": "E-1001"}}},
        {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "delete_employee", "arguments": {"employee_id": "E-1001"}}},
    ]
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    answers = 0
    for message in messages:
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()
        if "id" in message:
            while True:
                reply = json.loads(process.stdout.readline())
                if reply.get("id") == message["id"]:
                    answers += 1
                    break
    process.stdin.close()
    process.wait(timeout=30)
    assert answers == 4


def main(binary: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        subprocess.run([binary, "audit", "keygen", str(folder / "k")], check=True, capture_output=True)
        subprocess.run([binary, "audit", "keygen", str(folder / "other")], check=True, capture_output=True)
        drive(binary, folder)
        lines = (folder / "audit.jsonl").read_bytes().split(b"\n")[:-1]
        (HERE / "key.pub").write_bytes((folder / "k.pub").read_bytes())
        (HERE / "other.pub").write_bytes((folder / "other.pub").read_bytes())
        (HERE / "anchor.jsonl").write_bytes((folder / "anchor.jsonl").read_bytes())
    events = [json.loads(line)["event"] for line in lines]
    middle = events.index("decision")

    def write(name: str, records: list[bytes], torn: bytes = b"") -> None:
        (HERE / name).write_bytes(b"".join(line + b"\n" for line in records) + torn)

    write("intact.jsonl", lines)
    edited = list(lines)
    edited[middle] = edited[middle].replace(b'"decision":"allow"', b'"decision":"deny"', 1)
    assert edited[middle] != lines[middle]
    write("edited.jsonl", edited)
    write("dropped.jsonl", lines[:middle] + lines[middle + 1:])
    reordered = list(lines)
    reordered[middle], reordered[middle + 1] = reordered[middle + 1], reordered[middle]
    write("reordered.jsonl", reordered)
    write("inserted.jsonl", lines[:middle + 1] + [lines[middle]] + lines[middle + 1:])
    write("truncated.jsonl", lines[:-5])
    write("crashed.jsonl", lines[:-5], torn=lines[-5][:40])
    os.utime(HERE / "intact.jsonl")
    expected = [
        {"log": "intact.jsonl", "args": ["--public-key", "key.pub", "--anchor", "anchor.jsonl"],
         "status": "intact_signed", "exit": 0, "change": "none: the session as the proxy wrote it"},
        {"log": "intact.jsonl", "args": [], "status": "intact_signature_unchecked", "exit": 0,
         "change": "none; no public key given, so the signatures are not checked"},
        {"log": "intact.jsonl", "args": ["--public-key", "other.pub"], "status": "wrong_key", "exit": 1,
         "change": "none; the auditor pinned another key"},
        {"log": "edited.jsonl", "args": ["--public-key", "key.pub"], "status": "edited", "exit": 1,
         "change": f"record {middle + 1} (a decision): allow changed to deny"},
        {"log": "dropped.jsonl", "args": ["--public-key", "key.pub"], "status": "chain_broken", "exit": 1,
         "change": f"record {middle + 1} removed"},
        {"log": "reordered.jsonl", "args": ["--public-key", "key.pub"], "status": "chain_broken", "exit": 1,
         "change": f"records {middle + 1} and {middle + 2} swapped"},
        {"log": "inserted.jsonl", "args": ["--public-key", "key.pub"], "status": "chain_broken", "exit": 1,
         "change": f"record {middle + 1} written twice"},
        {"log": "truncated.jsonl", "args": ["--public-key", "key.pub"], "status": "incomplete", "exit": 2,
         "change": "the last five records cut off (the log alone cannot tell a cut from a crash)"},
        {"log": "truncated.jsonl", "args": ["--public-key", "key.pub", "--anchor", "anchor.jsonl"],
         "status": "truncated", "exit": 1, "change": "the same cut, seen against the anchor"},
        {"log": "crashed.jsonl", "args": ["--public-key", "key.pub"], "status": "incomplete", "exit": 2,
         "change": "cut mid-record, as a crash leaves it: a warning about the torn line, not tampering"},
    ]
    (HERE / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
