"""``version``, ``info`` and ``system df``: facts about this mocker and its store, measured, not assumed."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mocker import __version__
from mocker.store import images as db
from mocker.store.store import Store

API_VERSION = "1.41"
MIN_API_VERSION = "1.24"


def runtime_versions() -> dict[str, str]:
    """Versions of the OCI runtimes and helpers found on PATH (what `info` reports)."""
    out = {}
    for name in ("crun", "runc", "conmon"):
        path = shutil.which(name)
        if not path:
            continue
        try:
            text = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=5,  # noqa: S603
                                  check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        first = text.strip().splitlines()[0] if text.strip() else ""
        out[name] = first
    return out


def version_info() -> dict[str, Any]:
    return {
        "Client": {
            "Version": __version__, "ApiVersion": API_VERSION, "GoVersion": "",
            "Os": platform.system().lower(), "Arch": _go_arch(), "Python": platform.python_version(),
        },
        "Server": {
            "Engine": "mocker (daemonless)", "Version": __version__, "ApiVersion": API_VERSION,
            "MinAPIVersion": MIN_API_VERSION, "Os": platform.system().lower(), "Arch": _go_arch(),
            "KernelVersion": platform.release(),
        },
    }


def _go_arch() -> str:
    from mocker.image.platform import host_platform

    return host_platform().architecture


def cgroup_version() -> str:
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        return "2"
    return "1"


def _mem_total() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def info(store: Store) -> dict[str, Any]:
    from mocker.image.platform import format_platform, host_platform

    images = db.list_images(store.db)
    os_rel = {}
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            k, _, v = line.partition("=")
            os_rel[k] = v.strip('"')
    except OSError:
        pass
    runtimes = runtime_versions()
    from mocker.engine.containers import list_containers

    ctrs = list_containers(store)
    running = sum(1 for c in ctrs if c.status in ("running", "restarting"))
    paused = sum(1 for c in ctrs if c.status == "paused")
    return {
        "ID": "", "Containers": len(ctrs), "ContainersRunning": running, "ContainersPaused": paused,
        "ContainersStopped": len(ctrs) - running - paused,
        "Images": len(images), "Driver": "overlay", "DockerRootDir": str(store.paths.root),
        "Name": platform.node(), "OperatingSystem": os_rel.get("PRETTY_NAME", platform.system()),
        "OSType": platform.system().lower(), "Architecture": platform.machine(),
        "KernelVersion": platform.release(), "NCPU": os.cpu_count() or 0, "MemTotal": _mem_total(),
        "CgroupVersion": cgroup_version(), "ServerVersion": __version__,
        "Runtimes": {k: {"path": shutil.which(k) or ""} for k in ("crun", "runc") if k in runtimes},
        "DefaultRuntime": "crun" if "crun" in runtimes else ("runc" if "runc" in runtimes else ""),
        "RuntimeVersions": runtimes, "Platform": format_platform(host_platform()),
        "Backend": "linux",
        "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8", "::1/128"], "IndexConfigs": {}},
    }


@dataclass(frozen=True, slots=True)
class DiskUsage:
    kind: str
    total: int
    active: int
    size: int
    reclaimable: int


def _dir_size(path: Path) -> int:
    total = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                st = os.lstat(os.path.join(dirpath, f))
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += st.st_size
    return total


def disk_usage(store: Store) -> list[DiskUsage]:
    """Image size = unpacked layers + blobs (what ``rmi`` of everything would free)."""
    images = db.list_images(store.db)
    blob_bytes = sum(store.blobs.size(d) for d in store.blobs.all())
    layer_bytes = sum(int(r["size"]) for r in db.list_layers(store.db))
    from mocker.engine.containers import list_containers
    from mocker.store import volumes as vdb

    ctrs = list_containers(store)
    used_images = {c.image_id for c in ctrs}
    active = [i for i in images if i.id in used_images]
    size = blob_bytes + layer_bytes
    reclaim = max(0, size - sum(i.size for i in active))
    upper = {c.id: _dir_size(store.paths.containers / c.id / "upper") for c in ctrs}
    running = [c for c in ctrs if c.status in ("running", "paused", "restarting")]
    vols = vdb.list_volumes(store.db)
    referenced = vdb.referenced_names(store.db)
    vol_sizes = {v.name: _dir_size(Path(v.mountpoint)) for v in vols}
    return [
        DiskUsage("Images", len(images), len(active), size, reclaim),
        DiskUsage("Containers", len(ctrs), len(running), sum(upper.values()),
                  sum(s for cid, s in upper.items() if cid not in {c.id for c in running})),
        DiskUsage("Local Volumes", len(vols), sum(1 for v in vols if v.name in referenced),
                  sum(vol_sizes.values()), sum(s for n, s in vol_sizes.items() if n not in referenced)),
        DiskUsage("Build Cache", 0, 0, 0, 0),
    ]
