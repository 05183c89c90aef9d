"""The functions a ``--format`` template can call: Go's builtins plus Docker's additions.

Each function declares its Go parameter types, because the executor checks arguments the way Go's
reflection does (``wrong type for value; expected string; got int``) and users see those messages.
Docker's extras are ``templates.basicFunctions`` in docker/cli; table headers swap some of them for
``templates.HeaderFunctions``, which return the column title unchanged.

Start-up cost: :class:`Func` is a ``__slots__`` class, not a dataclass, and ``urllib.parse`` is imported by
``urlquery`` (``images`` loads this table every run).
"""

from __future__ import annotations

from collections.abc import Mapping

from mocker.format.template_fmt import (
    NO_VALUE,
    UnsupportedJSON,
    format_value,
    go_json,
    go_sprint,
    go_sprintf,
    go_sprintln,
    go_type,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

# Go parameter types, as they appear in Go's error messages.
ANY = "interface {}"
STR = "string"
INT = "int"
BOOL = "bool"
STRS = "[]string"


class FuncError(Exception):
    """A function's own error; execution reports it as ``error calling <name>: <message>``."""


class Func:
    """A template function: its implementation and Go parameter types; immutable."""

    __slots__ = ("impl", "params", "variadic")

    impl: Callable[..., Any]
    params: tuple[str, ...]
    variadic: str | None

    def __init__(self, impl: Callable[..., Any], params: tuple[str, ...], variadic: str | None = None) -> None:
        init = object.__setattr__
        init(self, "impl", impl)
        init(self, "params", params)
        init(self, "variadic", variadic)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Func)
        return (self.impl, self.params, self.variadic) == (other.impl, other.params, other.variadic)

    def __hash__(self) -> int:
        return hash((self.impl, self.params, self.variadic))

    def __repr__(self) -> str:
        return f"Func(impl={self.impl!r}, params={self.params!r}, variadic={self.variadic!r})"

    def __reduce__(self) -> tuple[type[Func], tuple[object, ...]]:
        return (Func, (self.impl, self.params, self.variadic))


def truth(v: Any) -> bool:
    """Go's ``template.IsTrue``: the zero value of every type is false, structs are always true."""
    if v is None or v is NO_VALUE:
        return False
    if isinstance(v, (bool, int, float, complex)):
        return bool(v)
    if isinstance(v, (str, bytes, list, tuple, Mapping, set, frozenset)):
        return len(v) > 0
    return True


# --- Go builtins ---------------------------------------------------------------------------------


def _index_arg(index: Any, cap: int) -> int:
    if index is None:
        raise FuncError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise FuncError(f"cannot index slice/array with type {go_type(index)}")
    if index < 0 or index > cap:
        raise FuncError(f"index out of range: {index}")
    return index


def _zero_for(m: Mapping[Any, Any]) -> Any:
    """The zero value Go's ``index`` returns for a missing key.

    Docker's maps are typed; a map of strings (labels, options) yields ``""``, which scripts rely on
    (``{{index .Config.Labels "x"}}`` prints nothing). Any other map behaves as ``map[string]any``.
    """
    return "" if all(isinstance(x, str) for x in m.values()) else None


def _index(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise FuncError("index of untyped nil")
    for index in indexes:
        if item is None:
            raise FuncError("index of nil pointer")
        if isinstance(item, str):
            data = item.encode()
            x = _index_arg(index, len(data))
            if x == len(data):
                raise FuncError(f"index out of range: {x}")
            item = data[x]
        elif isinstance(item, (list, tuple)):
            x = _index_arg(index, len(item))
            if x == len(item):
                raise FuncError(f"index out of range: {x}")
            item = item[x]
        elif isinstance(item, Mapping):
            if item and all(isinstance(k, str) for k in item) and not isinstance(index, str):
                if index is None:
                    raise FuncError("value is nil; should be of type string")
                raise FuncError(f"value has type {go_type(index)}; should be string")
            item = item[index] if index in item else _zero_for(item)
        else:
            raise FuncError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: Any, *indexes: Any) -> Any:
    if item is None:
        raise FuncError("slice of untyped nil")
    if len(indexes) > 3:
        raise FuncError(f"too many slice indexes: {len(indexes)}")
    seq: bytes | list[Any]
    if isinstance(item, str):
        if len(indexes) == 3:
            raise FuncError("cannot 3-index slice a string")
        seq = item.encode()
    elif isinstance(item, (list, tuple)):
        seq = list(item)
    else:
        raise FuncError(f"can't slice item of type {go_type(item)}")
    idx = [0, len(seq), len(seq)]
    for i, index in enumerate(indexes):
        idx[i] = _index_arg(index, len(seq))
    if idx[0] > idx[1]:
        raise FuncError(f"invalid slice index: {idx[0]} > {idx[1]}")
    if len(indexes) == 3 and idx[1] > idx[2]:
        raise FuncError(f"invalid slice index: {idx[1]} > {idx[2]}")
    part = seq[idx[0]:idx[1]]
    return part.decode("utf-8", "replace") if isinstance(part, bytes) else part


def _len(item: Any) -> int:
    if item is None:
        raise FuncError("len of nil pointer")
    if isinstance(item, str):
        return len(item.encode())
    if isinstance(item, (list, tuple, Mapping, bytes, set, frozenset)):
        return len(item)
    raise FuncError(f"len of type {go_type(item)}")


_BASIC = ((bool, "bool"), (int, "int"), (float, "float"), (complex, "complex"), (str, "string"))


def _kind(v: Any) -> str:
    if v is None:
        return "invalid"
    for typ, name in _BASIC:
        if isinstance(v, typ):
            return name
    return "other"


def _eq(arg1: Any, *arg2: Any) -> bool:
    if not arg2:
        raise FuncError("missing argument for comparison")
    k1 = _kind(arg1)
    for arg in arg2:
        k2 = _kind(arg)
        if k1 != k2:
            if arg1 is not None and arg is not None:
                raise FuncError(f"incompatible types for comparison: {go_type(arg1)} and {go_type(arg)}")
            equal = False
        elif k1 == "invalid":
            equal = True
        elif k1 == "other" and isinstance(arg, (list, dict, set, Mapping)):
            raise FuncError(f"non-comparable type {format_value(arg)}: {go_type(arg)}")
        else:
            equal = bool(arg1 == arg)
        if equal:
            return True
    return False


def _lt(arg1: Any, arg2: Any) -> bool:
    k1, k2 = _kind(arg1), _kind(arg2)
    if k1 in ("invalid", "other") or k2 in ("invalid", "other"):
        raise FuncError("invalid type for comparison")
    if k1 != k2:
        raise FuncError(f"incompatible types for comparison: {go_type(arg1)} and {go_type(arg2)}")
    if k1 in ("bool", "complex"):
        raise FuncError("invalid type for comparison")
    return bool(arg1 < arg2)


def _le(a: Any, b: Any) -> bool:
    return _lt(a, b) or _eq(a, b)


def _eval_args(args: tuple[Any, ...]) -> str:
    """Go's ``evalArgs``: the text of the arguments as ``print`` would give, nil as ``<no value>``."""
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return go_sprint(*("<no value>" if a is None else a for a in args))


_HTML = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_JS = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D"}


def _html(*args: Any) -> str:
    return "".join(_HTML.get(c, c) for c in _eval_args(args))


def _js(*args: Any) -> str:
    out = []
    for c in _eval_args(args):
        if c in _JS:
            out.append(_JS[c])
        elif c < " ":
            out.append(f"\\u00{ord(c):02X}")
        elif c >= "\x80" and not c.isprintable():
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return "".join(out)


def _urlquery(*args: Any) -> str:
    import urllib.parse

    return urllib.parse.quote_plus(_eval_args(args), safe="")


def _call(fn: Any, *args: Any) -> Any:
    if fn is None:
        raise FuncError("call of nil")
    if not callable(fn):
        raise FuncError(f"non-function of type {go_type(fn)}")
    try:
        return fn(*args)
    except Exception as exc:  # a Go function's error result
        raise FuncError(str(exc)) from exc


# --- Docker's functions (docker/cli templates/templates.go) --------------------------------------


def _json(v: Any) -> str:
    try:
        return go_json(v)
    except UnsupportedJSON:
        return ""  # Docker ignores the encoder's error and prints what it has: nothing


def _split(s: str, sep: str) -> list[str]:
    return list(s) if sep == "" else s.split(sep)


def _join(elems: Iterable[str], sep: str) -> str:
    return sep.join(elems)


def _is_separator(r: str) -> bool:
    """``strings.Title``'s word boundary test."""
    if r <= "\x7f":
        return not (r.isalnum() or r == "_")
    if r.isalpha() or r.isdecimal():
        return False
    return r.isspace()


def _map_runes(s: str, fn: Callable[[str], str]) -> str:
    """Apply a one-rune case mapping as Go's ``unicode`` does: never changing the rune count."""
    out = []
    for c in s:
        m = fn(c)
        out.append(m if len(m) == 1 else c)
    return "".join(out)


def title(s: str) -> str:
    """``strings.Title``: upper-case the first letter of each word, leave the rest alone."""
    out = []
    prev = " "
    for c in s:
        out.append(_map_runes(c, str.title) if _is_separator(prev) else c)
        prev = c
    return "".join(out)


def _lower(s: str) -> str:
    return s.lower() if s.isascii() else _map_runes(s, str.lower)


def _upper(s: str) -> str:
    return s.upper() if s.isascii() else _map_runes(s, str.upper)


def _pad(source: str, prefix: int, suffix: int) -> str:
    if source == "":
        return source
    if prefix < 0 or suffix < 0:
        raise FuncError("strings: negative Repeat count")
    return " " * prefix + source + " " * suffix


def _truncate(source: str, length: int) -> str:
    data = source.encode()
    if len(data) < length:
        return source
    if length < 0:
        raise FuncError(f"runtime error: slice bounds out of range [:{length}]")
    return data[:length].decode("utf-8", "replace")


def _first(v: Any, *_: Any) -> Any:
    return v


BUILTINS: dict[str, Func] = {
    "and": Func(_first, (ANY,), ANY),  # short-circuits; evaluated by the executor
    "or": Func(_first, (ANY,), ANY),
    "not": Func(lambda a: not truth(a), (ANY,)),
    "call": Func(_call, (ANY,), ANY),
    "html": Func(_html, (), ANY),
    "js": Func(_js, (), ANY),
    "urlquery": Func(_urlquery, (), ANY),
    "index": Func(_index, (ANY,), ANY),
    "slice": Func(_slice, (ANY,), ANY),
    "len": Func(_len, (ANY,)),
    "print": Func(go_sprint, (), ANY),
    "printf": Func(go_sprintf, (STR,), ANY),
    "println": Func(go_sprintln, (), ANY),
    "eq": Func(_eq, (ANY,), ANY),
    "ne": Func(lambda a, b: not _eq(a, b), (ANY, ANY)),
    "lt": Func(_lt, (ANY, ANY)),
    "le": Func(_le, (ANY, ANY)),
    "gt": Func(lambda a, b: not _le(a, b), (ANY, ANY)),
    "ge": Func(lambda a, b: not _lt(a, b), (ANY, ANY)),
}

DOCKER_FUNCS: dict[str, Func] = {
    "json": Func(_json, (ANY,)),
    "split": Func(_split, (STR, STR)),
    "join": Func(_join, (STRS, STR)),
    "title": Func(title, (STR,)),
    "lower": Func(_lower, (STR,)),
    "upper": Func(_upper, (STR,)),
    "pad": Func(_pad, (STR, INT, INT)),
    "truncate": Func(_truncate, (STR, INT)),
}

HEADER_FUNCS: dict[str, Func] = {
    "json": Func(_first, (STR,)),
    "split": Func(_first, (STR, STR)),
    "join": Func(_first, (STR, STR)),
    "title": Func(_first, (STR,)),
    "lower": Func(_first, (STR,)),
    "upper": Func(_first, (STR,)),
    "truncate": Func(_first, (STR, INT)),
}

FUNCS: dict[str, Func] = {**BUILTINS, **DOCKER_FUNCS}
"""What ``--format`` templates run with (Go's builtins, then Docker's ``basicFunctions``)."""

TABLE_HEADER_FUNCS: dict[str, Func] = {**FUNCS, **HEADER_FUNCS}
"""What a ``table`` header row runs with: column titles pass through ``lower``, ``json`` and the like."""
