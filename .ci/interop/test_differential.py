"""Differential decoder suite: the server must execute exactly the call the policy judged.

Three real decoders run as MCP stdio servers behind `mcp-firewall proxy` (differential/):
the official MCP Python SDK (MCPServer), plain Node (readline + JSON.parse + Object.assign), and
Go's encoding/json (struct tags, as mcp-go decodes). Each logs what *its* decoder read. Frames are
written as raw bytes (not through an SDK client) and the invariant of differential/harness.py is
checked for every frame and every server. See README.md ("Differential decoders").

  test_decoder_baseline   the decoders really are lenient (no proxy): the suite can fail
  test_regression         one named case per known finding, on every server
  test_evil_server        a hostile server's ambiguous answers never reach the client
  test_fuzz               seeded random frames, same invariant (DIFF_FUZZ_SEEDS, DIFF_FUZZ_FRAMES)
  test_suite_catches_a_naive_proxy
                          the same checks fail through differential/naive_proxy.py (no defences)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from differential import harness
from differential.harness import ProxySession, SessionError, SessionResult, check_client_stream, check_segment
from differential.wire import FrameGenerator, Raw, call, frame, obj, request

HERE = Path(__file__).resolve().parent
DIFF = HERE / "differential"
SERVERS = ("python", "node", "go")
FUZZ_FRAMES = int(os.environ.get("DIFF_FUZZ_FRAMES", "300"))
FUZZ_SEEDS = [int(s) for s in os.environ.get("DIFF_FUZZ_SEEDS", "20261203").split(",") if s.strip()]


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def node_bin() -> str:
    node = shutil.which("node")
    if not node:
        pytest.fail("node is not installed (the differential suite needs Node 18 or later; .ci/interop/run.sh installs nodejs)")
    return node


@pytest.fixture(scope="session")
def go_bin(tmp_path_factory: pytest.TempPathFactory) -> str:
    go = shutil.which("go")
    if not go:
        pytest.fail("go is not installed (the differential suite needs it; .ci/interop/run.sh installs golang-go)")
    work = tmp_path_factory.mktemp("go")
    out = work / "go_server"
    # Standard library only, offline, hermetic caches (about a second). -buildvcs=false: VCS stamping runs
    # `git status`, which fails in a clone owned by another user ("dubious ownership"), or without git.
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-buildvcs=false", GOTOOLCHAIN="local", CGO_ENABLED="0",
               GOCACHE=str(work / "cache"), GOPATH=str(work / "gopath"))
    proc = subprocess.run([go, "build", "-o", str(out), "."], cwd=DIFF / "go_server", env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"go build failed:\n{proc.stdout}\n{proc.stderr}"
    return str(out)


@pytest.fixture(scope="session")
def server_cmds(node_bin: str, go_bin: str) -> dict[str, list[str]]:
    return {
        "python": [sys.executable, str(DIFF / "python_server.py")],
        "node": [node_bin, str(DIFF / "node_server.js")],
        "go": [go_bin],
    }


@pytest.fixture(scope="session")
def splitters(node_bin: str, go_bin: str) -> dict[str, list[str]]:
    return harness.splitters(go_bin, node_bin)


# --- cases ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    frames: list[bytes]
    expect: str  # allowed | denied | eval_error | refused | forwarded | any
    call: tuple[str, dict[str, Any]] | None = None  # for "allowed": what the server must execute
    isolate: bool = False  # its own proxy session (it may poison a server for later frames)
    finding: str = ""


def j(value: Any, **kw: Any) -> bytes:
    return frame(value, **kw)


def b(text: str) -> bytes:
    return text.encode("utf-8")


DELETE_PARAMS = '{"name":"delete_all","arguments":{}}'
ETC_WRITE = '{"name":"write_file","arguments":{"path":"/etc/passwd","text":"pwned"}}'

CASES: list[Case] = [
    # Controls: the suite sees allowed calls arrive and denied ones not.
    Case("control_echo", [j(call(1001, "echo", obj(text="hello")))], "allowed", ("echo", {"text": "hello"})),
    Case("control_write", [j(call(1002, "write_file", obj(path="notes/ok.txt", text="fine")))], "allowed",
         ("write_file", {"path": "notes/ok.txt", "text": "fine"})),
    Case("control_write_etc_is_denied", [j(call(1003, "write_file", obj(path="/etc/passwd", text="x")))], "denied"),
    Case("control_delete_all_is_denied", [j(call(1004, "delete_all", obj()))], "denied"),
    Case("control_crlf_line_end", [j(call(1005, "echo", obj(text="crlf"))) + b"\r"], "allowed", ("echo", {"text": "crlf"})),
    Case("control_constructor_without_prototype",
         [j(call(1006, "write_file", obj(path="notes/ok.txt", text="c", constructor=obj(name="fine"))))], "allowed",
         ("write_file", {"path": "notes/ok.txt", "text": "c"})),
    # (1) one frame, several lines: raw CR and U+2028/U+2029/U+0085.
    Case("cr_smuggles_delete_all_inside_a_ping",
         [b('{"jsonrpc":"2.0","id":1010,"method":"ping","params":{"x":\r{"jsonrpc":"2.0","id":1011,'
            '"method":"tools/call","params":' + DELETE_PARAMS + '}\r}}')], "forwarded",
         finding="raw CR: Python universal newlines and Node readline end the line there"),
    Case("cr_smuggles_etc_write_inside_an_echo",
         [b('{"jsonrpc":"2.0","id":1012,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi",'
            '"x":\r{"jsonrpc":"2.0","id":1013,"method":"tools/call","params":' + ETC_WRITE + '}\r}}}')],
         "allowed", ("echo", {"text": "hi"})),
    Case("cr_as_whitespace_between_tokens",
         [j(call(1014, "echo", obj(text="cr-ws")), ws=lambda: "\r")], "allowed", ("echo", {"text": "cr-ws"})),
    Case("u2028_inside_a_string", [j(call(1015, "echo", obj(text="one\u2028two")))], "allowed",
         ("echo", {"text": "one\u2028two"})),
    Case("u2029_inside_a_string", [j(call(1016, "echo", obj(text="one\u2029two")))], "allowed",
         ("echo", {"text": "one\u2029two"})),
    Case("u0085_inside_a_string", [j(call(1017, "echo", obj(text="one\u0085two")))], "allowed",
         ("echo", {"text": "one\u0085two"})),
    Case("separator_inside_a_key",
         [j(call(1018, "write_file", obj(("path", "notes/ok.txt"), ("text", "k"), ("note\u2028", "n"))))], "allowed",
         ("write_file", {"path": "notes/ok.txt", "text": "k"})),
    # (2) envelope and params: keys Go's encoding/json binds case-insensitively, the last one winning.
    Case("method_variant_after_method",
         [b('{"jsonrpc":"2.0","id":1020,"method":"ping","Method":"tools/call","params":' + DELETE_PARAMS + '}')],
         "refused", finding="Go binds Method (last wins)"),
    Case("method_variant_alone", [b('{"jsonrpc":"2.0","id":1021,"Method":"tools/call","params":' + DELETE_PARAMS + '}')],
         "refused"),
    Case("method_uppercase_after_method",
         [b('{"jsonrpc":"2.0","id":1022,"method":"ping","METHOD":"tools/call","params":' + DELETE_PARAMS + '}')],
         "refused"),
    Case("params_variant_after_params",
         [b('{"jsonrpc":"2.0","id":1023,"method":"tools/call","params":{"name":"echo","arguments":{"text":"p"}},'
            '"Params":' + DELETE_PARAMS + '}')], "refused"),
    Case("params_long_s_variant",
         [b('{"jsonrpc":"2.0","id":1024,"method":"tools/call","params":{"name":"echo","arguments":{"text":"p"}},'
            '"param\u017f":' + DELETE_PARAMS + '}')], "refused", finding="U+017F folds to s in Go"),
    Case("params_variant_alone", [b('{"jsonrpc":"2.0","id":1025,"method":"tools/call","Params":' + DELETE_PARAMS + '}')],
         "refused"),
    Case("name_variant_after_name",
         [b('{"jsonrpc":"2.0","id":1026,"method":"tools/call","params":{"name":"echo","Name":"delete_all",'
            '"arguments":{"text":"n"}}}')], "refused"),
    Case("name_variant_alone",
         [b('{"jsonrpc":"2.0","id":1027,"method":"tools/call","params":{"Name":"delete_all","arguments":{}}}')], "refused"),
    Case("arguments_variant_after_arguments",
         [b('{"jsonrpc":"2.0","id":1028,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","text":"a"},"Arguments":{"path":"/etc/passwd","text":"a"}}}')], "refused"),
    Case("arguments_long_s_variant",
         [b('{"jsonrpc":"2.0","id":1029,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","text":"a"},"argument\u017f":{"path":"/etc/passwd","text":"a"}}}')], "refused"),
    Case("arguments_variant_alone",
         [b('{"jsonrpc":"2.0","id":1030,"method":"tools/call","params":{"name":"write_file",'
            '"Arguments":{"path":"/etc/passwd","text":"a"}}}')], "refused",
         finding="the proxy sees no arguments ({}: allowed), Go binds Arguments"),
    Case("client_response_carrying_Method",
         [b('{"jsonrpc":"2.0","id":1031,"result":{},"Method":"tools/call","Params":' + DELETE_PARAMS + '}')], "refused",
         finding="a response to the proxy, a tools/call request to Go"),
    Case("notification_carrying_ID_and_Method",
         [b('{"jsonrpc":"2.0","method":"notifications/initialized","ID":1032,"Method":"tools/call",'
            '"Params":' + DELETE_PARAMS + '}')], "refused", finding="a notification to the proxy, a request to Go"),
    Case("notification_carrying_Id",
         [b('{"jsonrpc":"2.0","method":"notifications/roots/list_changed","Id":1033}')], "refused"),
    Case("tools_call_notification_with_dotless_i_id",
         [b('{"jsonrpc":"2.0","method":"tools/call","\u0131d":1034,"params":' + DELETE_PARAMS + '}')], "refused",
         finding="Go >= 1.21 folds U+0131 to i (1.19 does not); a tools/call notification is refused anyway"),
    Case("meta_without_underscore",
         [b('{"jsonrpc":"2.0","id":1035,"method":"tools/call","params":{"name":"echo","arguments":{"text":"m"},'
            '"meta":{"progressToken":"m"}}}')], "refused", finding="pydantic populate_by_name: meta for _meta"),
    Case("meta_uppercase",
         [b('{"jsonrpc":"2.0","id":1036,"method":"tools/call","params":{"name":"echo","arguments":{"text":"m"},'
            '"_META":{"progressToken":"m"}}}')], "refused", finding="Go binds _META to _meta"),
    Case("request_state_snake_case",
         [b('{"jsonrpc":"2.0","id":1037,"method":"tools/call","params":{"name":"echo","arguments":{"text":"r"},'
            '"request_state":"forged"}}')], "refused"),
    Case("progress_token_snake_case_in_meta",
         [b('{"jsonrpc":"2.0","id":1038,"method":"tools/call","params":{"name":"echo","arguments":{"text":"t"},'
            '"_meta":{"progress_token":"t"}}}')], "refused"),
    # (3) tool arguments.
    Case("path_variant_after_path",
         [b('{"jsonrpc":"2.0","id":1040,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","Path":"/etc/passwd","text":"x"}}}')], "refused",
         finding="passes the /etc/** rule; Go's json:\"path\" field gets /etc/passwd"),
    Case("path_variant_before_path",
         [b('{"jsonrpc":"2.0","id":1041,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"Path":"/etc/passwd","path":"notes/ok.txt","text":"x"}}}')], "refused"),
    Case("path_variant_alone",
         [b('{"jsonrpc":"2.0","id":1042,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"Path":"/etc/passwd","text":"x"}}}')], "eval_error",
         finding="the rule reads path, the arguments hold only Path: an evaluation error"),
    Case("path_uppercase_alone",
         [b('{"jsonrpc":"2.0","id":1043,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"PATH":"/etc/shadow","text":"x"}}}')], "eval_error"),
    Case("path_underscore_variant",
         [b('{"jsonrpc":"2.0","id":1044,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","_path":"/etc/passwd","text":"x"}}}')], "refused"),
    Case("text_variant_after_text",
         [b('{"jsonrpc":"2.0","id":1045,"method":"tools/call","params":{"name":"echo","arguments":'
            '{"text":"shown","TEXT":"hidden"}}}')], "refused"),
    Case("kind_kelvin_sign_variant",
         [b('{"jsonrpc":"2.0","id":1046,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","text":"x","kind":"file","\u212aind":"symlink"}}}')], "refused",
         finding="U+212A KELVIN SIGN folds to k in Go"),
    Case("variant_deep_in_arguments",
         [b('{"jsonrpc":"2.0","id":1047,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","text":"x","options":{"mode":{"level":"a","LEVEL":"b"}}}}}')], "refused"),
    Case("snake_and_camel_in_arguments",
         [b('{"jsonrpc":"2.0","id":1048,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"path":"notes/ok.txt","text":"x","file_mode":"a","fileMode":"b"}}}')], "refused"),
    # (4) prototypes.
    Case("proto_supplies_path",
         [b('{"jsonrpc":"2.0","id":1050,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"text":"x","__proto__":{"path":"/etc/passwd"}}}}')], "refused",
         finding="Object.assign({}, defaults, args) sets the prototype: merged.path is /etc/passwd"),
    Case("proto_supplies_arguments",
         [b('{"jsonrpc":"2.0","id":1051,"method":"tools/call","params":{"name":"write_file",'
            '"__proto__":{"arguments":{"path":"/etc/passwd","text":"x"}}}}')], "refused"),
    Case("proto_supplies_tool_name",
         [b('{"jsonrpc":"2.0","id":1052,"method":"tools/call","params":{"__proto__":{"name":"delete_all"},'
            '"arguments":{}}}')], "refused"),
    Case("proto_supplies_method",
         [b('{"jsonrpc":"2.0","id":1053,"__proto__":{"method":"tools/call"},"params":' + DELETE_PARAMS + '}')],
         "refused"),
    Case("constructor_prototype_pollutes_the_server",
         [b('{"jsonrpc":"2.0","id":1054,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"text":"x","options":{"constructor":{"prototype":{"path":"/etc/passwd"}}}}}}')], "refused",
         isolate=True, finding="a naive deep merge writes Object.prototype.path"),
    Case("proto_in_nested_options_pollutes_the_server",
         [b('{"jsonrpc":"2.0","id":1055,"method":"tools/call","params":{"name":"write_file","arguments":'
            '{"text":"x","options":{"__proto__":{"path":"/etc/shadow"}}}}}')], "refused", isolate=True),
    # The proxy's own error texts quote what the client sent: they must be one line too.
    Case("proxy_error_quotes_a_method_with_u0085",
         [b('{"jsonrpc":"2.0","id":1060,"method":"\u0085tools/call","params":{"name":"echo","arguments":{"text":"q"}}}')],
         "refused", finding="found by test_fuzz: the error text carried a raw U+0085 to the client"),
    Case("proxy_error_quotes_a_tool_name_with_u0085",
         [b('{"jsonrpc":"2.0","id":1061,"method":"tools/call","params":{"name":"ec\u0085ho","arguments":{"text":"q"}}}')],
         "refused"),
    Case("proxy_error_quotes_keys_with_u0085",
         [b('{"jsonrpc":"2.0","id":1062,"method":"tools/call","params":{"name":"echo","arguments":'
            '{"text":"q","k\u0085":"a","K\u0085":"b"}}}')], "refused"),
    # (8) numeric id aliases: both requests outstanding at once.
    Case("id_1.0_aliases_1",
         [j(request(Raw("1.0"), "tools/list")), j(request(1, "ping"))], "refused",
         finding="JS answers both as 1; the Python SDK reads id 1.0 as a notification"),
    Case("id_2e0_aliases_2", [j(request(Raw("2e0"), "tools/list")), j(request(2, "ping"))], "refused"),
    Case("id_minus_0_aliases_0", [j(request(Raw("-0"), "tools/list")), j(request(0, "ping"))], "refused",
         finding="JSON.parse and pydantic both read -0 as 0"),
    Case("id_past_2_53_aliases",
         [j(request(Raw("9007199254740993"), "tools/list")), j(request(9007199254740992, "ping"))], "refused",
         finding="JS reads 2^53+1 as 2^53"),
    Case("id_float_on_a_tools_call",
         [j(call(Raw("3.0"), "write_file", obj(path="notes/ok.txt", text="f")))], "refused"),
    Case("id_number_and_string_alias", [j(request(5, "tools/list")), j(request("5", "ping"))], "any",
         finding="deterministic version in test_evil_server[hold_tools_list]"),
]

CASE_BY_NAME = {c.name: c for c in CASES}
assert len(CASE_BY_NAME) == len(CASES), "case names must be unique"


# --- running cases through the proxy ------------------------------------------------------------------------------


@dataclass
class CaseOutcome:
    result: SessionResult | None = None
    segment: harness.Segment | None = None
    next_sent_at: float = float("inf")
    error: str | None = None


# A group of cases must finish well inside pytest-timeout's 300 s: a test that timeout interrupts
# leaves no outcomes, so every later test of the group would run it again.
GROUP_BUDGET = float(os.environ.get("DIFF_GROUP_BUDGET", "120"))


@dataclass
class RegressionRunner:
    """Runs the non-isolated cases of one server in one proxy session (a new session takes over
    if one breaks, at most three), each isolated case in a session of its own, and keeps the
    outcomes. A group still running after GROUP_BUDGET seconds fails its remaining cases."""

    firewall_bin: str | list[str]
    workdir: Path
    server_cmds: dict[str, list[str]]
    splitters: dict[str, list[str]]
    cases: list[Case] = field(default_factory=lambda: CASES)
    outcomes: dict[tuple[str, str], CaseOutcome] = field(default_factory=dict)

    def outcome(self, server: str, case: Case) -> CaseOutcome:
        key = (server, case.name)
        if key not in self.outcomes:
            group = [case] if case.isolate else [c for c in self.cases if not c.isolate]
            self._run(server, group)
        return self.outcomes[key]

    def _run(self, server: str, group: list[Case]) -> None:
        todo = list(group)
        attempt = 0
        deadline = time.monotonic() + GROUP_BUDGET
        while todo:
            attempt += 1
            if attempt > 3:  # a proxy that breaks every session: do not spend minutes proving it
                for case in todo:
                    self.outcomes[(server, case.name)] = CaseOutcome(error="gave up after 3 broken sessions")
                return
            tag = f"{server}-{'shared' if len(group) > 1 else group[0].name}-{attempt}"
            session = ProxySession(self.firewall_bin, server, self.server_cmds[server], self.workdir, tag)
            ran: list[tuple[Case, harness.Segment]] = []
            try:
                try:
                    session.handshake()
                except SessionError as e:
                    for case in todo:
                        self.outcomes[(server, case.name)] = CaseOutcome(error=f"handshake: {e}")
                    return
                while todo:
                    if time.monotonic() > deadline:
                        for case in todo:
                            self.outcomes[(server, case.name)] = CaseOutcome(
                                error=f"not run: its session group used up DIFF_GROUP_BUDGET ({GROUP_BUDGET:.0f} s)")
                        return
                    case = todo.pop(0)
                    try:
                        ran.append((case, session.segment(case.name, case.frames)))
                    except SessionError as e:
                        self.outcomes[(server, case.name)] = CaseOutcome(error=str(e))
                        break
            finally:
                session.close()
                result = session.result(self.splitters) if ran else None
                for i, (case, seg) in enumerate(ran):
                    nxt = ran[i + 1][1].sent_at if i + 1 < len(ran) else float("inf")
                    self.outcomes[(server, case.name)] = CaseOutcome(result, seg, nxt)


@pytest.fixture(scope="module")
def runner(firewall_bin: str, tmp_path_factory: pytest.TempPathFactory, server_cmds, splitters) -> RegressionRunner:
    return RegressionRunner(firewall_bin, tmp_path_factory.mktemp("differential"), server_cmds, splitters)


def answers_to(lines: list[harness.ClientLine], ident: Any) -> list[dict[str, Any]]:
    return [m for line in lines if isinstance(m := line.message, dict) and "method" not in m
            and "id" in m and harness.json_equal(m["id"], ident) and type(m["id"]) is type(ident)]


def expectation_violations(case: Case, out: CaseOutcome, lines: list[harness.ClientLine],
                           all_lines: list[harness.ClientLine]) -> list[str]:
    """What the fixed proxy is specified to do with the case. `lines`: what the client received
    while the case ran; `all_lines`: the whole session (answers by id may come after the barrier)."""
    res, seg = out.result, out.segment
    assert res is not None and seg is not None
    audit = res.audit_by_seg.get(seg.n, [])
    decisions = [r for r in audit if r.get("event") == "decision"]
    rejections = [r for r in audit if r.get("event") == "rejection"]
    calls = res.calls_by_seg.get(seg.n, [])
    decoded = [e for e in res.server_by_seg.get(seg.n, []) if e.get("event") == "message"]
    ident = _first_id(case.frames[0])
    v: list[str] = []
    if case.expect == "allowed":
        if rejections:
            v.append(f"expected the call to be allowed, the proxy refused it: {rejections[0].get('message')!r}")
        if not any(d.get("decision") == "allow" for d in decisions):
            v.append(f"expected an allow decision, got {[(d.get('tool'), d.get('decision')) for d in decisions]}")
        tool, args = case.call or ("", {})
        if not any(c.get("tool") == tool and harness.json_equal(
                {k: c.get("arguments", {}).get(k) for k in args}, args) for c in calls):
            v.append(f"expected the server to execute {tool} {args}; its log has {[(c.get('tool'), c.get('arguments')) for c in calls]}")
        if ident is not None and not any("result" in a and not (a["result"] or {}).get("isError")
                                         for a in answers_to(all_lines, ident)):
            v.append(f"expected a successful result for id {ident!r}, got {answers_to(all_lines, ident)}")
    elif case.expect in ("denied", "eval_error"):
        deny = [d for d in decisions if d.get("decision") == "deny"]
        if not deny:
            v.append(f"expected a deny decision, got decisions {[(d.get('tool'), d.get('decision')) for d in decisions]}"
                     f" and rejections {[r.get('message') for r in rejections]}")
        elif case.expect == "eval_error" and deny[0].get("decision_source") != "evaluation_error":
            v.append(f"expected decision_source evaluation_error, got {deny[0].get('decision_source')!r}")
        if calls:
            v.append(f"expected nothing executed, the server ran {calls}")
        if ident is not None and not any((a.get("result") or {}).get("isError") for a in answers_to(all_lines, ident)):
            v.append(f"expected an isError denial for id {ident!r}, got {answers_to(all_lines, ident)}")
    elif case.expect == "refused":
        if not rejections:
            v.append(f"expected the proxy to refuse the frame (a rejection record); it recorded "
                     f"{[(r.get('event'), r.get('direction'), r.get('kind'), r.get('decision')) for r in audit]}")
        if not any("error" in m for line in lines if isinstance(m := line.message, dict) and "method" not in m
                   and m.get("id") != harness.barrier_id(seg.n)):
            v.append("expected a JSON-RPC error answer to the client")
        if len(case.frames) == 1 and decoded:
            v.append(f"expected nothing forwarded; the server decoded {decoded}")
    elif case.expect == "forwarded":
        if rejections:
            v.append(f"expected the frame forwarded (normalised), the proxy refused it: {rejections[0].get('message')!r}")
        if not decoded:
            v.append("expected the server to receive and decode the frame; its log has nothing for it")
        if calls:
            v.append(f"expected no tool executed, the server ran {calls}")
    return v


def _first_id(data: bytes) -> Any:
    try:
        message = json.loads(data)
    except ValueError:
        return None
    if isinstance(message, dict) and "id" in message and "method" in message:
        value = message["id"]
        return value if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    return None


def _report(title: str, violations: list[str], out: CaseOutcome | None = None) -> str:
    lines = [title] + [f"  - {x}" for x in violations]
    if out and out.result:
        s = out.result.session
        lines.append(f"  (audit {s.audit_path}, server log {s.server_log}, proxy stderr {s.stderr_path})")
    return "\n".join(lines)


# --- tests -----------------------------------------------------------------------------------------------------------


BASELINE = [
    # (server, frame, what that decoder executes when nobody is in between)
    ("python", b('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":\r{"jsonrpc":"2.0","id":2,"method":"tools/call",'
                 '"params":' + DELETE_PARAMS + '}\r}}'), ("delete_all", {})),
    ("node", b('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":\r{"jsonrpc":"2.0","id":2,"method":"tools/call",'
               '"params":' + DELETE_PARAMS + '}\r}}'), ("delete_all", {})),
    ("node", b('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":'
               '{"text":"x","__proto__":{"path":"/etc/passwd"}}}}'), ("write_file", {"path": "/etc/passwd"})),
    ("go", b('{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call","params":' + DELETE_PARAMS + '}'),
     ("delete_all", {})),
    ("go", b('{"jsonrpc":"2.0","id":1,"method":"tools/call","param\u017f":' + DELETE_PARAMS + '}'), ("delete_all", {})),
    ("go", b('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":'
             '{"path":"notes/ok.txt","Path":"/etc/passwd","text":"x"}}}'), ("write_file", {"path": "/etc/passwd"})),
    ("go", b('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":'
             '{"path":"notes/ok.txt","text":"x","kind":"file","\u212aind":"symlink"}}}'), ("write_file", {"kind": "symlink"})),
]


@pytest.mark.parametrize("server,data,executes", BASELINE,
                         ids=[f"{s}-{i}" for i, (s, _, _) in enumerate(BASELINE)])
def test_decoder_baseline(server: str, data: bytes, executes: tuple[str, dict[str, Any]], server_cmds, tmp_path: Path):
    """Without the proxy, each decoder really executes the call its leniency lets through (so the
    regression cases below can fail)."""
    log = tmp_path / "server.jsonl"
    init = harness.INIT + b"\n" + harness.INITIALIZED + b"\n"
    proc = subprocess.run(server_cmds[server], input=init + data + b"\n", capture_output=True, timeout=30,
                          env=dict(os.environ, DIFF_LOG=str(log)))
    calls = [e for e in harness.read_jsonl(log) if e.get("event") == "call"]
    tool, args = executes
    assert any(c.get("tool") == tool and all(c.get("arguments", {}).get(k) == v for k, v in args.items()) for c in calls), (
        f"{server} did not execute {tool} {args} from {data!r} (its decoder changed?); calls: {calls}; "
        f"stderr: {proc.stderr.decode(errors='replace')[-1500:]}")


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_regression(server: str, case: Case, runner: RegressionRunner):
    out = runner.outcome(server, case)
    if out.error:
        pytest.fail(f"[{server}] {case.name}: the session broke: {out.error}")
    assert out.result is not None and out.segment is not None
    lines = [line for line in out.result.session.lines if out.segment.sent_at <= line.at < out.next_sent_at]
    invariant = check_segment(out.result, out.segment) + check_client_stream(out.result, lines)
    expectation = [] if case.expect == "any" else expectation_violations(case, out, lines, out.result.session.lines)
    problems = []
    if invariant:
        problems.append(_report(f"INVARIANT broken (a decoder reads what the proxy did not judge) [{server}] "
                                f"{case.name}{' — ' + case.finding if case.finding else ''}:", invariant, out))
    if expectation:
        problems.append(_report(f"EXPECTATION not met (fixed proxy behaviour: {case.expect}) [{server}] {case.name}:",
                                expectation, out))
    assert not problems, "\n".join(problems)


EVIL = [
    # scenario, requests sent in one segment (method, id), the id that must get a JSON-RPC error (or None)
    ("result_and_Result", [("tools/list", 7)], 7),
    ("tools_and_Tools", [("tools/list", 7)], 7),
    ("name_and_Name", [("tools/list", 7)], 7),
    ("proto_tool_entry", [("tools/list", 7)], 7),
    ("id_float_answer", [("tools/list", 7)], None),
    ("Id_redirect", [("tools/list", 7), ("ping", 8)], 8),
    ("cr_smuggled_answer", [("tools/list", 7)], None),
    ("separators_in_answer", [("tools/list", 7)], None),
    ("hold_tools_list", [("tools/list", 5), ("ping", "5")], "5"),
]


@pytest.mark.parametrize("scenario,requests,error_for", EVIL, ids=[e[0] for e in EVIL])
def test_evil_server(scenario: str, requests: list[tuple[str, Any]], error_for: Any, firewall_bin: str,
                     tmp_path: Path, splitters):
    cmd = [sys.executable, str(DIFF / "evil_server.py")]
    session = ProxySession(firewall_bin, "evil", cmd, tmp_path, scenario, env={"EVIL_SCENARIO": scenario})
    try:
        session.send(harness.INIT + b"\n")
        session.wait_for_id("init", harness.SPAWN_TIMEOUT)
        session.send(harness.INITIALIZED + b"\n")
        seg = session.segment(scenario, [j(request(ident, method)) for method, ident in requests])
    finally:
        session.close()
    res = session.result(splitters)
    problems = [f"INVARIANT: {x}" for x in check_client_stream(res)]
    audit = res.audit
    for method, ident in requests:
        answers = answers_to(session.lines, ident)
        if len(answers) > 1:
            problems.append(f"INVARIANT: {method} id {ident!r} got {len(answers)} answers: {answers}")
    if error_for is not None:
        # The server answered the barrier after the bad frame, so by the barrier's answer the proxy
        # has seen that frame: the pending request's error must not wait for the server to exit.
        barrier_at = next(i for i, line in enumerate(session.lines)
                          if isinstance(m := line.message, dict) and m.get("id") == harness.barrier_id(seg.n))
        answers = answers_to(session.lines[:barrier_at], error_for)
        if not any("error" in a for a in answers):
            problems.append(f"EXPECTATION: the proxy should answer id {error_for!r} with an error once the bad "
                            f"frame arrives (the server's answer is ambiguous, or the id is outstanding as another "
                            f"type); before the barrier it got {answers}, in the whole session "
                            f"{answers_to(session.lines, error_for)}")
        if scenario != "hold_tools_list" and not any(
                r.get("event") == "message" and r.get("direction") == "server_to_client" and r.get("kind") == "invalid"
                for r in audit):
            problems.append("EXPECTATION: the dropped server frame should be audited (message, server_to_client, kind invalid)")
        if scenario == "hold_tools_list" and not any(r.get("event") == "rejection" for r in audit):
            problems.append('EXPECTATION: a request id "5" while 5 is outstanding should be refused (rejection record)')
    if scenario == "separators_in_answer":
        answer = answers_to(session.lines, 7)
        tools = (answer[0].get("result") or {}).get("tools", []) if answer else []
        if not any(t.get("description") == "one\u2028two\u2029three\u0085four" for t in tools):
            problems.append(f"EXPECTATION: the description should arrive with its separators (escaped), got {answer}")
    assert not problems, _report(f"[evil server: {scenario}] (audit {session.audit_path})", problems)


@pytest.mark.parametrize("seed", FUZZ_SEEDS)
@pytest.mark.parametrize("server", SERVERS)
def test_fuzz(server: str, seed: int, firewall_bin: str, server_cmds, splitters, tmp_path: Path):
    gen = FrameGenerator(seed)
    generated = [gen.generate(i) for i in range(FUZZ_FRAMES)]
    session = ProxySession(firewall_bin, server, server_cmds[server], tmp_path, f"fuzz-{server}-{seed}")
    segments: list[tuple[harness.Segment, Any]] = []
    broke: str | None = None
    try:
        session.handshake()
        for i, g in enumerate(generated):
            try:
                segments.append((session.segment(f"fuzz-{i}", [g.data, *g.extra]), g))
            except SessionError as e:
                broke = f"frame {i} ({g.mutations}): {g.data!r}: {e}"
                break
    finally:
        session.close()
    res = session.result(splitters)
    violations: list[str] = []
    for seg, g in segments:
        for x in check_segment(res, seg):
            violations.append(f"frame {seg.label} {g.mutations} {harness._short(g.data, 400)}\n      {x}")
        if g.canary:
            got = [c for c in res.calls_by_seg.get(seg.n, []) if c.get("tool") == "echo"
                   and (c.get("arguments") or {}).get("text") == g.canary]
            if not got:
                violations.append(f"frame {seg.label}: the benign canary echo {g.canary!r} never reached {server}")
    violations += check_client_stream(res)
    mutated = sum(1 for _, g in segments if g.mutations)
    executed = sum(len(res.calls_by_seg.get(seg.n, [])) for seg, g in segments if not g.canary)
    refused = sum(1 for r in res.audit if r.get("event") == "rejection")
    summary = (f"[{server}] seed {seed}: {len(segments)}/{FUZZ_FRAMES} frames, {mutated} mutated, {refused} refused, "
               f"{executed} non-canary calls executed; audit {session.audit_path}")
    print(summary)
    assert broke is None, f"{summary}\nthe session broke at {broke}"
    assert mutated >= FUZZ_FRAMES // 2, f"{summary}: too few adversarial frames"
    assert executed > 0, f"{summary}: no fuzz call reached the server (vacuous run)"
    assert not violations, f"{summary}\n{len(violations)} violation(s), first 25:\n" + "\n".join(
        f"  - {x}" for x in violations[:25])


# (server, case, the check that must report it). Every check named here reads only what the server
# logged and the bytes it received, complete once the session has closed, so the outcome does not
# depend on timing. (Not the id alias cases: whether the naive proxy drops the aliased answer as
# unsolicited depends on whether it has read the second request yet. The hidden-tool check is
# proven by test_suite_catches_a_naive_proxy_with_an_evil_server, whose one answer has one order.)
EXECUTED_DENIED = "EXECUTED the denied tool"
EXECUTED_ETC = "EXECUTED write_file on the denied path"
NOT_JUDGED = "no decision of this frame allowed that call"
NOT_ONE_LINE = "is not one line for"
NAIVE_CATCHES = [
    ("python", "cr_smuggles_delete_all_inside_a_ping", EXECUTED_DENIED),
    ("python", "u2028_inside_a_string", NOT_ONE_LINE),
    ("node", "cr_smuggles_delete_all_inside_a_ping", EXECUTED_DENIED),
    ("node", "cr_smuggles_etc_write_inside_an_echo", EXECUTED_ETC),
    ("node", "proto_supplies_path", EXECUTED_ETC),
    ("go", "method_variant_after_method", EXECUTED_DENIED),
    ("go", "path_variant_after_path", EXECUTED_ETC),
    ("go", "arguments_variant_alone", EXECUTED_ETC),
    ("go", "kind_kelvin_sign_variant", NOT_JUDGED),
]


@pytest.fixture(scope="module")
def naive_runner(tmp_path_factory: pytest.TempPathFactory, server_cmds, splitters) -> RegressionRunner:
    cases = [CASE_BY_NAME[name] for name in dict.fromkeys(name for _, name, _ in NAIVE_CATCHES)]
    return RegressionRunner([sys.executable, str(DIFF / "naive_proxy.py")], tmp_path_factory.mktemp("naive"),
                            server_cmds, splitters, cases=cases)


@pytest.mark.parametrize("server,name,check", NAIVE_CATCHES, ids=[f"{s}-{n}" for s, n, _ in NAIVE_CATCHES])
def test_suite_catches_a_naive_proxy(server: str, name: str, check: str, naive_runner: RegressionRunner):
    """The invariant is not vacuous: through differential/naive_proxy.py (exact keys, no
    normalisation, no variant/prototype/id checks) the same case breaks it, in the named check."""
    out = naive_runner.outcome(server, CASE_BY_NAME[name])
    assert out.error is None, out.error
    assert out.result is not None and out.segment is not None
    lines = [line for line in out.result.session.lines if out.segment.sent_at <= line.at < out.next_sent_at]
    violations = check_segment(out.result, out.segment) + check_client_stream(out.result, lines)
    assert any(check in x for x in violations), (
        f"the naive proxy let {name} through on {server} and the check {check!r} did not notice; "
        f"violations: {violations}")


def test_suite_catches_a_naive_proxy_with_an_evil_server(tmp_path: Path, splitters):
    cmd = [sys.executable, str(DIFF / "evil_server.py")]
    session = ProxySession([sys.executable, str(DIFF / "naive_proxy.py")], "evil", cmd, tmp_path, "naive-evil",
                           env={"EVIL_SCENARIO": "result_and_Result"})
    try:
        session.send(harness.INIT + b"\n")
        session.wait_for_id("init", harness.SPAWN_TIMEOUT)
        session.segment("naive-evil", [j(request(7, "tools/list"))])
    finally:
        session.close()
    assert any("hidden tool" in x for x in check_client_stream(session.result(splitters)))
