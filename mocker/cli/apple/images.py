"""Image commands on the apple backend, and ``build`` through ``container build``."""

from __future__ import annotations

from mocker.cli.apple.common import container_cli, sink
from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.engine.apple import images as engine
from mocker.errors import MockerError, NotFound
from mocker.runtime.apple.support import flag_name, refuse

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _refuse(p: Parsed, table: dict[str, str]) -> None:
    for dest, reason in table.items():
        if p.changed(dest) and p.values.get(dest):
            raise refuse(flag_name(dest), reason)


def images(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_formatted
    from mocker.format.units import human_duration, human_size
    from mocker.runtime.apple.shapes import short_reference

    _refuse(p, {"filter": "image filters are not implemented for the apple backend yet"})
    import time

    rows = []
    for img in engine.list_images(container_cli()):
        repo, tag = short_reference(img.reference)
        if p.args and not _repo_match(p.args[0], repo, tag):
            continue
        digest = img.digest
        short = digest if p.no_trunc else digest.removeprefix("sha256:")[:12]
        rows.append({
            "Repository": repo, "Tag": tag, "ID": short, "Digest": digest,
            "CreatedSince": (human_duration(time.time() - img.created) + " ago") if img.created else "N/A",
            "CreatedAt": "", "Size": human_size(img.size) if img.size is not None else (img.size_text or "N/A"),
            "Containers": "N/A", "SharedSize": "N/A", "UniqueSize": "N/A", "VirtualSize": "N/A",
        })
    if p.quiet:
        for r in dict.fromkeys(r["ID"] for r in rows):
            ctx.out(r)
        return 0
    cols = ("{{.Repository}}\t{{.Tag}}\t" + ("{{.Digest}}\t" if p.digests else "")
            + "{{.ID}}\t{{.CreatedSince}}\t{{.Size}}")
    headers = {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Digest": "DIGEST",
               "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS",
               "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "VirtualSize": "VIRTUAL SIZE"}
    print_formatted(ctx, rows, p.format, default="table " + cols, headers=headers)
    return 0


def _repo_match(pattern: str, repo: str, tag: str) -> bool:
    want_repo, _, want_tag = pattern.partition(":")
    import fnmatch

    return fnmatch.fnmatchcase(repo, want_repo) and (not want_tag or fnmatch.fnmatchcase(tag, want_tag))


def _trust(p: Parsed) -> None:
    if p.changed("disable_content_trust") and not p.disable_content_trust:
        raise refuse("--disable-content-trust=false", "image signature verification is not implemented")


def pull(ctx: Context, p: Parsed) -> int:
    from mocker.image.reference import parse_reference

    _trust(p)
    _refuse(p, {"all_tags": "the CLI pulls one reference at a time"})
    ref = parse_reference(p.args[0])
    if ":" not in p.args[0].rpartition("/")[2] and "@" not in p.args[0] and not p.quiet:
        ctx.out("Using default tag: latest")
    img = engine.pull(container_cli(), p.args[0], platform=p.platform or None)
    if not p.quiet:
        ctx.out(f"Digest: {img.digest}")
        ctx.out(f"Status: Image is up to date for {ref.familiar}")
    ctx.out(str(ref))
    return 0


def push(ctx: Context, p: Parsed) -> int:
    _trust(p)
    _refuse(p, {"all_tags": "the CLI pushes one reference at a time"})
    img = engine.push(container_cli(), p.args[0], root=ctx.root)
    if not p.quiet:
        ctx.out(f"{p.args[0]}: digest: {img.digest}")
    return 0


def tag(ctx: Context, p: Parsed) -> int:
    engine.tag(container_cli(), p.args[0], p.args[1])
    return 0


def rmi(ctx: Context, p: Parsed) -> int:
    _refuse(p, {"no_prune": "the CLI's delete has no --no-prune"})
    failed = 0
    for ref in p.args:
        try:
            for line in engine.remove(container_cli(), ref, force=bool(p.force)):
                ctx.out(line)
        except MockerError as e:
            ctx.err(f"Error response from daemon: {e}" if isinstance(e, NotFound) else f"Error: {e}")
            failed = 1
    return failed


def inspect_docs(names: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    docs, missing = [], []
    for n in names:
        try:
            docs.append(engine.inspect_json(engine.get(container_cli(), n)))
        except NotFound:
            missing.append(n)
    return docs, missing


def image_inspect(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_inspected

    docs, missing = inspect_docs(p.args)
    return print_inspected(ctx, docs, missing, p.format, missing_message="No such image")


def inspect_any(ctx: Context, p: Parsed) -> int:
    """``inspect``: containers, then images, then volumes and networks, by name."""
    from mocker.cli.apple.containers import inspect_docs as containers_docs
    from mocker.cli.apple.resources import inspect_docs as resource_docs
    from mocker.cli.output import print_inspected

    if p.type and p.type not in ("image", "container", "volume", "network"):
        raise refuse(f"--type {p.type}", "only containers, images, volumes and networks exist")
    docs: list[dict[str, Any]] = []
    missing: list[str] = []
    for name in p.args:
        found: list[dict[str, Any]] = []
        if p.type in (None, "container"):
            found, _ = containers_docs([name])
        if not found and p.type in (None, "image"):
            found, _ = inspect_docs([name])
        for kind in ("volume", "network"):
            if not found and p.type in (None, kind):
                found = resource_docs(kind, [name])
        if found:
            docs += found
        else:
            missing.append(name)
    return print_inspected(ctx, docs, missing, p.format, missing_message="No such object")


def save(ctx: Context, p: Parsed) -> int:
    if not p.output and ctx.stdout_is_tty():
        raise MockerError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    engine.save(container_cli(), p.args, output=p.output or None, stdout=sink(ctx.stdout))
    return 0


def load(ctx: Context, p: Parsed) -> int:
    refs = engine.load(container_cli(), input_path=p.input or None, stdin=ctx.binary_stdin())
    if not p.quiet:
        for r in refs:
            ctx.out(f"Loaded image: {r}")
    return 0


_NOT_FOR_BUILD = "apple backend: `container build` has no such option"


def _build(ctx: Context, p: Parsed) -> int:
    import os

    context = p.args[0]
    if context == "-" or "://" in context or context.startswith("git@"):
        raise refuse(f"build context {context}", "`container build` takes a local directory as its context")
    if not os.path.isdir(context):
        raise MockerError(f'unable to prepare context: path "{context}" not found')
    if p.progress and p.progress not in ("auto", "plain", "tty"):
        raise refuse(f"--progress {p.progress}", "`container build` shows auto, plain or tty progress")
    argv = engine.build_argv(context=context, tags=p.tag, dockerfile=p.file or None, build_args=p.build_arg,
                             labels=p.label, target=p.target or None, no_cache=bool(p.no_cache), pull=bool(p.pull),
                             quiet=bool(p.quiet), platforms=p.platform, secrets=p.secret,
                             progress=p.progress or None)
    cli = container_cli()
    code, tail = cli.stream(argv, stdout=sink(ctx.stdout), stderr=sink(ctx.stderr))
    if code != 0:
        if tail and "XPC connection error" in tail:
            from mocker.runtime.apple.cli import ServiceNotRunning

            raise ServiceNotRunning()
        return 1
    return 0


def _unsupported(long: str, kind: Any = "str", short: str | None = None) -> Flag:
    return Flag(long, short, kind, unsupported=_NOT_FOR_BUILD)


BUILD = Command(
    name="build", usage="build [OPTIONS] PATH | URL | -", summary="Build an image from a Dockerfile",
    handler=_build, min_args=1, max_args=1,
    flags=(
        Flag("build-arg", kind="list", metavar="list", help="Set build-time variables"),
        Flag("file", "f", kind="str", metavar="string", help="Name of the Dockerfile (default: \"PATH/Dockerfile\")"),
        Flag("label", kind="list", metavar="list", help="Set metadata for an image"),
        Flag("no-cache", help="Do not use cache when building the image"),
        Flag("platform", kind="list", metavar="list", help="Set target platform for build"),
        Flag("progress", kind="str", metavar="string", help="Set type of progress output (auto, plain, tty)"),
        Flag("pull", help="Always attempt to pull all referenced images"),
        Flag("quiet", "q", help="Suppress the build output and print image ID on success"),
        Flag("secret", kind="list", metavar="list", help="Secret to expose to the build"),
        Flag("tag", "t", kind="list", metavar="list", help="Name and optionally a tag (format: \"name:tag\")"),
        Flag("target", kind="str", metavar="string", help="Set the target build stage to build"),
        _unsupported("add-host", "list"), _unsupported("allow", "list"), _unsupported("annotation", "list"),
        _unsupported("attest", "list"), _unsupported("build-context", "list"), _unsupported("builder"),
        _unsupported("cache-from", "list"), _unsupported("cache-to", "list"), _unsupported("cgroup-parent"),
        _unsupported("iidfile"), _unsupported("load", "bool"), _unsupported("metadata-file"),
        _unsupported("network"), _unsupported("no-cache-filter", "list"), _unsupported("output", "list", "o"),
        _unsupported("provenance"), _unsupported("push", "bool"), _unsupported("sbom"),
        _unsupported("shm-size"), _unsupported("ssh", "list"), _unsupported("ulimit", "list"),
        _unsupported("squash", "bool"), _unsupported("isolation"), _unsupported("memory", "str", "m"),
        _unsupported("cpu-shares", "str", "c"),
    ),
)


def prune(ctx: Context, p: Parsed) -> int:
    """``image prune [-a]`` through the CLI; its ``untagged``/``deleted`` lines become Docker's."""
    from mocker.cli.images import confirm

    if p.filter:
        raise refuse("image prune --filter", "the CLI's image prune has no filters")
    warning = ("WARNING! This will remove all images without at least one container associated to them."
               if p.all else "WARNING! This will remove all dangling images.")
    if not p.force and not confirm(ctx, warning):
        return 0
    cli = container_cli()
    out = cli.call([cli.image_group(), "prune", *(["--all"] if p.all else [])], timeout=None).text
    lines = [ln.strip() for ln in out.splitlines() if ln.strip().startswith(("untagged", "deleted"))]
    if lines:
        ctx.out("Deleted Images:")
        for ln in lines:
            word, _, rest = ln.partition(" ")
            ctx.out(f"{word.rstrip(':')}: {rest.strip()}")
        ctx.out("")
    ctx.out("Total reclaimed space: unknown (the apple backend does not report sizes)")
    return 0


def handing_over(handler: Any) -> Any:
    """``manifest create``/``add`` on the apple backend: images only Apple's store holds are saved
    into mocker's store first (engine/apple/handover.py), then the Linux handler runs unchanged."""

    def run(ctx: Context, p: Parsed) -> int:
        from mocker.engine.apple.handover import to_mocker

        to_mocker(container_cli(), ctx.store(), p.args[1:])
        result: int = handler(ctx, p)
        return result

    return run
