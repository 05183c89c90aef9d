"""Reading a container's usage from its cgroups (v1 and v2) and its network namespace.

CPU time (v1 ``cpuacct.usage``, v2 ``cpu.stat``), memory (``memory.usage_in_bytes`` /
``memory.current``, ``memory.stat``, the limit, the host's total memory when unlimited, as moby's
stats collector does), block I/O (``blkio.throttle.io_service_bytes`` / ``io.stat``),
``pids.current``, and the counters of ``/proc/<pid>/net/dev`` (loopback left out, as Docker's
sandbox does).
"""

from __future__ import annotations

import os
import time
from typing import Any

from mocker.runtime.linux.cgroups import controller_dirs
from mocker.runtime.linux.cgroups import keyed as _keyed
from mocker.runtime.linux.cgroups import read_text as _read
from mocker.runtime.stats import Sample

_NS = 1_000_000_000


def _int(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() else 0


def read_sample(pid: int, *, own_network: bool = True) -> Sample | None:
    """A reading of ``pid``'s cgroups now; None if the process is gone."""
    dirs, unified = controller_dirs(pid)
    if not dirs and not unified:
        return None
    common: dict[str, Any] = {"read": time.time(), "system": system_cpu_usage(),
                              "online_cpus": os.sysconf("SC_NPROCESSORS_ONLN"),
                              "networks": _networks(pid) if own_network else {}}
    machine = host_memory()
    if "memory" in dirs or "cpuacct" in dirs:
        return _sample_v1(dirs, common, machine)
    return _sample_v2(unified, common, machine)


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
