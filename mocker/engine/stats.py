"""Resource usage of running containers, read from their cgroups, as ``docker stats`` computes it.

:func:`sample` reads one :class:`Sample` of a container: CPU time (v1 ``cpuacct.usage``, v2
``cpu.stat``), memory (``memory.usage_in_bytes`` / ``memory.current``, ``memory.stat``, the limit,
the host's total memory when unlimited, as moby's stats collector does), block I/O
(``blkio.throttle.io_service_bytes`` / ``io.stat``), ``pids.current``, and the network counters of
the container's namespace (``/proc/<pid>/net/dev``, loopback left out as Docker's sandbox does).
:func:`entry` turns two samples into the numbers ``docker stats`` prints (docker/cli
``stats_helpers.go``: CPU % from the deltas of container and system CPU time, memory without
``inactive_file``); :func:`stats_json` is the Engine API's ``GET /containers/{id}/stats`` shape.
A container that is not running has no sample: Docker shows zeros for it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mocker.store.containers import ContainerRecord
    from mocker.store.store import Store

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One reading of a container's cgroups and network namespace (bytes, nanoseconds, counts)."""

    read: float                                 # epoch seconds
    cpu_total: int = 0                          # container CPU time, ns
    percpu: tuple[int, ...] = ()
    cpu_user: int = 0
    cpu_system: int = 0
    system: int = 0                             # host CPU time (/proc/stat), ns
    online_cpus: int = 0
    memory_usage: int = 0
    memory_max_usage: int = 0
    memory_limit: int = 0
    memory_failcnt: int = 0
    memory_stats: dict[str, int] = field(default_factory=dict)
    blkio: tuple[tuple[int, int, str, int], ...] = ()    # (major, minor, op, bytes)
    pids_current: int = 0
    pids_limit: int = 0                         # 0: unlimited
    networks: dict[str, dict[str, int]] = field(default_factory=dict)
    v2: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class StatsEntry:
    """What one ``docker stats`` row shows, as numbers (docker/cli ``StatsEntry``)."""

    container: str                              # what the user named it by (or the short ID)
    id: str
    name: str
    cpu_percentage: float = 0.0
    memory: float = 0.0
    memory_limit: float = 0.0
    memory_percentage: float = 0.0
    network_rx: float = 0.0
    network_tx: float = 0.0
    block_read: float = 0.0
    block_write: float = 0.0
    pids: int = 0
    invalid: bool = False                       # the container is gone: Docker prints "--"


# ---- reading ----------------------------------------------------------------------------------------

def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _int(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() else 0


def _keyed(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().isdigit():
            out[key] = int(value)
    return out


def cgroup_dirs(pid: int) -> tuple[dict[str, str], str]:
    """The v1 controller directories of ``pid`` (controller -> path) and its cgroup2 directory."""
    v1: dict[str, str] = {}
    v2 = ""
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _, right = line.partition(" - ")
        fields = right.split()
        if len(fields) < 3:
            continue
        mountpoint = left.split()[4]
        if fields[0] == "cgroup2":
            v2 = v2 or mountpoint
        elif fields[0] == "cgroup":
            for opt in fields[2].split(","):
                v1.setdefault(opt, mountpoint)
    dirs: dict[str, str] = {}
    unified = ""
    for line in _read(f"/proc/{pid}/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        suffix = path.rstrip("/") if path != "/" else ""
        if not controllers:
            unified = v2 + suffix if v2 else ""
        for name in controllers.split(","):
            if name in v1:
                dirs[name] = v1[name] + suffix
    return dirs, unified


def host_memory() -> int:
    """MemTotal in bytes (moby's ``machineMemory``)."""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def system_cpu_usage() -> int:
    """Host CPU time in ns from /proc/stat, as moby's ``readSystemCPUUsage`` sums it."""
    for line in _read("/proc/stat").splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            ticks = sum(int(x) for x in parts[1:8])
            return ticks * _NS // os.sysconf("SC_CLK_TCK")
    return 0


def _networks(pid: int) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in _read(f"/proc/{pid}/net/dev").splitlines()[2:]:
        name, _, rest = line.partition(":")
        name, values = name.strip(), rest.split()
        if name == "lo" or len(values) < 16:
            continue
        n = [int(v) for v in values]
        out[name] = {"rx_bytes": n[0], "rx_packets": n[1], "rx_errors": n[2], "rx_dropped": n[3],
                     "tx_bytes": n[8], "tx_packets": n[9], "tx_errors": n[10], "tx_dropped": n[11]}
    return out


def _blkio_v1(base: str) -> tuple[tuple[int, int, str, int], ...]:
    for name in ("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_service_bytes",
                 "blkio.io_service_bytes_recursive"):
        entries = []
        for line in _read(os.path.join(base, name)).splitlines():
            parts = line.split()
            if len(parts) == 3 and ":" in parts[0] and parts[2].isdigit():
                major, _, minor = parts[0].partition(":")
                entries.append((int(major), int(minor), parts[1], int(parts[2])))
        if entries:
            return tuple(entries)
    return ()


def _blkio_v2(base: str) -> tuple[tuple[int, int, str, int], ...]:
    entries = []
    for line in _read(os.path.join(base, "io.stat")).splitlines():
        parts = line.split()
        if not parts or ":" not in parts[0]:
            continue
        major, _, minor = parts[0].partition(":")
        values = dict(p.partition("=")[::2] for p in parts[1:])
        for key, op in (("rbytes", "read"), ("wbytes", "write")):
            if values.get(key, "").isdigit():
                entries.append((int(major), int(minor), op, int(values[key])))
    return tuple(entries)


def sample(store: Store, rec: ContainerRecord) -> Sample | None:
    """A reading of ``rec``'s cgroups now; None unless it is running (or paused)."""
    if rec.status not in ("running", "paused") or not rec.pid:
        return None
    dirs, unified = cgroup_dirs(rec.pid)
    if not dirs and not unified:
        return None     # the process is gone
    networks = {} if (rec.config.get("spec") or {}).get("network_mode") == "host" else _networks(rec.pid)
    common: dict[str, Any] = {"read": time.time(), "system": system_cpu_usage(),
                              "online_cpus": os.sysconf("SC_NPROCESSORS_ONLN"), "networks": networks}
    machine = host_memory()
    if "memory" in dirs or "cpuacct" in dirs:
        return _sample_v1(dirs, common, machine)
    return _sample_v2(unified, common, machine)


def _sample_v1(dirs: dict[str, str], common: dict[str, Any], machine: int) -> Sample:
    cpu, mem, pids = dirs.get("cpuacct", ""), dirs.get("memory", ""), dirs.get("pids", "")
    percpu = tuple(int(x) for x in _read(os.path.join(cpu, "cpuacct.usage_percpu")).split() if x.isdigit())
    cpustat = _keyed(_read(os.path.join(cpu, "cpuacct.stat")))
    tick = _NS // os.sysconf("SC_CLK_TCK")
    limit = _int(_read(os.path.join(mem, "memory.limit_in_bytes")))
    pids_max = _read(os.path.join(pids, "pids.max")).strip()
    return Sample(
        cpu_total=_int(_read(os.path.join(cpu, "cpuacct.usage"))), percpu=percpu,
        cpu_user=cpustat.get("user", 0) * tick, cpu_system=cpustat.get("system", 0) * tick,
        memory_usage=_int(_read(os.path.join(mem, "memory.usage_in_bytes"))),
        memory_max_usage=_int(_read(os.path.join(mem, "memory.max_usage_in_bytes"))),
        memory_failcnt=_int(_read(os.path.join(mem, "memory.failcnt"))),
        memory_limit=machine if machine and (not limit or limit > machine) else limit,
        memory_stats=_keyed(_read(os.path.join(mem, "memory.stat"))),
        blkio=_blkio_v1(dirs.get("blkio", "")),
        pids_current=_int(_read(os.path.join(pids, "pids.current"))),
        pids_limit=int(pids_max) if pids_max.isdigit() else 0, **common,
    )


def _sample_v2(base: str, common: dict[str, Any], machine: int) -> Sample:
    cpustat = _keyed(_read(os.path.join(base, "cpu.stat")))
    limit_text = _read(os.path.join(base, "memory.max")).strip()
    limit = int(limit_text) if limit_text.isdigit() else 0
    pids_max = _read(os.path.join(base, "pids.max")).strip()
    return Sample(
        cpu_total=cpustat.get("usage_usec", 0) * 1000, cpu_user=cpustat.get("user_usec", 0) * 1000,
        cpu_system=cpustat.get("system_usec", 0) * 1000,
        memory_usage=_int(_read(os.path.join(base, "memory.current"))),
        memory_limit=machine if machine and (not limit or limit > machine) else limit,
        memory_stats=_keyed(_read(os.path.join(base, "memory.stat"))),
        blkio=_blkio_v2(base), pids_current=_int(_read(os.path.join(base, "pids.current"))),
        pids_limit=int(pids_max) if pids_max.isdigit() else 0, v2=True, **common,
    )


# ---- computing ---------------------------------------------------------------------------------------

def cpu_percent(prev: Sample | None, cur: Sample) -> float:
    """docker/cli ``calculateCPUPercentUnix``."""
    cpu_delta = cur.cpu_total - (prev.cpu_total if prev else 0)
    system_delta = cur.system - (prev.system if prev else 0)
    online = cur.online_cpus or len(cur.percpu)
    if system_delta > 0 and cpu_delta > 0:
        return cpu_delta / system_delta * online * 100.0
    return 0.0


def memory_without_cache(s: Sample) -> int:
    """docker/cli ``calculateMemUsageUnixNoCache``: usage minus ``(total_)inactive_file``."""
    key = "inactive_file" if s.v2 else "total_inactive_file"
    inactive = s.memory_stats.get(key)
    if inactive is not None and inactive < s.memory_usage:
        return s.memory_usage - inactive
    return s.memory_usage


def entry(rec: ContainerRecord, cur: Sample | None, prev: Sample | None, *, container: str) -> StatsEntry:
    """One ``docker stats`` row from two samples (``prev`` None: since the container started)."""
    base = StatsEntry(container=container, id=rec.id, name=rec.name)
    if cur is None:
        return base
    mem = memory_without_cache(cur)
    rx = sum(n["rx_bytes"] for n in cur.networks.values())
    tx = sum(n["tx_bytes"] for n in cur.networks.values())
    read = sum(v for _, _, op, v in cur.blkio if op[:1] in ("r", "R"))
    write = sum(v for _, _, op, v in cur.blkio if op[:1] in ("w", "W"))
    return StatsEntry(
        container=container, id=rec.id, name=rec.name, cpu_percentage=cpu_percent(prev, cur), memory=mem,
        memory_limit=cur.memory_limit, memory_percentage=mem / cur.memory_limit * 100.0 if cur.memory_limit else 0.0,
        network_rx=rx, network_tx=tx, block_read=read, block_write=write, pids=cur.pids_current,
    )


def collect(store: Store, recs: list[ContainerRecord], *, interval: float = 1.0) -> dict[str, Sample | None]:
    """A first reading of each container, so the next one gives CPU % over ``interval`` seconds."""
    first = {r.id: sample(store, r) for r in recs}
    if any(s is not None for s in first.values()) and interval > 0:
        time.sleep(interval)
    return first


# ---- the Engine API shape ----------------------------------------------------------------------------

def _go_time(ts: float | None) -> str:
    from mocker.engine.health import go_time

    return go_time(ts) if ts else "0001-01-01T00:00:00Z"


def _cpu_json(s: Sample | None) -> dict[str, Any]:
    if s is None:
        return {"cpu_usage": {"total_usage": 0, "usage_in_kernelmode": 0, "usage_in_usermode": 0},
                "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}
    usage: dict[str, Any] = {"total_usage": s.cpu_total, "usage_in_kernelmode": s.cpu_system,
                             "usage_in_usermode": s.cpu_user}
    if s.percpu:
        usage["percpu_usage"] = list(s.percpu)
    return {"cpu_usage": usage, "system_cpu_usage": s.system, "online_cpus": s.online_cpus,
            "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0}}


def stats_json(rec: ContainerRecord, cur: Sample | None, prev: Sample | None) -> dict[str, Any]:
    """``GET /containers/{id}/stats`` (``container.StatsResponse``) for one reading."""
    doc: dict[str, Any] = {
        "name": "/" + rec.name, "id": rec.id, "read": _go_time(cur.read if cur else None),
        "preread": _go_time(prev.read if prev else None), "pids_stats": {}, "blkio_stats": {
            "io_service_bytes_recursive": None, "io_serviced_recursive": None, "io_queue_recursive": None,
            "io_service_time_recursive": None, "io_wait_time_recursive": None, "io_merged_recursive": None,
            "io_time_recursive": None, "sectors_recursive": None},
        "num_procs": 0, "storage_stats": {}, "cpu_stats": _cpu_json(cur), "precpu_stats": _cpu_json(prev),
        "memory_stats": {},
    }
    if cur is None:
        return doc
    doc["pids_stats"] = {"current": cur.pids_current, **({"limit": cur.pids_limit} if cur.pids_limit else {})}
    doc["blkio_stats"]["io_service_bytes_recursive"] = [
        {"major": ma, "minor": mi, "op": op, "value": v} for ma, mi, op, v in cur.blkio]
    mem: dict[str, Any] = {"usage": cur.memory_usage, "stats": dict(cur.memory_stats), "limit": cur.memory_limit}
    if not cur.v2:
        mem.update(max_usage=cur.memory_max_usage, failcnt=cur.memory_failcnt)
    doc["memory_stats"] = mem
    if cur.networks:
        doc["networks"] = {k: dict(v) for k, v in cur.networks.items()}
    return doc
