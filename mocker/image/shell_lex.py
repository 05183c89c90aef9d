"""BuildKit's shell lexer (``frontend/dockerfile/shell/lex.go``): ``$VAR`` expansion for ``--change``.

The classic builder expands ENV/LABEL/USER/WORKDIR/VOLUME/STOPSIGNAL/EXPOSE words against the
config's ``Env`` with it: quotes removed, escapes applied, ``$VAR``, ``${VAR}`` and the
``${VAR:-word}`` family of modifiers, and, for EXPOSE, the result split on unquoted blanks.
"""

from __future__ import annotations

from mocker.errors import InvalidArgument

TYPE_CHECKING = False  # on a cached rebuild's path: no ``typing``/``fnmatch`` until needed
if TYPE_CHECKING:
    from collections.abc import Callable

ESCAPE = "\\"  # BuildKit's default escape token (no "# escape=" directive): mocker.image.dockerfile_parse's


class _Words:
    """Word splitting of an expanded string (``ProcessWords``, used by EXPOSE)."""

    def __init__(self) -> None:
        self.word = ""
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch.isspace():
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word, self.in_word = "", False
        else:
            self.add_raw(ch)

    def add_raw(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def add_string(self, text: str) -> None:
        for ch in text:
            self.add_char(ch)

    def result(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word, self.in_word = "", False
        return self.words


class _Lexer:
    def __init__(self, env: dict[str, str], text: str) -> None:
        self.env = env
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        if ch:
            self.pos += 1
        return ch

    def process(self, stop: str = "", raw_escapes: bool = False) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        handlers: dict[str, Callable[[], str]] = {
            "'": self._single_quote, '"': self._double_quote, "$": self._dollar,
        }
        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(result), words.result()
            if ch in handlers:
                piece = handlers[ch]()
                result.append(piece)
                if ch == "$":
                    words.add_string(piece)
                else:
                    words.add_raw(piece)
                continue
            ch = self.next()
            if ch == ESCAPE:
                if raw_escapes:
                    words.add_raw(ch)
                    result.append(ch)
                ch = self.next()
                if not ch:
                    break
                words.add_raw(ch)
            else:
                words.add_char(ch)
            result.append(ch)
        if stop:
            raise InvalidArgument(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.result()

    def _single_quote(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.next()
            if not ch:
                raise InvalidArgument("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                return "".join(out)
            out.append(ch)

    def _double_quote(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise InvalidArgument("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self._dollar())
                continue
            ch = self.next()
            if ch == ESCAPE:
                nxt = self.peek()
                if not nxt:
                    continue
                if nxt in ('"', "$", ESCAPE):
                    ch = self.next()
            out.append(ch)

    def _name(self) -> str:
        start = self.pos
        ch = self.peek()
        if ch.isdigit():
            while self.peek().isdigit():
                self.next()
            return self.text[start:self.pos]
        if ch and ch in "@*#?-$!":
            return self.next()
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.next()
        return self.text[start:self.pos]

    def _dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self._name()
            return self.env.get(name, "") if name else "$"
        self.next()
        if not self.peek():
            raise InvalidArgument("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise InvalidArgument("syntax error: bad substitution")
        name = self._name()
        ch = self.next()
        if not ch:
            raise InvalidArgument("syntax error: missing '}'")  # Go says "unsupported modifier (\ufffd)"
        if ch == "}":
            return self.env.get(name, "")
        modifier = ch
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            modifier += ch
        if ch not in ("+", "-", "?", "#", "%"):
            raise InvalidArgument(f"unsupported modifier ({modifier}) in substitution")
        raw = ch in "#%"
        if null_is_unset and raw:
            raise InvalidArgument(f"unsupported modifier ({modifier}) in substitution")
        try:
            word, _ = self.process("}", raw_escapes=raw)
        except InvalidArgument:
            if not self.peek():
                raise InvalidArgument("syntax error: missing '}'") from None
            raise
        is_set = name in self.env
        value = self.env.get(name, "")
        unset = not is_set or (null_is_unset and value == "")
        if ch == "-":
            return word if unset else value
        if ch == "+":
            return "" if unset else word
        if ch == "?":
            if not is_set:
                raise InvalidArgument(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise InvalidArgument(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        greedy = word[:1] == ch
        pattern = word[1:] if greedy else word
        return _trim(value, pattern, suffix=ch == "%", greedy=greedy)


def _trim(value: str, pattern: str, *, suffix: bool, greedy: bool) -> str:
    """``${v%pat}``, ``${v%%pat}``, ``${v#pat}``, ``${v##pat}`` with shell glob patterns."""
    import fnmatch

    cuts = range(len(value) + 1)
    order = cuts if greedy else reversed(cuts)
    for i in order:
        if suffix and fnmatch.fnmatchcase(value[i:], pattern):
            return value[:i]
        if not suffix and fnmatch.fnmatchcase(value[:len(value) - i], pattern):
            return value[len(value) - i:]
    return value


def expand_word(word: str, env: dict[str, str]) -> str:
    """BuildKit's ``ProcessWord``: quotes removed, escapes applied, ``$VAR`` forms expanded."""
    return _Lexer(env, word).process()[0]


def expand_words(word: str, env: dict[str, str]) -> list[str]:
    """BuildKit's ``ProcessWords``: as :func:`expand_word`, then split on unquoted blanks."""
    return _Lexer(env, word).process()[1]
