"""``commit`` and ``diff``: what a container changed, read from its overlay upper dir.

``diff`` gives what Docker 28 (overlay2) gives, the naive comparison of the container's tree with
its image's (go-archive ``ChangesDirs``), but computed from the upper dir instead of walking both
trees: an upper entry the lower layers lack is ``A``; one they have is ``C`` if its mode, owner,
device, or (not for directories) size or mtime differ, or its ``security.capability``; a whiteout
is ``D``; an opaque directory deletes the lower entries it no longer shows; every directory above
a change is ``C``. Lines come parents first, siblings by name. Mount points the runtime created in
the upper dir (``/etc/hosts``, ``/proc``, ...) are left out while still empty: Docker keeps those
in the container's "init" layer, below the one ``diff`` and ``commit`` read.

``commit`` writes those changes as one gzip layer (deletions as ``.wh.`` whiteouts, moby's
``ExportChanges``) on top of the image's layers. The config is the container's ``Config`` with
``--change`` applied and merged with it as moby's ``merge`` does, plus the history entry Docker
writes (``created_by`` is the container's command; an empty layer is marked ``empty_layer``).
"""

from __future__ import annotations

import os
import posixpath
import stat
from datetime import UTC, datetime
from typing import Any

from mocker.errors import Conflict, InvalidArgument, MockerError
from mocker.image.layer_diff import Change, ChangeKind
from mocker.store.containers import ContainerRecord
from mocker.store.store import Store

# Docker's init layer (daemon/initlayer) plus mocker's other runtime mount points.
RUNTIME_MOUNTPOINTS = frozenset((
    "/dev", "/dev/pts", "/dev/shm",  # noqa: S108 - a path inside the container
    "/dev/mqueue", "/dev/console", "/proc", "/sys", "/sys/fs/cgroup",
    "/.dockerenv", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/etc/mtab", "/sbin/docker-init",
))  # fmt: skip
_MOUNTPOINT_DIRS = frozenset(p[:i] for p in RUNTIME_MOUNTPOINTS for i in range(1, len(p)) if p[i] == "/")
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_CAP = "security.capability"
Parts = tuple[str, ...]


def _whiteout(st: os.stat_result) -> bool:
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


def _opaque(where: int | str) -> bool:
    try:
        if isinstance(where, int):
            return os.getxattr(where, "trusted.overlay.opaque") == b"y"
        return os.getxattr(where, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False


def _in_layer(layer: str, parts: Parts) -> tuple[os.stat_result | None, bool]:
    """``parts`` in one unpacked layer (real directories only): (its lstat, whether it hides the layers
    below: a whiteout, a non-directory on the way, or an opaque directory above a missing entry)."""
    cur, st = layer, os.lstat(layer)
    for i, comp in enumerate(parts):
        cur = f"{cur}/{comp}"
        try:
            st = os.lstat(cur)
        except OSError:
            return None, _opaque(posixpath.dirname(cur))
        if _whiteout(st) or (i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode)):
            return None, True
    return st, False


def _lower(layers: list[str], parts: Parts) -> tuple[os.stat_result | None, str]:
    """What the image shows at ``parts`` (its layers merged as overlayfs merges them), and where."""
    for layer in reversed(layers):
        st, hides = _in_layer(layer, parts)
        if st is not None or hides:
            return st, "/".join((layer, *parts))
    return None, ""


def _lower_names(layers: list[str], parts: Parts) -> set[str]:
    names: set[str] = set()
    gone: set[str] = set()
    for layer in reversed(layers):
        st, hides = _in_layer(layer, parts)
        if st is not None and stat.S_ISDIR(st.st_mode):
            path = "/".join((layer, *parts))
            for name in os.listdir(path):
                if _whiteout(os.lstat(f"{path}/{name}")):
                    gone.add(name)
                elif name not in gone:
                    names.add(name)
            if _opaque(path):
                break
        elif st is not None or hides:
            break
    return names


def _capability(path: str) -> bytes:
    try:
        return os.getxattr(path, _CAP, follow_symlinks=False)
    except OSError:
        return b""


def _same_time(a: int, b: int) -> bool:
    """sameFsTime: tar keeps whole seconds, so a time without nanoseconds matches its second."""
    return a == b or (a // 10**9 == b // 10**9 and (a % 10**9 == 0 or b % 10**9 == 0))


def _changed(low: os.stat_result, st: os.stat_result, fd: int, name: str, low_path: str) -> bool:
    """go-archive's statDifferent, plus the capability comparison."""
    if (low.st_mode, low.st_uid, low.st_gid, low.st_rdev) != (st.st_mode, st.st_uid, st.st_gid, st.st_rdev):
        return True
    if stat.S_ISDIR(st.st_mode):
        return False
    if low.st_size != st.st_size or not _same_time(low.st_mtime_ns, st.st_mtime_ns):
        return True
    return stat.S_ISREG(st.st_mode) and _capability(f"/proc/self/fd/{fd}/{name}") != _capability(low_path)


def list_changes(store: Store, rec: ContainerRecord) -> list[Change]:
    """The container's filesystem changes, as ``docker diff`` lists them."""
    layers = [str(p) for p in rec.config["spec"]["rootfs_layers"]]
    return upper_changes(layers, str(store.paths.containers / rec.id / "upper"))


def upper_changes(layers: list[str], upper: str) -> list[Change]:
    """What the overlay upper dir ``upper`` changes on top of ``layers`` (base first); the builder's too."""
    try:
        root = os.open(upper, _DIR)
    except FileNotFoundError:
        return []  # never mounted: nothing changed
    found: dict[Parts, ChangeKind] = {}
    candidates: dict[Parts, bool] = {}  # runtime mount points (and their dirs) the upper dir gained
    stack: list[tuple[int, Parts]] = [(root, ())]
    while stack:
        fd, parts = stack.pop()
        try:
            names = os.listdir(fd)
            if parts and _opaque(fd):
                low, _ = _lower(layers, parts)
                if low is not None and stat.S_ISDIR(low.st_mode):
                    for name in _lower_names(layers, parts) - set(names):
                        found[(*parts, name)] = ChangeKind.DELETE
            for name in names:
                try:
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue  # a running container removed it meanwhile
                path = (*parts, name)
                low, low_path = _lower(layers, path)
                if _whiteout(st):
                    if low is not None:
                        found[path] = ChangeKind.DELETE
                    continue
                if low is None:
                    found[path] = ChangeKind.ADD
                    shown = "/" + "/".join(path)
                    if shown in RUNTIME_MOUNTPOINTS or shown in _MOUNTPOINT_DIRS:
                        candidates[path] = stat.S_ISDIR(st.st_mode) or (stat.S_ISREG(st.st_mode) and not st.st_size)
                elif _changed(low, st, fd, name, low_path):
                    found[path] = ChangeKind.MODIFY
                if stat.S_ISDIR(st.st_mode):
                    try:
                        stack.append((os.open(name, _DIR, dir_fd=fd), path))
                    except OSError:
                        pass
        finally:
            os.close(fd)
    for path in sorted(candidates, key=len, reverse=True):  # deepest first: /sys/fs/cgroup, then /sys/fs
        if candidates[path] and not any(len(p) > len(path) and p[: len(path)] == path for p in found):
            del found[path]
    for path in list(found):
        for i in range(1, len(path)):
            found.setdefault(path[:i], ChangeKind.MODIFY)
    ordered = sorted(found, key=lambda p: tuple(os.fsencode(c) for c in p))
    return [Change(path="/" + "/".join(p), kind=found[p]) for p in ordered]


# ---- commit ------------------------------------------------------------------------------------------


def _merge(user: dict[str, Any], image: dict[str, Any]) -> dict[str, Any]:
    """moby's ``merge`` (daemon/commit.go): what the changed config lacks comes from the container's."""
    for key in ("User", "WorkingDir", "StopSignal"):
        if not user.get(key) and image.get(key):
            user[key] = image[key]
    for key in ("ExposedPorts", "Volumes", "Labels"):
        if image.get(key):
            user[key] = {**image[key], **(user.get(key) or {})}
    keys = {e.partition("=")[0] for e in user.get("Env") or []}
    user["Env"] = list(user.get("Env") or []) + [e for e in image.get("Env") or [] if e.partition("=")[0] not in keys]
    if not user.get("Entrypoint"):
        if not user.get("Cmd"):
            user["Cmd"] = image.get("Cmd")
        if user.get("Entrypoint") is None:
            user["Entrypoint"] = image.get("Entrypoint")
    if user.get("Healthcheck") is None and image.get("Healthcheck"):
        user["Healthcheck"] = image["Healthcheck"]
    return user


def _container_config(store: Store, rec: ContainerRecord) -> dict[str, Any]:
    """The container's ``Config`` as inspect shows it, without the keys Go leaves out when empty."""
    from mocker.engine.container_inspect import container_json

    cfg: dict[str, Any] = container_json(store, rec)["Config"]
    if not ((rec.config.get("options") or {}).get("stop_signal") or (rec.config.get("image_config") or {})
            .get("StopSignal")):
        cfg.pop("StopSignal", None)  # the runtime's default, not part of the container's Config
    return {k: v for k, v in cfg.items() if v or k not in ("ExposedPorts", "StopSignal", "Healthcheck", "Shell")}


def commit(
    store: Store,
    name_or_id: str,
    *,
    reference: str | None = None,
    author: str = "",
    message: str = "",
    changes: tuple[str, ...] | list[str] = (),
    pause: bool = True,
) -> str:
    """Create an image from the container's changes; returns its ID (``sha256:...``)."""
    from mocker.engine import containers
    from mocker.image.reference import parse_reference

    tag = None
    if reference:
        ref = parse_reference(reference)
        if ref.digest:
            raise InvalidArgument("refusing to create a tag with a digest reference")
        tag = str(ref)
    rec = containers.get(store, name_or_id)
    if rec.status in ("dead", "removing"):
        what = "Dead" if rec.status == "dead" else "being removed"
        raise Conflict(f"You cannot commit container {rec.id} which is {what}")
    paused = False
    if pause and rec.status == "running":
        try:
            containers.pause(store, rec.id)
            paused = True
        except MockerError:
            pass  # Docker commits anyway when the pause fails
    try:
        return _commit(store, rec, tag=tag, author=author, message=message, changes=list(changes))
    finally:
        if paused:
            try:
                containers.unpause(store, rec.id)
            except MockerError:
                pass  # it stopped meanwhile; Docker ignores this too


def _commit(store: Store, rec: ContainerRecord, *, tag: str | None, author: str, message: str,
            changes: list[str]) -> str:
    from mocker.engine.archives import _discard_unreferenced
    from mocker.engine.images import get_image, load, register_image
    from mocker.image.changes import apply_changes
    from mocker.image.layer_diff import create_layer
    from mocker.image.manifest import OCI_CONFIG, OCI_MANIFEST, canonical_json

    parent = load(store, get_image(store, rec.image_id))
    container_config = _container_config(store, rec)
    config_obj = _merge(apply_changes(container_config, changes), container_config)
    found = list_changes(store, rec)
    created: list[str] = []
    try:
        with store.lock(shared=True):
            layers = list(parent.manifest.get("layers") or [])
            diffs = list((parent.config.get("rootfs") or {}).get("diff_ids") or [])
            if found:
                with store.blobs.writer() as w:
                    info = create_layer(store.paths.containers / rec.id / "upper", w, changes=found)  # type: ignore[arg-type]
                    created.append(w.commit())
                layers.append({"mediaType": info.media_type, "digest": info.digest, "size": info.size})
                diffs.append(info.diff_id)
            now = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
            entry: dict[str, Any] = {"created": now, "created_by": " ".join(container_config.get("Cmd") or [])}
            entry.update({k: v for k, v in (("author", author), ("comment", message)) if v})
            if not found:
                entry["empty_layer"] = True
            config: dict[str, Any] = {k: parent.config[k] for k in ("architecture", "os", "variant", "os.version",
                                                                     "os.features") if parent.config.get(k)}
            config.update({"config": config_obj, "container": rec.id, "container_config": container_config,
                           "created": now, "rootfs": {"type": "layers", "diff_ids": diffs},
                           "history": [*(parent.config.get("history") or []), entry]})
            config.update({k: v for k, v in (("author", author), ("comment", message)) if v})
            cfg_bytes = canonical_json(config)
            created.append(store.blobs.put(cfg_bytes))
            manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": layers,
                        "config": {"mediaType": OCI_CONFIG, "digest": created[-1], "size": len(cfg_bytes)}}
            created.append(store.blobs.put(canonical_json(manifest)))
            image = register_image(store, created[-1], tags=(tag,) if tag else ())
    except BaseException:
        _discard_unreferenced(store, created)
        raise
    return image.id
