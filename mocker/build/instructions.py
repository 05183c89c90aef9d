"""What each Dockerfile instruction does to the stage's image config (everything but RUN/COPY/ADD).

ENV, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL, EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK and ONBUILD are
the instructions ``commit --change`` also knows: both go through :mod:`mocker.image.changes` (its
argument checks, Docker's messages, BuildKit's ``$VAR`` expansion), here with the stage's build args
visible below its ENV. SHELL, MAINTAINER and ARG are only Dockerfile instructions, handled here.
"""

from __future__ import annotations

from mocker.build.dockerfile import DockerfileError, Instruction
from mocker.errors import InvalidArgument

TYPE_CHECKING = False  # annotations only: a cached rebuild should not import ``typing`` (DECISIONS 37)
if TYPE_CHECKING:
    from typing import Any

CONFIG_INSTRUCTIONS = frozenset((
    "env", "label", "user", "workdir", "volume", "stopsignal", "expose", "cmd", "entrypoint", "healthcheck",
    "onbuild",
))  # fmt: skip
# Build args every Dockerfile may use without declaring them (BuildKit's defaults).
PROXY_ARGS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY",
              "no_proxy", "ALL_PROXY", "all_proxy")


_LEXED = ("$", "'", '"', "\\")  # what BuildKit's shell lexer acts on in a word: quotes, escapes, $


def expand_word(word: str, env: dict[str, str]) -> str:
    """BuildKit's ``ProcessWord`` (:func:`mocker.image.shell_lex.expand_word`). A word with no quote,
    escape or ``$`` comes out of the lexer as it went in, so for it the lexer is not even loaded
    (most COPY paths, ARG defaults and FROM names on a cached rebuild)."""
    if not any(c in word for c in _LEXED):
        return word
    from mocker.image.shell_lex import expand_word as process_word

    return process_word(word, env)


class ArgScope:
    """The build args a stage sees: declared with ARG (value from --build-arg or the default)."""

    __slots__ = ("build_args", "consumed", "meta", "predefined", "values")

    def __init__(self, build_args: dict[str, str], predefined: dict[str, str], meta: dict[str, str]) -> None:
        self.build_args = build_args  # --build-arg values
        self.predefined = predefined  # TARGETPLATFORM & co.
        self.meta = meta  # ARGs before the first FROM, resolved
        self.values: dict[str, str] = {}
        self.consumed: set[str] = set()

    def declare(self, ins: Instruction, env: dict[str, str]) -> list[str]:
        """``ARG name[=default] ...``; returns the ``name=value`` words for the step's key."""
        if not ins.args:
            raise DockerfileError("ARG requires at least one argument", line=ins.line)
        shown = []
        for word in ins.args:
            name, eq, default = word.partition("=")
            if not name:
                raise DockerfileError("ARG names can not be blank", line=ins.line)
            lookup = {**self.values, **env}
            value: str | None = expand_word(default, lookup) if eq else None
            if name in self.build_args:
                value = self.build_args[name]
                self.consumed.add(name)
            elif value is None and name in self.meta:
                value = self.meta[name]
            elif value is None and name in self.predefined:
                value = self.predefined[name]
            if value is not None:
                self.values[name] = value
            else:
                self.values.pop(name, None)
            shown.append(f"{name}={value}" if value is not None else name)
        return shown

    def visible(self) -> dict[str, str]:
        out = {k: v for k, v in self.build_args.items() if k in PROXY_ARGS}
        out.update(self.values)
        return out


def env_map(cfg: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for entry in cfg.get("Env") or []:
        name, _, value = entry.partition("=")
        out[name] = value
    return out


def expander(cfg: dict[str, Any], args: ArgScope) -> Any:
    """``$VAR`` expansion for COPY/ADD/FROM words: the stage's ENV over its build args."""
    scope = {**args.visible(), **env_map(cfg)}
    return lambda word: expand_word(word, scope)


def apply_config(ins: Instruction, cfg: dict[str, Any], args: ArgScope) -> dict[str, Any]:
    """Apply a config instruction to ``cfg`` (the image config's ``config``); returns the new dict."""
    import json

    from mocker.image import changes
    from mocker.image.dockerfile_parse import Node

    node = Node(instruction=ins.cmd.upper(), original=ins.original, flags=list(ins.flags), args=list(ins.args),
                json_form=ins.json)
    if ins.cmd in ("env", "label"):
        words = list(ins.args)
        node.pairs = [(words[i], words[i + 1], "=") for i in range(0, len(words) - 1, 2)]
        if len(words) % 2:
            raise DockerfileError(f"{ins.cmd.upper()} must have two arguments", line=ins.line)
    if ins.cmd == "onbuild":
        node.args = [ins.original.split(None, 1)[1] if " " in ins.original else ""]
    try:
        command = changes._typed(node)
        state = _ArgState(json.loads(json.dumps(cfg)), extra=args.visible())
        state.dispatch(command)
    except InvalidArgument as e:
        raise DockerfileError(e.message, line=ins.line) from None
    return state.cfg


class _ArgState:
    """``changes._State`` whose ``$VAR`` lookups also see the stage's build args."""

    def __new__(cls, cfg: dict[str, Any], *, extra: dict[str, str]) -> Any:
        from mocker.image import changes

        class State(changes._State):
            def env(self) -> dict[str, str]:
                return {**extra, **super().env()}

        return State(cfg)


def apply_shell(ins: Instruction, cfg: dict[str, Any]) -> None:
    if not ins.json:
        raise DockerfileError("SHELL requires the arguments to be in JSON form", line=ins.line)
    if not ins.args:
        raise DockerfileError("SHELL requires at least one argument", line=ins.line)
    cfg["Shell"] = list(ins.args)


def run_argv(ins: Instruction, cfg: dict[str, Any]) -> tuple[list[str], str | None]:
    """The RUN's command: exec form as is; shell form under SHELL; heredocs as BuildKit runs them.

    Returns (argv, script): a heredoc with a ``#!`` line is a script the builder mounts at
    ``/dev/pipes/<name>`` and executes (its interpreter runs it, not the shell), as BuildKit does.
    """
    shell = list(cfg.get("Shell") or ["/bin/sh", "-c"])
    if ins.json:
        return list(ins.args), None
    line = ins.args[0] if ins.args else ""
    if ins.heredocs:
        docs = ins.heredocs
        if len(docs) == 1 and line.strip().startswith("<<") and len(line.split()) == 1:
            content = docs[0].content
            if content.startswith("#!"):
                return [f"/dev/pipes/{docs[0].name}"], content
            return [*shell, content], None
        body = line
        for doc in docs:
            body += "\n" + doc.content + doc.name
        return [*shell, body + "\n"], None
    return [*shell, line], None
