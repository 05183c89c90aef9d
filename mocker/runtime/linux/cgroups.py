"""cgroups as the container runtime meets them: the hierarchy's mode, the hybrid trap, and the few
files mocker reads itself (freezer state, OOM counters, memory usage).

Modes (:func:`detect_mode`):
- ``v2``: ``/sys/fs/cgroup`` is a cgroup2 mount (``cgroup.controllers`` at the root).
- ``hybrid``: v1 controllers under ``/sys/fs/cgroup/<name>`` plus a cgroup2 mount at
  ``/sys/fs/cgroup/unified`` (systemd's "hybrid" layout; these machines).
- ``v1``: v1 controllers only.

The hybrid trap: crun 1.8 refuses to create a container while ``/sys/fs/cgroup/unified`` has any
controller available ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2").
On these machines it lists ``hugetlb``, a controller no v1 hierarchy has claimed. The least invasive
fix, applied by :func:`fix_hybrid_trap`: mount each such controller as its own v1 hierarchy at
``/sys/fs/cgroup/<name>`` (``mount -t cgroup -o <name> cgroup /sys/fs/cgroup/<name>``). A controller
that is bound to no v2 subtree can move to a v1 hierarchy; the unified tree then lists nothing and
crun accepts the layout. It changes no process's cgroup and removes nothing; it is what a v1 system
would have mounted at boot anyway. It is done once per boot (later calls see the mountpoint and do
nothing), under an exclusive file lock so concurrent mocker processes do not race, and a directory
is trusted as a v1 controller only when it *is* a mountpoint (before the mount, writing there would
only create plain files on the tmpfs). If the controller cannot be moved (it is in use by a v2
subtree, or the mount fails), the caller falls back to runc, which does not care.

crun removes a container's leaf cgroup on ``delete`` but leaves its parents (``/mocker``) behind:
:func:`remove_leftovers` removes the leaf (where it is still there) and then the empty parents, under
the same lock that ``create`` holds shared, so a parent is never removed under a container that is
being created in it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from mocker.errors import OCIRuntimeError
from mocker.records import frozen

CGROUP_ROOT = "/sys/fs/cgroup"
# One lock for the whole machine: cgroup trees are shared by every store.
LOCK_PATH = "/run/lock/mocker-cgroups.lock"


class CgroupMode(StrEnum):
    V1 = "v1"
    V2 = "v2"
    HYBRID = "hybrid"


def detect_mode(root: str = CGROUP_ROOT) -> CgroupMode:
    if os.path.exists(os.path.join(root, "cgroup.controllers")):
        return CgroupMode.V2
    if os.path.exists(os.path.join(root, "unified", "cgroup.controllers")):
        return CgroupMode.HYBRID
    return CgroupMode.V1


def hybrid_v2_controllers(root: str = CGROUP_ROOT) -> tuple[str, ...]:
    """Controllers available in the hybrid layout's cgroup2 tree (what makes crun refuse)."""
    try:
        with open(os.path.join(root, "unified", "cgroup.controllers")) as f:
            return tuple(f.read().split())
    except FileNotFoundError:
        return ()


@contextmanager
def cgroup_lock(*, shared: bool = False, blocking: bool = True, path: str = LOCK_PATH) -> Iterator[bool]:
    """flock on the machine-wide cgroup lock; yields False if ``blocking=False`` and it is taken."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        flags = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(fd, flags if blocking else flags | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def fix_hybrid_trap(root: str = CGROUP_ROOT) -> tuple[str, ...]:
    """Move the controllers listed by the unified tree to v1 hierarchies; returns the ones moved.

    Idempotent and safe to call concurrently; cheap when there is nothing to do (one small read).
    Raises :class:`OCIRuntimeError` if controllers remain in the unified tree afterwards.
    """
    if detect_mode(root) is not CgroupMode.HYBRID or not hybrid_v2_controllers(root):
        return ()
    from mocker.runtime.linux.rootfs import mount

    moved: list[str] = []
    with cgroup_lock():
        for name in hybrid_v2_controllers(root):
            target = os.path.join(root, name)
            if os.path.ismount(target):
                continue            # another hierarchy already lives there: nothing to move to
            os.makedirs(target, exist_ok=True)
            try:
                mount("cgroup", target, "cgroup", 0, name)
            except OSError as exc:
                if not os.listdir(target):
                    os.rmdir(target)
                raise OCIRuntimeError(
                    f"cannot move cgroup controller {name} out of the unified hierarchy: {exc}"
                ) from exc
            moved.append(name)
        left = hybrid_v2_controllers(root)
    if left:
        raise OCIRuntimeError(f"cgroup controllers still in the unified hierarchy: {' '.join(left)}")
    return tuple(moved)


# ---- per-container files -------------------------------------------------------------------------


@frozen
class CgroupPaths:
    """Directories of one process's cgroups that mocker reads (absolute paths, "" if none)."""

    freezer: str = ""
    memory: str = ""
    unified: str = ""       # the cgroup2 directory (v2: everything; hybrid: the unified tree)
    v2: bool = False

    def to_json(self) -> dict[str, object]:
        return {"freezer": self.freezer, "memory": self.memory, "unified": self.unified, "v2": self.v2}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> CgroupPaths:
        return cls(
            freezer=str(data.get("freezer", "")),
            memory=str(data.get("memory", "")),
            unified=str(data.get("unified", "")),
            v2=bool(data.get("v2", False)),
        )


def _mounts() -> tuple[dict[str, str], str]:
    """v1 controller -> mountpoint, and the cgroup2 mountpoint ("" if none), from mountinfo."""
    v1: dict[str, str] = {}
    v2 = ""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = right.split()
            if len(fields) < 3:
                continue
            mountpoint = left.split()[4]
            if fields[0] == "cgroup2":
                v2 = v2 or mountpoint
            elif fields[0] == "cgroup":
                for opt in fields[2].split(","):
                    if opt in ("rw", "ro") or "=" in opt and not opt.startswith("name="):
                        continue
                    v1.setdefault(opt, mountpoint)
    return v1, v2


def available_controllers() -> frozenset[str]:
    """Controllers containers can use: v1 hierarchies, or the v2 root's (freezer is built into v2)."""
    v1, v2 = _mounts()
    if v2 != CGROUP_ROOT:
        return frozenset(v1)
    return frozenset(read_text(os.path.join(v2, "cgroup.controllers")).split()) | {"freezer"}


def controller_dirs(pid: int) -> tuple[dict[str, str], str]:
    """The v1 controller directories of ``pid`` (controller -> path) and its cgroup2 directory
    ({} and "" if the process is gone)."""
    dirs, unified, _ = _controller_dirs(pid)
    return dirs, unified


def _controller_dirs(pid: int) -> tuple[dict[str, str], str, str]:
    v1, v2mount = _mounts()
    dirs: dict[str, str] = {}
    unified = ""
    for line in read_text(f"/proc/{pid}/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        suffix = path.rstrip("/") if path != "/" else ""
        if not controllers:
            unified = v2mount + suffix if v2mount else ""
            continue
        for name in controllers.split(","):
            if name in v1:
                dirs[name] = v1[name] + suffix
    return dirs, unified, v2mount


def paths_of_pid(pid: int) -> CgroupPaths:
    """The cgroup directories of ``pid`` (read once, at create; :func:`state` reads only files).
    Raises FileNotFoundError if the process is gone."""
    dirs, unified, v2mount = _controller_dirs(pid)
    if not dirs and not unified:
        raise FileNotFoundError(f"/proc/{pid}/cgroup")
    freezer, memory = dirs.get("freezer", ""), dirs.get("memory", "")
    is_v2 = bool(unified) and not freezer and not memory and v2mount == CGROUP_ROOT
    return CgroupPaths(freezer=freezer, memory=memory, unified=unified, v2=is_v2)


def read_text(path: str) -> str:
    """A file's text, "" if it cannot be read (cgroup files vanish with their container)."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def is_frozen(paths: CgroupPaths) -> bool:
    """True if the container's cgroup is frozen (paused) or freezing."""
    if paths.v2:
        return read_text(os.path.join(paths.unified, "cgroup.freeze")).strip() == "1"
    if paths.freezer:
        return read_text(os.path.join(paths.freezer, "freezer.state")).strip() in ("FROZEN", "FREEZING")
    return False


def wait_frozen(paths: CgroupPaths, timeout: float = 5.0) -> bool:
    """After a pause: wait until the freezer reports FROZEN (v1 can stay FREEZING under load, while a
    task is in an uninterruptible sleep; writing FROZEN again retries). False if it never did."""
    if paths.v2:
        path = os.path.join(paths.unified, "cgroup.events")
        done = lambda: "frozen 1" in read_text(path)  # noqa: E731
    elif paths.freezer:
        path = os.path.join(paths.freezer, "freezer.state")
        done = lambda: read_text(path).strip() == "FROZEN"  # noqa: E731
    else:
        return True
    deadline = time.monotonic() + timeout
    delay = 0.001
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
        if not paths.v2:
            try:
                with open(path, "w") as f:
                    f.write("FROZEN")
            except OSError:
                return False
    return True


def keyed(text: str) -> dict[str, int]:
    """``key value`` lines (memory.stat, cpu.stat, memory.events) as a dict of ints."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            out[key] = int(value)
    return out


def oom_kills(paths: CgroupPaths) -> int | None:
    """How many processes the kernel OOM-killed in this cgroup; None if it cannot be read (gone)."""
    if paths.v2:
        text = read_text(os.path.join(paths.unified, "memory.events"))
    elif paths.memory:
        text = read_text(os.path.join(paths.memory, "memory.oom_control"))
    else:
        return None
    if not text:
        return None
    return keyed(text).get("oom_kill", 0)


def memory_usage(paths: CgroupPaths) -> dict[str, int]:
    """usage / limit / failcnt / oom_kill in bytes and counts (for ``stats``); {} if unreadable."""
    out: dict[str, int] = {}
    if paths.v2:
        names = {"usage": "memory.current", "limit": "memory.max"}
        base = paths.unified
    elif paths.memory:
        names = {"usage": "memory.usage_in_bytes", "limit": "memory.limit_in_bytes", "failcnt": "memory.failcnt"}
        base = paths.memory
    else:
        return out
    for key, name in names.items():
        value = read_text(os.path.join(base, name)).strip()
        if value.isdigit():
            out[key] = int(value)
    kills = oom_kills(paths)
    if kills is not None:
        out["oom_kill"] = kills
    return out


# ---- cleanup -------------------------------------------------------------------------------------


def _hierarchy_roots() -> list[str]:
    v1, v2 = _mounts()
    roots = sorted(set(v1.values()))
    if v2:
        roots.append(v2)
    return roots


def remove_leftovers(cgroups_path: str) -> list[str]:
    """rmdir ``cgroups_path`` (absolute, e.g. ``/mocker/<id>``) and its empty parents in every hierarchy.

    Only empty directories are removed (rmdir fails on a cgroup with processes or children), so
    this is safe beside other containers. Skipped (returns []) while another process creates a
    container, since it holds the lock shared. Returns the directories removed.
    """
    parts = [p for p in cgroups_path.strip("/").split("/") if p and p not in (".", "..")]
    if not parts:
        return []
    removed: list[str] = []
    with cgroup_lock(blocking=False) as locked:
        # While someone else creates a container (lock held shared), only our own leaf goes.
        depths = range(len(parts), 0, -1) if locked else range(len(parts), len(parts) - 1, -1)
        for root in _hierarchy_roots():
            for depth in depths:
                path = os.path.join(root, *parts[:depth])
                try:
                    os.rmdir(path)
                    removed.append(path)
                except FileNotFoundError:
                    continue
                except OSError:
                    break           # busy or not empty: its parents are in use too
    return removed
