"""RUN: a real container from the step's image (the engine's own create/run path), then its layer.

The container is an ordinary mocker container (crun/runc + conmon), created from the in-memory
record of the step's image, with the build args in its environment, health checks off, the
RUN's ``--mount``s as binds/tmpfs, and the build's network (the default bridge, a user network,
``host`` or ``none``: the container's usual network set-up and teardown, leases included). It is
removed (with its anonymous volumes) whatever happens: success, failure, or Ctrl-C, so a build
never leaves containers behind -- except a step that succeeded when the build asked to keep them
(``--rm=false``, the API's ``rm=0``, as Docker's classic builder keeps its intermediate containers).

``--mount`` (BuildKit syntax): ``type=cache`` is a directory in the store kept between builds
(``<root>/build/cache-mounts``), ``type=bind`` a read-only bind of a context or stage path,
``type=secret`` a read-only file from ``--secret``, ``type=tmpfs`` a tmpfs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mocker.build.dockerfile import DockerfileError, Instruction
from mocker.build.layers import layer_from_upper
from mocker.build.state import ImageState
from mocker.errors import MockerError, NotSupported
from mocker.store.store import Store

# Marks build containers, so ``system prune`` can remove those a killed build left behind.
BUILD_LABEL = "io.mocker.build.step"


@dataclass(frozen=True, slots=True)
class RunMount:
    type: str
    target: str
    source: str = ""  # bind: path in the context or the stage; cache: id
    from_: str | None = None
    read_only: bool = True
    secret_id: str = ""
    required: bool = False
    options: dict[str, str] = field(default_factory=dict)


def parse_mounts(ins: Instruction, expand: Callable[[str], str]) -> list[RunMount]:
    out = []
    for raw in ins.flag_values("mount"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        for part in expand(raw).split(","):
            key, eq, value = part.partition("=")
            key = key.strip().lower()
            if eq:
                fields[key] = value
            else:
                flags.add(key)
        typ = fields.pop("type", "bind")
        target = fields.pop("target", fields.pop("dst", fields.pop("destination", "")))
        rw = "rw" in flags or fields.pop("rw", "false") == "true" or fields.pop("readwrite", "false") == "true"
        if typ == "secret":
            sid = fields.pop("id", "") or os.path.basename(target)
            if not sid:
                raise DockerfileError("secret mount requires an id or a target", line=ins.line)
            out.append(RunMount(type="secret", target=target or f"/run/secrets/{sid}", secret_id=sid,
                                required=fields.pop("required", "false") == "true" or "required" in flags,
                                options=fields))
        elif typ == "cache":
            if not target:
                raise DockerfileError("mount type=cache requires a target", line=ins.line)
            out.append(RunMount(type="cache", target=target, source=fields.pop("id", "") or target,
                                from_=fields.pop("from", None), read_only="ro" in flags, options=fields))
        elif typ == "bind":
            if not target:
                raise DockerfileError("mount type=bind requires a target", line=ins.line)
            out.append(RunMount(type="bind", target=target, source=fields.pop("source", fields.pop("src", "")),
                                from_=fields.pop("from", None), read_only=not rw, options=fields))
        elif typ == "tmpfs":
            if not target:
                raise DockerfileError("mount type=tmpfs requires a target", line=ins.line)
            out.append(RunMount(type="tmpfs", target=target, options=fields))
        elif typ == "ssh":
            raise NotSupported("RUN --mount=type=ssh", "SSH agent forwarding into builds is not implemented")
        else:
            raise DockerfileError(f"unsupported mount type {typ!r}", line=ins.line)
        if rw and typ == "bind":
            raise NotSupported("RUN --mount=type=bind,rw", "writable bind mounts (writes discarded) are not "
                                                          "implemented")
    return out


@dataclass(slots=True)
class RunRequest:
    argv: list[str]
    env: list[str]  # build args the RUN sees (below the image's ENV)
    network: str
    extra_hosts: tuple[str, ...]
    mounts: list[Any]  # MountSpec
    mount_targets: list[str]
    keep: bool = False  # --rm=false: a step container that succeeded stays (stopped)


def cache_mount_dir(store: Store, cache_id: str, options: dict[str, str]) -> str:
    name = hashlib.sha256(cache_id.encode()).hexdigest()[:32]
    path = store.paths.root / "build" / "cache-mounts" / name
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        uid, gid = int(options.get("uid", "0")), int(options.get("gid", "0"))
        os.chown(path, uid, gid)
        os.chmod(path, int(options.get("mode", "0755"), 8))
    return str(path)


def run_container(store: Store, state: ImageState, req: RunRequest, *, output: Callable[[bytes], Any],
                  started: Callable[[str], None]) -> tuple[int, tuple[dict[str, Any], str] | None]:
    """Run ``req`` on top of ``state``; (exit code, new layer or None)."""
    from mocker.engine import container_create, containers
    from mocker.engine.names import random_name
    from mocker.engine.types.containers import ContainerCreateOptions, HealthCheck, NetworkAttachment

    # A name known before create: if Ctrl-C lands after the row (and its address lease) is stored but
    # before create returns, the ``finally`` below still finds and removes it.
    name = f"{random_name()}_{os.urandom(4).hex()}"
    opts = ContainerCreateOptions(
        image=state.image_id(), name=name, command=tuple(req.argv), entrypoint=(), env=tuple(req.env),
        networks=(NetworkAttachment(name=req.network),), extra_hosts=req.extra_hosts, mounts=tuple(req.mounts),
        healthcheck=HealthCheck(test=("NONE",)), log_driver="none", labels={BUILD_LABEL: "true"},
    )
    code = None
    try:
        rec = container_create.create(store, opts, state.record())
    except BaseException:
        _remove(store, name)
        raise
    try:
        started(rec.id)
        code = containers.run_attached(store, rec, stdin=None, stdout=output, stderr=output, detach_keys=None)
        if code is None:  # cannot happen without stdin; treat as a failure
            code = 1
        layer = None
        if code == 0:
            layer = layer_from_upper(store, list(rec.config["spec"]["rootfs_layers"]),
                                     str(store.paths.containers / rec.id / "upper"), mount_targets=req.mount_targets)
        return code, layer
    finally:
        if not (req.keep and code == 0):
            _remove(store, rec.id)


def _remove(store: Store, ref: str) -> None:
    """Remove a build container with its anonymous volumes, network namespace and address leases."""
    from mocker.engine import containers

    try:
        containers.remove(store, ref, force=True, volumes_too=True)
    except MockerError:
        pass  # not created, or reported by the next `ps -a`; never hides the build's own error
