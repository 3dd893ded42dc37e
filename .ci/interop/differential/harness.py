"""Raw-bytes driver for `mcp-firewall proxy` and the differential invariant.

A `ProxySession` runs `mcp-firewall proxy --policy P --audit A --no-terminal -- <server>` with pipes,
does the legacy handshake, then sends *segments*: one or more adversarial frames followed by a
barrier `ping` (string id "barrier-N"), and reads the proxy's stdout until the barrier's answer.
The proxy handles client frames in order, and every server logs the lines it read in order, so the
barrier pings cut the audit log, each server log and the raw bytes the server received into the
same segments. `check_segment` then holds the proxy to its promise for each segment:

- every tools/call a server executed matches one `decision` record of that segment with final
  `allow`, the same tool name, and the same value for every argument the server read;
- no server ever executed delete_all, nor write_file with a path under /etc/;
- a refused frame (a `rejection` record) got an error answer and reached no server;
- every frame the server received is one line for Python's universal newlines, str.splitlines(),
  Node's readline and Go's bufio.Scanner, and so is every line the client received;
- the client never sees the hidden tool `delete_all` in a tools list, however leniently it reads
  (case-folded keys, `__proto__`, any of those line splitters).
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import signal
import subprocess
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
INTEROP = HERE.parent
POLICY = INTEROP / "policies" / "differential.yaml"
HIDDEN_TOOL = "delete_all"
SPAWN_TIMEOUT = float(os.environ.get("DIFF_SPAWN_TIMEOUT", "30"))
BARRIER_TIMEOUT = float(os.environ.get("DIFF_BARRIER_TIMEOUT", "15"))

INIT = (
    b'{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25",'
    b'"capabilities":{},"clientInfo":{"name":"differential-driver","version":"1.0.0"}}}'
)
INITIALIZED = b'{"jsonrpc":"2.0","method":"notifications/initialized"}'


def barrier_id(n: int) -> str:
    return f"barrier-{n}"


def barrier_frame(n: int) -> bytes:
    return b'{"jsonrpc":"2.0","id":"barrier-%d","method":"ping"}' % n


class SessionError(AssertionError):
    pass


# --- line splitting as each decoder does it ----------------------------------------------------------


def split_python_universal(data: bytes) -> list[str]:
    """The MCP Python SDK's stdin: TextIOWrapper(encoding="utf-8", errors="replace"), newline=None."""
    return [line.rstrip("\n") for line in io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace")]


def split_python_splitlines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def real_splitter(cmd: list[str], frames: list[bytes], timeout: float = SPAWN_TIMEOUT) -> list[list[str]]:
    """Run a decoder's own line splitter (`--split-frames`) over each frame (with its "\\n")."""
    if not frames:
        return []
    payload = json.dumps([base64.b64encode(f + b"\n").decode() for f in frames]).encode()
    proc = subprocess.run(cmd, input=payload, capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise SessionError(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(proc.stdout)


# --- lenient readings of a client message ----------------------------------------------------------------


def fold(key: str) -> str:
    """A key as the most lenient decoder matches it: `_` removed, case and compatibility folded."""
    return unicodedata.normalize("NFKC", key).casefold().replace("_", "").replace("ı", "i").replace("i̇", "i")


def _fold_get(o: dict[str, Any], name: str) -> list[Any]:
    values = [v for k, v in o.items() if fold(k.split("\u0000", 1)[0]) == name]
    proto = o.get("__proto__")
    if isinstance(proto, dict):
        values += _fold_get(proto, name)
    return values


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Keep every key (json.loads would keep only the last of exact duplicates): suffix repeats.
    out: dict[str, Any] = {}
    for k, v in pairs:
        while k in out:
            k += "\u0000dup"
        out[k] = v
    return out


def lenient_tool_names(message: Any) -> set[str]:
    """Every tool name some client could read out of a tools/list-shaped answer."""
    names: set[str] = set()
    if not isinstance(message, dict):
        return names
    for result in _fold_get(message, "result"):
        if not isinstance(result, dict):
            continue
        for tools in _fold_get(result, "tools"):
            if not isinstance(tools, list):
                continue
            for entry in tools:
                if isinstance(entry, dict):
                    names.update(v for v in _fold_get(entry, "name") if isinstance(v, str))
    return names


def parse_lenient(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_pairs_hook)
    except ValueError:
        return None


# --- JSON equality as a policy sees it (types strict, numbers by value) ---------------------------------


def json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def is_denied_path(path: Any) -> bool:
    return isinstance(path, str) and path.startswith("/etc/")


# --- the session ------------------------------------------------------------------------------------------


@dataclass
class Segment:
    n: int
    label: str
    frames: list[bytes]
    sent_at: float


@dataclass
class ClientLine:
    at: float
    data: bytes

    @property
    def message(self) -> Any:
        return parse_lenient(self.data.decode("utf-8", errors="replace"))


class ProxySession:
    def __init__(
        self,
        firewall_bin: str | list[str],
        server_name: str,
        server_cmd: list[str],
        workdir: Path,
        tag: str,
        *,
        policy: Path = POLICY,
        env: dict[str, str] | None = None,
    ) -> None:
        self.server_name = server_name
        self.tag = tag
        self.audit_path = workdir / f"{tag}-audit.jsonl"
        self.server_log = workdir / f"{tag}-server.jsonl"
        self.stderr_path = workdir / f"{tag}-proxy-stderr.log"
        for p in (self.audit_path, self.server_log, Path(str(self.server_log) + ".raw")):
            p.unlink(missing_ok=True)
        full_env = dict(os.environ)
        full_env.update({"DIFF_LOG": str(self.server_log), "MCP_FIREWALL_NO_TTY": "1", "PYTHONUNBUFFERED": "1"})
        full_env.update(env or {})
        self._stderr = open(self.stderr_path, "wb")
        firewall = [firewall_bin] if isinstance(firewall_bin, str) else firewall_bin
        self.proc = subprocess.Popen(
            [*firewall, "proxy", "--policy", str(policy), "--audit", str(self.audit_path), "--no-terminal",
             "--", *server_cmd],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=full_env,
            start_new_session=True,
        )
        os.set_blocking(self.proc.stdin.fileno(), False)
        self.lines: list[ClientLine] = []
        self._cond = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.segments: list[Segment] = []
        self.closed = False

    # -- io --
    def _read(self) -> None:
        buf = b""
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    if buf:
                        self.lines.append(ClientLine(time.monotonic(), buf))
                    self._eof = True
                    self._cond.notify_all()
                    return
                buf += chunk
                *complete, buf = buf.split(b"\n")
                now = time.monotonic()
                for line in complete:
                    self.lines.append(ClientLine(now, line))
                self._cond.notify_all()

    def send(self, data: bytes, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        fd = self.proc.stdin.fileno()
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SessionError(f"{self.tag}: the proxy stopped reading its stdin")
            _, writable, _ = select.select([], [fd], [], remaining)
            if not writable:
                continue
            try:
                n = os.write(fd, view)
            except BrokenPipeError:
                raise SessionError(f"{self.tag}: the proxy closed its stdin (exited?){self.stderr_tail()}") from None
            except BlockingIOError:
                continue
            view = view[n:]

    def wait_for_id(self, id_value: Any, timeout: float, start: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self.lines):
                    m = self.lines[i].message
                    i += 1
                    if isinstance(m, dict) and "method" not in m and m.get("id") == id_value and type(m.get("id")) is type(id_value):
                        return m
                if self._eof:
                    raise SessionError(f"{self.tag}: the proxy closed stdout before answering {id_value!r}{self.stderr_tail()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SessionError(f"{self.tag}: no answer to {id_value!r} within {timeout:.0f} s{self.stderr_tail()}")
                self._cond.wait(remaining)

    def stderr_tail(self, n: int = 3000) -> str:
        try:
            text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n--- proxy stderr (tail) ---\n" + text[-n:]

    # -- protocol --
    def handshake(self) -> None:
        self.send(INIT + b"\n")
        answer = self.wait_for_id("init", SPAWN_TIMEOUT)
        if "result" not in answer:
            raise SessionError(f"{self.tag}: initialize failed: {answer}")
        self.send(INITIALIZED + b"\n")
        self.segment("handshake", [b'{"jsonrpc":"2.0","id":"list-0","method":"tools/list"}'])
        listed = self.wait_for_id("list-0", BARRIER_TIMEOUT)
        names = {t.get("name") for t in (listed.get("result") or {}).get("tools", [])}
        if "echo" not in names:
            raise SessionError(f"{self.tag}: tools/list through the proxy lacks echo: {listed}")

    def segment(self, label: str, frames: list[bytes], timeout: float = BARRIER_TIMEOUT) -> Segment:
        """Send `frames` (each gets "\\n"), then the barrier ping; wait for the barrier's answer."""
        n = len(self.segments)
        seg = Segment(n, label, frames, time.monotonic())
        self.segments.append(seg)
        self.send(b"".join(f + b"\n" for f in frames) + barrier_frame(n) + b"\n")
        self.wait_for_id(barrier_id(n), timeout)
        return seg

    def close(self, timeout: float = 15.0) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reader.join(timeout=5)
        self._stderr.close()

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the proxy's own process group (start_new_session)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    # -- results --
    def result(self, splitters: dict[str, list[str]]) -> SessionResult:
        assert self.closed, "close() the session first"
        return SessionResult.load(self, splitters)


# --- logs, cut into segments ---------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").split("\n"):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"event": "unparseable_log_line", "line": line})
    return out


def _barrier_number(event: dict[str, Any]) -> int | None:
    """N when the logged message is the barrier ping of segment N."""
    ident = event.get("id")
    if event.get("method") == "ping" and isinstance(ident, str) and ident.startswith("barrier-"):
        return int(ident.split("-", 1)[1])
    return None


@dataclass
class SessionResult:
    session: ProxySession
    audit: list[dict[str, Any]]
    server_events: list[dict[str, Any]]
    raw_frames: list[bytes]  # what the server read, cut at "\n"
    splitters: dict[str, list[str]]  # name -> command with --split-frames
    audit_by_seg: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    server_by_seg: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    raw_by_seg: dict[int, list[bytes]] = field(default_factory=dict)
    lines_by_seg: dict[int, list[str]] = field(default_factory=dict)  # the lines the server's own reader made
    calls_by_seg: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    real_splits: dict[str, dict[bytes, list[str]]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: ProxySession, splitters: dict[str, list[str]]) -> SessionResult:
        raw_path = Path(str(session.server_log) + ".raw")
        raw = raw_path.read_bytes() if raw_path.exists() else b""
        frames = raw.split(b"\n")
        if frames and frames[-1] == b"":
            frames.pop()
        res = cls(session, read_jsonl(session.audit_path), read_jsonl(session.server_log), frames, splitters)
        res._cut()
        res._split()
        return res

    def _cut(self) -> None:
        n_segments = len(self.session.segments)
        seg = 0
        for rec in self.audit:
            if rec.get("event") == "message" and rec.get("direction") == "client_to_server":
                k = _barrier_number(rec)
                if k is not None:
                    seg = k + 1
                    continue
            self.audit_by_seg.setdefault(seg, []).append(rec)
        seg = 0
        messages_by_key: dict[str, int] = {}
        barrier_lines = {barrier_frame(k).decode(): k for k in range(n_segments)}
        line_seg = 0
        for ev in self.server_events:
            if ev.get("event") == "raw_line":
                # Cut at the barrier's own line: a "message" event only follows a line that decodes.
                line = ev.get("line", "").rstrip("\n")
                if line in barrier_lines:
                    line_seg = barrier_lines[line] + 1
                else:
                    self.lines_by_seg.setdefault(line_seg, []).append(line)
                continue
            if ev.get("event") == "message":
                k = _barrier_number(ev)
                if k is not None:
                    seg = k + 1
                    continue
                if ev.get("method") == "tools/call" and "id_key" in ev:
                    messages_by_key[ev["id_key"]] = seg
            if ev.get("event") == "call":
                # Python runs tools as tasks: attribute the call to its request's segment.
                where = messages_by_key.get(ev.get("id_key"), seg)
                self.calls_by_seg.setdefault(where, []).append(ev)
                continue
            self.server_by_seg.setdefault(seg, []).append(ev)
        seg = 0
        barriers = {barrier_frame(k): k for k in range(n_segments)}
        for f in self.raw_frames:
            if f in barriers:
                seg = barriers[f] + 1
                continue
            self.raw_by_seg.setdefault(seg, []).append(f)

    def _split(self) -> None:
        frames = list(dict.fromkeys(self.raw_frames + [line.data for line in self.session.lines]))
        for name, cmd in self.splitters.items():
            out = real_splitter(cmd, frames)
            self.real_splits[name] = dict(zip(frames, out))

    def line_counts(self, data: bytes) -> dict[str, int]:
        counts = {
            "python universal newlines": len(split_python_universal(data + b"\n")),
            "python str.splitlines()": len(split_python_splitlines(data + b"\n")),
        }
        for name, table in self.real_splits.items():
            counts[name] = len(table.get(data, []))
        return counts

    def client_lines_for(self, segment: Segment) -> list[ClientLine]:
        return [line for line in self.session.lines if segment.sent_at <= line.at]


# --- the invariant -----------------------------------------------------------------------------------------------


def _short(value: Any, n: int = 300) -> str:
    text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else json.dumps(value, ensure_ascii=True)
    for ch, esc in (("\r", "\\r"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\u0085", "\\u0085")):
        text = text.replace(ch, esc)
    return text if len(text) <= n else text[: n - 1] + "…"


def policy_read_keys(policy: Path = POLICY) -> dict[str, set[str]]:
    """Tool name -> the top-level argument keys some `when:` of the policy reads."""
    import yaml  # PyYAML is pinned in requirements.txt

    reads: dict[str, set[str]] = {}
    for rule in yaml.safe_load(policy.read_text(encoding="utf-8")).get("tools", []):
        names = rule["name"] if isinstance(rule["name"], list) else [rule["name"]]
        for name in names:
            reads.setdefault(name, set()).update(str(k).split(".", 1)[0] for k in (rule.get("when") or {}))
    return reads


POLICY_READS = policy_read_keys()


def _args_match(call: dict[str, Any], audited: dict[str, Any]) -> bool:
    """Every argument the server read has the value the policy saw under that key. One exception:
    a key the policy never reads for this tool, sent under a single variant spelling (`Text` for
    `text`) that the server's decoder binds, carrying the same value: the decision cannot depend
    on it (a variant of a key a rule reads is an evaluation error, so it never gets here)."""
    defaulted = set(call.get("defaulted") or [])
    reads = POLICY_READS.get(call.get("tool") or "", set())
    for key, value in (call.get("arguments") or {}).items():
        if key in defaulted and key not in audited:
            continue
        if key in audited:
            if not json_equal(audited[key], value):
                return False
            continue
        variants = [k for k in audited if fold(k) == fold(key)]
        if key in reads or len(variants) != 1 or not json_equal(audited[variants[0]], value):
            return False
    return True


def _audited_meta(audit: list[dict[str, Any]], call_no: Any) -> tuple[bool, Any]:
    for rec in audit:
        if rec.get("event") == "message" and rec.get("direction") == "client_to_server" and rec.get("call") == call_no:
            payload = rec.get("payload")
            if not isinstance(payload, dict):
                return False, None
            params = payload.get("params") or {}
            return True, params.get("_meta")
    return False, None


def check_segment(res: SessionResult, seg: Segment) -> list[str]:
    """Violations of the differential invariant in one segment (empty: it holds)."""
    v: list[str] = []
    server = res.session.server_name
    audit = res.audit_by_seg.get(seg.n, [])
    decisions = [r for r in audit if r.get("event") == "decision"]
    allowed = [d for d in decisions if d.get("decision") == "allow"]
    rejections = [r for r in audit if r.get("event") == "rejection"]
    calls = res.calls_by_seg.get(seg.n, [])
    decoded = [e for e in res.server_by_seg.get(seg.n, []) if e.get("event") in ("message", "decode_error")]
    forwarded = res.raw_by_seg.get(seg.n, [])

    used: set[int] = set()
    for c in calls:
        tool, args = c.get("tool"), c.get("arguments") or {}
        if tool == HIDDEN_TOOL:
            v.append(f"{server} EXECUTED the denied tool {tool} (arguments {_short(args)})")
        if tool == "write_file" and is_denied_path(args.get("path")):
            v.append(f"{server} EXECUTED write_file on the denied path {args.get('path')!r}")
        match = next((i for i, d in enumerate(allowed) if i not in used and d.get("tool") == tool
                      and _args_match(c, d.get("arguments") or {})), None)
        if match is None:
            judged = [(d.get("tool"), d.get("arguments"), d.get("decision")) for d in decisions]
            v.append(f"{server} executed {tool} with arguments {_short(args)} as ITS decoder read them, but no "
                     f"decision of this frame allowed that call (the proxy judged: {_short(judged)})")
            continue
        used.add(match)
        if "meta" in c:
            known, audited_meta = _audited_meta(audit, allowed[match].get("call"))
            server_meta = c.get("meta")
            if known and not json_equal(server_meta if server_meta is not None else None, audited_meta):
                v.append(f"{server} read params._meta {_short(server_meta)} but the proxy saw {_short(audited_meta)}")

    sent = len(seg.frames)
    denied = sum(1 for d in decisions if d.get("decision") == "deny")
    if len(forwarded) > sent - len(rejections) - denied:
        v.append(f"{len(seg.frames)} frame(s) sent, {len(rejections)} refused and {denied} denied by the proxy, yet "
                 f"{server} received {len(forwarded)} frame(s): {[_short(f, 160) for f in forwarded]}")
    if rejections and len(rejections) >= sent and decoded:
        v.append(f"the proxy refused the frame ({rejections[0].get('message')!r}) but {server} decoded "
                 f"{len(decoded)} message(s) from this segment: {_short(decoded)}")
    lines = res.client_lines_for(seg)
    for r in rejections:
        if "id" in r:
            answered = any(isinstance(m := line.message, dict) and "error" in m and json_equal(m.get("id"), r["id"])
                           for line in lines)
            if not answered:
                v.append(f"the proxy refused id {r['id']!r} ({r.get('message')!r}) without an error answer to the client")

    # Each forwarded frame is exactly one line for every decoder's splitter.
    for f in forwarded:
        counts = res.line_counts(f)
        bad = {k: n for k, n in counts.items() if n != 1}
        if bad:
            v.append(f"a frame forwarded to {server} is not one line for {bad}: {_short(f)}")
    server_lines = res.lines_by_seg.get(seg.n, [])
    if len(server_lines) != len(forwarded):
        v.append(f"{server}'s own reader made {len(server_lines)} line(s) of the {len(forwarded)} frame(s) it was "
                 f"forwarded: {[_short(x, 160) for x in server_lines]}")
    return v


def check_client_stream(res: SessionResult, lines: list[ClientLine] | None = None) -> list[str]:
    """Every line the client received (or `lines` of it) is one line for every splitter, and hides delete_all."""
    v: list[str] = []
    for line in res.session.lines if lines is None else lines:
        counts = res.line_counts(line.data)
        bad = {k: n for k, n in counts.items() if n != 1}
        if bad:
            v.append(f"a line the proxy sent to the client is not one line for {bad}: {_short(line.data)}")
        pieces = set(split_python_universal(line.data + b"\n")) | set(split_python_splitlines(line.data + b"\n"))
        for table in res.real_splits.values():
            for piece in table.get(line.data, []):
                pieces.add(piece)
        for piece in pieces:
            if HIDDEN_TOOL in lenient_tool_names(parse_lenient(piece)):
                v.append(f"the hidden tool {HIDDEN_TOOL} reaches the client in a tools list: {_short(piece)}")
    return v


def splitters(go_bin: str, node: str) -> dict[str, list[str]]:
    """The real line splitters, by name: each server binary in its --split-frames mode."""
    return {
        "node readline": [node, str(HERE / "node_server.js"), "--split-frames"],
        "go bufio.Scanner": [go_bin, "-split-frames"],
    }
