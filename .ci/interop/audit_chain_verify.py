"""An independent verifier of mcp-firewall audit logs, written from docs/audit-format.md alone.

    python audit_chain_verify.py LOG [--public-key K.pub]

It shares no code with the Swift verifier: hashlib for the chain, `cryptography` (OpenSSL) for the
Ed25519 signatures. Prints one line per session, `<session> <verdict> <records>`, and exits 0 when
every session is intact and ended, 1 otherwise. CI runs it on logs the proxy wrote, so the chain
and the signed note are what the documentation says, not only what our own code agrees with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_public_key

DOMAIN = b"mcp-firewall audit chain v2\n"
H_TAIL = 72  # ,"h":"<64 hex>"}
PREV_TAIL = 74  # ,"prev":"<64 hex>"


def links(line: bytes) -> tuple[str, str, str] | None:
    """(prev, claimed h, computed h) read from the fixed-length end of a line, or None."""
    if len(line) <= H_TAIL + PREV_TAIL or not line.endswith(b'"}'):
        return None
    hashed, tail = line[:-H_TAIL], line[-H_TAIL:]
    if not tail.startswith(b',"h":"') or not hashed[-PREV_TAIL:].startswith(b',"prev":"'):
        return None
    prev = hashed[-65:-1].decode("ascii")
    claimed = tail[6:70].decode("ascii")
    return prev, claimed, hashlib.sha256(DOMAIN + hashed).hexdigest()


def note(session: str, head_seq: int, head_hex: str, ts: str) -> bytes:
    head = base64.b64encode(bytes.fromhex(head_hex)).decode("ascii")
    return f"mcp-firewall/audit/v2/{session}\n{head_seq}\n{head}\ntime {ts}\n".encode()


def verify(path: Path, public_key_path: Path | None) -> dict[str, str]:
    key = load_pem_public_key(public_key_path.read_bytes()) if public_key_path else None
    sessions: dict[str, dict] = {}
    for raw in path.read_bytes().split(b"\n"):
        if not raw:
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue  # a torn line: the chain shows whether a record is missing
        state = sessions.setdefault(record["session"], {"seq": 0, "h": "0" * 64, "verdict": None, "end": False,
                                                         "signed": 0, "records": 0})
        state["records"] += 1
        found = links(raw)
        if state["verdict"]:
            continue
        if found is None or found[1] != found[2]:
            state["verdict"] = f"edited@{record['seq']}"
            continue
        prev, claimed, _ = found
        if record["seq"] != state["seq"] + 1 or prev != state["h"]:
            state["verdict"] = f"broken@{record['seq']}"
            continue
        if record["event"] == "session_end":
            state["end"] = True
        if record["event"] == "checkpoint" and key is not None:
            if record["head_seq"] != record["seq"] - 1 or record["head"] != prev:
                state["verdict"] = f"edited@{record['seq']}"
                continue
            try:
                key.verify(base64.b64decode(record["signature"]),
                           note(record["session"], record["head_seq"], record["head"], record["ts"]))
                state["signed"] = record["head_seq"]
            except Exception:  # noqa: BLE001 - any failure is an invalid signature
                state["verdict"] = f"bad-signature@{record['seq']}"
                continue
        state["seq"], state["h"] = record["seq"], claimed
    verdicts = {}
    for session, state in sessions.items():
        verdict = state["verdict"]
        if verdict is None:
            if not state["end"]:
                verdict = "incomplete"
            elif key is not None and state["signed"] < state["seq"] - 1:
                verdict = "unsigned-tail"
            else:
                verdict = "intact"
        verdicts[session] = f"{verdict} {state['records']}"
    return verdicts


def main(argv: list[str]) -> int:
    path = Path(argv[1])
    key = Path(argv[argv.index("--public-key") + 1]) if "--public-key" in argv else None
    verdicts = verify(path, key)
    for session, verdict in verdicts.items():
        print(session, verdict)
    return 0 if verdicts and all(v.startswith("intact ") for v in verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
