"""Container verbs on Apple's runtime: the CLI owns the containers, mocker keeps no records.

Every read asks ``container list --all --format json`` (so containers created outside mocker show
too, and nothing is shown alive that the runtime does not report). IDs are matched as Docker does —
exact ID, then a unique prefix — on the client, since the CLI matches whole IDs only. The builder
container (``buildkit``) is hidden, as Apple's own tables hide it.
"""

from __future__ import annotations

from mocker.errors import Conflict, ContainerNotFound, MockerError
from mocker.runtime.apple.cli import ContainerCLI
from mocker.runtime.apple.shapes import AppleContainer, container_from_json

TYPE_CHECKING = False   # start-up cost: typing, threading and the create options only where used
if TYPE_CHECKING:
    import threading
    from collections.abc import Collection, Sequence
    from typing import Any

    from mocker.engine.types.containers import ContainerCreateOptions


def list_containers(cli: ContainerCLI, *, all_: bool = True) -> list[AppleContainer]:
    docs = cli.json(["list", "--all", "--format", "json"])
    found = [container_from_json(d) for d in docs if isinstance(d, dict)]
    found = [c for c in found if not c.is_builder and (all_ or c.state in ("running", "stopping"))]
    # The CLI lists in no particular order: newest first, as docker ps.
    found.sort(key=lambda c: (-(c.created or c.started or 0), c.id))
    return found


def get(cli: ContainerCLI, name_or_id: str) -> AppleContainer:
    key = name_or_id.removeprefix("/")
    every = list_containers(cli)
    for c in every:
        if c.id == key:
            return c
    matches = [c for c in every if key and c.id.startswith(key)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise Conflict(f"multiple IDs found with provided prefix: {name_or_id}")
    raise ContainerNotFound(f"No such container: {name_or_id}")


def default_platform(opts: ContainerCreateOptions) -> str:
    from mocker.image.platform import host_platform, parse_platform

    p = parse_platform(opts.platform) if opts.platform else host_platform()
    return f"{p.os}/{p.architecture}" + (f"/{p.variant}" if p.variant else "")


def create(cli: ContainerCLI, opts: ContainerCreateOptions, *, given: Collection[str],
           root: str | None = None) -> str:
    """``docker create``: the container's ID (its name when given, else the runtime's UUID).

    An image only mocker's own store (at ``root``) holds is handed over first (engine/apple/handover)."""
    from mocker.engine.names import validate_name
    from mocker.runtime.apple.argv import create_argv

    if opts.name:
        validate_name(opts.name)
    platform = default_platform(opts)
    argv = create_argv(opts, given=given, platform=platform, at_least=cli.at_least)
    if opts.pull == "always":
        from mocker.engine.apple import images

        images.pull(cli, opts.image, platform=platform)
    else:
        from mocker.engine.apple.handover import to_apple

        if not to_apple(cli, opts.image, root=root) and opts.pull == "never":
            from mocker.engine.apple import images

            images.get(cli, opts.image)
    try:
        out = cli.call(argv, timeout=None).text.strip().splitlines()
    except MockerError as e:
        if opts.name and "already exists" in e.message and "hostname" not in e.message:
            raise Conflict(f'Conflict. The container name "/{opts.name}" is already in use by container '
                           f'"{opts.name}". You have to remove (or rename) that container to be able to reuse '
                           "that name.") from None
        raise
    if not out:
        raise MockerError("container create printed no container ID")
    return out[-1].strip()


def start_new(cli: ContainerCLI, cid: str) -> None:
    """Start a container just created (known to be stopped): no look-up first."""
    cli.call(["start", cid], timeout=None)


def start(cli: ContainerCLI, cid: str) -> None:
    c = get(cli, cid)
    if c.state in ("running", "stopping"):
        return
    cli.call(["start", c.id], timeout=None)


def start_attached(cli: ContainerCLI, cid: str, *, interactive: bool, stdin: int | None, stdout: Any,
                   stderr: Any) -> int:
    """``start --attach``: the process's exit status. A CLI failure (exit 1 with ``Error:`` on
    stderr, after the CLI already printed it) becomes exit 125, as a failed ``docker run`` does."""
    argv = ["start", "--attach", *(["--interactive"] if interactive else []), cid]
    code, tail = cli.stream(argv, stdin=stdin if interactive else None, stdout=stdout, stderr=stderr)
    if code == 1 and tail:
        from mocker.runtime.apple.cli import Result, ServiceNotRunning, translate_failure

        err = translate_failure(argv, Result(code, b"", tail))
        if isinstance(err, ServiceNotRunning):
            raise err
        raise RunFailed(err.message)
    return code


class RunFailed(MockerError):
    """The CLI failed to start the process; its message was already shown on stderr."""

    exit_code = 125
    shown = True


def stop(cli: ContainerCLI, cid: str, *, timeout: int | None = None, signal: str | None = None) -> str:
    c = get(cli, cid)
    if timeout is not None and timeout < 0:
        from mocker.runtime.apple.support import refuse

        raise refuse("stop --time -1", "the CLI always kills after a finite timeout")
    argv = ["stop", "--time", str(10 if timeout is None else timeout)]
    if signal:
        argv += ["--signal", signal]
    cli.call([*argv, c.id], timeout=None)
    return c.id


def kill(cli: ContainerCLI, cid: str, signal: str = "KILL") -> str:
    c = get(cli, cid)
    if c.state not in ("running", "stopping"):
        raise Conflict(f"cannot kill container: {cid}: container {c.id} is not running")
    cli.call(["kill", "--signal", signal, c.id])
    return c.id


def remove(cli: ContainerCLI, cid: str, *, force: bool = False) -> str:
    c = get(cli, cid)
    if c.state in ("running", "stopping") and not force:
        raise Conflict(f'cannot remove container "/{c.id}": container is running: stop the container '
                       "before removing or force remove")
    cli.call(["delete", *(["--force"] if force else []), c.id], timeout=None)
    return c.id


def restart(cli: ContainerCLI, cid: str, *, timeout: int | None = None, signal: str | None = None) -> str:
    """The CLI has no restart: stop (when running), then start — what Docker's restart does."""
    c = get(cli, cid)
    if c.state in ("running", "stopping"):
        stop(cli, c.id, timeout=timeout, signal=signal)
    cli.call(["start", c.id], timeout=None)
    return c.id


def logs(cli: ContainerCLI, cid: str, *, follow: bool, tail: int | None, stdout: Any, stderr: Any) -> int:
    """``logs [-f] [-n N]``. The runtime merges stdout and stderr into one log; ``-f`` never exits
    on its own there, so mocker ends it once the container has stopped (as ``docker logs -f``)."""
    c = get(cli, cid)
    argv = ["logs", *(["--follow"] if follow else []), *(["-n", str(tail)] if tail is not None else []), c.id]
    if not follow:
        code, last = cli.stream(argv, stdout=stdout, stderr=stderr)
        _check_stream(argv, code, last)
        return 0
    import threading

    done = threading.Event()
    watcher = threading.Thread(target=_watch_stop, args=(cli, c.id, done), daemon=True)
    watcher.start()
    try:
        code, last = cli.stream(argv, stdout=stdout, stderr=stderr, stop=done)
    finally:
        done.set()
    if code not in (0, -15, 130, 143):
        _check_stream(argv, code, last)
    return 0


def _watch_stop(cli: ContainerCLI, cid: str, done: threading.Event, interval: float = 0.5) -> None:
    while not done.wait(interval):
        try:
            state = get(cli, cid).state
        except MockerError:
            state = "gone"
        if state not in ("running", "stopping"):
            done.wait(interval)         # let the last lines reach the log
            done.set()
            return


def _check_stream(argv: Sequence[str], code: int, last: str) -> None:
    if code != 0:
        from mocker.runtime.apple.cli import Result, translate_failure

        raise translate_failure(argv, Result(code, b"", last or f"Error: exit status {code}"))


def exec_(cli: ContainerCLI, cid: str, command: Sequence[str], *, env: Sequence[str], workdir: str, user: str,
          tty: bool, interactive: bool, detach: bool, stdin: int | None, stdout: Any, stderr: Any) -> int:
    c = get(cli, cid)
    if c.state != "running":
        raise Conflict(f"container {c.id} is not running")
    argv = ["exec"]
    if detach:
        if not cli.at_least(0, 7):
            from mocker.runtime.apple.support import refuse

            raise refuse("exec --detach", "needs container 0.7 or newer")
        argv.append("--detach")
    if interactive:
        argv.append("--interactive")
    if tty:
        argv.append("--tty")
    for e in env:
        argv += ["--env", e]
    if workdir:
        argv += ["--workdir", workdir]
    if user:
        argv += ["--user", user]
    argv += [c.id, *command]
    if detach:
        cli.call(argv)
        return 0
    code, tail = cli.stream(argv, stdin=stdin if interactive else None, stdout=stdout, stderr=stderr)
    if code == 1 and tail:
        raise RunFailed(tail.removeprefix("Error: "))
    return code


def copy(cli: ContainerCLI, src: str, dst: str) -> None:
    """``cp``: one side is ``CONTAINER:PATH`` (the CLI needs 1.0 and a running container)."""
    from mocker.runtime.apple.support import refuse

    if not cli.at_least(1, 0):
        raise refuse("cp", "needs container 1.0 or newer")
    if src == "-" or dst == "-":
        raise refuse("cp with '-' (tar streams)", "the CLI copies files and directories, not tar streams")
    s_ctr, s_path = _split_cp(src)
    d_ctr, d_path = _split_cp(dst)
    if (s_ctr is None) == (d_ctr is None):
        raise MockerError("copying between containers is not supported" if s_ctr else
                          "must specify at least one container source")
    ctr = s_ctr if s_ctr is not None else d_ctr
    assert ctr is not None  # noqa: S101 - one side is a container (checked above)
    c = get(cli, ctr)
    if c.state != "running":
        raise refuse("cp with a stopped container", "the CLI copies into and out of running containers only")
    a = f"{c.id}:{s_path}" if s_ctr is not None else s_path
    b = f"{c.id}:{d_path}" if d_ctr is not None else d_path
    cli.call(["copy", a, b], timeout=None)


def _split_cp(arg: str) -> tuple[str | None, str]:
    if arg.startswith(("/", ".")) or ":" not in arg:
        return None, arg
    ctr, _, path = arg.partition(":")
    return ctr, path


def export(cli: ContainerCLI, cid: str, *, output: str | None, stdout: Any) -> None:
    c = get(cli, cid)
    if not cli.at_least(0, 10):
        from mocker.runtime.apple.support import refuse

        raise refuse("export", "needs container 0.10 or newer")
    if output:
        cli.call(["export", "--output", output, c.id], timeout=None)
        return
    code, last = cli.stream(["export", c.id], stdout=stdout, stderr=None)
    _check_stream(["export"], code, last)


def stats(cli: ContainerCLI, ids: Sequence[str]) -> list[dict[str, Any]]:
    if not cli.at_least(0, 7):
        from mocker.runtime.apple.support import refuse

        raise refuse("stats", "needs container 0.7 or newer")
    chosen = [get(cli, i).id for i in ids] if ids else [c.id for c in list_containers(cli, all_=False)]
    if not chosen:
        return []
    docs = cli.json(["stats", "--no-stream", "--format", "json", *chosen])
    return [d for d in docs if isinstance(d, dict)]


def prune(cli: ContainerCLI) -> list[str]:
    """Remove stopped containers (client side, so a builder or a machine is never touched)."""
    removed = []
    for c in list_containers(cli):
        if c.state == "stopped":
            cli.call(["delete", c.id], timeout=None)
            removed.append(c.id)
    return removed
