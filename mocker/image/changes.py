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

Step 1 is :mod:`mocker.image.dockerfile_parse` (the parser ``build`` uses too) and step 4's lexer
:mod:`mocker.image.shell_lex`; the rest is here. Linux semantics only (the daemon mocker stands in
for is a Linux one). The result keeps the config's other keys; keys that end up empty are left
out, as the image config stores them.
"""

from __future__ import annotations

import json
import posixpath
import re
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mocker.errors import InvalidArgument
from mocker.image.dockerfile_parse import ESCAPE, Node, go_quote, parse_text
from mocker.image.shell_lex import expand_word, expand_words

__all__ = [
    "DEFAULT_SHELL", "ESCAPE", "MINIMUM_DURATION_NS", "VALID", "apply_changes", "expand_word", "expand_words",
    "exposed_ports", "parse_go_duration",
]  # fmt: skip

# moby's validCommitCommands.
VALID = (
    "cmd", "entrypoint", "healthcheck", "env", "expose", "label", "onbuild", "stopsignal", "user",
    "volume", "workdir",
)  # fmt: skip
DEFAULT_SHELL = ("/bin/sh", "-c")
MINIMUM_DURATION_NS = 1_000_000  # container.MinimumDuration (1ms)

_ONBUILD_PREFIX = re.compile(r"(?i)^\s*ONBUILD\s*")


def _error(message: str) -> InvalidArgument:
    return InvalidArgument(message)


# ---- step 3: typed commands ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Command:
    kind: str  # lower-case instruction
    args: tuple[str, ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()
    prepend_shell: bool = False
    nil: bool = False  # ENTRYPOINT with nothing: Go's nil, which clears it
    health: dict[str, Any] | None = None


def _parse_flags(node: Node, allowed: Sequence[str]) -> dict[str, str]:
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


def _typed(node: Node) -> _Command:
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


def _healthcheck(node: Node, flags: dict[str, str]) -> dict[str, Any]:
    if not node.args:
        raise _error("HEALTHCHECK requires at least one argument")
    typ = node.args[0].upper()
    rest = node.args[1:]
    if typ == "NONE":
        if rest:
            raise _error("HEALTHCHECK NONE takes no arguments")
        return {"Test": ["NONE"]}
    if typ != "CMD":
        raise _error(f"Unknown type {go_quote(typ)} in HEALTHCHECK (try CMD)")
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
            raise _error(f"Interval {go_quote(flag)} cannot be less than 1ms")
        health[key] = ns
    if flags.get("retries"):
        text = flags["retries"]
        if not re.fullmatch(r"[+-]?[0-9]+", text) or not -(2**31) <= int(text) < 2**31:
            raise _error(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
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
    quoted = go_quote(text)
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
            raise _error(f"time: unknown unit {go_quote(unit)} in duration {quoted}")
        total += float(number) * _DURATION_UNITS[unit]
        pos = match.end()
    return sign * round(total)


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
    nodes = parse_text("\n".join(changes))
    for node in nodes:
        if node.instruction.lower() not in VALID:
            raise _error(f"{node.instruction} is not a valid change command")
    commands = [_typed(node) for node in nodes]
    state = _State(cfg)
    for command in commands:
        state.dispatch(command)
    return state.cfg
