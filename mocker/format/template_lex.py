"""Tokens and literals of Go's ``text/template`` syntax.

A port of Go's ``text/template/parse/lex.go`` plus the ``strconv`` pieces the parser needs (quoting,
unquoting, Go number syntax). Kept close to Go so that the tokens, and so the parse errors built from
them, match what ``docker`` reports.

Start-up cost (``images`` parses a template every run): token types are plain ``int`` constants and
:class:`Token` a ``__slots__`` class (no ``enum``/``typing`` imports), and the literal patterns are
compiled on first use.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Callable
    from typing import Optional

    _Next = Optional[Callable[[], "_Next"]]  # noqa: UP007, UP045 - a recursive alias needs this form

# --- lexer ---------------------------------------------------------------------------------------


class Tok:
    """Token types: ``int`` constants in Go's order (keywords sort after ``KEYWORD``)."""

    ERROR = 0
    BOOL = 1
    CHAR = 2
    CHAR_CONSTANT = 3
    COMPLEX = 4
    ASSIGN = 5
    DECLARE = 6
    EOF = 7
    FIELD = 8
    IDENTIFIER = 9
    LEFT_DELIM = 10
    LEFT_PAREN = 11
    NUMBER = 12
    PIPE = 13
    RAW_STRING = 14
    RIGHT_DELIM = 15
    RIGHT_PAREN = 16
    SPACE = 17
    STRING = 18
    TEXT = 19
    VARIABLE = 20
    KEYWORD = 21  # keywords sort after this one, as in Go
    BLOCK = 22
    BREAK = 23
    CONTINUE = 24
    DOT = 25
    DEFINE = 26
    ELSE = 27
    END = 28
    IF = 29
    NIL = 30
    RANGE = 31
    TEMPLATE = 32
    WITH = 33


_KEYWORDS = {
    ".": Tok.DOT, "block": Tok.BLOCK, "break": Tok.BREAK, "continue": Tok.CONTINUE,
    "define": Tok.DEFINE, "else": Tok.ELSE, "end": Tok.END, "if": Tok.IF, "range": Tok.RANGE,
    "nil": Tok.NIL, "template": Tok.TEMPLATE, "with": Tok.WITH,
}
_SPACE = " \t\r\n"
_QUOTE_ESC = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v"}


def go_quote(s: str, *, ascii_only: bool = False, quote: str = '"') -> str:
    """Go's ``strconv.Quote`` (or ``QuoteRune`` with ``quote="'"``): how ``%q`` and errors quote."""
    out = [quote]
    for ch in s:
        o = ord(ch)
        if ch == quote or ch == "\\":
            out.append("\\" + ch)
        elif ch in _QUOTE_ESC:
            out.append(_QUOTE_ESC[ch])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append("\\ufffd")
        elif (ascii_only and o >= 0x80) or not ch.isprintable():
            out.append(f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}")
        else:
            out.append(ch)
    out.append(quote)
    return "".join(out)


def _fmt_rune(r: str) -> str:
    """Go's ``%#U``: ``U+0041 'A'``."""
    if not r:
        return "U+FFFFFFFF"  # Go prints eof (-1) this way
    return f"U+{ord(r):04X} '{r}'" if r.isprintable() else f"U+{ord(r):04X}"


def _is_alnum(r: str) -> bool:
    return r != "" and (r == "_" or r.isalpha() or r.isdecimal())


class Token:
    """One token: its type (a :class:`Tok` constant), offset, text and line; immutable."""

    __slots__ = ("typ", "pos", "val", "line")

    typ: int
    pos: int
    val: str
    line: int

    def __init__(self, typ: int, pos: int, val: str, line: int) -> None:
        init = object.__setattr__
        init(self, "typ", typ)
        init(self, "pos", pos)
        init(self, "val", val)
        init(self, "line", line)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Token)
        return (self.typ, self.pos, self.val, self.line) == (other.typ, other.pos, other.val, other.line)

    def __hash__(self) -> int:
        return hash((self.typ, self.pos, self.val, self.line))

    def __repr__(self) -> str:
        return f"Token(typ={self.typ!r}, pos={self.pos!r}, val={self.val!r}, line={self.line!r})"

    def __reduce__(self) -> tuple[type[Token], tuple[int, int, str, int]]:
        return (Token, (self.typ, self.pos, self.val, self.line))

    def __str__(self) -> str:
        if self.typ == Tok.EOF:
            return "EOF"
        if self.typ == Tok.ERROR:
            return self.val
        if self.typ > Tok.KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)



class _Lexer:
    """Go's state-function lexer; returns every token up to EOF or the first error."""

    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.width = 0
        self.paren_depth = 0
        self.items: list[Token] = []

    def run(self) -> list[Token]:
        state: _Next = self.lex_text
        while state is not None:
            state = state()
        return self.items

    # primitives
    def next(self) -> str:
        if self.pos >= len(self.input):
            self.width = 0
            return ""
        self.width = 1
        self.pos += 1
        return self.input[self.pos - 1]

    def peek(self) -> str:
        return self.input[self.pos] if self.pos < len(self.input) else ""

    def backup(self) -> None:
        self.pos -= self.width

    def accept(self, valid: str) -> bool:
        r = self.next()
        if r and r in valid:
            return True
        self.backup()
        return False

    def accept_run(self, valid: str) -> None:
        while self.accept(valid):
            pass

    def line(self, pos: int) -> int:
        return self.input.count("\n", 0, pos) + 1

    def emit(self, typ: int) -> None:
        self.items.append(Token(typ, self.start, self.input[self.start:self.pos], self.line(self.start)))
        self.start = self.pos

    def ignore(self) -> None:
        self.start = self.pos

    def errorf(self, msg: str) -> _Next:
        self.items.append(Token(Tok.ERROR, self.start, msg, self.line(self.start)))
        return None

    def at_right_delim(self) -> tuple[bool, bool]:
        """(at a right delimiter, with a trim marker)."""
        if _has_right_trim(self.input[self.pos:self.pos + 2]) and self.input.startswith("}}", self.pos + 2):
            return True, True
        return self.input.startswith("}}", self.pos), False

    def at_terminator(self) -> bool:
        r = self.peek()
        return r == "" or r in _SPACE or r in ".,|:)(" or r == "}"

    # states
    def lex_text(self) -> _Next:
        x = self.input.find("{{", self.pos)
        if x < 0:
            self.pos = len(self.input)
            if self.pos > self.start:
                self.emit(Tok.TEXT)
            self.emit(Tok.EOF)
            return None
        if x > self.pos:
            self.pos = x
            trim = 0
            if _has_left_trim(self.input[x + 2:x + 4]):
                text = self.input[self.start:x]
                trim = len(text) - len(text.rstrip(_SPACE))
            self.pos -= trim
            if self.pos > self.start:
                self.emit(Tok.TEXT)
            self.pos += trim
            self.ignore()
        return self.lex_left_delim

    def lex_left_delim(self) -> _Next:
        self.pos += 2
        after = 2 if _has_left_trim(self.input[self.pos:self.pos + 2]) else 0
        if self.input.startswith("/*", self.pos + after):
            self.pos += after
            self.ignore()
            return self.lex_comment
        self.emit(Tok.LEFT_DELIM)
        self.pos += after
        self.ignore()
        self.paren_depth = 0
        return self.lex_inside_action

    def lex_comment(self) -> _Next:
        self.pos += 2
        x = self.input.find("*/", self.pos)
        if x < 0:
            return self.errorf("unclosed comment")
        self.pos = x + 2
        delim, trim = self.at_right_delim()
        if not delim:
            return self.errorf("comment ends before closing delimiter")
        self.pos += 4 if trim else 2
        if trim:
            self.pos += _left_trim_len(self.input, self.pos)
        self.ignore()
        return self.lex_text

    def lex_right_delim(self) -> _Next:
        _, trim = self.at_right_delim()
        if trim:
            self.pos += 2
            self.ignore()
        self.pos += 2
        self.emit(Tok.RIGHT_DELIM)
        if trim:
            self.pos += _left_trim_len(self.input, self.pos)
            self.ignore()
        return self.lex_text

    def lex_inside_action(self) -> _Next:
        delim, _ = self.at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return self.lex_right_delim
            return self.errorf("unclosed left paren")
        r = self.next()
        if r == "":
            return self.errorf("unclosed action")
        if r in _SPACE:
            self.backup()  # put the space back in case we have " -}}"
            return self.lex_space
        if r == "=":
            self.emit(Tok.ASSIGN)
        elif r == ":":
            if self.next() != "=":
                return self.errorf("expected :=")
            self.emit(Tok.DECLARE)
        elif r == "|":
            self.emit(Tok.PIPE)
        elif r == '"':
            return self.lex_quote
        elif r == "`":
            return self.lex_raw_quote
        elif r == "$":
            return self.lex_variable
        elif r == "'":
            return self.lex_char
        elif r == "." and self.pos < len(self.input) and not "0" <= self.peek() <= "9":
            return self.lex_field
        elif r in "+-." or "0" <= r <= "9":
            self.backup()
            return self.lex_number
        elif _is_alnum(r):
            self.backup()
            return self.lex_identifier
        elif r == "(":
            self.emit(Tok.LEFT_PAREN)
            self.paren_depth += 1
        elif r == ")":
            self.emit(Tok.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                return self.errorf("unexpected right paren")
        elif r <= "\x7f" and r.isprintable():
            self.emit(Tok.CHAR)
        else:
            return self.errorf(f"unrecognized character in action: {_fmt_rune(r)}")
        return self.lex_inside_action

    def lex_space(self) -> _Next:
        spaces = 0
        while self.peek() != "" and self.peek() in _SPACE:
            self.next()
            spaces += 1
        # A trim-marked right delimiter has a minus after a space; leave that space for it.
        marker = _has_right_trim(self.input[self.pos - 1:self.pos + 1])
        if marker and self.input.startswith("}}", self.pos + 1):
            self.pos -= 1
            if spaces == 1:
                return self.lex_right_delim
        self.emit(Tok.SPACE)
        return self.lex_inside_action

    def lex_identifier(self) -> _Next:
        r = self.next()
        while _is_alnum(r):
            r = self.next()
        self.backup()
        word = self.input[self.start:self.pos]
        if not self.at_terminator():
            return self.errorf(f"bad character {_fmt_rune(r)}")
        kw = _KEYWORDS.get(word)
        if kw is not None and kw > Tok.KEYWORD:
            self.emit(kw)
        elif word[0] == ".":
            self.emit(Tok.FIELD)
        elif word in ("true", "false"):
            self.emit(Tok.BOOL)
        else:
            self.emit(Tok.IDENTIFIER)
        return self.lex_inside_action

    def lex_field(self) -> _Next:
        return self.lex_field_or_variable(Tok.FIELD)

    def lex_variable(self) -> _Next:
        if self.at_terminator():  # just "$"
            self.emit(Tok.VARIABLE)
            return self.lex_inside_action
        return self.lex_field_or_variable(Tok.VARIABLE)

    def lex_field_or_variable(self, typ: int) -> _Next:
        if self.at_terminator():  # nothing interesting follows: "." or "$"
            self.emit(Tok.VARIABLE if typ == Tok.VARIABLE else Tok.DOT)
            return self.lex_inside_action
        r = self.next()
        while _is_alnum(r):
            r = self.next()
        self.backup()
        if not self.at_terminator():
            return self.errorf(f"bad character {_fmt_rune(r)}")
        self.emit(typ)
        return self.lex_inside_action

    def _lex_quoted(self, quote: str, typ: int, unterminated: str) -> _Next:
        while True:
            r = self.next()
            if r == "\\":
                r = self.next()
                if r not in ("", "\n"):
                    continue
            if r in ("", "\n"):
                return self.errorf(unterminated)
            if r == quote:
                break
        self.emit(typ)
        return self.lex_inside_action

    def lex_char(self) -> _Next:
        return self._lex_quoted("'", Tok.CHAR_CONSTANT, "unterminated character constant")

    def lex_quote(self) -> _Next:
        return self._lex_quoted('"', Tok.STRING, "unterminated quoted string")

    def lex_raw_quote(self) -> _Next:
        x = self.input.find("`", self.pos)
        if x < 0:
            return self.errorf("unterminated raw quoted string")
        self.pos = x + 1
        self.emit(Tok.RAW_STRING)
        return self.lex_inside_action

    def lex_number(self) -> _Next:
        if not self.scan_number():
            return self.errorf(f"bad number syntax: {go_quote(self.input[self.start:self.pos])}")
        if self.peek() in ("+", "-"):
            # Complex: 1+2i. No spaces, must end in 'i'.
            if not self.scan_number() or self.input[self.pos - 1] != "i":
                return self.errorf(f"bad number syntax: {go_quote(self.input[self.start:self.pos])}")
            self.emit(Tok.COMPLEX)
        else:
            self.emit(Tok.NUMBER)
        return self.lex_inside_action

    def scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if _is_alnum(self.peek()):
            self.next()
            return False
        return True


def _has_left_trim(s: str) -> bool:
    return len(s) >= 2 and s[0] == "-" and s[1] in _SPACE


def _has_right_trim(s: str) -> bool:
    return len(s) >= 2 and s[0] in _SPACE and s[1] == "-"


def _left_trim_len(s: str, pos: int) -> int:
    rest = s[pos:]
    return len(rest) - len(rest.lstrip(_SPACE))


# --- literals (strconv) -------------------------------------------------------------------------

_SIMPLE_ESC = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_PATTERNS = {
    "esc": r"\\(?:([abfnrtv\\'\"])|x([0-9a-fA-F]{2})|([0-7]{3})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))",
    "octal": r"[+-]?0(_?[0-7])+\Z",
    "int": r"[+-]?(0[xX](_?[0-9a-fA-F])+|0[bB](_?[01])+|0[oO](_?[0-7])+|0(_?[0-7])*|[1-9](_?[0-9])*)\Z",
    "float": (
        r"[+-]?((\d(_?\d)*)?\.?(\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?"
        r"|0[xX](_?[0-9a-fA-F])*\.?([0-9a-fA-F](_?[0-9a-fA-F])*)?[pP][+-]?\d(_?\d)*)\Z"
    ),
}
_COMPILED: dict[str, re.Pattern[str]] = {}


def _re(name: str) -> re.Pattern[str]:
    """The literal pattern ``name`` (a key of ``_PATTERNS``), compiled once, on first use."""
    pattern = _COMPILED.get(name)
    if pattern is None:
        import re

        pattern = _COMPILED[name] = re.compile(_PATTERNS[name])
    return pattern


def _unescape(body: str, quote: str) -> tuple[bytes, int]:
    """Decode Go escapes in ``body``; returns the bytes and the number of units (runes) decoded."""
    out = bytearray()
    units = 0
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            if ch == quote:
                raise ValueError("invalid syntax")
            out += ch.encode("utf-8", "replace")
            i += 1
            units += 1
            continue
        m = _re("esc").match(body, i)
        if m is None:
            raise ValueError("invalid syntax")
        simple, hx, octal, u4, u8 = m.groups()
        if simple is not None:
            if simple in "'\"" and simple != quote:
                raise ValueError("invalid syntax")
            out.append(_SIMPLE_ESC.get(simple, ord(simple)))
        elif hx is not None or octal is not None:
            value = int(hx, 16) if hx is not None else int(octal, 8)
            if value > 255:
                raise ValueError("invalid syntax")
            out.append(value)
        else:
            code = int(u4 or u8, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise ValueError("invalid syntax")
            out += chr(code).encode()
        i = m.end()
        units += 1
    return bytes(out), units


def go_unquote(s: str) -> str:
    """Go's ``strconv.Unquote`` for the string and raw-string literals a template may hold."""
    if len(s) >= 2 and s[0] == s[-1] == "`":
        return s[1:-1].replace("\r", "")
    if len(s) < 2 or s[0] != '"' or s[-1] != '"':
        raise ValueError("invalid syntax")
    data, _ = _unescape(s[1:-1], '"')
    return data.decode("utf-8", "replace")


def unquote_char(text: str) -> int:
    """The value of a character constant such as ``'a'`` or ``'\\n'``."""
    body = text[1:-1] if len(text) >= 2 and text.endswith("'") else text[1:]
    data, units = _unescape(body, "'")
    if units != 1:
        raise ValueError(f"malformed character constant: {text}")
    if body.startswith("\\") and body[1:2] in ("x", "0", "1", "2", "3", "4", "5", "6", "7"):
        return data[0]
    return ord(data.decode("utf-8", "replace"))


INT64_RANGE = (-(1 << 63), (1 << 63) - 1)


def parse_go_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, ...)`` without the range check; ``None`` if not an integer."""
    if not _re("int").match(text):
        return None
    if _re("octal").match(text):
        sign = -1 if text[0] == "-" else 1
        return sign * int(text.lstrip("+-").replace("_", ""), 8)
    return int(text, 0)


def parse_go_float(text: str) -> float | None:
    """Go's ``strconv.ParseFloat(text, 64)``; ``None`` if invalid or out of range."""
    if not _re("float").match(text) or not any(c.isdigit() for c in text):
        return None
    body = text.replace("_", "")
    try:
        value = float.fromhex(body) if "x" in body.lower() else float(body)
    except ValueError:
        return None
    return None if value in (float("inf"), float("-inf")) else value


def lex(text: str) -> list[Token]:
    """Every token of ``text``, ending with an EOF token or the first error token."""
    return _Lexer(text).run()
