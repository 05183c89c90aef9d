"""One platform's build: stages in order, each instruction a step with a cache key and an image.

Output is Docker's classic builder's (``Step 2/7 : RUN ...``, `` ---> Using cache``, `` ---> <id>``):
plain lines that scripts and logs can follow, one per step, with a RUN's own output in between.
Only the stages the target needs are built (those it names in ``FROM`` or ``--from``).
"""

from __future__ import annotations

import os
import posixpath

from mocker.build import cache
from mocker.build.dockerfile import DockerfileError
from mocker.build.instructions import (
    CONFIG_INSTRUCTIONS,
    ArgScope,
    apply_config,
    apply_shell,
    env_map,
    expander,
    run_argv,
)
from mocker.build.state import ImageState
from mocker.errors import InvalidArgument, MockerError, NotSupported

# What a cached rebuild runs is mostly start-up: names below are for annotations only, and the
# modules that write (sources' staging, copy, layers, run) are imported where a step runs (DECISIONS 37).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager, ExitStack
    from types import TracebackType
    from typing import Any, TypeVar

    _T = TypeVar("_T")

    from mocker.build.context import BuildContext
    from mocker.build.dockerfile import Dockerfile, Instruction, Stage
    from mocker.build.options import BuildOptions, Output
    from mocker.build.sources import Staging
    from mocker.image.platform import Platform
    from mocker.store.store import Store

_COPY_FLAGS = ("from", "chown", "chmod", "link")
_ADD_FLAGS = ("chown", "chmod", "link")


def _short(image_id: str) -> str:
    return image_id.split(":", 1)[-1][:12]


def platform_args(target: Platform, build: Platform) -> dict[str, str]:
    def text(p: Platform) -> str:
        return f"{p.os}/{p.architecture}" + (f"/{p.variant}" if p.variant else "")

    return {
        "TARGETPLATFORM": text(target), "TARGETOS": target.os, "TARGETARCH": target.architecture,
        "TARGETVARIANT": target.variant or "", "BUILDPLATFORM": text(build), "BUILDOS": build.os,
        "BUILDARCH": build.architecture, "BUILDVARIANT": build.variant or "",
    }


class PlatformBuild:
    """Builds the target stage of ``df`` for ``platform``; :meth:`run` returns its image state."""

    def __init__(self, store: Store, opts: BuildOptions, df: Dockerfile, ctx: BuildContext, platform: Platform,
                 host: Platform, out: Output) -> None:
        self.store = store
        self.opts = opts
        self.df = df
        self.ctx = ctx
        self.platform = platform
        self.out = out
        self.predefined = platform_args(platform, host)
        self.consumed: set[str] = set()
        self.meta = self._meta_args()
        self.results: dict[int, ImageState] = {}
        self.step_no = 0
        self.total = 0
        self.hits: list[str] = []
        # Whether every step came from the local cache and nothing was pulled or fetched: then the
        # build read only the store, the context and its files (a replay may answer it: DECISIONS 39).
        self.settled = True
        self.fresh_until: float | None = None  # when the hits' last_used would need a rewrite
        self.layer_dirs: list[str] = []  # unpacked layers found by their directory alone
        self.cache_images: list[ImageState] | None = None
        self.pulled: set[tuple[str, Platform]] = set()
        self.layers_ok: set[str] = set()  # chain IDs known unpacked
        self._staging: Staging | None = None

    def staging(self) -> str:
        """A new temp dir for a step's unpacked archive or download, removed when the build ends."""
        if self._staging is None:
            from mocker.build.sources import Staging

            self._staging = Staging(self.store.paths.text("build", "staging"))
        return self._staging()

    # ---- planning --------------------------------------------------------------------------------

    def _meta_args(self) -> dict[str, str]:
        scope = ArgScope(build_args=self.opts.build_args, predefined=self.predefined, meta={})
        for ins in self.df.meta_args:
            scope.declare(ins, {})
        self.consumed |= scope.consumed
        return {**self.predefined, **scope.values}

    def _expand_meta(self, word: str) -> str:
        from mocker.build.instructions import expand_word

        return expand_word(word, self.meta)

    def target_index(self) -> int:
        if self.opts.target is None:
            return len(self.df.stages) - 1
        idx = self.df.stage_index(self.opts.target)
        if idx is None or not self.df.stages[idx].name:
            raise InvalidArgument(f"failed to reach build target {self.opts.target} in Dockerfile")
        return idx

    def _refs(self, stage: Stage) -> list[int]:
        refs = []
        base = self._expand_meta(stage.base)
        idx = self.df.stage_index(base)
        if idx is not None and idx < stage.index:
            refs.append(idx)
        for ins in stage.instructions:
            names = ins.flag_values("from") if ins.cmd == "copy" else []
            if ins.cmd == "run":
                for m in ins.flag_values("mount"):
                    names += [p.partition("=")[2] for p in m.split(",") if p.partition("=")[0].strip() == "from"]
            for name in names:
                idx = self.df.stage_index(name)
                if idx is not None:
                    if idx >= stage.index:
                        raise DockerfileError(f"invalid from flag value {name}: stage {name} is not defined "
                                              "before this one", line=ins.line)
                    refs.append(idx)
        return refs

    def needed(self) -> list[int]:
        target = self.target_index()
        seen: set[int] = set()
        todo = [target]
        while todo:
            i = todo.pop()
            if i in seen:
                continue
            seen.add(i)
            todo.extend(self._refs(self.df.stages[i]))
        return sorted(seen)

    # ---- running ---------------------------------------------------------------------------------

    def run(self) -> ImageState:
        stages = self.needed()
        self.total = sum(1 + len(self.df.stages[i].instructions) for i in stages)
        try:
            for i in stages:
                self.results[i] = self._build_stage(self.df.stages[i])
        finally:
            if self._staging is not None:
                self._staging.close()
            self.fresh_until = cache.touch(self.store, self.hits)
        return self.results[stages[-1]]

    def _print_step(self, text: str) -> None:
        self.step_no += 1
        self.out.line(f"Step {self.step_no}/{self.total} : {text.splitlines()[0] if text else text}")

    def _build_stage(self, stage: Stage) -> ImageState:
        self._print_step(f"FROM {stage.base}" + (f" AS {stage.name}" if stage.name else ""))
        state = self._from(stage)
        self.out.line(f" ---> {_short(state.image_id())}")
        args = ArgScope(build_args=self.opts.build_args, predefined=self.predefined, meta=self.meta)
        triggers = list(state.run_config.get("OnBuild") or [])
        if triggers:
            self.out.line(f"# Executing {len(triggers)} build trigger{'s' if len(triggers) > 1 else ''}")
            state = self._run_triggers(state, triggers, args)
        for ins in stage.instructions:
            self._print_step(ins.original)
            state = self._dispatch(state, ins, args)
        self.consumed |= args.consumed
        return state

    def _run_triggers(self, state: ImageState, triggers: list[str], args: ArgScope) -> ImageState:
        from mocker.build.dockerfile import parse

        df = parse("FROM scratch\n" + "\n".join(triggers) + "\n")
        state = state.child()
        state.run_config.pop("OnBuild", None)
        state.write(self.store, stamp=False)  # the parent's time: the trigger steps' cache keys stay put
        for ins in df.stages[0].instructions:
            state = self._dispatch(state, ins, args)
        return state

    def _from(self, stage: Stage) -> ImageState:
        base = self._expand_meta(stage.base)
        idx = self.df.stage_index(base)
        if idx is not None and idx in self.results:
            return self.results[idx]
        plat = self.platform
        if stage.platform:
            from mocker.image.platform import parse_platform

            plat = parse_platform(self._expand_meta(stage.platform))
        if base.lower() == "scratch":
            state = ImageState.scratch(plat.os, plat.architecture, plat.variant)
            state.write(self.store, stamp=False)
            return state
        return self.image_state(base, plat, line=stage.line)

    def image_state(self, name: str, plat: Platform, *, line: int) -> ImageState:
        from mocker.engine.image_platforms import find_for_platform
        from mocker.errors import ImageNotFound

        text = f"{plat.os}/{plat.architecture}" + (f"/{plat.variant}" if plat.variant else "")

        def local() -> Any:
            try:
                return find_for_platform(self.store, name, text)
            except ImageNotFound:
                return None  # e.g. a local index without this platform: the registry may have it

        fresh = self.opts.pull and (name, plat) not in self.pulled  # --pull: once per build
        rec = None if fresh else local()
        if rec is None:
            from mocker.engine.distribution import pull

            self.settled = False
            self.pulled.add((name, plat))
            try:
                pull(self.store, name, platform=text, credentials=self._credentials(name))
            except MockerError as e:
                raise DockerfileError(f"failed to resolve source metadata for {name}: {e.message}",
                                      line=line) from None
            rec = local()
            if rec is None:
                raise DockerfileError(f"no image for platform {text} found for {name}", line=line)
        state = ImageState.load(self.store, rec.manifest_digest)
        self._ensure_layers(state)
        return state

    def _credentials(self, name: str) -> Any:
        """For a FROM pull: config.json's (the CLI), or what the API client sent for that registry."""
        from mocker.engine.distribution import FROM_CONFIG
        from mocker.image.reference import parse_reference

        if self.opts.registry_auth is None:
            return FROM_CONFIG
        return self.opts.registry_auth.get(parse_reference(name).registry_host)

    def _ensure_layers(self, state: ImageState) -> None:
        """The state's layers unpacked; those already checked in this build are not looked at again
        (a cached rebuild's steps share all but their last layer with their parent)."""
        from mocker.image.manifest import chain_ids

        chains = chain_ids(list(state.diff_ids))
        todo = [c for c in chains if c not in self.layers_ok]
        if not todo:
            return
        from mocker.store.images import has_layer

        layer_dir = self.store.paths.text  # text, not paths.layer_dir's Path: no pathlib on this path
        dirs = [layer_dir("layers", c.split(":", 1)[-1]) for c in todo]
        if all(has_layer(self.store.db, c) for c in todo) and all(os.path.isdir(d) for d in dirs):
            self.layers_ok.update(todo)  # all unpacked: no need for the unpacking machinery's imports
            self.layer_dirs += dirs
            return
        from mocker.engine.layers import ensure_layers
        from mocker.image.manifest import parse_json

        assert state.manifest_digest is not None
        manifest = parse_json(self.store.blobs.read(state.manifest_digest))
        self.layers_ok.update(ensure_layers(self.store, manifest, state.config))

    # ---- one step --------------------------------------------------------------------------------

    def _step(self, parent: ImageState, key_parts: list[Any], apply: Callable[[ImageState], None], *,
              created_by: str, replay: Callable[[ImageState], None] | None = None) -> ImageState:
        """Run one step, or take it from the cache: the local one, else a ``--cache-from`` image."""
        key = cache.step_key(parent.manifest_digest, parent.platform, *key_parts)
        if not self.opts.no_cache:
            hit = cache.lookup(self.store, key)
            if hit is not None:
                state = ImageState.load(self.store, hit)
                try:
                    self._ensure_layers(state)
                except MockerError:
                    state = None  # type: ignore[assignment]
                if state is not None:
                    self.hits.append(key)
                    self.out.line(" ---> Using cache")
                    self.out.line(f" ---> {_short(state.image_id())}")
                    return state
        self.settled = False
        child = None if self.opts.no_cache else self._from_cache_images(parent, created_by, replay)
        if child is not None:
            self.out.line(" ---> Using cache")
        else:
            child = parent.child()
            apply(child)
        child.write(self.store)
        assert child.manifest_digest is not None
        cache.record(self.store, key, child.manifest_digest)
        self.out.line(f" ---> {_short(child.image_id())}")
        return child

    def _cache_sources(self) -> list[ImageState]:
        if self.cache_images is None:
            self.cache_images = []
            for name in self.opts.cache_from:
                try:
                    self.cache_images.append(self.image_state(name, self.platform, line=0))
                except MockerError:
                    continue  # Docker ignores a cache source it cannot get
        return self.cache_images

    def _from_cache_images(self, parent: ImageState, created_by: str,
                           replay: Callable[[ImageState], None] | None) -> ImageState | None:
        """The classic builder's ``--cache-from``: a source image whose history and layers start as
        the parent's and whose next history entry is this step's gives the step's result."""
        if not self.opts.cache_from:
            return None
        history = parent.config.get("history") or []
        diffs = parent.diff_ids
        for src in self._cache_sources():
            s_hist = src.config.get("history") or []
            s_diffs = src.diff_ids
            if len(s_hist) <= len(history) or s_hist[:len(history)] != history or s_diffs[:len(diffs)] != diffs:
                continue
            entry = s_hist[len(history)]
            if entry.get("created_by") != created_by:
                continue
            child = parent.child()
            if replay is not None:
                replay(child)
            if not entry.get("empty_layer"):
                if len(s_diffs) <= len(diffs):
                    continue
                child.add_layer(src.layers[len(diffs)], s_diffs[len(diffs)])
            child.config.setdefault("history", []).append(dict(entry))
            return child
        return None

    def _dispatch(self, state: ImageState, ins: Instruction, args: ArgScope) -> ImageState:
        cmd = ins.cmd
        cfg = state.run_config
        if cmd == "arg":
            ins.check_flags(())
            words = args.declare(ins, env_map(cfg))
            text = f"ARG {' '.join(words)}"
            return self._step(state, ["arg", words], lambda s: s.add_history(text, empty=True), created_by=text,
                              replay=lambda s: None)
        if cmd in CONFIG_INSTRUCTIONS or cmd in ("shell", "maintainer"):
            visible = args.visible()

            def change(s: ImageState) -> None:
                if cmd == "shell":
                    apply_shell(ins, s.run_config)
                elif cmd == "maintainer":
                    s.config["author"] = " ".join(ins.args)
                else:
                    s.config["config"] = apply_config(ins, s.run_config, args)

            def apply(s: ImageState) -> None:
                change(s)
                layer = self._make_workdir(s) if cmd == "workdir" else None
                if layer is not None:
                    s.add_layer(*layer)
                s.add_history(_history_text(ins), empty=layer is None)

            return self._step(state, [cmd, ins.original, list(ins.flags), sorted(visible.items())], apply,
                              created_by=_history_text(ins), replay=change)
        if cmd == "run":
            return self._run(state, ins, args)
        if cmd in ("copy", "add"):
            return self._copy(state, ins, args)
        raise DockerfileError(f"unknown instruction: {ins.cmd.upper()}", line=ins.line)  # pragma: no cover

    # ---- RUN -------------------------------------------------------------------------------------

    def _run(self, state: ImageState, ins: Instruction, args: ArgScope) -> ImageState:
        ins.check_flags(("mount", "network", "security"))
        if ins.flag("security") not in (None, "sandbox"):
            raise NotSupported("RUN --security=insecure", "builds run unprivileged")
        network = ins.flag("network") or "default"
        if network not in ("host", "none", "default"):  # BuildKit's RUN --network accepts these three
            raise DockerfileError(f"unsupported network mode {network!r} for RUN", line=ins.line)
        if network == "default":
            network = self.opts.network
        cfg = state.run_config
        expand = expander(cfg, args)
        argv, script = run_argv(ins, cfg)
        mounts: list[Any] = []
        if ins.flag_values("mount"):  # build.run (the container machinery's front) only when needed
            from mocker.build.run import parse_mounts

            mounts = parse_mounts(ins, expand)
        env_names = env_map(cfg)
        visible = args.visible()
        env = [f"{k}={v}" for k, v in sorted(visible.items()) if k not in env_names]
        key = ["run", argv, env, network, list(self.opts.extra_hosts), script,
               [(m.type, m.target, m.source, m.from_, m.read_only) for m in mounts]]
        shown_env = f"|{len(env)} {' '.join(env)} " if env else ""
        created_by = f"RUN {shown_env}{' '.join(argv)} # buildkit"

        def apply(child: ImageState) -> None:
            # Imported only for a step that runs: a cached rebuild never loads the container code.
            from contextlib import ExitStack

            from mocker.build.run import RunRequest, cache_mount_dir, run_container
            from mocker.engine.types.containers import MountSpec

            with ExitStack() as stack:
                specs: list[Any] = []
                for m in mounts:
                    if m.type == "cache":
                        specs.append(MountSpec(type="bind", source=cache_mount_dir(self.store, m.source, m.options),
                                               target=m.target, read_only=m.read_only))
                    elif m.type == "tmpfs":
                        specs.append(MountSpec(type="tmpfs", target=m.target))
                    elif m.type == "secret":
                        src = self.opts.secrets.get(m.secret_id)
                        if src is None:
                            if m.required:
                                raise DockerfileError(f"secret {m.secret_id} not found", line=ins.line)
                            continue
                        specs.append(MountSpec(type="bind", source=src, target=m.target, read_only=True))
                    else:
                        specs.append(MountSpec(type="bind", source=self._bind_source(stack, m, ins), target=m.target,
                                               read_only=True))
                if script is not None:
                    d = self.staging()
                    path = os.path.join(d, "script")
                    with open(path, "w") as f:
                        f.write(script)
                    os.chmod(path, 0o755)  # noqa: S103 - the script must be executable in the container
                    specs.append(MountSpec(type="bind", source=path, target=argv[0], read_only=True))
                req = RunRequest(argv=argv, env=env, network=network, extra_hosts=self.opts.extra_hosts,
                                 mounts=specs, mount_targets=[m.target for m in mounts],
                                 keep=self.opts.keep_containers)
                started: list[str] = []

                def on_start(cid: str) -> None:
                    started.append(cid)
                    self.out.line(f" ---> Running in {cid[:12]}")

                code, layer = run_container(self.store, state, req, output=self.out.raw, started=on_start)
                if started:
                    self.out.line(f" ---> Removed intermediate container {started[0][:12]}")
            if code != 0:
                raise DockerfileError(f"The command '{' '.join(argv)}' returned a non-zero code: {code}",
                                      line=ins.line)
            if layer is not None:
                child.add_layer(*layer)
            child.add_history(created_by, empty=layer is None, comment="buildkit.dockerfile.v0")

        return self._step(state, key, apply, created_by=created_by)

    def _make_workdir(self, s: ImageState) -> tuple[dict[str, Any], str] | None:
        """WORKDIR creates its directory when the image lacks it, as Docker's builders do."""
        from mocker.build.copy import CopyJob, run_copy
        from mocker.build.layers import layer_from_upper, scratch_rootfs
        from mocker.engine.commit import _lower

        path = s.run_config.get("WorkingDir") or "/"
        parts = tuple(p for p in path.split("/") if p)
        layers = s.layer_dirs(self.store)
        if not parts or _lower(layers, parts)[0] is not None:
            return None
        with scratch_rootfs(self.store, layers) as (upper, merged):
            run_copy(merged, CopyJob(dest=path + "/", items=(), owner=None, chmod=None))
            return layer_from_upper(self.store, layers, upper)

    def _bind_source(self, stack: ExitStack, m: Any, ins: Instruction) -> str:
        from mocker.build.layers import scratch_rootfs
        from mocker.build.sources import resolve_in_scope

        if m.from_:
            other = self._other_image(m.from_, ins)
            _, merged = stack.enter_context(scratch_rootfs(self.store, other.layer_dirs(self.store)))
            rel = resolve_in_scope(merged, m.source or "/")
            return os.path.join(merged, rel) if rel else merged
        rel = posixpath.normpath("/" + (m.source or "/")).lstrip("/")
        path = os.path.join(self.ctx.root, rel) if rel else self.ctx.root
        if not os.path.exists(path) or (rel and not self.ctx.included(rel)):
            raise DockerfileError(f"failed to compute cache key: \"/{rel}\" not found", line=ins.line)
        return path

    def _other_image(self, name: str, ins: Instruction) -> ImageState:
        idx = self.df.stage_index(name)
        if idx is not None:
            if idx not in self.results:
                raise DockerfileError(f"invalid from flag value {name}", line=ins.line)
            return self.results[idx]
        return self.image_state(name, self.platform, line=ins.line)

    # ---- COPY / ADD ------------------------------------------------------------------------------

    def _copy(self, state: ImageState, ins: Instruction, args: ArgScope) -> ImageState:
        from mocker.build.copy_step import prepare_copy

        for flag, why in (("parents", "COPY --parents is not implemented"),
                          ("exclude", "COPY/ADD --exclude is not implemented"),
                          ("checksum", "ADD --checksum is not implemented"),
                          ("keep-git-dir", "git sources are not implemented")):
            if ins.flag(flag) is not None:
                raise NotSupported(f"{ins.cmd.upper()} --{flag} (Dockerfile:{ins.line})", why)
        ins.check_flags(_COPY_FLAGS if ins.cmd == "copy" else _ADD_FLAGS)
        cfg = state.run_config
        expand = expander(cfg, args)
        with _LazyExitStack() as stack:
            prep = prepare_copy(self, stack, state, ins, expand)  # type: ignore[arg-type]
            key = [ins.cmd, prep.dest, prep.digest, prep.chown, prep.chmod, [i.name for i in prep.items]]
            # The classic builder's spelling, with the sources' content digest: what --cache-from matches.
            kind = "multi" if len(prep.items) != 1 else ("dir" if prep.items[0].is_dir else "file")
            content = prep.digest.rsplit(":", 1)[-1]
            created_by = f"{ins.cmd.upper()} {kind}:{content} in {prep.dest} "

            def apply(child: ImageState) -> None:
                layer = prep.write(self.store, child)
                if layer is not None:
                    child.add_layer(*layer)
                child.add_history(created_by, empty=layer is None, comment="buildkit.dockerfile.v0")

            return self._step(state, key, apply, created_by=created_by)


class _LazyExitStack:
    """An ``ExitStack`` made on first ``enter_context``: a COPY enters one only for ``--from`` mounts,
    and a cached rebuild's COPY steps then need no ``contextlib``."""

    __slots__ = ("stack",)

    def __init__(self) -> None:
        self.stack: ExitStack | None = None

    def enter_context(self, cm: AbstractContextManager[_T]) -> _T:
        if self.stack is None:
            from contextlib import ExitStack

            self.stack = ExitStack()
        return self.stack.enter_context(cm)

    def __enter__(self) -> _LazyExitStack:
        return self

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.stack is not None:  # what it holds (scratch mounts) never suppresses an exception
            self.stack.__exit__(typ, exc, tb)


def _history_text(ins: Instruction) -> str:
    return ins.original.splitlines()[0] if ins.original else ins.cmd.upper()
