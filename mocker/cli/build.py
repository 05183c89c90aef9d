"""``build`` / ``image build`` and ``builder prune``: flags to :class:`BuildOptions`, then the engine."""

from __future__ import annotations

import os

from mocker.cli.command import Command
from mocker.cli.flags import Flag
from mocker.errors import InvalidArgument, NotSupported, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mocker.cli.command import Context
    from mocker.cli.flags import Parsed

_RESOURCES = "build containers run with the default resources; per-build limits are not implemented"
_BUILDKIT = "mocker's builder is not BuildKit"

BUILD_FLAGS = (
    Flag("add-host", kind="list", metavar="list", help="Add a custom host-to-IP mapping (\"host:ip\")"),
    Flag("build-arg", kind="list", metavar="list", help="Set build-time variables"),
    Flag("cache-from", kind="list", metavar="strings", help="Images to consider as cache sources"),
    Flag("cgroup-parent", kind="str", metavar="string", help="Set the parent cgroup for RUN", unsupported=_RESOURCES),
    Flag("compress", help="Compress the build context using gzip",
         unsupported="there is no daemon to send the context to"),
    Flag("cpu-period", kind="int", metavar="int", help="Limit the CPU CFS period", unsupported=_RESOURCES),
    Flag("cpu-quota", kind="int", metavar="int", help="Limit the CPU CFS quota", unsupported=_RESOURCES),
    Flag("cpu-shares", "c", kind="int", metavar="int", help="CPU shares", unsupported=_RESOURCES),
    Flag("cpuset-cpus", kind="str", metavar="string", help="CPUs to allow", unsupported=_RESOURCES),
    Flag("cpuset-mems", kind="str", metavar="string", help="MEMs to allow", unsupported=_RESOURCES),
    Flag("disable-content-trust", default=True, help="Skip image verification"),
    Flag("file", "f", kind="str", metavar="string", help="Name of the Dockerfile (Default is \"PATH/Dockerfile\")"),
    Flag("force-rm", help="Always remove intermediate containers"),
    Flag("iidfile", kind="str", metavar="string", help="Write the image ID to the file"),
    Flag("isolation", kind="str", metavar="string", help="Container isolation technology",
         unsupported="Linux has only the default isolation"),
    Flag("label", kind="list", metavar="list", help="Set metadata for an image"),
    Flag("memory", "m", kind="str", metavar="bytes", help="Memory limit", unsupported=_RESOURCES),
    Flag("memory-swap", kind="str", metavar="bytes", help="Swap limit", unsupported=_RESOURCES),
    Flag("network", kind="str", metavar="string", default="default",
         help="Set the networking mode for the RUN instructions during build"),
    Flag("no-cache", help="Do not use cache when building the image"),
    Flag("platform", kind="list", metavar="string", help="Set platform for the build (comma separated or repeated)"),
    Flag("pull", help="Always attempt to pull a newer version of the image"),
    Flag("quiet", "q", help="Suppress the build output and print image ID on success"),
    Flag("rm", default=True, help="Remove intermediate containers after a successful build"),
    Flag("security-opt", kind="list", metavar="strings", help="Security options", unsupported=_RESOURCES),
    Flag("shm-size", kind="str", metavar="bytes", help="Size of /dev/shm", unsupported=_RESOURCES),
    Flag("squash", help="Squash newly built layers into a single new layer",
         unsupported="squashing is an experimental daemon feature"),
    Flag("tag", "t", kind="list", metavar="list", help="Name and optionally a tag in the \"name:tag\" format"),
    Flag("target", kind="str", metavar="string", help="Set the target build stage to build"),
    Flag("ulimit", kind="list", metavar="ulimit", help="Ulimit options", unsupported=_RESOURCES),
    # BuildKit's (buildx) flags that mocker's builder provides
    Flag("secret", kind="list", metavar="stringArray",
         help='Secret to expose to the build (format: "id=mysecret[,src=/local/secret]")'),
    Flag("push", help="Shorthand for \"--output=type=registry\""),
    Flag("load", help="Shorthand for \"--output=type=docker\" (the default: the image goes to the local store)"),
    Flag("progress", kind="str", metavar="string", default="auto",
         help='Set type of progress output ("auto", "plain")'),
    Flag("output", "o", kind="list", metavar="stringArray", help="Output destination",
         unsupported="builds always go to the local store (and with --push to the registry)"),
    Flag("ssh", kind="list", metavar="stringArray", help="SSH agent socket or keys to expose to the build",
         unsupported="SSH agent forwarding into builds is not implemented"),
    Flag("cache-to", kind="list", metavar="stringArray", help="Cache export destinations", unsupported=_BUILDKIT),
    Flag("build-context", kind="list", metavar="stringArray", help="Additional build contexts",
         unsupported="named build contexts are not implemented"),
    Flag("allow", kind="list", metavar="stringArray", help="Allow extra privileged entitlement",
         unsupported="builds run unprivileged"),
    Flag("builder", kind="str", metavar="string", help="Override the configured builder instance",
         unsupported="mocker has one builder, built in"),
    Flag("metadata-file", kind="str", metavar="string", help="Write build result metadata to a file",
         unsupported=_BUILDKIT),
    Flag("provenance", kind="str", metavar="string", help="Shorthand for \"--attest=type=provenance\"",
         unsupported="attestations are not generated"),
    Flag("sbom", kind="str", metavar="string", help="Shorthand for \"--attest=type=sbom\"",
         unsupported="attestations are not generated"),
    Flag("annotation", kind="list", metavar="stringArray", help="Add annotation to the image",
         unsupported="image annotations are not implemented"),
)


def _build_args(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, eq, value = item.partition("=")
        if eq:
            out[name] = value
        elif name in os.environ:
            out[name] = os.environ[name]
    return out


def _cache_sources(values: list[str]) -> list[str]:
    """``--cache-from IMAGE`` or BuildKit's ``type=registry,ref=IMAGE``; other types say so."""
    out = []
    for item in values:
        if "=" not in item:
            out.append(item)
            continue
        fields = dict(part.partition("=")[::2] for part in item.split(","))
        if fields.get("type", "registry") != "registry" or "ref" not in fields:
            raise NotSupported(f"--cache-from {item}", "only images (type=registry,ref=IMAGE) are cache sources")
        out.append(fields["ref"])
    return out


def _labels(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        name, _, value = item.partition("=")
        out[name] = value
    return out


def _secrets(ctx: Context, values: list[str], temp: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        fields = dict(part.partition("=")[::2] for part in item.split(","))
        sid = fields.get("id", "")
        typ = fields.get("type", "")
        src = fields.get("src") or fields.get("source")
        env = fields.get("env")
        if not sid:
            raise UsageError(f"invalid secret {item!r}: an id is required")
        if typ == "env" and not env:
            env = src or sid
            src = None
        if src:
            if not os.path.isfile(src):
                raise InvalidArgument(f"failed to stat {src}: no such file")
            out[sid] = os.path.abspath(src)
            continue
        name = env or sid
        if name not in os.environ:
            if env:
                raise InvalidArgument(f"secret {sid}: environment variable {env} is not set")
            raise InvalidArgument(f"secret {sid}: no src given and no environment variable {sid}")
        import tempfile

        fd, path = tempfile.mkstemp(prefix="mocker-secret-")
        with os.fdopen(fd, "w") as f:
            f.write(os.environ[name])
        temp.append(path)
        out[sid] = path
    return out


def _read_stdin(ctx: Context) -> bytes:
    return ctx.binary_stdin().read()


def _build(ctx: Context, p: Parsed) -> int:
    from mocker.build import replay
    from mocker.build.context import BuildContext, context_from_tar, empty_context, open_context
    from mocker.build.options import BuildOptions
    from mocker.engine.build import build

    if p.progress not in ("auto", "plain"):
        raise NotSupported(f"--progress {p.progress}", "mocker prints plain progress only")
    network = p.network or "default"  # checked by the engine (a user network must exist)
    platforms = tuple(x.strip() for v in p.platform for x in v.split(",") if x.strip())
    location = p.args[0]
    # A build from a directory may be replayed next time if it turns out to read only local files
    # and the store (DECISIONS 39); the launcher decided whether this process watches for that.
    pending = replay.pending()
    if location == "-" or p.file == "-" or p.secret or p.pull or p.push:
        pending = None
    stdout, stderr = pending.watch(ctx.stdout, ctx.stderr) if pending is not None else (ctx.stdout, ctx.stderr)
    store = ctx.store()
    temp: list[str] = []
    context: BuildContext | None = None
    try:
        if location.startswith(("http://", "https://", "git@", "git://", "github.com/")):
            raise NotSupported("a remote build context", "only local directories and tar archives on stdin are "
                                                       "implemented")
        df_name = p.file or ""
        stdin_data: bytes | None = None
        if df_name == "-":
            if location == "-":
                raise InvalidArgument("invalid argument: can't use stdin for both build context and dockerfile")
            stdin_data = _read_stdin(ctx)
            dockerfile = stdin_data.decode(errors="replace")
            context = open_context(location, None)
            df_name = "Dockerfile"
        elif location == "-":
            stdin_data = _read_stdin(ctx)
            import io

            if _is_tar(stdin_data):
                context = context_from_tar(io.BytesIO(stdin_data), store.paths.text("build", "contexts"))
                path = os.path.join(context.root, df_name or "Dockerfile")
                dockerfile = _read_text(path, df_name or "Dockerfile")
            else:
                context = empty_context(store.paths.text("build", "contexts"))
                dockerfile = stdin_data.decode(errors="replace")
            df_name = df_name or "Dockerfile"
        else:
            if not os.path.isdir(location):
                raise InvalidArgument(f'unable to prepare context: path "{location}" not found')
            path = df_name if df_name else os.path.join(location, "Dockerfile")
            if df_name and not os.path.isabs(path) and not os.path.exists(path):
                path = os.path.join(location, df_name)
            path = os.path.normpath(path)
            dockerfile = _read_text(path, path)
            context = open_context(location, path)
            df_name = os.path.basename(path)
        opts = BuildOptions(
            dockerfile=dockerfile, dockerfile_name=df_name, tags=tuple(p.tag), build_args=_build_args(p.build_arg),
            labels=_labels(p.label), target=p.target or None, no_cache=p.no_cache, pull=p.pull, network=network,
            cache_from=tuple(_cache_sources(p.cache_from)),
            extra_hosts=tuple(p.add_host), secrets=_secrets(ctx, p.secret, temp), platforms=platforms,
            quiet=p.quiet, push=p.push, iidfile=p.iidfile or None, keep_containers=not p.rm and not p.force_rm,
        )
        import _signal  # the C module: ``signal``'s enums cost a cached rebuild ~2 ms to import

        previous = _signal.signal(_signal.SIGTERM, _interrupt)
        try:
            result = build(store, opts, context, stdout, stderr)
        finally:
            _signal.signal(_signal.SIGTERM, previous)
        ctx.quick_exit = True  # the build's files are all closed by now (see _nothing_to_tear_down)
        if pending is not None and result.settled:
            from mocker.build.context import ignore_candidates

            probed = [path, *ignore_candidates(context.root, path), *result.layer_dirs]
            if p.file and not os.path.isabs(p.file):
                probed.append(p.file)
            ctx.close_store()
            pending.save(iid=(p.iidfile, result.image_id) if p.iidfile else None, location=location,
                         context=context.root, probed=probed, fresh_until=result.fresh_until)
    finally:
        if context is not None:
            context.close()
        for path_ in temp:
            os.unlink(path_)
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _is_tar(data: bytes) -> bool:
    if data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00" or data[:4] == b"\x28\xb5\x2f\xfd":
        return True
    return len(data) >= 262 and data[257:262] == b"ustar"


def _read_text(path: str, shown: str) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        raise InvalidArgument(f"unable to prepare context: unable to evaluate symlinks in Dockerfile path: "
                              f"lstat {shown}: no such file or directory") from None
    except OSError as e:
        raise InvalidArgument(f"failed to read {shown}: {e.strerror}") from None


BUILD = Command(
    name="build", usage="build [OPTIONS] PATH | URL | -", summary="Build an image from a Dockerfile",
    handler=_build, flags=BUILD_FLAGS, min_args=1, max_args=1,
)
IMAGE_BUILD = Command(
    name="image build", usage="image build [OPTIONS] PATH | URL | -", summary="Build an image from a Dockerfile",
    handler=_build, flags=BUILD_FLAGS, min_args=1, max_args=1,
)


def _prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm
    from mocker.engine.build import prune_cache
    from mocker.format.units import human_size

    until = None
    for f in p.filter:
        key, _, value = f.partition("=")
        if key != "until":
            raise InvalidArgument(f"invalid filter '{key}'")
        from mocker.image.changes import parse_go_duration

        until = parse_go_duration(value) / 1e9
    if not p.force and not confirm(ctx, "WARNING! This will remove all dangling build cache."):
        return 0
    freed = prune_cache(ctx.store(), until=until)
    ctx.out(f"Total reclaimed space: {human_size(freed)}")
    return 0


BUILDER_PRUNE = Command(
    name="builder prune", usage="builder prune", summary="Remove build cache", handler=_prune, max_args=0,
    flags=(
        Flag("all", "a", help="Remove all unused build cache, not just dangling ones"),
        Flag("filter", kind="list", metavar="filter", help='Provide filter values (e.g. "until=24h")'),
        Flag("force", "f", help="Do not prompt for confirmation"),
        Flag("keep-storage", kind="str", metavar="bytes", help="Amount of disk space to keep for cache",
             unsupported="the cache is pruned whole or by age (--filter until=)"),
    ),
)
