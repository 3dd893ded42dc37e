#!/usr/bin/env python3
"""A stand-in for a firewall without the decoder-differential defences, used only to prove that
the differential suite can fail (test_suite_catches_a_naive_proxy; or run test_differential.py
through it with MCP_FIREWALL_BIN pointing at this file and the interop venv first on PATH, for PyYAML).

It has the command line and the audit records of `mcp-firewall proxy` that the suite reads, and
does what a careful but naive proxy does: reads JSON with exact keys (refusing exact duplicate
keys and invalid JSON), judges tools/call with the policy's rules, writes the decision before
forwarding, filters the hidden tools out of `result.tools`, and forwards every other frame byte
for byte. It does NOT normalise raw CRs or U+2028/U+2029/U+0085, refuse case or Unicode-fold
variants of keys, `__proto__`, or non-integer ids.

  naive_proxy.py proxy --policy P.yaml --audit A.jsonl [--no-terminal] -- CMD...
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import threading
import uuid
from typing import Any

import yaml


class DuplicateKey(ValueError):
    pass


def _no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise DuplicateKey(k)
        out[k] = v
    return out


def parse(data: bytes) -> Any:
    return json.loads(data, object_pairs_hook=_no_dupes)


class Policy:
    def __init__(self, path: str) -> None:
        doc = yaml.safe_load(open(path, encoding="utf-8"))
        self.defaults = {"read": "allow", "write": "confirm", "sensitive": "deny", **(doc.get("defaults") or {})}
        self.unlisted = doc.get("unlisted") or {}
        self.rules = doc.get("tools") or []

    @staticmethod
    def _names(rule: dict[str, Any]) -> list[str]:
        return rule["name"] if isinstance(rule["name"], list) else [rule["name"]]

    def _named(self, rule: dict[str, Any], tool: str) -> bool:
        return any(fnmatch.fnmatchcase(tool, p) for p in self._names(rule))

    def decide(self, tool: str, args: dict[str, Any]) -> tuple[str, str]:
        rules = [r for r in self.rules if self._named(r, tool)]
        if not rules:
            return self.unlisted.get("decision") or self.defaults["write"], "unlisted"
        applying = []
        for r in rules:
            holds = True
            for key, test in (r.get("when") or {}).items():
                value: Any = args
                for part in str(key).split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if value is None:
                    holds = False
                    break
                pattern = test.get("glob") if isinstance(test, dict) else None
                if pattern is not None:
                    if not isinstance(value, str):
                        return "deny", "evaluation_error"
                    holds = holds and fnmatch.fnmatchcase(value, pattern)
            if holds:
                applying.append(r)
        explicit = [r["decision"] for r in applying if "decision" in r]
        for d in ("deny", "confirm", "allow"):
            if d in explicit:
                return d, "rule"
        cls = next((r["class"] for r in applying if "class" in r), "write")
        return self.defaults[cls], "class_default"

    def always_denied(self, tool: str) -> bool:
        return any(self._named(r, tool) and r.get("decision") == "deny" and not r.get("when") for r in self.rules)


class Relay:
    def __init__(self, policy: Policy, audit_path: str, cmd: list[str]) -> None:
        self.policy = policy
        self.audit = open(audit_path, "a", encoding="utf-8")
        self.session = str(uuid.uuid4())
        self.seq = 0
        self.calls = 0
        self.lock = threading.Lock()
        self.pending: dict[str, str] = {}  # exact id text -> method
        self.server = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.out = sys.stdout.buffer

    def record(self, event: str, **fields: Any) -> None:
        self.seq += 1
        self.audit.write(json.dumps({"v": 1, "seq": self.seq, "session": self.session, "event": event, **fields}) + "\n")
        self.audit.flush()

    def to_client(self, data: bytes) -> None:
        self.out.write(data + b"\n")
        self.out.flush()

    def to_server(self, data: bytes) -> None:
        try:
            self.server.stdin.write(data + b"\n")
            self.server.stdin.flush()
        except BrokenPipeError:
            pass

    def refuse(self, data: bytes, ident: Any, code: int, message: str) -> None:
        self.record("rejection", **({"id": ident} if ident is not None else {}), code=code, message=message,
                    size=len(data))
        self.to_client(json.dumps({"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}).encode())

    def from_client(self, data: bytes) -> None:
        try:
            msg = parse(data)
        except DuplicateKey as e:
            return self.refuse(data, None, -32600, f"Invalid request: duplicate key {e}")
        except ValueError:
            return self.refuse(data, None, -32700, "Parse error")
        if not isinstance(msg, dict):
            return self.refuse(data, None, -32600, "Invalid request")
        method, has_id = msg.get("method"), "id" in msg
        ident = msg.get("id")
        if method == "tools/call" and not has_id:
            return self.refuse(data, None, -32600, "Invalid request: tools/call without id")
        if isinstance(method, str) and has_id:
            key = json.dumps(ident)
            if key in self.pending:
                return self.refuse(data, ident, -32600, "Invalid request: id already pending")
            self.pending[key] = method
        if method == "tools/call":
            params = msg.get("params") or {}
            name, args = params.get("name"), params.get("arguments", {})
            if not isinstance(name, str) or not isinstance(args, dict):
                self.pending.pop(json.dumps(ident), None)
                return self.refuse(data, ident, -32602, "Invalid params")
            self.calls += 1
            decision, source = self.policy.decide(name, args)
            final = "allow" if decision == "allow" else "deny"
            self.record("message", direction="client_to_server", kind="request", method=method, id=ident,
                        call=self.calls, size=len(data), payload=msg)
            self.record("decision", call=self.calls, id=ident, tool=name, arguments=args, policy_decision=decision,
                        decision=final, decision_source=source)
            if final == "allow":
                return self.to_server(data)
            self.pending.pop(json.dumps(ident), None)
            text = f"mcp-firewall denied the call to `{name}`."
            return self.to_client(json.dumps({"jsonrpc": "2.0", "id": ident, "result": {
                "content": [{"type": "text", "text": text}], "isError": True}}).encode())
        kind = "request" if isinstance(method, str) and has_id else "notification" if isinstance(method, str) else "response"
        self.record("message", direction="client_to_server", kind=kind,
                    **({"method": method} if isinstance(method, str) else {}), **({"id": ident} if has_id else {}),
                    size=len(data), payload=msg)
        self.to_server(data)

    def from_server(self, data: bytes) -> None:
        try:
            msg = parse(data)
        except ValueError:
            self.record("message", direction="server_to_client", kind="invalid", size=len(data))
            return
        if isinstance(msg, dict) and "method" not in msg and "id" in msg:
            method = self.pending.pop(json.dumps(msg["id"]), None)
            if method is None:
                self.record("message", direction="server_to_client", kind="unsolicited", size=len(data))
                return
            result = msg.get("result")
            if method == "tools/list" and isinstance(result, dict) and isinstance(result.get("tools"), list):
                kept = [t for t in result["tools"] if not (isinstance(t, dict) and self.policy.always_denied(str(t.get("name"))))]
                if len(kept) != len(result["tools"]):
                    data = json.dumps(dict(msg, result=dict(result, tools=kept)), ensure_ascii=False,
                                      separators=(",", ":")).encode()
        self.record("message", direction="server_to_client", kind="response", size=len(data))
        self.to_client(data)

    def run(self) -> int:
        def pump_server() -> None:
            for line in self.server.stdout:
                with self.lock:
                    self.from_server(line.rstrip(b"\n"))

        t = threading.Thread(target=pump_server, daemon=True)
        t.start()
        for line in sys.stdin.buffer:
            with self.lock:
                self.from_client(line.rstrip(b"\n"))
        self.server.stdin.close()
        code = self.server.wait(timeout=10)
        t.join(timeout=5)
        with self.lock:
            self.record("session_end", server_exit=code)
        return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "proxy" or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 64
    opts, cmd = argv[1 : argv.index("--")], argv[argv.index("--") + 1 :]
    policy = opts[opts.index("--policy") + 1]
    audit = opts[opts.index("--audit") + 1]
    return Relay(Policy(policy), audit, cmd).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
