"""Go's ``fmt`` printing and ``encoding/json`` encoding, applied to Python values.

Templates print values the way Go prints them: ``{{.Labels}}`` shows ``map[a:1 b:2]``, ``{{.Names}}``
``[web db]``, a bad ``printf`` verb ``%!d(string=x)``. Scripts written against ``docker`` parse that
output, so the details (float formatting, quoting, padding) follow Go rather than Python.

Python values stand for Go values as follows: ``None`` is nil, ``bool``/``int``/``float``/``str`` the
basic kinds, ``list``/``tuple`` slices, ``Mapping`` maps (printed with sorted keys, as Go does),
dataclasses structs, and any object with its own ``__str__`` a ``fmt.Stringer``.

Start-up cost: ``images`` renders through this module, so ``dataclasses``, ``decimal``, ``base64``,
``re`` and ``enum`` are imported where a value needs them (an enum or dataclass value means its module
is loaded already).
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections.abc import Mapping, Sequence

from mocker.format.template_lex import go_quote

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any


class NoValue:
    """Go's invalid ``reflect.Value``: what a missing map key evaluates to; prints ``<no value>``."""

    _instance: NoValue | None = None

    def __new__(cls) -> NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __bool__(self) -> bool:
        return False


NO_VALUE = NoValue()


def go_type(v: Any) -> str:
    """The Go type name Docker would show for ``v`` in messages such as ``%!d(string=x)``."""
    if v is None or v is NO_VALUE:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, complex):
        return "complex128"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple)):
        return "[]string" if v and all(isinstance(x, str) for x in v) else "[]interface {}"
    if isinstance(v, Mapping):
        if v and all(isinstance(k, str) and isinstance(x, str) for k, x in v.items()):
            return "map[string]string"
        return "map[string]interface {}"
    return type(v).__name__


def sorted_items(m: Mapping[Any, Any]) -> list[tuple[Any, Any]]:
    """Map entries in Go's ``fmtsort`` order (numbers numerically, strings bytewise)."""
    try:
        return sorted(m.items(), key=lambda kv: (isinstance(kv[0], str), kv[0]))
    except TypeError:
        return list(m.items())


def _is_enum(v: Any) -> bool:
    """``isinstance(v, enum.Enum)`` without importing ``enum``: no enum module, no enum values."""
    enum = sys.modules.get("enum")
    return enum is not None and isinstance(v, enum.Enum)


def _is_dataclass(v: Any) -> bool:
    """``dataclasses.is_dataclass(v)`` without importing ``dataclasses`` (its own test, verbatim), or a
    ``records.frozen`` class (a dataclass in all but implementation, DECISIONS 27)."""
    cls = v if isinstance(v, type) else type(v)
    return hasattr(cls, "__dataclass_fields__") or hasattr(cls, "__frozen_record__")


def _dataclass_fields(v: Any) -> list[tuple[str, Any]]:
    """A dataclass instance's fields and values, in order (Go's struct fields)."""
    if hasattr(type(v), "__frozen_record__"):
        return [(f, getattr(v, f)) for f in type(v).__slots__]
    import dataclasses  # already loaded: ``v`` is an instance of a dataclass

    return [(f.name, getattr(v, f.name)) for f in dataclasses.fields(v)]


def _is_stringer(v: Any) -> bool:
    if isinstance(v, (str, int, float, complex, list, tuple, dict, NoValue)) or v is None:
        return False
    if _is_enum(v):
        return True
    return type(v).__str__ is not object.__str__ and not _is_dataclass(v)


# --- floats --------------------------------------------------------------------------------------


def _shortest_digits(a: float) -> tuple[str, int]:
    """Shortest round-tripping digits of ``a > 0`` and the decimal point position (0.DIGITS x 10^dp)."""
    from decimal import Decimal

    t = Decimal(repr(a)).as_tuple()
    digits = "".join(map(str, t.digits))
    dp = len(digits) + int(t.exponent)
    return digits.rstrip("0") or "0", dp


def _exp_form(digits: str, dp: int, e: str = "e", min_exp_digits: int = 2) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = dp - 1
    return f"{mant}{e}{'-' if exp < 0 else '+'}{abs(exp):0{min_exp_digits}d}"


def _fixed_form(digits: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * -dp + digits
    if dp >= len(digits):
        return digits + "0" * (dp - len(digits))
    return digits[:dp] + "." + digits[dp:]


def format_float_shortest(a: float, upper: bool = False) -> str:
    """Go's ``%v``/``%g`` of a non-negative finite float: shortest digits, ``e`` form from 1e+06."""
    if a == 0:
        return "0"
    digits, dp = _shortest_digits(a)
    exp = dp - 1
    if exp < -4 or exp >= 6:  # strconv: "if precision was the shortest possible, use precision 6"
        return _exp_form(digits, dp, "E" if upper else "e")
    return _fixed_form(digits, dp)


# --- printf --------------------------------------------------------------------------------------


class _Spec:
    """The flags, width and precision of one ``%`` verb."""

    __slots__ = ("minus", "plus", "sharp", "space", "zero", "width", "prec")

    def __init__(self, minus: bool = False, plus: bool = False, sharp: bool = False, space: bool = False,
                 zero: bool = False, width: int | None = None, prec: int | None = None) -> None:
        self.minus = minus
        self.plus = plus
        self.sharp = sharp
        self.space = space
        self.zero = zero
        self.width = width
        self.prec = prec


def _pad(s: str, spec: _Spec, zero_ok: bool = True) -> str:
    if spec.width is None or len(s) >= spec.width:
        return s
    fill = spec.width - len(s)
    if spec.minus:
        return s + " " * fill
    return ("0" if spec.zero and zero_ok else " ") * fill + s


def _bad_verb(v: Any, verb: str) -> str:
    if v is None or v is NO_VALUE:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type(v)}={format_value(v)})"


def _fmt_int(n: int, verb: str, spec: _Spec) -> str:
    if verb == "c":
        return _pad(chr(n) if 0 <= n <= 0x10FFFF else "\ufffd", spec)
    if verb == "q":
        r = chr(n) if 0 <= n <= 0x10FFFF else "\ufffd"
        return _pad(go_quote(r, ascii_only=spec.plus, quote="'"), spec)
    if verb == "U":
        s = f"U+{n:04X}"
        if spec.sharp and 0 <= n <= 0x10FFFF and chr(n).isprintable():
            s += f" '{chr(n)}'"
        return _pad(s, spec)
    base = {"v": "d", "d": "d", "b": "b", "o": "o", "O": "o", "x": "x", "X": "X"}.get(verb)
    if base is None:
        return _bad_verb(n, verb)
    digits = format(abs(n), base)
    if spec.prec is not None:
        if spec.prec == 0 and n == 0:
            return _pad("", spec, zero_ok=False)
        digits = digits.rjust(spec.prec, "0")
    elif spec.zero and spec.width is not None and not spec.minus:
        digits = digits.rjust(spec.width - (1 if n < 0 or spec.plus or spec.space else 0), "0")
    prefix = ""
    if spec.sharp:
        prefix = {"b": "0b", "x": "0x", "X": "0X"}.get(verb, "")
        if verb == "o" and not digits.startswith("0"):
            prefix = "0"
    if verb == "O":
        prefix = "0o"
    sign = "-" if n < 0 else "+" if spec.plus else " " if spec.space else ""
    return _pad(sign + prefix + digits, spec, zero_ok=False)


def _fmt_float(x: float, verb: str, spec: _Spec) -> str:
    if verb not in "veEfFgG":
        return _bad_verb(x, verb)
    neg = math.copysign(1.0, x) < 0 and not math.isnan(x)
    a = abs(x)
    if math.isinf(a) or math.isnan(a):
        num = "Inf" if math.isinf(a) else "NaN"
        sign = "-" if neg else ("+" if spec.plus or num == "Inf" else " " if spec.space else "")
        if num == "NaN" and not (spec.plus or spec.space):
            sign = ""
        return _pad(sign + num, spec, zero_ok=False)
    if verb in "vgG" and spec.prec is None:
        num = format_float_shortest(a, upper=verb == "G")
    else:
        prec = 6 if spec.prec is None else spec.prec
        pyverb = {"F": "f"}.get(verb, verb)
        num = ("%" + ("#" if spec.sharp else "") + f".{prec}{pyverb}") % a
    sign = "-" if neg else "+" if spec.plus else " " if spec.space else ""
    if spec.zero and not spec.minus and spec.width is not None:
        return sign + num.rjust(spec.width - len(sign), "0")
    return _pad(sign + num, spec)


def _fmt_str(s: str, verb: str, spec: _Spec) -> str:
    if spec.prec is not None:
        s = s[:spec.prec] if verb in "vsq" else s
    if verb in "vs":
        return _pad(s, spec)
    if verb == "q":
        if spec.sharp and "`" not in s and all(c == "\t" or c.isprintable() for c in s):
            return _pad("`" + s + "`", spec)
        return _pad(go_quote(s, ascii_only=spec.plus), spec)
    if verb in "xX":
        data = s.encode()
        if spec.prec is not None:
            data = data[:spec.prec]
        parts = [format(b, "02" + verb) for b in data]
        if spec.sharp:
            parts = [("0x" if verb == "x" else "0X") + p for p in parts]
        return _pad((" " if spec.space else "").join(parts), spec)
    return _bad_verb(s, verb)


def _fmt_arg(v: Any, verb: str, spec: _Spec) -> str:  # noqa: C901 - one branch per Go kind
    if verb == "T":
        return _pad(go_type(v), spec)
    if v is None or v is NO_VALUE:
        return _pad("<nil>", spec) if verb == "v" else _bad_verb(v, verb)
    if isinstance(v, bool):
        return _pad("true" if v else "false", spec) if verb in "vt" else _bad_verb(v, verb)
    if _is_enum(v) and verb not in "vsqxX":
        v = v.value
    if isinstance(v, int) and not _is_enum(v):
        return _fmt_int(int(v), verb, spec)
    if isinstance(v, float):
        return _fmt_float(v, verb, spec)
    if isinstance(v, complex):
        return "(" + _fmt_float(v.real, verb, spec) + _fmt_float(v.imag, verb, _Spec(plus=True)) + "i)"
    if isinstance(v, str) and not _is_enum(v):
        return _fmt_str(v, verb, spec)
    if _is_stringer(v) and verb in "vsqxX":
        return _fmt_str(str(v), verb, spec)
    if isinstance(v, (bytes, bytearray)) and verb in "sqxX":
        return _fmt_str(bytes(v).decode("utf-8", "replace"), verb, spec)
    if isinstance(v, Mapping):
        inner = " ".join(f"{_fmt_arg(k, verb, spec)}:{_fmt_arg(x, verb, spec)}" for k, x in sorted_items(v))
        return f"map[{inner}]"
    if _is_dataclass(v) and not isinstance(v, type):
        named = spec.plus and verb == "v"
        parts = ((name + ":" if named else "") + _fmt_arg(value, verb, spec)
                 for name, value in _dataclass_fields(v))
        return "{" + " ".join(parts) + "}"
    if isinstance(v, (list, tuple, set, frozenset, bytes, bytearray)):
        items = sorted(v) if isinstance(v, (set, frozenset)) else v
        return "[" + " ".join(_fmt_arg(x, verb, spec) for x in items) + "]"
    return _fmt_str(str(v), verb, spec) if verb in "vs" else _bad_verb(v, verb)


def format_value(v: Any) -> str:
    """``fmt.Sprint(v)`` for one operand: Go's ``%v``."""
    return _fmt_arg(v, "v", _Spec())


def go_sprint(*args: Any) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out: list[str] = []
    prev_string = False
    for i, a in enumerate(args):
        is_string = isinstance(a, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(format_value(a))
        prev_string = is_string
    return "".join(out)


def go_sprintln(*args: Any) -> str:
    """``fmt.Sprintln``: operands always separated by spaces, then a newline."""
    return " ".join(format_value(a) for a in args) + "\n"


_FLAGS = {"-": "minus", "+": "plus", "#": "sharp", " ": "space", "0": "zero"}
_NUM = r"\d+"


def go_sprintf(fmt: str, *args: Any) -> str:  # noqa: C901 - a port of fmt.(*pp).doPrintf
    """``fmt.Sprintf`` with Go's verbs, flags, ``*`` widths, ``[n]`` indexes and error forms."""
    import re  # compiled once by re's own cache

    num_re = re.compile(_NUM)
    out: list[str] = []
    argi = 0
    reordered = False
    i, end = 0, len(fmt)

    def arg_index(pos: int) -> tuple[int, bool, int]:
        """Parse ``[n]`` at ``pos``: (new position, good, index)."""
        close = fmt.find("]", pos)
        if close < 0:
            return pos + 1, False, argi
        try:
            n = int(fmt[pos + 1:close])
        except ValueError:
            return close + 1, False, argi
        return close + 1, 1 <= n <= len(args), n - 1

    while i < end:
        pct = fmt.find("%", i)
        if pct < 0:
            out.append(fmt[i:])
            break
        out.append(fmt[i:pct])
        i = pct + 1
        spec = _Spec()
        while i < end and fmt[i] in _FLAGS:
            setattr(spec, _FLAGS[fmt[i]], True)
            if fmt[i] == "-":
                spec.zero = False
            elif fmt[i] == "0":
                spec.zero = not spec.minus
            i += 1
        good = True
        if i < end and fmt[i] == "[":
            i, good, argi = arg_index(i)
            reordered = True
        if i < end and fmt[i] == "*":
            i += 1
            if argi < len(args) and isinstance(args[argi], int) and not isinstance(args[argi], bool):
                spec.width = args[argi]
                if spec.width < 0:
                    spec.minus, spec.zero, spec.width = True, False, -spec.width
            else:
                out.append("%!(BADWIDTH)")
            argi += 1
        elif m := num_re.match(fmt, i):
            spec.width, i = int(m.group()), m.end()
        if i < end and fmt[i] == ".":
            i += 1
            if i < end and fmt[i] == "[":
                i, good, argi = arg_index(i)
                reordered = True
            if i < end and fmt[i] == "*":
                i += 1
                if argi < len(args) and isinstance(args[argi], int) and not isinstance(args[argi], bool):
                    spec.prec = args[argi] if args[argi] >= 0 else None
                else:
                    out.append("%!(BADPREC)")
                argi += 1
            elif m := num_re.match(fmt, i):
                spec.prec, i = int(m.group()), m.end()
            else:
                spec.prec = 0
        if i < end and fmt[i] == "[":
            i, good, argi = arg_index(i)
            reordered = True
        if i >= end:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
        elif not good:
            out.append(f"%!{verb}(BADINDEX)")
        elif argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
        else:
            out.append(_fmt_arg(args[argi], verb, spec))
            argi += 1
    if not reordered and argi < len(args):
        extra = ", ".join("<nil>" if a is None else f"{go_type(a)}={format_value(a)}" for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


# --- encoding/json -------------------------------------------------------------------------------


class UnsupportedJSON(ValueError):
    """A value ``encoding/json`` refuses (NaN, infinities, functions)."""


_JSON_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_JSON_CHARS = "[\x00-\x1f\"\\\\\u2028\u2029\ud800-\udfff]"
_JSON_HTML_CHARS = "[\x00-\x1f\"\\\\\u2028\u2029\ud800-\udfff<>&]"


def _json_char(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _JSON_ESC:
        return _JSON_ESC[ch]
    if "\ud800" <= ch <= "\udfff":
        return "\\ufffd"
    return f"\\u{ord(ch):04x}"


def _json_float(f: float) -> str:
    if math.isnan(f) or math.isinf(f):
        raise UnsupportedJSON(f"json: unsupported value: {format_value(f)}")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    digits, dp = _shortest_digits(abs(f))
    sign = "-" if f < 0 else ""
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        return sign + _exp_form(digits, dp, min_exp_digits=1 if dp - 1 < 0 else 2)
    return sign + _fixed_form(digits, dp)


def _json_time(t: dt.datetime) -> str:
    """``time.Time`` marshals as RFC 3339 with nanoseconds, trailing zeros dropped."""
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += f".{t.microsecond:06d}".rstrip("0")
    off = t.utcoffset()
    if off is not None:
        if off == dt.timedelta(0):
            s += "Z"
        else:
            total = int(off.total_seconds() // 60)
            s += f"{'+' if total >= 0 else '-'}{abs(total) // 60:02d}:{abs(total) % 60:02d}"
    return s


def _json_encode(v: Any, out: list[str], html: bool) -> None:  # noqa: C901 - one branch per kind
    if v is None or v is NO_VALUE:
        out.append("null")
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    elif _is_enum(v):
        _json_encode(v.value, out, html)
    elif isinstance(v, int):
        out.append(str(int(v)))
    elif isinstance(v, float):
        out.append(_json_float(v))
    elif isinstance(v, str):
        import re  # compiled once by re's own cache

        out.append('"' + re.sub(_JSON_HTML_CHARS if html else _JSON_CHARS, _json_char, v) + '"')
    elif isinstance(v, dt.datetime):
        _json_encode(_json_time(v), out, html)
    elif isinstance(v, (bytes, bytearray)):
        import base64

        _json_encode(base64.b64encode(bytes(v)).decode(), out, html)
    elif isinstance(v, Mapping) or (_is_dataclass(v) and not isinstance(v, type)):
        pairs = v.items() if isinstance(v, Mapping) else _dataclass_fields(v)
        out.append("{")
        for n, (k, x) in enumerate(pairs):
            if n:
                out.append(",")
            _json_encode(k if isinstance(k, str) else format_value(k), out, html)
            out.append(":")
            _json_encode(x, out, html)
        out.append("}")
    elif isinstance(v, (list, tuple, set, frozenset)) or isinstance(v, Sequence):
        items = sorted(v) if isinstance(v, (set, frozenset)) else v
        out.append("[")
        for n, x in enumerate(items):
            if n:
                out.append(",")
            _json_encode(x, out, html)
        out.append("]")
    elif hasattr(v, "__dict__") and not callable(v):
        _json_encode({k: x for k, x in vars(v).items() if not k.startswith("_")}, out, html)
    else:
        raise UnsupportedJSON(f"json: unsupported type: {go_type(v)}")


def go_json(v: Any, *, escape_html: bool = False) -> str:
    """Compact ``encoding/json`` output; mappings keep their order (Docker's structs are ordered).

    Docker's ``json`` template function turns HTML escaping off (``SetEscapeHTML(false)``), so that is
    the default; ``escape_html=True`` gives ``json.Marshal``'s ``\\u003c`` forms.
    """
    out: list[str] = []
    _json_encode(v, out, escape_html)
    return "".join(out)
