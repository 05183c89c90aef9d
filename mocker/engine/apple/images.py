"""Image verbs on Apple's runtime: its content store holds the images, the CLI moves them.

``pull``/``push``/``tag``/``rmi``/``images``/``inspect``/``save``/``load`` map onto ``container image
...`` (``images ...`` before 0.5), ``build`` onto ``container build``. Docker's shapes are built from
the CLI's JSON (:mod:`mocker.runtime.apple.shapes`); image IDs are the index digest the CLI reports.
"""

from __future__ import annotations

from mocker.errors import Conflict, ImageNotFound, MockerError
from mocker.runtime.apple.cli import ContainerCLI
from mocker.runtime.apple.shapes import AppleImage, image_from_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def _normalize(ref: str) -> str:
    from mocker.image.reference import parse_reference

    return str(parse_reference(ref))


def list_images(cli: ContainerCLI) -> list[AppleImage]:
    docs = cli.json([cli.image_group(), "list", "--format", "json"])
    found = [image_from_json(d) for d in docs if isinstance(d, dict)]
    found.sort(key=lambda i: (-(i.created or 0), i.reference))
    return found


def get(cli: ContainerCLI, ref: str) -> AppleImage:
    """One image by reference, or by (a prefix of) its ID, as Docker looks images up."""
    want = ref.removeprefix("sha256:")
    every = list_images(cli)
    try:
        full = _normalize(ref)
    except MockerError:
        full = ""
    for img in every:
        if full and img.reference == full:
            return _detailed(cli, img)
    if len(want) >= 4 and all(ch in "0123456789abcdef" for ch in want):
        hits = {i.digest for i in every if i.digest.removeprefix("sha256:").startswith(want)}
        if len(hits) == 1:
            return _detailed(cli, next(i for i in every if i.digest in hits))
    raise ImageNotFound(f"No such image: {ref}")


def _detailed(cli: ContainerCLI, img: AppleImage) -> AppleImage:
    """1.0+ lists variants already; older CLIs need ``image inspect`` for the configs."""
    if img.variants:
        return img
    docs = cli.json([cli.image_group(), "inspect", img.reference])
    for d in docs if isinstance(docs, list) else []:
        if isinstance(d, dict):
            more = image_from_json(d)
            if more.variants:
                return AppleImage(reference=img.reference, digest=img.digest or more.digest,
                                  media_type=img.media_type or more.media_type, size=more.size,
                                  size_text=img.size_text, created=img.created or more.created,
                                  variants=more.variants)
    return img


def pull(cli: ContainerCLI, ref: str, *, platform: str | None) -> AppleImage:
    from mocker.engine.apple.containers import default_platform
    from mocker.engine.types.containers import ContainerCreateOptions

    # Without a platform the CLI fetches the layers of every platform in the index: always give one.
    plat = platform or default_platform(ContainerCreateOptions(image=ref))
    cli.call([cli.image_group(), "pull", *cli.progress_flags(), "--platform", plat, ref], timeout=None)
    return get(cli, ref)


def push(cli: ContainerCLI, ref: str, *, platform: str | None = None, root: str | None = None) -> AppleImage:
    """``push``: the image pushed. One only mocker's own store (at ``root``) holds is handed over
    first (engine/apple/handover.py), then the CLI pushes it."""
    try:
        img = get(cli, ref)
    except ImageNotFound:
        from mocker.engine.apple.handover import to_apple

        if not to_apple(cli, ref, root=root):
            raise
        img = get(cli, ref)
    argv = [cli.image_group(), "push", *cli.progress_flags()]
    if platform:
        argv += ["--platform", platform]
    cli.call([*argv, ref], timeout=None)
    return img


def tag(cli: ContainerCLI, source: str, target: str) -> None:
    src = get(cli, source)
    _normalize(target)      # Docker's reference errors, before the CLI sees it
    cli.call([cli.image_group(), "tag", src.reference, target])


def users(cli: ContainerCLI, img: AppleImage) -> list[str]:
    from mocker.engine.apple.containers import list_containers

    return [c.id for c in list_containers(cli) if c.image == img.reference or
            (img.digest and c.image_digest == img.digest)]


def remove(cli: ContainerCLI, ref: str, *, force: bool) -> list[str]:
    """``rmi``: Docker's "Untagged:"/"Deleted:" lines. An image a container uses needs ``-f``."""
    img = get(cli, ref)
    if not force:
        used = users(cli, img)
        if used:
            raise Conflict(f'conflict: unable to remove repository reference "{ref}" (must force) - container '
                           f"{used[0]} is using its referenced image {img.digest.removeprefix('sha256:')[:12]}")
    cli.call([cli.image_group(), "delete", img.reference])
    from mocker.runtime.apple.shapes import short_reference

    repo, tag_ = short_reference(img.reference)
    lines = [f"Untagged: {repo}:{tag_}"]
    if not any(i.digest == img.digest for i in list_images(cli)):
        lines.append(f"Deleted: {img.digest}")
    return lines


def save(cli: ContainerCLI, refs: Sequence[str], *, output: str | None, stdout: Any) -> None:
    names = [get(cli, r).reference for r in refs]
    if output:
        cli.call([cli.image_group(), "save", "--output", output, *names], timeout=None)
        return
    if not cli.at_least(0, 7):
        from mocker.runtime.apple.support import refuse

        raise refuse("save to stdout", "needs container 0.7 or newer; use -o")
    code, last = cli.stream([cli.image_group(), "save", *names], stdout=stdout)
    if code != 0:
        from mocker.runtime.apple.cli import Result, translate_failure

        raise translate_failure(["image", "save"], Result(code, b"", last))


def load(cli: ContainerCLI, *, input_path: str | None, stdin: Any) -> list[str]:
    """``load``: the references the CLI loaded (one per line on its stdout)."""
    if input_path:
        out = cli.call([cli.image_group(), "load", "--input", input_path], timeout=None).text
    else:
        if not cli.at_least(0, 7):
            from mocker.runtime.apple.support import refuse

            raise refuse("load from stdin", "needs container 0.7 or newer; use -i")
        out = cli.call([cli.image_group(), "load"], input=stdin.read(), timeout=None).text
    return [ln.strip() for ln in out.splitlines() if ln.strip()]


def inspect_json(img: AppleImage) -> dict[str, Any]:
    """Docker's image inspect shape. The CLI's config is lossy (no ExposedPorts, Volumes,
    Healthcheck): those keys are absent rather than invented."""
    from mocker.engine.apple.inspect import ts
    from mocker.runtime.apple.shapes import short_reference

    variant = next((v for v in img.variants if (v.get("platform") or {}).get("os") != "unknown"), None) or {}
    cfg = variant.get("config") or {}
    plat = variant.get("platform") or {}
    repo, tag_ = short_reference(img.reference)
    return {
        "Id": img.digest,
        "RepoTags": [f"{repo}:{tag_}"] if tag_ != "<none>" else [],
        "RepoDigests": [f"{repo}@{img.digest}"] if img.digest else [],
        "Parent": "", "Comment": "",
        "Created": cfg.get("created") or ts(img.created),
        "DockerVersion": "", "Author": cfg.get("author", ""),
        "Config": cfg.get("config") or {},
        "Architecture": plat.get("architecture") or cfg.get("architecture", ""),
        "Variant": plat.get("variant") or cfg.get("variant") or None,
        "Os": plat.get("os") or cfg.get("os", ""),
        "Size": img.size or 0,
        "RootFS": {"Type": "layers", "Layers": list((cfg.get("rootfs") or {}).get("diff_ids") or [])},
        "Metadata": {"LastTagTime": ZERO},
        "Descriptor": {"mediaType": img.media_type, "digest": img.digest, "size": 0},
    }


ZERO = "0001-01-01T00:00:00Z"


def build_argv(*, context: str, tags: Sequence[str], dockerfile: str | None, build_args: Sequence[str],
               labels: Sequence[str], target: str | None, no_cache: bool, pull: bool, quiet: bool,
               platforms: Sequence[str], secrets: Sequence[str], progress: str | None) -> list[str]:
    argv = ["build"]
    for t in tags:
        _normalize(t)
        argv += ["--tag", t]
    if dockerfile:
        argv += ["--file", dockerfile]
    for a in build_args:
        argv += ["--build-arg", a]
    for lb in labels:
        argv += ["--label", lb]
    if target:
        argv += ["--target", target]
    if no_cache:
        argv.append("--no-cache")
    if pull:
        argv.append("--pull")
    if quiet:
        argv.append("--quiet")
    for p in platforms:
        argv += ["--platform", p]
    for s in secrets:
        argv += ["--secret", s]
    if progress:
        argv += ["--progress", progress]
    return [*argv, context]
