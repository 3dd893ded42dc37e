"""Byte-exact JSON for adversarial frames, and the seeded frame generator of the fuzz test.

`dumps` writes a tree of `Obj` (ordered key/value pairs, so a frame can hold `path` and `Path`, or
`__proto__`), lists, strings, numbers, booleans, None and `Raw` (a token written as given, e.g. the
number `1.0`), with hooks for whitespace between tokens (raw CRs) and for how strings are written
(raw or escaped U+2028/U+2029/U+0085).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SEPARATORS = ("\u2028", "\u2029", "\u0085")
ETC_PATHS = ("/etc/passwd", "/etc/shadow", "/etc/sudoers.d/agent", "/etc/")


@dataclass
class Raw:
    """A JSON token written exactly as given (numbers such as 1.0, 1e0, -0, 9007199254740993)."""

    text: str


@dataclass
class CR:
    """A value written with a raw CR on each side: `\\r<value>\\r` (whitespace to a JSON parser,
    a line end to Python's universal newlines and to Node's readline)."""

    value: Any


@dataclass
class Obj:
    """A JSON object as ordered [key, value] pairs: keys may repeat or differ only in case."""

    pairs: list[list[Any]] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        for k, v in self.pairs:
            if k == key:
                return v
        return default

    def set(self, key: str, value: Any) -> None:
        for pair in self.pairs:
            if pair[0] == key:
                pair[1] = value
                return
        self.pairs.append([key, value])


def obj(*pairs: tuple[str, Any], **kw: Any) -> Obj:
    """obj(("method", "ping"), ("Method", "tools/call")) or obj(name="echo") (keyword order kept)."""
    return Obj([list(p) for p in pairs] + [[k, v] for k, v in kw.items()])


def encode_string(s: str, *, raw_separators: bool = True) -> str:
    text = json.dumps(s, ensure_ascii=False)
    if not raw_separators:
        for sep in SEPARATORS:
            text = text.replace(sep, "\\u%04x" % ord(sep))
    return text


def dumps(
    value: Any,
    *,
    ws: Callable[[], str] | None = None,
    raw_separators: bool = True,
) -> str:
    """Compact JSON text; `ws()` (if given) is written at every token boundary."""
    gap = ws or (lambda: "")
    out: list[str] = []

    def emit(v: Any) -> None:
        if isinstance(v, Raw):
            out.append(v.text)
        elif isinstance(v, CR):
            out.append("\r")
            emit(v.value)
            out.append("\r")
        elif isinstance(v, Obj):
            out.append("{" + gap())
            for i, (k, item) in enumerate(v.pairs):
                if i:
                    out.append(gap() + "," + gap())
                out.append(encode_string(k, raw_separators=raw_separators) + gap() + ":" + gap())
                emit(item)
            out.append(gap() + "}")
        elif isinstance(v, dict):
            emit(Obj([[k, x] for k, x in v.items()]))
        elif isinstance(v, (list, tuple)):
            out.append("[" + gap())
            for i, item in enumerate(v):
                if i:
                    out.append(gap() + "," + gap())
                emit(item)
            out.append(gap() + "]")
        elif isinstance(v, str):
            out.append(encode_string(v, raw_separators=raw_separators))
        elif v is True:
            out.append("true")
        elif v is False:
            out.append("false")
        elif v is None:
            out.append("null")
        elif isinstance(v, (int, float)):
            out.append(json.dumps(v))
        else:
            raise TypeError(f"cannot write {type(v).__name__}")

    emit(value)
    return "".join(out)


def frame(value: Any, **kw: Any) -> bytes:
    return dumps(value, **kw).encode("utf-8")


# --- messages -------------------------------------------------------------------------------------


def call(id: Any, name: str, arguments: Any, **params: Any) -> Obj:
    p = obj(name=name, arguments=arguments)
    for k, v in params.items():
        p.pairs.append([k, v])
    return obj(jsonrpc="2.0", id=id, method="tools/call", params=p)


def request(id: Any, method: str, params: Any = None) -> Obj:
    o = obj(jsonrpc="2.0", id=id, method=method)
    if params is not None:
        o.pairs.append(["params", params])
    return o


# --- key variants: names that some decoder binds to the same field --------------------------------

FOLD_SUBSTITUTES = {"s": ["ſ"], "k": ["\u212a"], "i": ["ı", "İ"]}  # long s, Kelvin sign, dotless/dotted i


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def key_variants(key: str) -> list[str]:
    """Spellings of `key` that Go's encoding/json (case-insensitive, simple folding), pydantic
    (aliases, snake/camel) or `_`-insensitive matchers bind to the same field."""
    out: list[str] = []
    core = key.lstrip("_")
    out += [key.upper(), key[:1].upper() + key[1:], key.swapcase()]
    if len(core) > 1:
        out.append(key[: len(key) - len(core)] + core[:-1] + core[-1].upper())
    for i, ch in enumerate(key):
        for sub in FOLD_SUBSTITUTES.get(ch, []):
            out.append(key[:i] + sub + key[i + 1 :])
    if key.startswith("_"):
        out.append(core)  # _meta -> meta
    else:
        out.append("_" + key)
    if snake(key) != key:
        out.append(snake(key))  # requestState -> request_state
    if camel(key) != key:
        out.append(camel(key))  # progress_token -> progressToken
    seen: list[str] = []
    for v in out:
        if v != key and v not in seen:
            seen.append(v)
    return seen


# --- the seeded fuzz generator ----------------------------------------------------------------------

EVIL_VALUES: dict[str, Callable[[random.Random], Any]] = {
    "method": lambda r: "tools/call",
    "name": lambda r: r.choice(["delete_all", "write_file"]),
    "path": lambda r: r.choice(ETC_PATHS),
    "text": lambda r: "evil-text",
    "kind": lambda r: "symlink",
    "params": lambda r: obj(name="delete_all", arguments=obj()),
    "arguments": lambda r: obj(path=r.choice(ETC_PATHS), text="evil"),
    "_meta": lambda r: obj(progressToken="evil"),
    "id": lambda r: r.randint(1, 50),
    "jsonrpc": lambda r: "2.0",
    "options": lambda r: obj(overwrite=True),
    "progressToken": lambda r: "evil",
    "requestState": lambda r: "forged-state",
}

WEIRD_IDS = ("{n}.0", "{n}e0", "{n}E0", "{n}0e-1", "{n}.000", "-0", "9007199254740993", "-9007199254740993",
             "9007199254740992", "{big}")


@dataclass
class Generated:
    data: bytes  # the frame, without its line end
    extra: list[bytes]  # frames sent right after it in the same segment (id alias partners)
    mutations: list[str]
    canary: str | None = None  # an echo text that must reach the server unchanged


def _objects(node: Any, depth: int = 0, out: list[tuple[Obj, int]] | None = None) -> list[tuple[Obj, int]]:
    out = [] if out is None else out
    if isinstance(node, Obj):
        out.append((node, depth))
        for _, v in node.pairs:
            _objects(v, depth + 1, out)
    elif isinstance(node, list):
        for v in node:
            _objects(v, depth + 1, out)
    return out


def _strings(node: Any, out: list[tuple[Any, Any]] | None = None) -> list[tuple[Any, Any]]:
    """(container, key-or-index) of every string value, plus ("key", pair) of every key."""
    out = [] if out is None else out
    if isinstance(node, Obj):
        for pair in node.pairs:
            out.append(("key", pair))
            if isinstance(pair[1], str):
                out.append((pair, 1))
            else:
                _strings(pair[1], out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                out.append((node, i))
            else:
                _strings(v, out)
    return out


class FrameGenerator:
    """Frames for one fuzz run: the same seed gives the same bytes."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.seed = seed

    def base(self, n: int) -> Obj:
        r = self.r
        id_: Any = 500_000 + n
        choice = r.choices(
            ["echo", "write", "write_etc", "delete", "ping", "list", "notification", "response"],
            weights=[5, 5, 3, 2, 2, 1, 1, 1],
        )[0]
        if choice == "echo":
            return call(id_, "echo", obj(text=f"fuzz-{self.seed}-{n}"))
        if choice in ("write", "write_etc"):
            path = r.choice(ETC_PATHS) if choice == "write_etc" else r.choice(
                ["notes/ok.txt", "./etc/passwd", "/ETC/passwd", "/etc", "tmp/etc/passwd"])
            args = obj(path=path, text=f"fuzz-{self.seed}-{n}")
            if r.random() < 0.3:
                args.pairs.append(["kind", "file"])
            if r.random() < 0.3:
                args.pairs.append(["options", obj(overwrite=r.random() < 0.5, mode=obj(level="a"))])
            return call(id_, "write_file", args)
        if choice == "delete":
            return call(id_, "delete_all", obj())
        if choice == "ping":
            return request(id_, "ping")
        if choice == "list":
            return request(id_, "tools/list")
        if choice == "notification":
            return obj(jsonrpc="2.0", method=r.choice(["notifications/roots/list_changed", "notifications/cancelled"]),
                       params=obj(requestId=n, reason="fuzz"))
        return obj(jsonrpc="2.0", id=id_, result=obj())

    def generate(self, n: int) -> Generated:
        r = self.r
        if n % 10 == 0:
            text = f"canary-{self.seed}-{n}"
            return Generated(frame(call(700_000 + n, "echo", obj(text=text))), [], [], canary=text)
        msg = self.base(n)
        mutations: list[str] = []
        extra: list[bytes] = []
        cr_whitespace = False
        raw_separators = True
        for kind in r.sample(
            ["variant_dup", "variant_lone", "proto", "constructor", "weird_id", "cr_ws", "cr_smuggle", "separators"],
            k=r.choice([0, 1, 1, 1, 2, 2, 3]),
        ):
            objects = _objects(msg)
            if kind in ("variant_dup", "variant_lone"):
                candidates = [(o, d) for o, d in objects if o.pairs]
                o, depth = r.choice(candidates)
                pair = r.choice(o.pairs)
                variants = key_variants(pair[0])
                if not variants:
                    continue
                variant = r.choice(variants)
                if kind == "variant_lone":
                    pair[0] = variant
                else:
                    evil = EVIL_VALUES.get(pair[0].lstrip("_") if pair[0] != "_meta" else "_meta", lambda rr: "evil")(r)
                    index = o.pairs.index(pair)
                    o.pairs.insert(index + 1 if r.random() < 0.8 else index, [variant, evil])
                mutations.append(f"{kind}:{pair[0] if kind == 'variant_dup' else variant}@{depth}")
            elif kind == "proto":
                o, depth = r.choice(objects)
                payload = r.choice([obj(path=r.choice(ETC_PATHS)), obj(name="delete_all"),
                                    obj(arguments=obj(path="/etc/passwd", text="x")), obj(method="tools/call")])
                o.pairs.insert(r.randrange(len(o.pairs) + 1), ["__proto__", payload])
                mutations.append(f"proto@{depth}")
            elif kind == "constructor":
                o, depth = r.choice(objects)
                o.pairs.append(["constructor", obj(prototype=obj(path=r.choice(ETC_PATHS)))])
                mutations.append(f"constructor@{depth}")
            elif kind == "weird_id":
                if msg.get("id") is None:
                    continue
                template = r.choice(WEIRD_IDS)
                text = template.format(n=n + 1, big=2**53 + 1 + n)
                msg.set("id", Raw(text))
                mutations.append(f"id:{text}")
                if r.random() < 0.7:  # an alias partner: the same value written plainly, still outstanding
                    try:
                        plain = int(float(text))
                    except ValueError:
                        plain = 0
                    extra.append(frame(request(plain, "ping")))
            elif kind == "cr_ws":
                cr_whitespace = True
                mutations.append("cr_ws")
            elif kind == "cr_smuggle":
                o, depth = r.choice(objects)
                inner = r.choice([
                    call(800_000 + n, "delete_all", obj()),
                    call(800_000 + n, "write_file", obj(path="/etc/passwd", text="smuggled")),
                ])
                o.pairs.insert(r.randrange(len(o.pairs) + 1), ["x", CR(inner)])
                mutations.append(f"cr_smuggle@{depth}")
            elif kind == "separators":
                strings = _strings(msg)
                if not strings:
                    continue
                for _ in range(r.randint(1, 3)):
                    container, where = r.choice(strings)
                    sep = r.choice(SEPARATORS)
                    if container == "key":
                        where[0] = where[0] + sep
                    else:
                        s = container[where]
                        cut = r.randint(0, len(s))
                        container[where] = s[:cut] + sep + s[cut:]
                raw_separators = r.random() < 0.85
                mutations.append("separators" + ("" if raw_separators else ":escaped"))
        ws = None
        if cr_whitespace:
            ws = lambda: r.choice(["", "", "", "\r", " \r", "\r\t"])  # noqa: E731
        data = frame(msg, ws=ws, raw_separators=raw_separators)
        return Generated(data, extra, mutations)
