"""``save``, ``load``, ``import``."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.errors import InvalidArgument


def _check_output_path(path: str) -> None:
    """docker/cli's ``ValidateOutputPath``, wrapped as ``save`` wraps it."""
    import stat

    parent = os.path.dirname(os.path.normpath(path))
    if parent not in ("", ".") and not os.path.exists(parent):
        raise InvalidArgument(f'failed to save image: invalid output path: directory "{parent}" does not exist')
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as e:
        raise InvalidArgument(f"failed to save image: {path}: {(e.strerror or str(e)).lower()}") from None
    if stat.S_ISDIR(mode):
        raise InvalidArgument(f'failed to save image: invalid output path: "{path}" is a directory')
    if not stat.S_ISREG(mode):
        raise InvalidArgument(
            f'failed to save image: invalid output path: "{path}" must be a directory or a regular file'
        )


def _save(ctx: Context, p: Parsed) -> int:
    from mocker.engine.archives import save

    store = ctx.store()
    if p.output:
        _check_output_path(p.output)
        target = Path(p.output)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent if str(target.parent) else ".")
        try:
            with os.fdopen(fd, "wb") as f:
                save(store, p.args, f)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return 0
    if ctx.stdout_is_tty():
        # docker/cli's message; a plain error (exit 1), not a flag error.
        raise InvalidArgument("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    out = ctx.binary_stdout()
    save(store, p.args, out)
    out.flush()
    return 0


SAVE = Command(
    name="save", usage="save [OPTIONS] IMAGE [IMAGE...]",
    summary="Save one or more images to a tar archive (streamed to STDOUT by default)", handler=_save,
    min_args=1,
    flags=(
        Flag("output", "o", kind="str", metavar="string", help="Write to a file, instead of STDOUT"),
        Flag("platform", kind="list", unsupported="saving a subset of an index's platforms is not implemented"),
    ),
)


def _load(ctx: Context, p: Parsed) -> int:
    from mocker.engine.archives import load_archive

    store = ctx.store()
    if p.input:
        try:
            f = open(p.input, "rb")  # noqa: SIM115
        except OSError as e:
            raise InvalidArgument(f"open {p.input}: {_go_strerror(e)}") from None
        with f:
            report = load_archive(store, f)
    else:
        if _is_tty(ctx.stdin):
            # docker/cli's message; a plain error (exit 1), not a flag error.
            raise InvalidArgument("requested load from stdin, but stdin is empty")
        report = load_archive(store, ctx.binary_stdin())
    # Like docker, -q only silences progress (mocker draws none); the result lines always print.
    for line in report.lines:
        ctx.out(line)
    return 0


def _is_tty(stream: object) -> bool:
    try:
        return bool(getattr(stream, "isatty", lambda: False)())
    except (ValueError, OSError):
        return False


def _go_strerror(e: OSError) -> str:
    """Go spells errno texts in lower case ("no such file or directory")."""
    text = e.strerror or str(e)
    return text[:1].lower() + text[1:]


LOAD = Command(
    name="load", usage="load [OPTIONS]", summary="Load an image from a tar archive or STDIN", handler=_load,
    max_args=0,
    flags=(
        Flag("input", "i", kind="str", metavar="string", help="Read from tar archive file, instead of STDIN"),
        Flag("quiet", "q", help="Suppress the load output"),
        Flag("platform", kind="list", unsupported="loading a subset of an index's platforms is not implemented"),
    ),
)


def _import(ctx: Context, p: Parsed) -> int:
    from mocker.engine.archives import import_rootfs

    src = p.args[0]
    run = functools.partial(
        import_rootfs, ctx.store(), reference=p.args[1] if len(p.args) > 1 else None,
        changes=list(p.change or []), message=p.message or "", platform=p.platform,
    )
    if src == "-":
        image_id = run(ctx.binary_stdin(), source_name="-")
    elif src.startswith(("http://", "https://")):
        image_id = _import_url(src, run)
    else:
        try:
            f = open(src, "rb")  # noqa: SIM115
        except OSError as e:
            raise InvalidArgument(f"open {src}: {_go_strerror(e)}") from None
        with f:
            # The docker CLI streams a local file to the daemon as "-", so that is its source name.
            image_id = run(f, source_name="-")
    ctx.out(image_id)
    return 0


def _import_url(url: str, run: Callable[..., str]) -> str:
    import httpx

    with tempfile.TemporaryFile() as tmp:
        try:
            with httpx.stream("GET", url, follow_redirects=True, timeout=60) as r:
                if r.status_code >= 400:
                    # moby's remotecontext.GetWithStatusError, without the body.
                    raise InvalidArgument(f"failed to GET {url} with status {r.status_code} {r.reason_phrase}")
                for chunk in r.iter_bytes():
                    tmp.write(chunk)
        except httpx.HTTPError as e:
            text = " ".join(str(e).split()) or type(e).__name__
            raise InvalidArgument(f"failed to download {url}: {text}") from None
        tmp.seek(0)
        return run(tmp, source_name=url)


IMPORT = Command(
    name="import", usage="import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
    summary="Import the contents from a tarball to create a filesystem image", handler=_import,
    min_args=1, max_args=2,
    flags=(
        Flag("change", "c", kind="list", metavar="list", help="Apply Dockerfile instruction to the created image"),
        Flag("message", "m", kind="str", metavar="string", help="Set commit message for imported image"),
        Flag("platform", kind="str", metavar="string", help="Set platform if server is multi-platform capable"),
    ),
)
