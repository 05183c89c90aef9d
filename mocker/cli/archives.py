"""``save``, ``load``, ``import``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.errors import InvalidArgument, UsageError


def _save(ctx: Context, p: Parsed) -> int:
    from mocker.engine.archives import save

    store = ctx.store()
    if p.output:
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
        raise UsageError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
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
            raise InvalidArgument(f"open {p.input}: {e.strerror}") from None
        with f:
            report = load_archive(store, f)
    else:
        if getattr(ctx.stdin, "isatty", lambda: False)():
            raise UsageError("requested load from stdin, but stdin is empty")
        report = load_archive(store, ctx.binary_stdin())
    # Like docker, -q only silences progress (mocker draws none); the result lines always print.
    for t in report.tags:
        ctx.out(f"Loaded image: {t}")
    for i in report.untagged_ids:
        ctx.out(f"Loaded image ID: {i}")
    return 0


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
    ref = p.args[1] if len(p.args) > 1 else None
    store = ctx.store()
    kwargs = dict(reference=ref, changes=p.change, message=p.message or "", platform=p.platform)
    if src == "-":
        image_id = import_rootfs(store, ctx.binary_stdin(), source_name="-", **kwargs)  # type: ignore[arg-type]
    elif src.startswith(("http://", "https://")):
        image_id = _import_url(ctx, src, kwargs)
    else:
        try:
            f = open(src, "rb")  # noqa: SIM115
        except OSError as e:
            raise InvalidArgument(f"open {src}: {e.strerror}") from None
        with f:
            image_id = import_rootfs(store, f, source_name=src, **kwargs)  # type: ignore[arg-type]
    ctx.out(image_id)
    return 0


def _import_url(ctx: Context, url: str, kwargs: dict[str, object]) -> str:
    import httpx

    from mocker.engine.archives import import_rootfs

    with tempfile.TemporaryFile() as tmp:
        try:
            with httpx.stream("GET", url, follow_redirects=True, timeout=60) as r:
                r.raise_for_status()
                for chunk in r.iter_bytes():
                    tmp.write(chunk)
        except httpx.HTTPError as e:
            raise InvalidArgument(f"failed to download {url}: {e}") from None
        tmp.seek(0)
        return import_rootfs(ctx.store(), tmp, source_name=url, **kwargs)  # type: ignore[arg-type]


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
