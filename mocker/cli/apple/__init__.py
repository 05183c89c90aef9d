"""The command table of the apple backend, and the one object ``cli/main.py`` asks.

Each apple command reuses the Linux command's flag table (same parsing, help and usage errors) with
a handler of its own that calls ``mocker/engine/apple``. A command the backend cannot do gives the
support table's reason (exit 125); a command with no apple handler yet says so too — never a
silent fallback to the Linux engine, whose containers and images the apple backend does not see.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mocker.cli.command import Command
    from mocker.engine.backends import Selection

_C = "mocker.cli.apple.containers:"
_I = "mocker.cli.apple.images:"
_S = "mocker.cli.apple.system:"
_N = "mocker.cli.apple.resources:"

# name -> "module:handler". Docker spellings that mean the same command share a handler.
HANDLERS: dict[str, str] = {
    **{n: _C + "run" for n in ("run", "container run")},
    **{n: _C + "create" for n in ("create", "container create")},
    **{n: _C + "start" for n in ("start", "container start")},
    **{n: _C + "stop" for n in ("stop", "container stop")},
    **{n: _C + "restart" for n in ("restart", "container restart")},
    **{n: _C + "kill" for n in ("kill", "container kill")},
    **{n: _C + "rm" for n in ("rm", "container rm", "container remove")},
    **{n: _C + "ps" for n in ("ps", "container ps", "container ls", "container list")},
    **{n: _C + "inspect" for n in ("container inspect",)},
    "inspect": _I + "inspect_any",
    **{n: _C + "logs" for n in ("logs", "container logs")},
    **{n: _C + "exec_" for n in ("exec", "container exec")},
    **{n: _C + "port" for n in ("port", "container port")},
    **{n: _C + "cp" for n in ("cp", "container cp")},
    **{n: _C + "export" for n in ("export", "container export")},
    **{n: _C + "stats" for n in ("stats", "container stats")},
    "container prune": _C + "prune",
    **{n: _I + "images" for n in ("images", "image ls", "image list")},
    **{n: _I + "pull" for n in ("pull", "image pull")},
    **{n: _I + "push" for n in ("push", "image push")},
    **{n: _I + "tag" for n in ("tag", "image tag")},
    **{n: _I + "rmi" for n in ("rmi", "image rm", "image remove")},
    "image inspect": _I + "image_inspect",
    **{n: _I + "save" for n in ("save", "image save")},
    **{n: _I + "load" for n in ("load", "image load")},
    "image prune": _I + "prune",
    "system df": _S + "df",
    "system prune": _S + "prune",
    "info": _S + "info",
    "system info": _S + "info",
    "version": _S + "version",
    "login": _S + "login",
    "logout": _S + "logout",
    **{f"volume {v}": _N + f"volume_{v}" for v in ("create", "ls", "inspect", "rm")},
    "volume list": _N + "volume_ls",
    "volume remove": _N + "volume_rm",
    "volume prune": _N + "volume_prune",
}

# Commands that never touch the container runtime and work on mocker's own store and registry
# client, whatever the backend: manifest lists live in mocker's OCI store (DECISIONS #12) and are
# pushed by mocker (issue #9: "anything the CLI cannot do stays in mocker's own OCI store").
STORE_ONLY_PREFIXES = ("manifest ",)
# Store-only commands whose image arguments (after the list's name) come over from Apple's store when
# mocker's store lacks them (engine/apple/handover.py).
HANDOVER_TO_MOCKER = ("manifest create", "manifest add")

# Commands that exist only on this backend (the Linux table lists them as not yet implemented).
EXTRA: dict[str, str] = {
    "build": "mocker.cli.apple.images:BUILD",
    "image build": "mocker.cli.apple.images:BUILD",
    "builder build": "mocker.cli.apple.images:BUILD",
    **{f"network {v}": f"mocker.cli.apple.resources:NETWORK_{v.upper()}" for v in
       ("create", "ls", "inspect", "rm", "prune")},
    "network list": "mocker.cli.apple.resources:NETWORK_LS",
    "network remove": "mocker.cli.apple.resources:NETWORK_RM",
}


class AppleCommands:
    """What ``cli/main.py`` asks when the apple backend is selected."""

    def __init__(self, selection: Selection) -> None:
        self.selection = selection

    def resolve(self, words: list[str]) -> tuple[str | None, list[str]]:
        from mocker.cli.commands import COMMANDS
        from mocker.runtime.apple.support import COMMANDS as REFUSED

        if len(words) >= 2:
            two = f"{words[0]} {words[1]}"
            if two in COMMANDS or two in EXTRA or two in REFUSED:
                return two, words[2:]
        if words and (words[0] in COMMANDS or words[0] in EXTRA):
            return words[0], words[1:]
        return None, words

    def load(self, name: str) -> Command:
        import importlib

        from mocker.cli.command import Command
        from mocker.cli.commands import COMMANDS
        from mocker.runtime.apple.support import COMMANDS as REFUSED
        from mocker.runtime.apple.support import refuse

        if name in REFUSED:
            raise refuse(f"'mocker {name}'", REFUSED[name])
        if name in EXTRA:
            module, attr = EXTRA[name].split(":")
            extra: Command = getattr(importlib.import_module(module), attr)
            return extra
        if name.startswith(STORE_ONLY_PREFIXES):
            module, attr = COMMANDS[name].split(":")
            own: Command = getattr(importlib.import_module(module), attr)
            if name in HANDOVER_TO_MOCKER:
                from mocker.cli.apple.images import handing_over

                return Command(name=own.name, usage=own.usage, summary=own.summary,
                               handler=handing_over(own.handler), flags=own.flags, min_args=own.min_args,
                               max_args=own.max_args, interspersed=own.interspersed, aliases=own.aliases)
            return own
        target = HANDLERS.get(name)
        if target is None:
            raise refuse(f"'mocker {name}'", "not implemented for this backend yet")
        module, attr = COMMANDS[name].split(":")
        linux: Command = getattr(importlib.import_module(module), attr)
        hmod, hname = target.split(":")
        handler = getattr(importlib.import_module(hmod), hname)
        return Command(name=linux.name, usage=linux.usage, summary=linux.summary, handler=handler,
                       flags=linux.flags, min_args=linux.min_args, max_args=linux.max_args,
                       interspersed=linux.interspersed, aliases=linux.aliases)


def for_selection(selection: Selection) -> AppleCommands:
    return AppleCommands(selection)
