"""``build`` for every front end: Dockerfile + context -> an image (or an index) in the store.

One :class:`~mocker.build.builder.PlatformBuild` per requested platform (a foreign one's RUN steps
run under qemu binfmt); several platforms make an OCI image index. The build holds the store lock
shared from start to end, so ``rmi``/``prune`` garbage collection (exclusive) cannot take blobs
or layers from under it. Nothing is tagged until every platform built: a failed build leaves no
half image, only the cache of the steps that succeeded.
"""

from __future__ import annotations

from mocker.build.options import Output
from mocker.errors import InvalidArgument, MockerError

# A cached rebuild is mostly start-up: annotations only, no ``typing``/``dataclasses`` (DECISIONS 37).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO

    from mocker.build.context import BuildContext
    from mocker.build.options import BuildOptions
    from mocker.store.store import Store


class BuildResult:
    """What a build made: the image ID (config digest, or the index digest of a multi-platform
    build), its tags (familiar names), manifest digest and the build args no step consumed."""

    __slots__ = ("fresh_until", "image_id", "layer_dirs", "manifest_digest", "settled", "tags", "unused_args")

    def __init__(self, image_id: str, manifest_digest: str = "") -> None:
        self.image_id = image_id
        self.manifest_digest = manifest_digest
        self.tags: list[str] = []
        self.unused_args: list[str] = []
        # Every step from the local cache, nothing pulled or fetched, and until when the cache hits
        # need no ``last_used`` rewrite: what a replay of this build needs (DECISIONS 39).
        self.settled = False
        self.fresh_until: float | None = None
        self.layer_dirs: list[str] = []  # layer directories the build trusted by their existence


def _platform_text(p: Any) -> str:
    return f"{p.os}/{p.architecture}" + (f"/{p.variant}" if p.variant else "")


def build(store: Store, opts: BuildOptions, ctx: BuildContext, stream: TextIO,
          err: TextIO | None = None, *, on_image: Callable[[str], None] | None = None) -> BuildResult:
    """Build ``opts`` in ``ctx``; progress goes to ``stream`` (with ``-q``, to ``err`` on failure).

    The CLI gives its stdout; the API a text sink that wraps each write in Docker's JSON message.
    ``on_image`` hears the new image's ID before "Successfully built" (the API's ``aux`` message).
    """
    from mocker.build.builder import PlatformBuild
    from mocker.build.dockerfile import parse
    from mocker.image.platform import host_platform, normalize, parse_platform
    from mocker.image.reference import parse_reference

    out = Output(stream, quiet=opts.quiet)
    tags: list[Any] = []
    for text in opts.tags:
        parsed = parse_reference(text)
        if parsed.digest:
            raise InvalidArgument(f"invalid reference format: {text}: a build tag cannot have a digest")
        tags.append(parsed)
    df = parse(opts.dockerfile, filename=opts.dockerfile_name, memo=store.paths.text("build", "dockerfiles"))
    host = normalize(host_platform())
    platforms = [normalize(parse_platform(p)) for p in opts.platforms] or [host]
    seen = []
    for p in platforms:
        if p not in seen:
            seen.append(p)
    platforms = seen
    if opts.push and not tags:
        raise InvalidArgument("--push needs at least one tag (-t)")
    _check_network(store, opts.network)
    if ctx.temp is None and ctx.hashes is None:  # a directory of the user's: its files' digests are kept
        from mocker.build.context import HashCache

        ctx.hashes = HashCache(store.paths.text("build", "context-hashes.json"))
    try:
        with store.lock(shared=True):
            states = []
            consumed: set[str] = set()
            settled = True
            fresh: list[float] = []
            layer_dirs: list[str] = []
            for plat in platforms:
                if len(platforms) > 1:
                    out.line(f"[{_platform_text(plat)}]")
                pb = PlatformBuild(store, opts, df, ctx, plat, host, out)
                state = pb.run()
                consumed |= pb.consumed
                settled = settled and pb.settled
                layer_dirs += pb.layer_dirs
                if pb.fresh_until is not None:
                    fresh.append(pb.fresh_until)
                if opts.labels:
                    state = state.child()
                    labels = dict(state.run_config.get("Labels") or {})
                    labels.update(opts.labels)
                    state.run_config["Labels"] = labels
                    # The last step's time, not now: the same labels on the same build give the same
                    # image (Docker's classic builder caches them as a step), so a rebuild writes nothing.
                    state.write(store, stamp=False)
                states.append(state)
            names = tuple(str(t) for t in tags)
            if len(states) == 1:
                assert states[0].manifest_digest is not None
                image_id = _already_registered(store, states[0].manifest_digest, names)
                if image_id is None:
                    from mocker.engine.images import register_image

                    image_id = register_image(store, states[0].manifest_digest, tags=names).id
                result = BuildResult(image_id=image_id, manifest_digest=states[0].manifest_digest)
            else:
                from mocker.engine.images import register_image, register_index

                index_digest = _write_index(store, states)
                for st in states:
                    assert st.manifest_digest is not None
                    register_image(store, st.manifest_digest)
                register_index(store, index_digest, tags=names)
                result = BuildResult(image_id=index_digest, manifest_digest=index_digest)
    except MockerError as e:
        out.release(err or stream)
        from mocker.build.dockerfile import DockerfileError

        if isinstance(e, DockerfileError) and e.line and opts.dockerfile_name != "Dockerfile":
            raise DockerfileError(e.reason, line=e.line, filename=opts.dockerfile_name) from None
        raise
    finally:
        if ctx.hashes is not None:
            ctx.hashes.save()  # also after a failure: the digests computed so far stay true
    result.settled = settled and not opts.pull and not opts.push
    result.fresh_until = min(fresh) if fresh else None
    result.layer_dirs = layer_dirs
    result.unused_args = sorted(set(opts.build_args) - consumed - _PROXY)
    if result.unused_args:
        out.line(f"[Warning] One or more build-args [{' '.join(result.unused_args)}] were not consumed")
    if on_image is not None:
        on_image(result.image_id)
    out.line(f"Successfully built {result.image_id.split(':', 1)[-1][:12]}")
    for t in tags:
        out.line(f"Successfully tagged {t.familiar()}")
        result.tags.append(t.familiar())
    if opts.iidfile:
        with open(opts.iidfile, "w") as f:
            f.write(result.image_id)
    if opts.push:
        from mocker.engine.distribution import push

        for t in tags:
            for r in push(store, str(t)):
                out.line(f"{r.tag}: digest: {r.digest} size: {r.size}")
    if opts.quiet:
        stream.write(result.image_id + "\n")
        stream.flush()
    return result


def _already_registered(store: Store, manifest_digest: str, names: tuple[str, ...]) -> str | None:
    """The image ID when a rebuild made the image the store has and every tag already names it:
    then there is nothing to write (no transaction, no index.json rewrite)."""
    from mocker.store import images as db

    image_id = db.find_by_manifest(store.db, manifest_digest)
    if image_id is None:
        return None
    for name in names:
        tag = db.get_tag(store.db, name)
        if tag is None or tag.image_id != image_id:
            return None
    return image_id


def _check_network(store: Store, network: str) -> None:
    """``--network``: default (the default bridge), host, none or an existing user network, checked
    before any step runs (also when every step hits the cache, as a typo should not pass unnoticed)."""
    if network in ("default", "host", "none", "bridge"):
        return
    if network.startswith("container:"):
        from mocker.errors import NotSupported

        raise NotSupported("--network container:<id>", "RUN steps join the default bridge, host, none or a "
                                                         "user-defined network")
    from mocker.engine.networks import get

    get(store, network)  # NetworkNotFound: "network NAME not found"


_PROXY = frozenset(("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
                    "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"))


def _write_index(store: Store, states: list[Any]) -> str:
    from mocker.image.manifest import OCI_INDEX, canonical_json

    manifests = []
    for st in states:
        plat = {"architecture": st.config.get("architecture", ""), "os": st.config.get("os", "linux")}
        if st.config.get("variant"):
            plat["variant"] = st.config["variant"]
        manifests.append({"mediaType": st.media_type, "digest": st.manifest_digest,
                          "size": store.blobs.size(st.manifest_digest), "platform": plat})
    doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}
    return store.blobs.put(canonical_json(doc))


def prune_cache(store: Store, *, all_: bool = False, until: float | None = None) -> int:
    """``builder prune``: forget the build cache, then free what only it kept; returns bytes freed."""
    import time

    from mocker.build import cache
    from mocker.engine.image_remove import collect_garbage

    cache.prune(store, older_than=(time.time() - until) if until is not None else None)
    return collect_garbage(store)


def sweep_leftovers(store: Store) -> list[str]:
    """What a killed build left (``system prune``): step containers, scratch mounts, temp dirs.

    Only while no build runs: builds hold the store lock shared, so this takes it exclusively
    without waiting, and does nothing if that fails.
    """
    import shutil

    from mocker.build.run import BUILD_LABEL
    from mocker.engine import containers
    from mocker.runtime.linux.rootfs import unmount_rootfs
    from mocker.store import containers as cdb
    from mocker.store.locks import try_file_lock

    removed: list[str] = []
    with try_file_lock(store.paths.lock) as free:
        if not free:
            return removed
        for rec in cdb.list_all(store.db):
            if (rec.labels or {}).get(BUILD_LABEL) == "true":
                try:
                    containers.remove(store, rec.id, force=True, volumes_too=True)
                except MockerError:
                    continue
                removed.append(f"container {rec.id}: build step of a killed build")
        base = store.paths.root / "build"
        for pattern in ("step-*", "staging/*", "contexts/*"):
            for path in sorted(base.glob(pattern)):
                if pattern == "step-*":
                    try:
                        unmount_rootfs(str(path))
                    except MockerError:
                        continue
                shutil.rmtree(path, ignore_errors=True)
                removed.append(f"build: {path.relative_to(store.paths.root)}")
    return removed
