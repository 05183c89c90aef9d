"""Network endpoints: list, create, inspect, delete, prune, connect, disconnect (``engine/networks.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocker.engine import networks
from mocker.errors import InvalidArgument

if TYPE_CHECKING:
    from mocker.api.http import Request


def list_(req: Request) -> None:
    recs = networks.list_networks(req.store, req.filters())
    req.send_json([networks.network_json(req.store, r) for r in recs])


def create(req: Request) -> None:
    body = req.json()
    name = body.get("Name")
    if not isinstance(name, str) or not name:
        raise InvalidArgument("network name is required")
    ipam = body.get("IPAM") or {}
    configs: list[dict[str, Any]] = list(ipam.get("Config") or [])
    aux = {k: v for c in configs for k, v in (c.get("AuxiliaryAddresses") or {}).items()}
    opts = networks.NetworkCreateOptions(
        name=name, driver=body.get("Driver") or "bridge",
        subnets=tuple(c["Subnet"] for c in configs if c.get("Subnet")),
        gateways=tuple(c["Gateway"] for c in configs if c.get("Gateway")),
        ip_ranges=tuple(c["IPRange"] for c in configs if c.get("IPRange")),
        internal=bool(body.get("Internal")), attachable=bool(body.get("Attachable")),
        ipv6=bool(body.get("EnableIPv6")), labels=dict(body.get("Labels") or {}),
        options=dict(body.get("Options") or {}), ipam_driver=ipam.get("Driver") or "default",
        ipam_options=dict(ipam.get("Options") or {}), aux_addresses=aux,
    )
    rec = networks.create(req.store, opts)
    req.send_json({"Id": rec.id, "Warning": ""}, status=201)


def inspect(req: Request) -> None:
    req.send_json(networks.network_json(req.store, networks.get(req.store, req.params["id"])))


def delete(req: Request) -> None:
    networks.remove(req.store, req.params["id"])
    req.send_empty(204)


def prune(req: Request) -> None:
    report = networks.prune(req.store, req.filters())
    req.send_json({"NetworksDeleted": report.deleted or None})


def connect(req: Request) -> None:
    body = req.json()
    ep = body.get("EndpointConfig") or {}
    ipam = ep.get("IPAMConfig") or {}
    networks.connect(req.store, req.params["id"], str(body.get("Container") or ""),
                     aliases=tuple(ep.get("Aliases") or ()), ipv4=ipam.get("IPv4Address") or None,
                     ipv6=ipam.get("IPv6Address") or None, mac=ep.get("MacAddress") or None)
    req.send_empty(200)


def disconnect(req: Request) -> None:
    body = req.json()
    networks.disconnect(req.store, req.params["id"], str(body.get("Container") or ""),
                        force=bool(body.get("Force")))
    req.send_empty(200)
