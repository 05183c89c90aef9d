"""``mocker`` entry point: argv -> command -> exit code.

The one place where errors become exit codes (Docker's ``getExitCode``): flag errors and
``NotSupported`` exit 125, other failed commands 1, a container's own status passes through as the
handler's return value. A traceback is printed only with ``--debug``.
"""

from __future__ import annotations

import os
import sys

from mocker import __version__
from mocker.cli.command import Context
from mocker.cli.commands import COMMANDS, GROUPS, NOT_YET, UNSUPPORTED
from mocker.cli.flags import Flag, format_flags, parse
from mocker.errors import MockerError, NotSupported, UsageError

# Start-up cost: annotations only; ``typing`` (~10 ms with ``re``) stays out of every run.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO, Any, TextIO

    from mocker.cli.command import Command

HELP = Flag("help", "h", help="Print usage")

GLOBAL_FLAGS: tuple[Flag, ...] = (
    Flag("root", kind="str", metavar="string", help="Root directory of the store (env MOCKER_ROOT)"),
    Flag("debug", "D", help="Enable debug mode (tracebacks on errors)"),
    Flag("log-level", "l", kind="str", default="info", metavar="string", help="Set the logging level"),
    Flag("version", "v", help="Print version information and quit"),
    Flag("config", kind="str", metavar="string", help="Location of client config files (env DOCKER_CONFIG)"),
    Flag("host", "H", kind="list", metavar="list",
         unsupported="mocker is daemonless and works on its local store; there is no daemon to connect to"),
    Flag("context", "c", kind="str", unsupported="mocker has no contexts"),
    Flag("tls", unsupported="there is no daemon connection to secure"),
    Flag("tlsverify", unsupported="there is no daemon connection to secure"),
    Flag("tlscacert", kind="str", unsupported="there is no daemon connection to secure"),
    Flag("tlscert", kind="str", unsupported="there is no daemon connection to secure"),
    Flag("tlskey", kind="str", unsupported="there is no daemon connection to secure"),
    HELP,
)


def _load(target: str) -> Command:
    module, attr = target.split(":")
    # __import__ with a fromlist gives the module itself, as importlib.import_module does, without
    # importing the importlib package (and warnings) on every command.
    cmd: Command = getattr(__import__(module, fromlist=[attr]), attr)
    return cmd


def _resolve(words: list[str]) -> tuple[str | None, list[str]]:
    """Longest command name that prefixes ``words``."""
    if len(words) >= 2:
        two = f"{words[0]} {words[1]}"
        if two in COMMANDS:
            return two, words[2:]
    if words and words[0] in COMMANDS:
        return words[0], words[1:]
    return None, words


def _backend() -> Any:
    """The command table of a non-default backend (``mocker/cli/apple``), or None for Linux's own."""
    from mocker.engine.backends import select

    selection = select()
    if selection.name == "linux":
        return None
    from mocker.cli.apple import for_selection

    return for_selection(selection)


def _main_help() -> str:
    names = sorted({k.split()[0] for k in COMMANDS})
    lines = [
        "Usage:  mocker [OPTIONS] COMMAND",
        "",
        "A daemonless, Docker-compatible container tool",
        "",
        "Commands:",
    ]
    for n in names:
        lines.append(f"  {n}")
    lines.append("")
    lines.append("Management Commands:")
    for g, text in sorted(GROUPS.items()):
        lines.append(f"  {g.ljust(12)}{text}")
    lines += ["", "Global Options:", format_flags(GLOBAL_FLAGS), "",
              "Run 'mocker COMMAND --help' for more information on a command."]
    return "\n".join(lines)


def _group_help(group: str) -> str:
    subs = sorted(k.split(" ", 1)[1] for k in COMMANDS if k.startswith(group + " "))
    lines = [f"Usage:  mocker {group} COMMAND", "", GROUPS.get(group, ""), "", "Commands:"]
    lines += [f"  {s}" for s in subs]
    lines += ["", f"Run 'mocker {group} COMMAND --help' for more information on a command."]
    return "\n".join(lines)


def _command_help(cmd: Command, flags: tuple[Flag, ...]) -> str:
    return "\n".join([
        f"Usage:  mocker {cmd.usage}", "", cmd.summary, "",
        "Options:", format_flags(flags),
    ])


def run(argv: Sequence[str], ctx: Context) -> int:
    glob = parse(argv, GLOBAL_FLAGS, interspersed=False)
    ctx.debug = bool(glob.debug)
    if glob.root:
        ctx.root = glob.root
    if glob.config:
        os.environ["DOCKER_CONFIG"] = glob.config
    if glob.version:
        ctx.out(f"mocker version {__version__}")
        return 0
    words = glob.args
    if not words or glob.help:
        ctx.out(_main_help())
        return 0
    backend = _backend()
    name, rest = backend.resolve(words) if backend is not None else _resolve(words)
    if name is None:
        first = words[0]
        two = " ".join(words[:2])
        if first in UNSUPPORTED:
            raise NotSupported(f"'mocker {first}'", UNSUPPORTED[first])
        if two in NOT_YET or first in NOT_YET:
            what = two if two in NOT_YET else first
            raise NotSupported(f"'mocker {what}'", "not implemented yet in this version")
        if first in GROUPS and (len(words) == 1 or words[1] in ("--help", "-h")):
            ctx.out(_group_help(first))
            return 0
        if first in GROUPS:
            ctx.err(f"mocker: '{words[1]}' is not a mocker {first} command.\nSee 'mocker {first} --help'")
            return 1
        ctx.err(f"mocker: '{first}' is not a mocker command.\nSee 'mocker --help'")
        return 1
    cmd = backend.load(name) if backend is not None else _load(COMMANDS[name])
    try:
        # Tables that declare their own "help" (run/create, where -h is --hostname) keep it.
        flags = cmd.flags if any(f.long == "help" for f in cmd.flags) else (*cmd.flags, HELP)
        parsed = parse(rest, flags, interspersed=cmd.interspersed)
    except UsageError as e:
        e.command = name
        raise
    if parsed.help:
        ctx.out(_command_help(cmd, flags))
        return 0
    cmd.check_args(parsed.args)
    result = cmd.handler(ctx, parsed)
    return int(result or 0)


_quick_exit = False  # what the last main() run's handler said about teardown (Context.quick_exit)


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: IO[Any] | None = None,
) -> int:
    ctx = Context(stdout=stdout or sys.stdout, stderr=stderr or sys.stderr, stdin=stdin or sys.stdin)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return run(args, ctx)
    except KeyboardInterrupt:
        ctx.err("")
        return 130
    except BrokenPipeError:
        return 141
    except UsageError as e:
        if type(e).__name__ == "ArgumentCountError" or e.command is None and "\n" in e.message:
            ctx.err(e.message)
        elif e.command is not None:
            ctx.err(f"{e.message}\nSee 'mocker {e.command} --help'.")
        else:
            ctx.err(f"{e.message}\nSee 'mocker --help'.")
        if ctx.debug:
            import traceback

            traceback.print_exc(file=ctx.stderr)
        return e.exit_code
    except MockerError as e:
        ctx.err(f"Error: {e.message}")
        if ctx.debug:
            import traceback

            traceback.print_exc(file=ctx.stderr)
        return e.exit_code
    except OSError as e:
        # Filesystem and process errors met outside a translating layer: one line, like Docker's CLI.
        ctx.err(f"Error: {e.strerror or e}" + (f": {e.filename}" if e.filename else ""))
        if ctx.debug:
            import traceback

            traceback.print_exc(file=ctx.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - the one catch site: never a traceback without --debug
        ctx.err(f"Error: internal error: {type(e).__name__}: {e} (run with --debug for details)")
        if ctx.debug:
            import traceback

            traceback.print_exc(file=ctx.stderr)
        return 1
    finally:
        store = ctx._store
        if store is not None:
            store.close()
        global _quick_exit
        _quick_exit = ctx.quick_exit


def entry() -> None:
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 141
    else:
        if _quick_exit and _nothing_to_tear_down():
            # Teardown (freeing every module, a last GC) costs ~5 ms of a ~30 ms cached rebuild;
            # with no exit handler, no thread and the handler's files closed, it has nothing to do.
            try:
                sys.stderr.flush()
            finally:
                os._exit(code)
    sys.exit(code)


def _nothing_to_tear_down() -> bool:
    """No ``atexit`` handler (coverage, tempfile's finalizers, ...) and no ``threading`` (its
    shutdown joins threads; ``subprocess`` imports it), so ``os._exit`` skips nothing that acts."""
    import atexit

    return atexit._ncallbacks() == 0 and "threading" not in sys.modules
