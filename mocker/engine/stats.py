"""Resource usage of running containers as ``docker stats`` computes it.

The backend reads one :class:`~mocker.runtime.stats.Sample` of a container (Linux: its cgroups and
network namespace). :func:`entry` turns two samples into the numbers ``docker stats`` prints
(docker/cli ``stats_helpers.go``: CPU % from the deltas of container and system CPU time, memory
without ``inactive_file``); :func:`stats_json` is the Engine API's ``GET /containers/{id}/stats``
shape. A container that is not running has no sample: Docker shows zeros for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mocker.runtime.stats import Sample

if TYPE_CHECKING:
    from mocker.store.containers import ContainerRecord
    from mocker.store.store import Store

__all__ = ["Sample", "StatsEntry", "collect", "cpu_percent", "entry", "memory_without_cache", "sample", "stats_json"]


def sample(store: Store, rec: ContainerRecord) -> Sample | None:
    """A reading of ``rec`` now; None unless it is running (or paused)."""
    from mocker.engine.containers import runtime_for

    if rec.status not in ("running", "paused") or not rec.pid:
        return None
    own_network = (rec.config.get("spec") or {}).get("network_mode") != "host"
    rt = runtime_for(store, (rec.config.get("options") or {}).get("runtime"))
    return rt.stats(rec.id, pid=rec.pid, own_network=own_network)


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
