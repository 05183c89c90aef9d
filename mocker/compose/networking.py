"""The project's networks, through the engine's networks (issue #4).

``<project>_default`` and the other networks the services use are created with Docker Compose's
labels; each container joins them with its service name as alias (DNS by service name), its
``aliases`` and ``ipv4_address``; ``ports`` become the engine's ``-p`` specs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mocker.compose import labels as L
from mocker.compose.model import Project
from mocker.errors import NotFound, NotSupported
from mocker.store.store import Store

if TYPE_CHECKING:       # (``down`` removes networks without the container types: ~5 ms of imports)
    from mocker.engine.types.containers import NetworkAttachment

Report = Callable[[str], None]


def _engine_networks() -> Any:
    """``mocker.engine.networks``, imported when a project has networks (not on every compose command)."""
    from mocker.engine import networks

    return networks


def _publish(ports: list[dict[str, Any]]) -> tuple[str, ...]:
    """Long-syntax ports -> ``[ip:][published:]target/protocol``, the engine's ``-p`` notation."""
    out = []
    for p in ports:
        if p.get("mode", "ingress") not in ("ingress", "host"):
            raise NotSupported(f"ports mode {p['mode']}", "only ingress/host port modes exist")
        ip = p.get("host_ip") or ""
        published = str(p.get("published") or "")
        spec = f"{p['target']}/{p.get('protocol') or 'tcp'}"
        if published or ip:
            spec = f"{published}:{spec}"
        if ip:
            spec = f"[{ip}]:{spec}" if ":" in ip else f"{ip}:{spec}"
        out.append(spec)
    return tuple(out)


def service_networking(project: Project, name: str, svc: dict[str, Any], *, use_aliases: bool = True) -> tuple[
        tuple[NetworkAttachment, ...], tuple[str, ...]]:
    """(networks to join, ``-p`` specs) for one of the service's containers. ``use_aliases``: the
    service name and its ``aliases`` as DNS aliases (a ``compose run`` one-off gets them only with
    ``--use-aliases``, as in Docker Compose)."""
    from mocker.engine.types.containers import NetworkAttachment

    where = f"services.{name}"
    mode = svc.get("network_mode")
    if mode:
        if mode in ("none", "host"):
            if svc.get("ports") and mode == "none":
                raise NotSupported(f"{where}.ports with network_mode none", "there is no network to publish on")
            return (NetworkAttachment(name=mode),), _publish(svc.get("ports") or []) if mode == "host" else ()
        if mode.startswith("service:"):
            raise NotSupported(f"{where}.network_mode: {mode}",
                               "sharing another service's network namespace is not implemented")
        return (NetworkAttachment(name=mode),), _publish(svc.get("ports") or [])
    nets = svc.get("networks") or {}
    attach = []
    # The network with the highest priority comes first (Docker Compose's order), then by name.
    for key in sorted(nets, key=lambda k: (-int((nets[k] or {}).get("priority") or 0), k)):
        spec = nets[key] or {}
        for unsupported in ("ipv6_address", "link_local_ips", "mac_address", "driver_opts"):
            if spec.get(unsupported):
                raise NotSupported(f"{where}.networks.{key}.{unsupported}", "not implemented by mocker's networks")
        attach.append(NetworkAttachment(name=project.network_name(key),
                                        aliases=(name, *[str(a) for a in spec.get("aliases") or ()])
                                        if use_aliases else (),
                                        ipv4_address=spec.get("ipv4_address")))
    return tuple(attach), _publish(svc.get("ports") or [])


def ensure_networks(store: Store, project: Project, services: list[str], report: Report) -> None:
    """Create the project's networks the given services use (external ones must exist)."""
    used = sorted({k for n in services for k in (project.services[n].get("networks") or {})
                   if not project.services[n].get("network_mode")})
    if not used:
        return
    networks = _engine_networks()
    for key in used:
        spec = (project.model.get("networks") or {}).get(key) or {}
        name = project.network_name(key)
        try:
            networks.get(store, name)
            continue
        except NotFound:    # NetworkNotFound
            if spec.get("external"):
                raise NotFound(f"network {name} declared as external, but could not be found") from None
        ipam = spec.get("ipam") or {}
        if ipam.get("driver") not in (None, "default"):
            raise NotSupported(f"networks.{key}.ipam.driver", "only the default IPAM driver exists")
        cfg = (ipam.get("config") or [{}])[0] if ipam.get("config") else {}
        report(f" Network {name}  Creating")
        networks.create(store, networks.NetworkCreateOptions(
            name=name, driver=spec.get("driver") or "bridge", internal=bool(spec.get("internal")),
            attachable=bool(spec.get("attachable")), ipv6=bool(spec.get("enable_ipv6")),
            labels={L.PROJECT: project.name, L.NETWORK: key, L.VERSION: L.COMPOSE_VERSION,
                    **(spec.get("labels") or {})},
            options={str(k): str(v) for k, v in (spec.get("driver_opts") or {}).items()},
            subnets=(cfg["subnet"],) if cfg.get("subnet") else (),
            gateways=(cfg["gateway"],) if cfg.get("gateway") else (),
            ip_ranges=(cfg["ip_range"],) if cfg.get("ip_range") else ()))
        report(f" Network {name}  Created")


def remove_networks(store: Store, project_name: str, report: Report) -> None:
    """``down``: the networks this project created (by label); external ones are not the project's."""
    networks = _engine_networks()
    for net in networks.list_networks(store):
        if (net.labels or {}).get(L.PROJECT) != project_name:
            continue
        report(f" Network {net.name}  Removing")
        networks.remove(store, net.id)
        report(f" Network {net.name}  Removed")
