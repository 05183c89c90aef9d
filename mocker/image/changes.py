"""``--change`` instructions (``import``, later ``commit``) applied to an image config.

What moby's ``BuildFromConfig`` does (daemon/builder/dockerfile/builder.go), in the same four steps:

1. the changes are joined with newlines and parsed as one Dockerfile (BuildKit's parser: comments,
   ``\\`` continuations, the per-instruction argument parsers, so ``ENV X`` fails with "ENV must
   have two arguments" whatever comes after it);
2. every instruction must be one of :data:`VALID` — else "RUN is not a valid change command", in
   the case the user wrote it (BuildKit keeps it since Docker 27);
3. every instruction is typed and checked (``instructions.ParseCommand``) before any is applied;
4. each is applied as the classic builder's dispatchers apply it: ENV/LABEL/USER/WORKDIR/VOLUME/
   STOPSIGNAL/EXPOSE expand ``$VAR`` against the config's ``Env`` (BuildKit's shell lexer), the
   shell form of CMD/ENTRYPOINT is prefixed with the config's ``Shell`` or ``/bin/sh -c``, and
   ENTRYPOINT clears a CMD that was not set by an earlier change.

Linux semantics only (the daemon mocker stands in for is a Linux one). The result keeps the
config's other keys; keys that end up empty are left out, as the image config stores them.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mocker.errors import InvalidArgument

# moby's validCommitCommands.
VALID = (
    "cmd", "entrypoint", "healthcheck", "env", "expose", "label", "onbuild", "stopsignal", "user",
    "volume", "workdir",
)  # fmt: skip
DEFAULT_SHELL = ("/bin/sh", "-c")
ESCAPE = "\\"
MINIMUM_DURATION_NS = 1_000_000  # container.MinimumDuration (1ms)

_NOT_STRINGS = "when using JSON array syntax, arrays must be comprised of strings only"
_CONTINUATION = re.compile(r"\\[ \t]*$")
_ONBUILD_PREFIX = re.compile(r"(?i)^\s*ONBUILD\s*")


def _error(message: str) -> InvalidArgument:
    return InvalidArgument(message)


# ---- step 1: the Dockerfile parser ---------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    """One parsed line: what BuildKit's ``parser.Node`` holds for it."""

    instruction: str  # as written
    original: str  # the whole logical line
    flags: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    json_form: bool = False
    # ENV/LABEL: (key, value, delimiter) triples, delimiter "" for the legacy "KEY value" form.
    pairs: list[tuple[str, str, str]] = field(default_factory=list)
    sub: _Node | None = None  # ONBUILD's trigger


def _logical_lines(text: str) -> list[str]:
    """Lines with continuations joined, comment and blank lines dropped."""
    lines: list[str] = []
    current: str | None = None
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        if current is None:
            if not stripped:
                continue
            line = stripped
        elif not stripped:
            continue  # an empty continuation line (BuildKit warns, then skips it)
        match = _CONTINUATION.search(line)
        if match:
            current = (current or "") + line[: match.start()]
            continue
        lines.append(((current or "") + line).strip())
        current = None
    if current is not None and current.strip():
        lines.append(current.strip())
    return lines


def _extract_flags(rest: str) -> tuple[list[str], str]:
    """Leading ``--name[=value]`` words (BuildKit's ``extractBuilderFlags``, without quoting)."""
    flags: list[str] = []
    text = rest.lstrip()
    while text.startswith("--"):
        match = re.match(r"\S+", text)
        assert match is not None
        word = match.group(0)
        text = text[match.end():].lstrip()
        if word == "--":
            break
        flags.append(word)
    return flags, text


def _parse_json_list(rest: str) -> list[str] | None:
    """The exec form's strings, or None when ``rest`` is not a JSON array (then it is shell form)."""
    text = rest.lstrip()
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(item, str) for item in value):
        raise _error(_NOT_STRINGS)
    return value


def _parse_words(rest: str) -> list[str]:
    """BuildKit's ``parseWords``: split on blanks, quotes and escapes kept for the lexer."""
    words: list[str] = []
    word = ""
    in_word = False
    quote = ""
    blank_ok = False
    i = 0
    while i < len(rest):
        ch = rest[i]
        if not in_word and not quote:
            if ch.isspace():
                i += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == ESCAPE and quote != "'":
                if i + 1 == len(rest):
                    i += 1
                    continue
                word += ch
                i += 1
                ch = rest[i]
            word += ch
            i += 1
            continue
        if ch.isspace():
            if blank_ok or word:
                words.append(word)
            word, in_word, blank_ok = "", False, False
            i += 1
            continue
        if ch in "'\"":
            quote = ch
            blank_ok = True
        if ch == ESCAPE:
            if i + 1 == len(rest):
                i += 1
                continue
            word += ch
            i += 1
            ch = rest[i]
        word += ch
        i += 1
    if blank_ok or word:
        words.append(word)
    return words


def _parse_name_val(rest: str, key: str) -> list[tuple[str, str, str]]:
    words = _parse_words(rest)
    if not words:
        return []
    if "=" not in words[0]:
        parts = re.split(r"[\t\v\f\r ]+", rest, maxsplit=1)
        if len(parts) < 2:
            raise _error(f"{key} must have two arguments")
        return [(parts[0], parts[1], "")]
    pairs = []
    for word in words:
        if "=" not in word:
            raise _error(f"Syntax error - can't find = in {_go_quote(word)}. Must be of the form: name=value")
        name, _, value = word.partition("=")
        pairs.append((name, value, "="))
    return pairs


def _parse_line(line: str) -> _Node:
    parts = re.split(r"\s+", line.strip(), maxsplit=1)
    instruction = parts[0]
    flags, rest = _extract_flags(parts[1] if len(parts) > 1 else "")
    rest = rest.strip()
    node = _Node(instruction=instruction, original=line, flags=flags)
    word = instruction.lower()
    if word in ("cmd", "entrypoint", "run", "shell"):
        if rest:
            exec_form = _parse_json_list(rest)
            node.json_form = exec_form is not None
            node.args = exec_form if exec_form is not None else [rest]
    elif word in ("volume", "add", "copy"):
        exec_form = _parse_json_list(rest)
        node.json_form = exec_form is not None
        node.args = exec_form if exec_form is not None else rest.split()
    elif word in ("expose", "from"):
        node.args = rest.split()
    elif word in ("env", "label"):
        node.pairs = _parse_name_val(rest, word.upper())
    elif word == "healthcheck":
        head = re.split(r"\s", rest, maxsplit=1)
        if rest:
            node.args = [head[0]]
            tail = head[1].lstrip() if len(head) > 1 else ""
            if tail:
                exec_form = _parse_json_list(tail)
                node.json_form = exec_form is not None
                node.args += exec_form if exec_form is not None else [tail]
    elif word == "onbuild":
        if rest:
            node.sub = _parse_line(rest)
            node.args = [node.sub.instruction]
    elif rest:
        node.args = [rest]  # USER, WORKDIR, STOPSIGNAL, MAINTAINER, ...
    return node


# ---- step 3: typed commands ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Command:
    kind: str  # lower-case instruction
    args: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    prepend_shell: bool = False
    nil: bool = False  # ENTRYPOINT with nothing: Go's nil, which clears it
    health: dict[str, Any] | None = None


def _parse_flags(node: _Node, allowed: Sequence[str]) -> dict[str, str]:
    """BuildKit's ``BFlags.Parse`` for string flags."""
    values: dict[str, str] = {}
    for arg in node.flags:
        if arg == "--":
            break
        name, eq, value = arg[2:].partition("=")
        if name not in allowed:
            raise _error(f"unknown flag: {name}")
        if not eq:
            raise _error(f"missing a value on flag: {name}")
        values[name] = value
    return values


def _typed(node: _Node) -> _Command:
    kind = node.instruction.lower()
    upper = kind.upper()
    if kind == "healthcheck":
        if node.args and node.args[0].upper() == "NONE":
            return _Command(kind, health=_healthcheck(node, {}))  # NONE never reads its flags
        flags = _parse_flags(node, ("interval", "timeout", "start-period", "start-interval", "retries"))
        return _Command(kind, health=_healthcheck(node, flags))
    _parse_flags(node, ())
    if kind in ("env", "label"):
        if not node.pairs:
            raise _error(f"{upper} requires at least one argument")
        for name, _, _ in node.pairs:
            if not name:
                raise _error(f"{upper} names can not be blank")
        return _Command(kind, pairs=tuple((k, v) for k, v, _ in node.pairs))
    if kind in ("cmd", "entrypoint"):
        args = node.args if node.json_form else ([" ".join(node.args)] if node.args else [])
        if kind == "entrypoint" and not args:
            return _Command(kind, nil=True)
        return _Command(kind, args=tuple(args), prepend_shell=not node.json_form)
    if kind in ("user", "workdir", "stopsignal"):
        if len(node.args) != 1:
            raise _error(f"{upper} requires exactly one argument")
        return _Command(kind, args=tuple(node.args))
    if kind == "expose":
        if not node.args:
            raise _error("EXPOSE requires at least one argument")
        return _Command(kind, args=tuple(node.args))
    if kind == "volume":
        if not node.args:
            raise _error("VOLUME requires at least one argument")
        volumes = [v.strip() for v in node.args]
        if any(not v for v in volumes):
            raise _error("VOLUME specified can not be an empty string")
        return _Command(kind, args=tuple(volumes))
    if kind == "onbuild":
        if not node.args:
            raise _error("ONBUILD requires exactly one argument")
        trigger = node.args[0].strip().upper()
        if trigger == "ONBUILD":
            raise _error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
        if trigger in ("MAINTAINER", "FROM"):
            raise _error(f"{trigger} isn't allowed as an ONBUILD trigger")
        return _Command(kind, args=(_ONBUILD_PREFIX.sub("", node.original, count=1),))
    raise _error(f"{node.instruction} is not a valid change command")  # pragma: no cover - VALID checked


def _healthcheck(node: _Node, flags: dict[str, str]) -> dict[str, Any]:
    if not node.args:
        raise _error("HEALTHCHECK requires at least one argument")
    typ = node.args[0].upper()
    rest = node.args[1:]
    if typ == "NONE":
        if rest:
            raise _error("HEALTHCHECK NONE takes no arguments")
        return {"Test": ["NONE"]}
    if typ != "CMD":
        raise _error(f"Unknown type {_go_quote(typ)} in HEALTHCHECK (try CMD)")
    if not rest:
        raise _error("Missing command after HEALTHCHECK CMD")
    test = ["CMD", *rest] if node.json_form else ["CMD-SHELL", " ".join(rest)]
    health: dict[str, Any] = {"Test": test}
    for flag, key in (("interval", "Interval"), ("timeout", "Timeout"),
                      ("start-period", "StartPeriod"), ("start-interval", "StartInterval")):
        text = flags.get(flag, "")
        if not text:
            continue
        ns = parse_go_duration(text)
        if ns == 0:
            continue
        if ns < MINIMUM_DURATION_NS:
            raise _error(f"Interval {_go_quote(flag)} cannot be less than 1ms")
        health[key] = ns
    if flags.get("retries"):
        text = flags["retries"]
        if not re.fullmatch(r"[+-]?[0-9]+", text) or not -(2**31) <= int(text) < 2**31:
            raise _error(f"strconv.ParseInt: parsing {_go_quote(text)}: invalid syntax")
        retries = int(text)
        if retries < 0:
            raise _error(f"--retries cannot be negative ({retries})")
        if retries:
            health["Retries"] = retries
    return health


_DURATION_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
                   "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_DURATION_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)([^0-9.]*)")


def parse_go_duration(text: str) -> int:
    """Go's ``time.ParseDuration``, in nanoseconds (``"1m30s"`` -> 90e9)."""
    quoted = _go_quote(text)
    body = text
    sign = 1
    if body.startswith(("-", "+")):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise _error(f"time: invalid duration {quoted}")
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _DURATION_PART.match(body, pos)
        assert match is not None
        number, unit = match.groups()
        if number in ("", "."):
            raise _error(f"time: invalid duration {quoted}")
        if not unit:
            raise _error(f"time: missing unit in duration {quoted}")
        if unit not in _DURATION_UNITS:
            raise _error(f"time: unknown unit {_go_quote(unit)} in duration {quoted}")
        total += float(number) * _DURATION_UNITS[unit]
        pos = match.end()
    return sign * round(total)


# ---- the shell lexer (BuildKit frontend/dockerfile/shell/lex.go) ----------------------------------


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
            raise _error(f"unexpected end of statement while looking for matching {stop}")
        return "".join(result), words.result()

    def _single_quote(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.next()
            if not ch:
                raise _error("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                return "".join(out)
            out.append(ch)

    def _double_quote(self) -> str:
        self.next()
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise _error("unexpected end of statement while looking for matching double-quote")
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
            raise _error("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise _error("syntax error: bad substitution")
        name = self._name()
        ch = self.next()
        if not ch:
            raise _error("syntax error: missing '}'")  # Go says "unsupported modifier (\ufffd)"
        if ch == "}":
            return self.env.get(name, "")
        modifier = ch
        null_is_unset = False
        if ch == ":":
            null_is_unset = True
            ch = self.next()
            modifier += ch
        if ch not in ("+", "-", "?", "#", "%"):
            raise _error(f"unsupported modifier ({modifier}) in substitution")
        raw = ch in "#%"
        if null_is_unset and raw:
            raise _error(f"unsupported modifier ({modifier}) in substitution")
        try:
            word, _ = self.process("}", raw_escapes=raw)
        except InvalidArgument:
            if not self.peek():
                raise _error("syntax error: missing '}'") from None
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
                raise _error(f"{name}: {word or 'is not allowed to be unset'}")
            if null_is_unset and value == "":
                raise _error(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        greedy = word[:1] == ch
        pattern = word[1:] if greedy else word
        return _trim(value, pattern, suffix=ch == "%", greedy=greedy)


def _trim(value: str, pattern: str, *, suffix: bool, greedy: bool) -> str:
    """``${v%pat}``, ``${v%%pat}``, ``${v#pat}``, ``${v##pat}`` with shell glob patterns."""
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


# ---- step 4: dispatch ----------------------------------------------------------------------------


def _env_map(env: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in env:
        name, _, value = entry.partition("=")
        out[name] = value
    return out


def _normalize_workdir(current: str, requested: str) -> str:
    if not requested:
        raise _error("cannot normalize nothing")
    if not requested.startswith("/"):
        return posixpath.normpath(posixpath.join("/", current, requested))
    return requested


_PORT_NUMBER = re.compile(r"[0-9]+")


def _port_range(text: str) -> tuple[int, int] | None:
    def number(part: str) -> int | None:
        if not _PORT_NUMBER.fullmatch(part):
            return None
        value = int(part)
        return value if value <= 65535 else None

    start_text, dash, end_text = text.partition("-")
    start = number(start_text)
    end = number(end_text) if dash and end_text != start_text else start
    if start is None or end is None or end < start:
        return None
    return start, end


def exposed_ports(spec: str) -> list[str]:
    """``nat.ParsePortSpec``'s container side: ``"8000-8001/udp"`` -> ``["8000/udp", "8001/udp"]``."""
    parts = spec.split(":")
    container = parts[-1]
    host = parts[-2] if len(parts) > 1 else ""
    port, _, proto = container.partition("/")
    if not port:
        raise _error(f"no port specified: {spec}<empty>")
    proto = proto.lower() or "tcp"
    if proto not in ("tcp", "udp", "sctp"):
        raise _error(f"invalid proto: {proto}")
    found = _port_range(port)
    if found is None:
        raise _error(f"invalid containerPort: {port}")
    start, end = found
    if host:
        host_range = _port_range(host)
        if host_range is None:
            raise _error(f"invalid hostPort: {host}")
        if end - start != host_range[1] - host_range[0] and end != start:
            raise _error(f"invalid ranges specified for container and host Ports: {port} and {host}")
    return [f"{p}/{proto}" for p in range(start, end + 1)]


def _check_signal(text: str) -> None:
    """moby/sys/signal ``ParseSignal`` (Linux): a non-zero number or a name, ``SIG`` optional."""
    if re.fullmatch(r"[+-]?[0-9]+", text):
        if int(text) == 0:
            raise _error(f"Invalid signal: {text}")
        return
    name = text.upper().removeprefix("SIG")
    known = {s.name.removeprefix("SIG") for s in signal.Signals} | {"CLD", "POLL", "IOT", "RTMIN", "RTMAX"}
    known |= {f"RTMIN+{i}" for i in range(1, 16)} | {f"RTMAX-{i}" for i in range(1, 15)}
    if name not in known:
        raise _error(f"Invalid signal: {text}")


@dataclass(slots=True)
class _State:
    cfg: dict[str, Any]
    cmd_set: bool = False

    def env(self) -> dict[str, str]:
        return _env_map(self.cfg.get("Env") or [])

    def expand(self, word: str) -> str:
        return expand_word(word, self.env())

    def resolve(self, command: _Command) -> list[str] | None:
        if command.nil:
            return None
        args = list(command.args)
        if command.prepend_shell:
            return [*(self.cfg.get("Shell") or DEFAULT_SHELL), *args]
        return args

    def dispatch(self, command: _Command) -> None:
        cfg = self.cfg
        kind = command.kind
        if kind == "env":
            env = self.env()
            entries = list(cfg.get("Env") or [])
            for key, value in command.pairs:
                name = expand_word(key, env)
                entry = f"{name}={expand_word(value, env)}"
                for i, existing in enumerate(entries):
                    if existing.partition("=")[0] == name:
                        entries[i] = entry
                        break
                else:
                    entries.append(entry)
            cfg["Env"] = entries
        elif kind == "label":
            env = self.env()
            labels = dict(cfg.get("Labels") or {})
            for key, value in command.pairs:
                labels[expand_word(key, env)] = expand_word(value, env)
            cfg["Labels"] = labels
        elif kind == "cmd":
            cfg["Cmd"] = self.resolve(command)
            cfg.pop("ArgsEscaped", None)
            if command.args:
                self.cmd_set = True
        elif kind == "entrypoint":
            entrypoint = self.resolve(command)
            if entrypoint is None:
                cfg.pop("Entrypoint", None)
            else:
                cfg["Entrypoint"] = entrypoint
            cfg.pop("ArgsEscaped", None)
            if not self.cmd_set:
                cfg.pop("Cmd", None)
        elif kind == "user":
            cfg["User"] = self.expand(command.args[0])
            if not cfg["User"]:
                del cfg["User"]  # omitempty, as the config is stored
        elif kind == "workdir":
            cfg["WorkingDir"] = _normalize_workdir(cfg.get("WorkingDir") or "", self.expand(command.args[0]))
        elif kind == "stopsignal":
            sig = self.expand(command.args[0])
            _check_signal(sig)
            cfg["StopSignal"] = sig
        elif kind == "volume":
            volumes = dict(cfg.get("Volumes") or {})
            for raw in command.args:
                path = self.expand(raw)
                if not path:
                    raise _error("VOLUME specified can not be an empty string")
                volumes[path] = {}
            cfg["Volumes"] = volumes
        elif kind == "expose":
            env = self.env()
            ports = dict(cfg.get("ExposedPorts") or {})
            for raw in command.args:
                for word in expand_words(raw, env):
                    for port in exposed_ports(word):
                        ports[port] = {}
            cfg["ExposedPorts"] = ports
        elif kind == "onbuild":
            cfg["OnBuild"] = [*(cfg.get("OnBuild") or []), command.args[0]]
        elif kind == "healthcheck":
            cfg["Healthcheck"] = command.health


def apply_changes(config: dict[str, Any], changes: Sequence[str]) -> dict[str, Any]:
    """Return the ``config`` object (the image config's "config" key) with ``changes`` applied.

    Raises :class:`~mocker.errors.InvalidArgument` with Docker's message, before changing anything,
    if any change is not a valid change command or is malformed.
    """
    cfg = json.loads(json.dumps(config))  # a deep copy: lists and dicts are replaced, never mutated
    if not changes:
        return cfg
    nodes = [_parse_line(line) for line in _logical_lines("\n".join(changes))]
    for node in nodes:
        if node.instruction.lower() not in VALID:
            raise _error(f"{node.instruction} is not a valid change command")
    commands = [_typed(node) for node in nodes]
    state = _State(cfg)
    for command in commands:
        state.dispatch(command)
    return state.cfg


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the texts that appear here (JSON escaping is close enough for messages)."""
    return json.dumps(text, ensure_ascii=False)
