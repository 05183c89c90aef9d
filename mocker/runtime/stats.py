"""One reading of a container's resource usage: the record every backend's ``stats`` returns.

The engine (engine/stats.py) turns two readings into what ``docker stats`` prints and into the
Engine API's stats JSON; a backend only reads its counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
