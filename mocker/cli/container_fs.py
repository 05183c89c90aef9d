"""``cp``, ``diff``, ``export``, ``commit``: a container's filesystem."""

from __future__ import annotations

import os

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.errors import InvalidArgument, MockerError


def _split(arg: str) -> tuple[str, str]:
    """docker/cli's splitCpArg: ``CONTAINER:PATH``, unless the path is explicit (``/x:y``, ``./x:y``)."""
    if arg.startswith("/"):
        return "", arg
    container, sep, path = arg.partition(":")
    if not sep or container.startswith("."):
        return "", arg
    return container, path


def _cp(ctx: Context, p: Parsed) -> int:
    from mocker.engine import container_fs
    from mocker.format.units import human_size_with_precision

    source, destination = p.args
    if not source:
        raise MockerError("source can not be empty")
    if not destination:
        raise MockerError("destination can not be empty")
    # Without -q, Docker reports progress only when its stdout is a terminal.
    quiet = p.quiet if p.changed("quiet") else not ctx.stdout_is_tty()
    src_container, src = _split(source)
    dst_container, dst = _split(destination)
    if src_container and dst_container:
        raise MockerError("copying between containers is not supported")
    if not src_container and not dst_container:
        raise MockerError("must specify at least one container source")
    store = ctx.store()
    if src_container:
        report = container_fs.copy_from_container(
            store, src_container, src, dst, follow_link=p.follow_link,
            out=ctx.binary_stdout() if dst == "-" else None,
        )
        if dst == "-":
            return 0
    else:
        report = container_fs.copy_to_container(
            store, dst_container, src, dst, follow_link=p.follow_link, copy_uid_gid=p.archive,
            stdin=ctx.binary_stdin() if src == "-" else None,
        )
    if not quiet:
        ctx.err(f"Successfully copied {human_size_with_precision(report.size, 3)} to {report.destination}")
    return 0


CP = Command(
    name="cp",
    usage="cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tmocker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
    summary="Copy files/folders between a container and the local filesystem", handler=_cp, min_args=2,
    max_args=2,
    flags=(
        Flag("archive", "a", help="Archive mode (copy all uid/gid information)"),
        Flag("follow-link", "L", help="Always follow symbol link in SRC_PATH"),
        Flag("quiet", "q", help="Suppress progress output during copy. Progress output is automatically "
                                "suppressed if no terminal is attached"),
    ),
)


def _diff(ctx: Context, p: Parsed) -> int:
    from mocker.engine import container_fs

    for change in container_fs.diff(ctx.store(), p.args[0]):
        ctx.out(f"{change.kind} {change.path}")
    return 0


DIFF = Command(
    name="diff", usage="diff CONTAINER",
    summary="Inspect changes to files or directories on a container's filesystem", handler=_diff,
    min_args=1, max_args=1,
)


def _check_output(path: str) -> None:
    """moby/sys/atomicwriter's validateDestination, wrapped as ``export -o`` wraps it."""
    import stat

    parent = os.path.dirname(path)
    if parent not in ("", ".", ".."):
        try:
            if not stat.S_ISDIR(os.stat(parent).st_mode):
                raise InvalidArgument(f"failed to export container: invalid output path: stat {parent}: "
                                      "not a directory")
        except OSError as e:
            raise InvalidArgument(f"failed to export container: invalid output path: stat {parent}: "
                                  f"{(e.strerror or str(e)).lower()}") from None
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise InvalidArgument("failed to export container: cannot write to a directory")
    if not stat.S_ISREG(mode):
        raise InvalidArgument("failed to export container: cannot write to a symbolic link directly"
                              if stat.S_ISLNK(mode) else "failed to export container: cannot write to a special file")


def _export(ctx: Context, p: Parsed) -> int:
    import tempfile

    from mocker.engine import container_fs

    if not p.output:
        if ctx.stdout_is_tty():
            raise InvalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
        container_fs.export(ctx.store(), p.args[0], ctx.binary_stdout())
        return 0
    _check_output(p.output)
    target = os.path.abspath(p.output)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(target), dir=os.path.dirname(target))
    try:
        with os.fdopen(fd, "wb") as f:
            container_fs.export(ctx.store(), p.args[0], f)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return 0


EXPORT = Command(
    name="export", usage="export [OPTIONS] CONTAINER",
    summary="Export a container's filesystem as a tar archive", handler=_export, min_args=1, max_args=1,
    flags=(Flag("output", "o", kind="str", metavar="string", help="Write to a file, instead of STDOUT"),),
)


def _commit(ctx: Context, p: Parsed) -> int:
    from mocker.engine.commit import commit

    image_id = commit(
        ctx.store(), p.args[0], reference=p.args[1] if len(p.args) > 1 else None, author=p.author or "",
        message=p.message or "", changes=list(p.change or []), pause=p.pause,
    )
    ctx.out(image_id)
    return 0


COMMIT = Command(
    name="commit", usage="commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
    summary="Create a new image from a container's changes", handler=_commit, min_args=1, max_args=2,
    interspersed=False,
    flags=(
        Flag("author", "a", kind="str", metavar="string",
             help='Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")'),
        Flag("change", "c", kind="list", metavar="list", help="Apply Dockerfile instruction to the created image"),
        Flag("message", "m", kind="str", metavar="string", help="Commit message"),
        Flag("pause", "p", default=True, help="Pause container during commit"),
    ),
)
