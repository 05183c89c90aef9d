"""A container's resources: ``stats``, ``update``, and the hidden ``container health-monitor`` that
``start`` spawns for a container with a health check (see :mod:`mocker.engine.health`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.errors import MockerError, NotFound

if TYPE_CHECKING:
    from mocker.engine.stats import Sample, StatsEntry
    from mocker.store.containers import ContainerRecord
    from mocker.store.store import Store

DEFAULT_STATS_FORMAT = ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
                        "{{.BlockIO}}\t{{.PIDs}}")
STATS_HEADERS = {
    "Container": "CONTAINER", "Name": "NAME", "ID": "CONTAINER ID", "CPUPerc": "CPU %",
    "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
}
REFRESH = 1.0       # seconds between two readings (moby's stats collector interval)


# ---- stats -------------------------------------------------------------------------------------------

def stats_row(e: StatsEntry, *, trunc: bool = True) -> dict[str, str]:
    """docker/cli's ``statsContext`` fields for one entry, in the order ``{{json .}}`` prints them
    (Go marshals the context as a map: sorted keys)."""
    from mocker.format.units import bytes_size, human_size_with_precision

    def io(a: float, b: float) -> str:
        return f"{human_size_with_precision(a, 3)} / {human_size_with_precision(b, 3)}"

    bad = e.invalid
    row = {
        "Container": e.container, "Name": e.name or "--", "ID": e.id[:12] if trunc else e.id,
        "CPUPerc": "--" if bad else f"{e.cpu_percentage:.2f}%",
        "MemUsage": "-- / --" if bad else f"{bytes_size(e.memory)} / {bytes_size(e.memory_limit)}",
        "MemPerc": "--" if bad else f"{e.memory_percentage:.2f}%",
        "NetIO": "--" if bad else io(e.network_rx, e.network_tx),
        "BlockIO": "--" if bad else io(e.block_read, e.block_write),
        "PIDs": "--" if bad else str(e.pids),
    }
    return dict(sorted(row.items()))


class _Watched:
    """The containers a ``stats`` run shows: the named ones, or all running (``-a``: all) re-listed
    at every refresh, as Docker follows container events."""

    def __init__(self, store: Store, names: list[str], show_all: bool) -> None:
        self.store = store
        self.names = names
        self.show_all = show_all
        self.previous: dict[str, Sample | None] = {}
        self.ids: list[tuple[str, str]] = []        # (label, container id) for named containers
        if names:
            from mocker.engine import containers

            errors = []
            for n in names:
                try:
                    self.ids.append((n, containers.get(store, n).id))
                except NotFound as e:
                    errors.append(str(e))
            if errors:
                raise MockerError("\n".join(errors))

    def records(self) -> list[tuple[str, ContainerRecord | None]]:
        from mocker.engine import containers
        from mocker.store import containers as cdb

        if self.names:
            out: list[tuple[str, ContainerRecord | None]] = []
            for label, cid in self.ids:
                rec = cdb.get(self.store.db, cid)
                out.append((label, containers.reconcile(self.store, rec) if rec is not None else None))
            return out
        return [(r.id[:12], r) for r in containers.list_containers(self.store, all_=self.show_all)]

    def prime(self) -> None:
        from mocker.engine import stats

        self.previous = stats.collect(self.store, [r for _, r in self.records() if r is not None], interval=REFRESH)

    def entries(self) -> list[StatsEntry]:
        from mocker.engine import stats

        out = []
        current: dict[str, Sample | None] = {}
        for label, rec in self.records():
            if rec is None:
                out.append(stats.StatsEntry(container=label, id=dict(self.ids)[label], name="", invalid=True))
                continue
            cur = stats.sample(self.store, rec)
            current[rec.id] = cur
            out.append(stats.entry(rec, cur, self.previous.get(rec.id), container=label))
        self.previous = current
        return out


def _stats(ctx: Context, p: Parsed) -> int:
    from mocker.format.table import render_template_table

    store = ctx.store()
    watched = _Watched(store, list(p.args), bool(p.all))
    fmt = DEFAULT_STATS_FORMAT if not p.format or p.format == "table" else p.format

    def render() -> str:
        rows = [stats_row(e, trunc=not p.no_trunc) for e in watched.entries()]
        return render_template_table(fmt, rows, STATS_HEADERS, missing_key="error")

    watched.prime()
    if p.no_stream:
        text = render()
        if text:
            ctx.stdout.write(text)
        return 0
    ctx.stdout.write("\033[2J")
    while True:
        text = render()
        # Docker's redraw: cursor home, each line then "erase to end of line", then erase below.
        frame = "\033[H" + "".join(f"{line}\033[K\n" for line in text.splitlines()) + "\033[J"
        ctx.stdout.write(frame)
        ctx.stdout.flush()
        time.sleep(REFRESH)


STATS = Command(
    name="stats", usage="stats [OPTIONS] [CONTAINER...]",
    summary="Display a live stream of container(s) resource usage statistics", handler=_stats,
    flags=(
        Flag("all", "a", help="Show all containers (default shows just running)"),
        Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("no-stream", help="Disable streaming stats and only pull the first result"),
        Flag("no-trunc", help="Do not truncate output"),
    ),
)


# ---- update ------------------------------------------------------------------------------------------

def _update_flags() -> tuple[Flag, ...]:
    """``docker update``'s flags: the ``run`` table's own (same names, parsers and reasons)."""
    from mocker.cli.container_flags import CREATE_FLAGS

    table = {f.long: f for f in CREATE_FLAGS}
    names = ("blkio-weight", "cpu-period", "cpu-quota", "cpu-rt-period", "cpu-rt-runtime", "cpu-shares", "cpus",
             "cpuset-cpus", "cpuset-mems", "kernel-memory", "memory", "memory-reservation", "memory-swap",
             "pids-limit")
    restart = Flag("restart", kind="str", metavar="string", help="Restart policy to apply when a container exits")
    return (*(table[n] for n in names), restart)


def _update(ctx: Context, p: Parsed) -> int:
    from mocker.cli.container_flag_parsers import parse_restart
    from mocker.engine.container_update import ContainerUpdateOptions, update
    from mocker.engine.types.containers import RestartPolicy
    from mocker.runtime.base import Resources

    v = p.values
    restart = None
    if p.changed("restart"):
        name, count = parse_restart(v["restart"])
        restart = RestartPolicy(name=name, maximum_retry_count=count)
    opts = ContainerUpdateOptions(
        resources=Resources(
            memory=v["memory"] or None, memory_swap=v["memory_swap"] or None,
            memory_reservation=v["memory_reservation"] or None, nano_cpus=v["cpus"] or None,
            cpu_shares=v["cpu_shares"] or None, cpu_quota=v["cpu_quota"] or None, cpu_period=v["cpu_period"] or None,
            cpuset_cpus=v["cpuset_cpus"] or None, pids_limit=v["pids_limit"] or None,
        ),
        restart=restart,
    )
    if not p.given:
        raise MockerError("you must provide one or more flags when using this command")
    store = ctx.store()
    errors, warnings = [], []
    for name in p.args:
        try:
            warnings += update(store, name, opts)
            ctx.out(name)
        except MockerError as e:
            errors.append(str(e))
    if warnings:
        ctx.out("\n".join(warnings))
    if errors:
        raise MockerError("\n".join(errors))
    return 0


UPDATE = Command(
    name="update", usage="update [OPTIONS] CONTAINER [CONTAINER...]",
    summary="Update configuration of one or more containers", handler=_update, min_args=1,
    flags=_update_flags(),
)


# ---- health-monitor (hidden) -------------------------------------------------------------------------

def _health_monitor(ctx: Context, p: Parsed) -> int:
    from mocker.engine import health

    health.monitor(ctx.store(), p.args[0])
    return 0


HEALTH_MONITOR = Command(
    name="container health-monitor", usage="container health-monitor CONTAINER",
    summary="Run a container's health checks while it runs (spawned by start)", handler=_health_monitor,
    min_args=1, max_args=1,
)
