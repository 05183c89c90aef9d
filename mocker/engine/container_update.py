"""``update``: change a container's resource limits and restart policy (moby ``daemon/update.go``).

The new limits are merged into the stored ones as moby's ``Container.UpdateContainer`` does (a zero
or absent value leaves the old one), checked with the daemon's words, applied to a running or
paused container through the OCI runtime (``<runtime> update --resources FILE``, which writes the
cgroup files), and written to the record (spec and options, so ``inspect`` shows them) and to the
bundle's ``config.json`` (so the next start, which reuses the bundle, gets them too). Nothing is
stored when the runtime refuses. The restart policy is only stored: ``cleanup`` reads it when the
process exits.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mocker.errors import Conflict, InvalidArgument, MockerError
from mocker.records import asdict, field, fields, frozen, replace
from mocker.runtime.base import Resources

if TYPE_CHECKING:
    from mocker.engine.types.containers import RestartPolicy
    from mocker.store.containers import ContainerRecord
    from mocker.store.store import Store


@frozen(kw_only=True)
class ContainerUpdateOptions:
    """``docker update`` / ``POST /containers/{id}/update``: None (or 0) leaves a value as it is."""

    resources: Resources = field(default_factory=Resources)
    restart: RestartPolicy | None = None

    @property
    def empty(self) -> bool:
        return self.restart is None and self.resources == Resources()


def _cannot_update(cid: str, e: Exception | str) -> MockerError:
    return MockerError(f"Cannot update container {cid}: {e}")


def update(store: Store, name_or_id: str, opts: ContainerUpdateOptions) -> list[str]:
    """Update one container; the warnings Docker would return (none so far)."""
    from mocker.engine import containers

    rec = containers.get(store, name_or_id)
    _check_request(opts)
    with containers.container_lock(store, rec.id):
        rec = containers.get(store, rec.id)
        if rec.status in ("removing", "dead"):
            raise _cannot_update(rec.id, 'container is marked for removal and cannot be "update"')
        current = _resources_of(rec)
        try:
            merged = merge_resources(current, opts.resources, swap_limit=_runtime(store, rec).capabilities().swap_limit)
            restart = _merge_restart(rec, opts.restart)
        except Conflict as e:
            raise Conflict(f"Cannot update container {rec.id}: {e}") from None
        if merged != current:
            _apply(store, rec, merged)
        config = dict(rec.config)
        res = asdict(merged)
        config["spec"] = dict(config["spec"], resources=res)
        options = dict(config.get("options") or {}, resources=res)
        if restart is not None:
            options["restart"] = {"name": restart.name, "maximum_retry_count": restart.maximum_retry_count}
        config["options"] = options
        from mocker.store import containers as cdb

        cdb.update_config(store.db, rec.id, config)
    return []


def _resources_of(rec: ContainerRecord) -> Resources:
    data = dict((rec.config.get("spec") or {}).get("resources") or {})
    return Resources(**{f: data[f] for f in fields(Resources) if f in data})


def _check_request(opts: ContainerUpdateOptions) -> None:
    """moby ``verifyContainerSettings(..., update=true)``: a swap limit alone is fine in an update."""
    from mocker.engine.types.containers import check_resources

    r = opts.resources
    if r.memory is None and r.memory_swap:
        r = replace(r, memory_swap=None)
    check_resources(r)
    if opts.resources.cpu_shares is not None and opts.resources.cpu_shares < 0:
        raise InvalidArgument(f"invalid CPU shares ({opts.resources.cpu_shares}): value must be a positive integer")
    if opts.resources.cpuset_cpus:
        _check_cpuset(opts.resources.cpuset_cpus)
    if opts.restart is not None:
        from mocker.engine.types.containers import _check_restart

        _check_restart(opts.restart)


def _parse_cpuset(text: str) -> set[int] | None:
    """moby ``parsers.ParseUintList``: ``0-3,5``; None if malformed."""
    out: set[int] = set()
    for part in text.split(","):
        lo, sep, hi = part.partition("-")
        if not lo.isdigit() or (sep and not hi.isdigit()):
            return None
        first, last = int(lo), int(hi) if sep else int(lo)
        if last < first:
            return None
        out.update(range(first, last + 1))
    return out


def _check_cpuset(text: str) -> None:
    wanted = _parse_cpuset(text)
    if wanted is None:
        raise InvalidArgument(f"Invalid value {text} for cpuset cpus")
    available = sorted(os.sched_getaffinity(0))
    if not wanted <= set(available):
        raise InvalidArgument(f"Requested CPUs are not available - requested {text}, available: "
                              f"{_cpu_list(available)}")


def _cpu_list(cpus: list[int]) -> str:
    ranges: list[str] = []
    for c in cpus:
        if ranges and ranges[-1].split("-")[-1] == str(c - 1):
            ranges[-1] = f"{ranges[-1].split('-')[0]}-{c}"
        else:
            ranges.append(str(c))
    return ",".join(ranges)


def merge_resources(cur: Resources, new: Resources, *, swap_limit: bool = True) -> Resources:
    """moby ``Container.UpdateContainer``: the conflicts it refuses, then field by field.
    ``swap_limit``: whether the backend can limit swap (else "-m" alone means unlimited swap)."""
    if new.nano_cpus and cur.cpu_period:
        raise Conflict("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set")
    if new.nano_cpus and cur.cpu_quota:
        raise Conflict("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set")
    if new.cpu_period and cur.nano_cpus:
        raise Conflict("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set")
    if new.cpu_quota and cur.nano_cpus:
        raise Conflict("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set")
    # What Docker stores for "-m 100m" alone: a swap limit of twice the memory (adaptContainerSettings).
    stored_swap = cur.memory_swap if cur.memory_swap else (2 * cur.memory if cur.memory else 0)
    new_swap = new.memory_swap
    if new.memory and not new_swap and not swap_limit:
        new_swap = -1       # moby: "Memory limited without swap"
    changes: dict[str, Any] = {}
    if new.memory:
        if new.memory > stored_swap and not new_swap:
            raise Conflict("Memory limit should be smaller than already set memoryswap limit, update the "
                           "memoryswap at the same time")
        changes["memory"] = new.memory
        changes["memory_swap"] = stored_swap or None
    if new_swap:
        changes["memory_swap"] = new_swap
    for name in ("memory_reservation", "cpu_shares", "nano_cpus", "cpu_period", "cpu_quota", "cpuset_cpus"):
        value = getattr(new, name)
        if value:
            changes[name] = value
    if new.pids_limit is not None:
        changes["pids_limit"] = new.pids_limit
    merged = replace(cur, **changes)
    if merged.memory and merged.memory_reservation and merged.memory < merged.memory_reservation:
        raise Conflict("Minimum memory limit can not be less than memory reservation limit, see usage")
    if merged.memory and merged.memory_swap and 0 < merged.memory_swap < merged.memory:
        raise Conflict("Minimum memoryswap limit should be larger than memory limit, see usage")
    return merged


def _runtime(store: Store, rec: ContainerRecord) -> Any:
    from mocker.engine.containers import runtime_for

    return runtime_for(store, (rec.config.get("options") or {}).get("runtime"))


def _merge_restart(rec: ContainerRecord, policy: RestartPolicy | None) -> RestartPolicy | None:
    if policy is None or policy.name == "":
        return None
    if policy.name != "no" and (rec.config.get("options") or {}).get("auto_remove"):
        raise Conflict("Restart policy cannot be updated because AutoRemove is enabled for the container")
    return policy


def _apply(store: Store, rec: ContainerRecord, resources: Resources) -> None:
    """Hand the new limits to the backend: live for a running container, and for its next start."""
    from mocker.engine.container_create import spec_from_record

    rt = _runtime(store, rec)
    spec = replace(spec_from_record(rec), resources=resources)
    try:
        rt.update(spec, live=rec.status in ("running", "paused"))
    except MockerError as e:
        raise _cannot_update(rec.id, e) from None


