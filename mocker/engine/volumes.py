"""Volumes with the ``local`` driver, as Docker 28 keeps them (moby ``daemon/volume/local``, ``volume/service``).

A volume is a row in ``volumes`` plus ``<root>/volumes/<name>/_data``. Which containers use it is
``container_volumes``, whose foreign key makes "in use" a database constraint: a referenced volume
cannot be deleted, and a container cannot be attached to a volume another process just deleted.

Volumes made with ``--opt type=... --opt device=...`` are mounted on ``_data`` while containers that
use them run: :func:`mount` / :func:`unmount` keep, per volume, the set of container IDs holding the
mount (a file in the run directory, under one lock), restricted to containers that still reference
the volume in ``container_volumes``; the last one out unmounts. tmpfs, bind (``o=bind``) and local
block-device filesystems are real ``mount(8)`` calls (``-i``: no helpers, the syscall Docker makes);
network filesystems and quotas raise :class:`NotSupported`.

Order of locks: the volume lock (a file lock) is taken before a database write transaction, never
inside one, so call :func:`mount`, :func:`unmount`, :func:`remove` and :func:`remove_anonymous_for`
outside a transaction. :func:`create_volume`, :func:`ensure_named` and :func:`attach` join the
caller's transaction, so a container engine can create, attach and insert its container atomically.
"""

from __future__ import annotations

import os

from mocker.errors import Conflict, InvalidArgument, MockerError, NotSupported, OCIRuntimeError, VolumeNotFound
from mocker.store import volumes as vdb
from mocker.store.db import transaction
from mocker.store.volumes import ANONYMOUS_LABEL, VolumeRecord, pairs

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterable, Iterator, Mapping
    from contextlib import AbstractContextManager

    from mocker.store.store import Store

DRIVER = "local"
SCOPE = "local"
NAME_CHARS = "[a-zA-Z0-9][a-zA-Z0-9_.-]"
LIST_FILTERS = frozenset({"dangling", "name", "driver", "label"})
PRUNE_FILTERS = frozenset({"label", "label!", "all"})

_VALID_OPTS = ("type", "o", "device", "size")
_MANDATORY = (("device", ("type",)), ("type", ("device",)), ("o", ("device", "type")))
_NETWORK_TYPES = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "9p", "afs", "lustre",
                            "sshfs", "davfs", "ncpfs", "gfs2", "ocfs2", "beegfs", "virtiofs"})


class VolumeRemoveReport:
    """``volume rm``: the names removed, one error per name that was not."""

    __slots__ = ("removed", "errors")

    def __init__(self) -> None:
        self.removed: list[str] = []
        self.errors: list[MockerError] = []


class VolumePruneReport:
    __slots__ = ("deleted", "reclaimed")

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.reclaimed = 0


# ---- create / get / list -------------------------------------------------------------------------


def _go_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def validate_name(name: str) -> None:
    import re

    if len(name) == 1:
        raise InvalidArgument(f"create {name}: volume name is too short, names should be at least two "
                              "alphanumeric characters")
    if not re.fullmatch(NAME_CHARS + "+", name, flags=re.ASCII):
        raise InvalidArgument(f"create {name}: {_go_quote(name)} includes invalid characters for a local volume "
                              f"name, only {_go_quote(NAME_CHARS)} are allowed. If you intended to pass a host "
                              "directory, use absolute path")


def validate_options(name: str, options: Mapping[str, str]) -> None:
    """moby's ``validateOpts`` (local_unix.go), then what mocker cannot mount."""
    for key in options:
        if key not in _VALID_OPTS:
            raise InvalidArgument(f"create {name}: invalid option: {_go_quote(key)}")
    if "size" in options:
        raise NotSupported("volume option size", "quotas on local volumes (XFS project quotas) are not implemented")
    for key, required in _MANDATORY:
        for req in required:
            if key in options and req not in options:
                raise InvalidArgument(f"create {name}: missing required option: {_go_quote(req)}")
    fstype = options.get("type", "")
    if fstype in _NETWORK_TYPES or fstype.startswith("fuse"):
        raise NotSupported(f"volume option type={fstype}",
                           "network and FUSE filesystems need mount helpers and address resolution that mocker "
                           "does not implement; mount them on the host and use a bind volume")


def needs_mount(rec: VolumeRecord) -> bool:
    opts = dict(rec.options)
    return bool(opts.get("type") or opts.get("device"))


def create_volume(store: Store, name: str | None = None, *, driver: str = DRIVER,
                  labels: Mapping[str, str] | None = None, options: Mapping[str, str] | None = None,
                  anonymous: bool = False) -> VolumeRecord:
    """``volume create``: without a name, a random 64-hex one and Docker's anonymous label.

    ``anonymous`` marks a volume a container created for itself (``-v /path``): ``rm -v`` and ``--rm``
    remove those (:func:`remove_anonymous_for`). An existing name is returned as it is (Docker), unless
    different options or labels are asked for, which would be silently ignored: that is a Conflict.
    """
    if driver != DRIVER:
        raise NotSupported(f"volume driver {_go_quote(driver)}", "mocker has only the built-in local driver "
                                                                 "(there are no volume plugins)")
    labels = dict(labels or {})
    options = dict(options or {})
    if not name:
        import secrets

        name = secrets.token_hex(32)
        labels.setdefault(ANONYMOUS_LABEL, "")
    validate_name(name)
    validate_options(name, options)
    import time

    conn = store.db
    with transaction(conn):
        existing = vdb.get_volume(conn, name)
        if existing is not None:
            if options and pairs(options) != existing.options or labels and pairs(labels) != existing.labels:
                raise Conflict(f"create {name}: volume name must be unique: a volume named {name} already exists "
                               "with other options or labels; remove it first to re-create it")
            return existing
        rec = VolumeRecord(name=name, driver=DRIVER, mountpoint=store.paths.text("volumes", name, "_data"),
                           created=time.time(), labels=pairs(labels), options=pairs(options), anonymous=anonymous)
        # The directories exist before the row is visible to anyone (same write transaction).
        os.makedirs(store.paths.text("volumes"), mode=0o701, exist_ok=True)
        os.makedirs(store.paths.text("volumes", name), mode=0o701, exist_ok=True)
        os.makedirs(rec.mountpoint, mode=0o755, exist_ok=True)
        vdb.insert_volume(conn, rec)
    from mocker.engine.events import record

    record(store, "volume", "create", rec.name, {"driver": rec.driver})
    return rec


def ensure_named(store: Store, name: str) -> VolumeRecord:
    """``-v NAME:/path``: the volume, created (no labels, no options) if it does not exist, as Docker does."""
    rec = vdb.get_volume(store.db, name)
    return rec if rec is not None else create_volume(store, name)


def get_volume(store: Store, name: str) -> VolumeRecord:
    rec = vdb.get_volume(store.db, name)
    if rec is None:
        raise VolumeNotFound(name)
    return rec


def attach(conn: sqlite3.Connection, container_id: str, volume_name: str, destination: str) -> None:
    """Record that a container uses a volume; from then on the volume cannot be removed."""
    vdb.attach(conn, container_id, volume_name, destination)


def check_filters(filters: Mapping[str, Iterable[str]], accepted: frozenset[str]) -> None:
    for key in filters:
        if key not in accepted:
            raise InvalidArgument(f"invalid filter '{key}'")


def _bool_filter(key: str, values: list[str]) -> bool:
    falsy = "0" in values or "false" in values
    truthy = "1" in values or "true" in values
    if falsy == truthy:
        raise InvalidArgument(f"invalid filter '{key}=[{' '.join(values)}]'")
    return truthy


def _match_kv(wanted: list[str], labels: dict[str, str]) -> bool:
    """moby's ``MatchKVList``: every ``key`` or ``key=value`` matches."""
    if not labels:
        return False
    for w in wanted:
        k, eq, v = w.partition("=")
        if k not in labels or eq and labels[k] != v:
            return False
    return True


def _name_match(patterns: list[str], name: str) -> bool:
    """moby's ``filters.Match``: an exact name, or a regular expression found anywhere in it."""
    import re

    if name in patterns:
        return True
    for p in patterns:
        try:
            if re.search(p, name):
                return True
        except re.error:
            continue
    return False


def matches(rec: VolumeRecord, filters: Mapping[str, list[str]], referenced: set[str]) -> bool:
    if filters.get("driver") and rec.driver not in filters["driver"]:
        return False
    if filters.get("name") and not _name_match(filters["name"], rec.name):
        return False
    labels = dict(rec.labels)
    if filters.get("label") and not _match_kv(filters["label"], labels):
        return False
    if filters.get("label!") and _match_kv(filters["label!"], labels):
        return False
    if "dangling" in filters:
        dangling = _bool_filter("dangling", filters["dangling"])
        if dangling == (rec.name in referenced):
            return False
    return True


def list_volumes(store: Store, filters: Mapping[str, list[str]] | None = None) -> list[VolumeRecord]:
    """``volume ls`` (filters: dangling, name, driver, label), ordered by name."""
    filters = filters or {}
    check_filters(filters, LIST_FILTERS)
    conn = store.db
    referenced = vdb.referenced_names(conn) if "dangling" in filters else set()
    if "dangling" in filters:
        _bool_filter("dangling", filters["dangling"])
    return [r for r in vdb.list_volumes(conn) if matches(r, filters, referenced)]


def volume_json(rec: VolumeRecord) -> dict[str, object]:
    """``volume inspect``: Docker's Volume object, keys in Docker's order."""
    from datetime import datetime

    created = datetime.fromtimestamp(int(rec.created)).astimezone().isoformat()
    if created.endswith("+00:00"):
        created = created[:-6] + "Z"
    return {"CreatedAt": created, "Driver": rec.driver, "Labels": dict(rec.labels), "Mountpoint": rec.mountpoint,
            "Name": rec.name, "Options": dict(rec.options), "Scope": SCOPE}


# ---- remove / prune ------------------------------------------------------------------------------


def _lock(store: Store) -> AbstractContextManager[None]:
    from mocker.store.locks import file_lock

    return file_lock(store.paths.run / "volumes" / "volumes.lock")


def _refs_file(store: Store, name: str) -> str:
    return os.path.join(str(store.paths.run), "volumes", name + ".refs")


def _read_refs(store: Store, name: str) -> set[str]:
    try:
        with open(_refs_file(store, name)) as f:
            return {line.strip() for line in f if line.strip()}
    except FileNotFoundError:
        return set()


def _write_refs(store: Store, name: str, refs: set[str]) -> None:
    path = _refs_file(store, name)
    if not refs:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write("".join(r + "\n" for r in sorted(refs)))
    os.replace(tmp, path)


def _retire_dir(store: Store, rec: VolumeRecord) -> str | None:
    """Unmount the volume and move its directory aside (same filesystem); the caller deletes it."""
    root = store.paths.text("volumes", rec.name)
    if not os.path.lexists(root):
        return None
    if is_mountpoint(rec.mountpoint):
        _umount(rec.mountpoint)
    real = os.path.realpath(root)
    if any(m == real or m.startswith(real + "/") for m in mountpoints()):
        raise Conflict(f"remove {rec.name}: volume has active mounts")
    import secrets

    trash = store.paths.text("volumes", f".removing-{rec.name}-{secrets.token_hex(4)}")
    os.rename(root, trash)
    return trash


def _delete(store: Store, name: str, *, force: bool = False, container_id: str | None = None) -> bool:
    """Delete one volume (with the volume lock held); False if it did not exist (``force``) or is still used."""
    import shutil

    conn = store.db
    # Joined to a caller's transaction, the directory would go before a commit that might never come.
    assert not conn.in_transaction, "remove volumes outside a transaction"
    trash: str | None = None
    root = store.paths.text("volumes", name)
    try:
        with transaction(conn):
            rec = vdb.get_volume(conn, name)
            if rec is None:
                if force or container_id is not None:
                    return False
                raise VolumeNotFound(name)
            if container_id is not None:
                vdb.detach(conn, container_id, name)
                if vdb.users(conn, name):
                    return False
            vdb.delete_volume(conn, name)
            trash = _retire_dir(store, rec)
    except BaseException:
        if trash is not None:
            os.rename(trash, root)
        raise
    _write_refs(store, name, set())
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
    from mocker.engine.events import record

    record(store, "volume", "destroy", name, {"driver": DRIVER})
    return True


def remove(store: Store, names: Iterable[str], *, force: bool = False) -> VolumeRemoveReport:
    """``volume rm``: each name in turn; ``force`` ignores names that do not exist (not volumes in use)."""
    report = VolumeRemoveReport()
    with _lock(store):
        for name in names:
            try:
                _delete(store, name, force=force)
                report.removed.append(name)
            except MockerError as e:
                report.errors.append(e)
    return report


def remove_anonymous_for(store: Store, container_id: str, names: Iterable[str] = ()) -> list[str]:
    """``rm -v`` / ``--rm``: detach the container's anonymous volumes and remove those no other container uses.

    The volumes are the container's ``container_volumes`` rows, plus ``names``: pass the names it used
    if the container row is deleted first (the cascade forgets its rows). Named volumes are kept.
    """
    removed = []
    with _lock(store):
        attached = [n for n, _ in vdb.container_volumes(store.db, container_id)]
        for name in dict.fromkeys([*attached, *names]):
            rec = vdb.get_volume(store.db, name)
            if rec is not None and rec.anonymous and _delete(store, name, container_id=container_id):
                removed.append(name)
    return removed


def volume_size(path: str) -> int:
    """moby's ``directory.Size``: apparent sizes of all but directories (symlinks too), each inode once."""
    import stat

    seen: set[int] = set()
    total = 0
    for top, dirs, files in os.walk(path):
        for n in files + [d for d in dirs if os.path.islink(os.path.join(top, d))]:
            try:
                st = os.lstat(os.path.join(top, n))
            except FileNotFoundError:
                continue
            if st.st_size and not stat.S_ISDIR(st.st_mode) and st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    return total


def prune(store: Store, *, all_volumes: bool = False,
          filters: Mapping[str, list[str]] | None = None) -> VolumePruneReport:
    """``volume prune``: unused local volumes without mount options; only anonymous ones unless ``all``."""
    filters = dict(filters or {})
    check_filters(filters, PRUNE_FILTERS)
    if "all" in filters:
        values = filters.pop("all")
        if len(set(values)) > 1:
            raise InvalidArgument(f"invalid filter 'all=[{' '.join(values)}]': only one value is expected")
        low = values[0].lower()
        if low not in ("1", "t", "true", "0", "f", "false"):
            raise InvalidArgument(f"invalid filter 'all': strconv.ParseBool: parsing {_go_quote(values[0])}: "
                                  "invalid syntax")
        all_volumes = all_volumes or low in ("1", "t", "true")
    if not all_volumes:
        filters["label"] = [*filters.get("label", []), ANONYMOUS_LABEL]
    report = VolumePruneReport()
    with _lock(store):
        referenced = vdb.referenced_names(store.db)
        for rec in vdb.list_volumes(store.db):
            if rec.driver != DRIVER or rec.options or rec.name in referenced or not matches(rec, filters, set()):
                continue
            size = volume_size(rec.mountpoint)
            try:
                if _delete(store, rec.name, force=True):
                    report.deleted.append(rec.name)
                    report.reclaimed += size
            except MockerError:
                continue  # e.g. a container started using it meanwhile: Docker skips it too
    return report


# ---- mounts --------------------------------------------------------------------------------------


def mountpoints() -> Iterator[str]:
    """Mount points of this mount namespace (``/proc/self/mountinfo``, octal escapes decoded)."""
    import re

    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split(" ")
            if len(fields) > 4:
                yield re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])


def is_mountpoint(path: str) -> bool:
    real = os.path.realpath(path)
    return any(m == real for m in mountpoints())


def _run(argv: list[str], what: str) -> None:
    import subprocess

    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 - argv list, no shell
    except FileNotFoundError as e:
        raise OCIRuntimeError(f"{what}: {argv[0]} not found (install util-linux)") from e
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().replace("\n", "; ")
        raise OCIRuntimeError(f"{what}: {detail or f'{argv[0]} exited {proc.returncode}'}")


def _mount(rec: VolumeRecord) -> None:
    opts = dict(rec.options)
    argv = ["mount", "-n", "-i", "-t", opts.get("type") or "none"]
    if opts.get("o"):
        argv += ["-o", opts["o"]]
    argv += ["--", opts.get("device", ""), rec.mountpoint]
    _run(argv, f"error while mounting volume '{rec.mountpoint}': failed to mount local volume")


def _umount(path: str) -> None:
    try:
        _run(["umount", "-n", "-i", path], f"error while unmounting volume '{path}'")
    except OCIRuntimeError:
        if is_mountpoint(path):
            raise


def mount(store: Store, name: str, container_id: str) -> str:
    """Mount the volume for a container that uses it (a no-op path for plain volumes); returns ``_data``."""
    rec = get_volume(store, name)
    from mocker.engine.events import record

    record(store, "volume", "mount", name, {"container": container_id, "driver": rec.driver})
    if not needs_mount(rec):
        return rec.mountpoint
    with _lock(store):
        if container_id not in vdb.users(store.db, name):
            raise InvalidArgument(f"container {container_id} does not use volume {name}")
        refs = _read_refs(store, name)
        os.makedirs(rec.mountpoint, mode=0o755, exist_ok=True)
        if not is_mountpoint(rec.mountpoint):
            _mount(rec)
        _write_refs(store, name, refs | {container_id})
    return rec.mountpoint


def unmount(store: Store, name: str, container_id: str) -> None:
    """The container no longer needs the volume; the last holder unmounts it (even if the count is stale)."""
    rec = vdb.get_volume(store.db, name)
    if rec is None or not needs_mount(rec):
        return
    with _lock(store):
        users = set(vdb.users(store.db, name))
        refs = {r for r in _read_refs(store, name) if r != container_id and r in users}
        _write_refs(store, name, refs)
        if not refs and is_mountpoint(rec.mountpoint):
            _umount(rec.mountpoint)


def mount_holders(store: Store, name: str) -> set[str]:
    """IDs of the containers holding the volume's mount (for inspection and tests)."""
    return _read_refs(store, name)


def copy_up(image_rootfs_path: str, path_in_image: str, volume_dir: str) -> bool:
    """Docker's copy of image content into a new, empty volume on first use; True if anything was copied.

    See :mod:`mocker.engine.volume_copy`: ownership, modes, xattrs, times and hard links are kept, and
    symlinks in the image are resolved inside ``image_rootfs_path``, never followed out of it.
    """
    from mocker.engine.volume_copy import copy_up as _copy_up

    return _copy_up(image_rootfs_path, path_in_image, volume_dir)
