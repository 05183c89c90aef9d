"""``ps --filter`` / ``GET /containers/json?filters=`` and ``container prune``: which containers match.

Shared by both front ends; filters arrive as ``{"key": ["value", ...]}`` (the API's shape; the CLI
splits its ``key=value`` flags into it with :func:`parse_filters`).
"""

from __future__ import annotations

from typing import Any

from mocker.engine.container_prune import label_match
from mocker.errors import InvalidArgument
from mocker.store.containers import ContainerRecord
from mocker.store.store import Store

PS_KEYS = {"id", "name", "label", "status", "exited", "ancestor", "before", "since", "volume", "health",
           "is-task", "network", "publish", "expose"}
STATUSES = {"created", "restarting", "running", "removing", "paused", "exited", "dead"}


def parse_filters(items: list[str]) -> dict[str, list[str]]:
    """``["status=running", "label=a"]`` -> ``{"status": ["running"], "label": ["a"]}``."""
    out: dict[str, list[str]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        out.setdefault(key, []).append(value)
    return out


def check_filters(f: dict[str, list[str]]) -> None:
    for key, values in f.items():
        if key not in PS_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'")
        if key == "status":
            for v in values:
                if v not in STATUSES:
                    raise InvalidArgument(f"invalid filter 'status={v}'")
        if key == "health":
            for v in values:
                if v not in ("starting", "healthy", "unhealthy", "none"):
                    raise InvalidArgument(f"Unrecognised filter value for health: {v}")


def matches(store: Store, rec: ContainerRecord, f: dict[str, list[str]]) -> bool:
    from mocker.engine import containers

    if "id" in f and not any(rec.id.startswith(v) for v in f["id"]):
        return False
    if "name" in f and not any(v.lstrip("/") in rec.name for v in f["name"]):
        return False
    if "status" in f and rec.status not in f["status"]:
        return False
    if "exited" in f and not (rec.status == "exited" and str(rec.exit_code) in f["exited"]):
        return False
    if not all(label_match(rec.labels, want) for want in f.get("label", [])):
        return False
    if "health" in f:
        status = (rec.health or {}).get("Status") or "none"
        if status not in f["health"]:
            return False
    if "is-task" in f and "true" in f["is-task"]:
        return False      # no swarm tasks here
    if "volume" in f:
        spec = rec.config["spec"]
        names = {m.get("name") or m.get("source") for m in spec.get("mounts") or []}
        names |= {m.get("target") for m in spec.get("mounts") or []}
        if not any(v in names for v in f["volume"]):
            return False
    if "network" in f or "publish" in f or "expose" in f:
        from mocker.engine import network_attach

        if not network_attach.ps_filter_match(store, rec, f):
            return False
    if "ancestor" in f:
        from mocker.engine.images import find_image

        ids = {img.id for img in (find_image(store, a) for a in f["ancestor"]) if img}
        if rec.image_id not in ids and rec.image_name not in f["ancestor"]:
            return False
    for v in f.get("before", []):
        if rec.created >= containers.get(store, v).created:
            return False
    return all(rec.created > containers.get(store, v).created for v in f.get("since", []))


def list_filtered(store: Store, f: dict[str, list[str]], *, all_: bool = False, limit: int = -1,
                  ) -> list[ContainerRecord]:
    """``ps [-a] [-n N] [--filter ...]``: newest first; status/exited filters imply ``-a``."""
    from mocker.engine import containers

    check_filters(f)
    show_all = all_ or limit > 0 or bool(f.get("status")) or bool(f.get("exited"))
    recs = [r for r in containers.list_containers(store)
            if (show_all or r.status in ("running", "paused", "restarting")) and matches(store, r, f)]
    return recs[:limit] if limit > 0 else recs


def summary(rec: ContainerRecord, store: Store | None = None) -> dict[str, Any]:
    """One entry of ``GET /containers/json`` (Docker's ``container.Summary``); with ``store``, its
    published ports and network addresses too."""
    from mocker.engine.container_inspect import status_text

    spec = rec.config["spec"]
    args = list(spec.get("args") or [])
    mode = spec.get("network_mode", "none")
    mounts = []
    for m in spec.get("mounts") or []:
        entry: dict[str, Any] = {"Type": m["type"], "Source": m.get("source", ""), "Destination": m["target"],
                                 "Mode": "", "RW": not m.get("read_only"), "Propagation": m.get("propagation") or ""}
        if m["type"] == "volume":
            entry.update(Name=m.get("name", ""), Driver="local")
        mounts.append(entry)
    ports: list[dict[str, Any]] = []
    nets: dict[str, Any] = {mode: {"NetworkID": "", "EndpointID": "", "Gateway": "", "IPAddress": "",
                                   "IPPrefixLen": 0, "MacAddress": ""}}
    if store is not None:
        from mocker.engine.container_inspect import network_settings

        settings = network_settings(store, rec)
        nets = settings["Networks"] or nets
        for key, binds in settings["Ports"].items():
            port, _, proto = key.partition("/")
            if not binds:
                ports.append({"PrivatePort": int(port), "Type": proto})
            for b in binds or []:
                ports.append({"IP": b["HostIp"], "PrivatePort": int(port), "PublicPort": int(b["HostPort"]),
                              "Type": proto})
    return {
        "Id": rec.id, "Names": ["/" + rec.name], "Image": rec.image_name, "ImageID": rec.image_id,
        "Command": " ".join(args), "Created": int(rec.created), "Ports": ports, "Labels": dict(rec.labels),
        "State": rec.status, "Status": status_text(rec), "HostConfig": {"NetworkMode": mode},
        "NetworkSettings": {"Networks": nets}, "Mounts": mounts,
    }
