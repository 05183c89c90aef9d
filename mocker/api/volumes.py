"""Volume endpoints: list, create, inspect, delete, prune (``engine/volumes.py`` underneath)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocker.engine import volumes
from mocker.errors import InvalidArgument

if TYPE_CHECKING:
    from mocker.api.http import Request


def list_(req: Request) -> None:
    recs = volumes.list_volumes(req.store, req.filters())
    req.send_json({"Volumes": [volumes.volume_json(r) for r in recs], "Warnings": None})


def create(req: Request) -> None:
    body = req.json()
    for key in ("Name", "Driver"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise InvalidArgument(f"invalid {key}: expected a string")
    if body.get("ClusterVolumeSpec"):
        from mocker.errors import NotSupported

        raise NotSupported("cluster volumes", "swarm cluster volumes need a cluster daemon")
    rec = volumes.create_volume(req.store, body.get("Name") or None, driver=body.get("Driver") or volumes.DRIVER,
                                labels=dict(body.get("Labels") or {}), options=dict(body.get("DriverOpts") or {}))
    req.send_json(volumes.volume_json(rec), status=201)


def inspect(req: Request) -> None:
    req.send_json(volumes.volume_json(volumes.get_volume(req.store, req.params["name"])))


def delete(req: Request) -> None:
    report = volumes.remove(req.store, [req.params["name"]], force=req.q_bool("force"))
    if report.errors:
        raise report.errors[0]
    req.send_empty(204)


def prune(req: Request) -> None:
    # API versions before 1.42 prune named volumes too (moby's router adds all=true for them).
    report = volumes.prune(req.store, all_volumes=req.version < (1, 42), filters=req.filters())
    req.send_json({"VolumesDeleted": report.deleted or None, "SpaceReclaimed": report.reclaimed})
