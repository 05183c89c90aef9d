"""``run``, ``create``, ``start``, ``stop``, ``restart``, ``kill``, ``rm``, ``wait``, ``rename``,
``pause``, ``unpause`` and the hidden ``container cleanup`` that conmon runs when a process exits."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

from mocker.cli.command import Command, Context
from mocker.cli.container_flags import CREATE_FLAGS, RUN_FLAGS
from mocker.cli.flags import Flag, Parsed
from mocker.errors import ContainerNotFound, MockerError

if TYPE_CHECKING:
    from mocker.engine.types.containers import ContainerCreateOptions
    from mocker.store.images import ImageRecord
    from mocker.store.store import Store


def _as_125(e: MockerError) -> MockerError:
    """run/create/start-before-run failures exit 125 (126/127 when the command cannot run), as Docker."""
    if e.exit_code not in (126, 127):
        e.exit_code = 125
    return e


def _ensure_image(ctx: Context, store: Store, opts: ContainerCreateOptions) -> ImageRecord:
    from mocker.engine.image_platforms import find_for_platform

    rec = find_for_platform(store, opts.image, opts.platform)
    if rec is not None and opts.pull != "always":
        return rec
    from mocker.cli.progress import ProgressPrinter
    from mocker.engine.distribution import pull
    from mocker.image.reference import parse_reference

    if opts.pull == "never" and rec is None:
        raise MockerError(f"No such image: {opts.image}" + (f" for platform {opts.platform}" if opts.platform else ""))
    ref = parse_reference(opts.image)
    if rec is None:
        ctx.err(f"Unable to find image '{ref.familiar()}' locally")
    printer = ProgressPrinter(ctx.stderr, tty=False, quiet=opts.quiet)
    printer.line(f"{ref.tag or ref.digest}: Pulling from {ref.repository_path}")
    results = pull(store, opts.image, platform=opts.platform, progress=printer)
    for r in results:
        printer.line(f"Digest: {r.digest}")
        printer.line(f"Status: {'Downloaded newer image for' if r.updated else 'Image is up to date for'} "
                     f"{r.familiar}")
    rec = find_for_platform(store, opts.image, opts.platform)
    if rec is None:
        raise MockerError(f"No such image: {opts.image}")
    return rec


def _create(ctx: Context, p: Parsed, command: str) -> tuple[Store, Any, ContainerCreateOptions]:
    from mocker.cli.container_flags import parse_run
    from mocker.engine.container_create import create

    try:
        opts = parse_run(p, command=command)
        store = ctx.store()
        image = _ensure_image(ctx, store, opts)
        rec = create(store, opts, image)
    except MockerError as e:
        raise _as_125(e) from None
    if opts.network_mode == "host" and (opts.publish or opts.publish_all):
        ctx.err("WARNING: Published ports are discarded when using host network mode")   # as dockerd says
    return store, rec, opts


def _create_cmd(ctx: Context, p: Parsed) -> int:
    _, rec, _ = _create(ctx, p, "create")
    ctx.out(rec.id)
    return 0


CREATE = Command(
    name="create", usage="create [OPTIONS] IMAGE [COMMAND] [ARG...]", summary="Create a new container",
    handler=_create_cmd, flags=CREATE_FLAGS, min_args=1, interspersed=False,
)


def _run(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    store, rec, opts = _create(ctx, p, "run")
    if opts.detach:
        try:
            containers.start(store, rec.id)
        except MockerError as e:
            raise _as_125(e) from None
        ctx.out(rec.id)
        return 0
    return _attached(ctx, store, rec, stdin=opts.open_stdin and opts.attach_stdin, tty=opts.tty,
                     sig_proxy=opts.sig_proxy, detach_keys=opts.detach_keys, auto_remove=opts.auto_remove,
                     stdout=opts.attach_stdout, stderr=opts.attach_stderr)


def _attached(ctx: Context, store: Store, rec: Any, *, stdin: bool, tty: bool, sig_proxy: bool,
              detach_keys: str | None, auto_remove: bool, stdout: bool = True, stderr: bool = True) -> int:
    from mocker.engine import cleanup_handoff, containers
    from mocker.runtime.linux import attach as term

    in_fd = _fileno(ctx.stdin) if stdin else None
    # -a picks the streams to attach; the others still go to the container's log.
    out = _sink(ctx.stdout) if stdout else None
    err = _sink(ctx.stderr) if stderr else None
    keys = term.parse_detach_keys(detach_keys) if detach_keys else term.DEFAULT_DETACH_KEYS
    tty_fd = in_fd if (tty and in_fd is not None and os.isatty(in_fd)) else None
    if tty and in_fd is not None and tty_fd is None:
        raise _as_125(MockerError("the input device is not a TTY"))
    cleanup_tty: list[Any] = []

    def on_start(rt: Any) -> None:
        if tty_fd is not None:
            size = term.terminal_size(tty_fd)
            if size:
                rt.resize(rec.id, *size)
        if sig_proxy and not tty:
            proxy = term.forward_signals(lambda s: rt.kill(rec.id, s))
            proxy.__enter__()
            cleanup_tty.append(lambda: proxy.__exit__(None, None, None))

    lock = cleanup_handoff.hold(store, rec.id)
    with lock:
        try:
            if tty_fd is not None:
                with term.raw_terminal(tty_fd):
                    code = containers.run_attached(store, rec, stdin=in_fd, stdout=out, stderr=err,
                                                   detach_keys=keys, on_tty=on_start)
            else:
                code = containers.run_attached(store, rec, stdin=in_fd, stdout=out, stderr=err,
                                               detach_keys=keys, on_tty=on_start)
        except MockerError as e:
            raise _as_125(e) from None
        finally:
            for undo in cleanup_tty:
                if callable(undo):
                    undo()
    if code is None:
        return 0  # detached: the container keeps running
    if auto_remove:
        try:
            containers.remove(store, rec.id, force=True, volumes_too=True)
        except MockerError:
            pass
    return code


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def _sink(stream: Any) -> Any:
    """A binary writer for container output: the real fd when there is one, else the text stream."""
    fd = _fileno(stream)
    if fd is not None:
        stream.flush()
        return fd
    return lambda data: (stream.write(data.decode(errors="replace")), stream.flush())


RUN = Command(
    name="run", usage="run [OPTIONS] IMAGE [COMMAND] [ARG...]",
    summary="Create and run a new container from an image", handler=_run, flags=RUN_FLAGS, min_args=1,
    interspersed=False,
)


def _each(ctx: Context, names: list[str], fn: Any) -> int:
    failed = 0
    for n in names:
        try:
            fn(n)
            ctx.out(n)
        except MockerError as e:
            ctx.err(f"Error: {e}")
            failed = 1
    return failed


def _start(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    store = ctx.store()
    if p.attach or p.interactive:
        if len(p.args) > 1:
            raise MockerError("you cannot start and attach multiple containers at once")
        rec = containers.get(store, p.args[0])
        if rec.status in ("running", "paused"):
            raise MockerError(f"cannot attach: container {rec.name} is already running (use 'mocker attach')")
        spec = rec.config["spec"]
        return _attached(ctx, store, rec, stdin=bool(p.interactive and spec.get("open_stdin")),
                         tty=bool(spec.get("tty")), sig_proxy=True, detach_keys=p.detach_keys, auto_remove=bool(
                             (rec.config.get("options") or {}).get("auto_remove")))
    return _each(ctx, p.args, lambda n: containers.start(store, n))


START = Command(
    name="start", usage="start [OPTIONS] CONTAINER [CONTAINER...]", summary="Start one or more stopped containers",
    handler=_start, min_args=1,
    flags=(
        Flag("attach", "a", help="Attach STDOUT/STDERR and forward signals"),
        Flag("interactive", "i", help="Attach container's STDIN"),
        Flag("detach-keys", kind="str", metavar="string", help="Override the key sequence for detaching a container"),
        Flag("checkpoint", kind="str", unsupported="checkpoint/restore (CRIU) is not implemented"),
        Flag("checkpoint-dir", kind="str", unsupported="checkpoint/restore (CRIU) is not implemented"),
    ),
)

STOP_FLAGS = (
    Flag("signal", "s", kind="str", metavar="string", help="Signal to send to the container"),
    Flag("time", "t", kind="int", metavar="int", help="Seconds to wait before killing the container"),
    Flag("timeout", kind="int", hidden=True, help="Seconds to wait before killing the container (deprecated)"),
)


def _stop(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    t = p.time if p.time is not None else p.timeout
    return _each(ctx, p.args, lambda n: containers.stop(ctx.store(), n, timeout=t, signal=p.signal))


STOP = Command(name="stop", usage="stop [OPTIONS] CONTAINER [CONTAINER...]", summary="Stop one or more running "
               "containers", handler=_stop, min_args=1, flags=STOP_FLAGS)


def _restart(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    t = p.time if p.time is not None else p.timeout
    return _each(ctx, p.args, lambda n: containers.restart(ctx.store(), n, timeout=t, signal=p.signal))


RESTART = Command(name="restart", usage="restart [OPTIONS] CONTAINER [CONTAINER...]",
                  summary="Restart one or more containers", handler=_restart, min_args=1, flags=STOP_FLAGS)


def _kill(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    return _each(ctx, p.args, lambda n: containers.kill(ctx.store(), n, p.signal or "KILL"))


KILL = Command(name="kill", usage="kill [OPTIONS] CONTAINER [CONTAINER...]",
               summary="Kill one or more running containers", handler=_kill, min_args=1,
               flags=(Flag("signal", "s", kind="str", metavar="string", help="Signal to send to the container"),))


def _rm(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    return _each(ctx, p.args, lambda n: containers.remove(ctx.store(), n, force=p.force, volumes_too=p.volumes))


RM = Command(
    name="rm", usage="rm [OPTIONS] CONTAINER [CONTAINER...]", summary="Remove one or more containers",
    handler=_rm, min_args=1,
    flags=(
        Flag("force", "f", help="Force the removal of a running container (uses SIGKILL)"),
        Flag("volumes", "v", help="Remove anonymous volumes associated with the container"),
        Flag("link", "l", unsupported="legacy container links are not implemented"),
    ),
)


def _wait(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    failed = 0
    for n in p.args:
        try:
            ctx.out(str(containers.wait(ctx.store(), n)))
        except MockerError as e:
            ctx.err(f"Error: {e}")
            failed = 1
    return failed


WAIT = Command(name="wait", usage="wait CONTAINER [CONTAINER...]",
               summary="Block until one or more containers stop, then print their exit codes", handler=_wait,
               min_args=1)


def _rename(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    containers.rename(ctx.store(), p.args[0], p.args[1])
    return 0


RENAME = Command(name="rename", usage="rename CONTAINER NEW_NAME", summary="Rename a container", handler=_rename,
                 min_args=2, max_args=2)


def _pause(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    return _each(ctx, p.args, lambda n: containers.pause(ctx.store(), n))


def _unpause(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    return _each(ctx, p.args, lambda n: containers.unpause(ctx.store(), n))


PAUSE = Command(name="pause", usage="pause CONTAINER [CONTAINER...]",
                summary="Pause all processes within one or more containers", handler=_pause, min_args=1)
UNPAUSE = Command(name="unpause", usage="unpause CONTAINER [CONTAINER...]",
                  summary="Unpause all processes within one or more containers", handler=_unpause, min_args=1)


def _cleanup(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    if os.environ.get("MOCKER_CLEANUP_DETACHED") != "1":
        # conmon runs this as its exit command and does not let it live long (a cleanup that waits
        # for a container lock, or a restart back-off, would be killed): hand over to a process of
        # its own session and return at once.
        import subprocess

        subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
            [sys.executable, "-m", "mocker", "--root", str(ctx.store().paths.root), "container", "cleanup",
             p.args[0]], env={**os.environ, "MOCKER_CLEANUP_DETACHED": "1"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        return 0
    store = ctx.store()
    try:
        containers.cleanup(store, p.args[0])
    except ContainerNotFound:
        return 0    # removed meanwhile (e.g. by the attached `run --rm` that read the exit code)
    except MockerError as e:
        # conmon discards the exit command's output: keep the reason where an operator can find it.
        import time

        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} cleanup {p.args[0]}: {e}\n"
        with open(store.paths.run / "cleanup-errors.log", "a") as f:
            f.write(line)
        print(f"mocker container cleanup: {e}", file=sys.stderr)
        return 1
    return 0


CLEANUP = Command(name="container cleanup", usage="container cleanup CONTAINER",
                  summary="Record a container's exit and apply its restart policy (run by conmon)",
                  handler=_cleanup, min_args=1, max_args=1)


def _restart_policy(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers

    containers.restart_later(ctx.store(), p.args[0])
    return 0


RESTART_POLICY = Command(name="container restart-policy", usage="container restart-policy CONTAINER",
                         summary="Wait out the restart back-off, then start the container (run by cleanup)",
                         handler=_restart_policy, min_args=1, max_args=1)


def _attach(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers
    from mocker.runtime.linux import attach as term

    store = ctx.store()
    rec = containers.get(store, p.args[0])
    if rec.status == "paused":
        raise MockerError("You cannot attach to a paused container, unpause it first")
    if rec.status != "running":
        raise MockerError("You cannot attach to a stopped container, start it first")
    spec = rec.config["spec"]
    tty = bool(spec.get("tty"))
    in_fd = None if p.no_stdin or not spec.get("open_stdin") else _fileno(ctx.stdin)
    keys = term.parse_detach_keys(p.detach_keys) if p.detach_keys else term.DEFAULT_DETACH_KEYS
    rt = containers.runtime_for(store, (rec.config.get("options") or {}).get("runtime"))
    undo: list[Any] = []
    if p.sig_proxy and not tty:
        proxy = term.forward_signals(lambda s: rt.kill(rec.id, s))
        proxy.__enter__()
        undo.append(lambda: proxy.__exit__(None, None, None))
    try:
        if tty and in_fd is not None and os.isatty(in_fd):
            size = term.terminal_size(in_fd)
            if size:
                rt.resize(rec.id, *size)
            with term.raw_terminal(in_fd):
                result = rt.attach(rec.id, stdin=in_fd, stdout=_sink(ctx.stdout), stderr=_sink(ctx.stderr),
                                   detach_keys=keys)
        else:
            result = rt.attach(rec.id, stdin=in_fd, stdout=_sink(ctx.stdout), stderr=_sink(ctx.stderr),
                               detach_keys=keys)
    finally:
        for u in undo:
            u()
    if result.detached:
        return 0
    return containers.wait(store, rec.id)


ATTACH = Command(
    name="attach", usage="attach [OPTIONS] CONTAINER",
    summary="Attach local standard input, output, and error streams to a running container", handler=_attach,
    min_args=1, max_args=1,
    flags=(
        Flag("detach-keys", kind="str", metavar="string", help="Override the key sequence for detaching a container"),
        Flag("no-stdin", help="Do not attach STDIN"),
        Flag("sig-proxy", default=True, help="Proxy all received signals to the process"),
    ),
)


def _prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm
    from mocker.engine.container_prune import PruneFilter, prune
    from mocker.format.units import human_size

    PruneFilter(p.filter)  # bad filters fail before the prompt
    if not p.force and not confirm(ctx, "WARNING! This will remove all stopped containers."):
        return 0
    report = prune(ctx.store(), p.filter)
    for e in report.errors:
        ctx.err(f"Error: {e}")
    if report.deleted:
        ctx.out("Deleted Containers:")
        for d in report.deleted:
            ctx.out(d)
        ctx.out("")
    ctx.out(f"Total reclaimed space: {human_size(report.reclaimed)}")
    return 0


PRUNE = Command(
    name="container prune", usage="container prune [OPTIONS]", summary="Remove all stopped containers",
    handler=_prune, max_args=0,
    flags=(
        Flag("filter", kind="list", metavar="filter", help='Provide filter values (e.g. "until=<timestamp>")'),
        Flag("force", "f", help="Do not prompt for confirmation"),
    ),
)
