"""Networks: ``create``, ``list``, ``inspect`` (Docker's JSON), ``remove``, ``prune``, ``connect``,
``disconnect`` and ``repair`` — the functions the CLI, the API server and compose share.

The three built-in networks (``bridge``, ``host``, ``none``) are rows created on first use, so they
have IDs and show in ``network ls`` as Docker's do. Bridge networks are netavark networks: the host
interface of the default one is ``mocker0`` (or ``daemon.json``'s ``bridge``), user networks get
``br-<id[:12]>`` as Docker names them. Subnets are chosen by :mod:`mocker.network.ipam`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mocker.errors import Conflict, InvalidArgument, MockerError, NetworkNotFound, NotSupported
from mocker.records import field, frozen
from mocker.store import networks as ndb
from mocker.store.db import transaction
from mocker.store.networks import NetworkRecord
from mocker.store.store import Store

if TYPE_CHECKING:       # ipaddress is imported where subnets are computed: listing (``compose down``) needs none
    import ipaddress

BUILTIN = ("bridge", "host", "none")
BRIDGE_NAME_OPT = "com.docker.network.bridge.name"
MTU_OPT = "com.docker.network.driver.mtu"
# -o options mocker honours (the rest error); Docker's defaults for the default bridge are shown in inspect.
KNOWN_OPTS = (BRIDGE_NAME_OPT, MTU_OPT)
LIST_FILTERS = frozenset({"driver", "id", "label", "name", "scope", "type", "dangling"})
PRUNE_FILTERS = frozenset({"label", "label!", "until"})


@frozen(kw_only=True)
class NetworkCreateOptions:
    """``network create`` / ``POST /networks/create``."""

    name: str
    driver: str = "bridge"
    subnets: tuple[str, ...] = ()
    gateways: tuple[str, ...] = ()
    ip_ranges: tuple[str, ...] = ()
    internal: bool = False
    attachable: bool = False
    ipv6: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    ipam_driver: str = "default"
    ipam_options: dict[str, str] = field(default_factory=dict)
    aux_addresses: dict[str, str] = field(default_factory=dict)
    check_duplicate: bool = True


class NetworkPruneReport:
    """Mutable (``prune`` appends to it); a plain class, not a dataclass (start-up path, DECISIONS 27)."""

    __slots__ = ("deleted",)

    def __init__(self, deleted: list[str] | None = None) -> None:
        self.deleted = [] if deleted is None else deleted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NetworkPruneReport) and other.deleted == self.deleted

    def __repr__(self) -> str:
        return f"NetworkPruneReport(deleted={self.deleted!r})"


def _new_id() -> str:
    from mocker.engine.names import new_id

    return new_id()


def ensure_builtin(store: Store) -> None:
    """Create ``bridge``, ``host`` and ``none`` rows if missing (first use of a store)."""
    have = {r[0] for r in store.db.execute("SELECT name FROM networks WHERE name IN ('bridge', 'host', 'none')")}
    if len(have) == 3:
        return
    from mocker.network import ipam

    settings = ipam.settings(store.paths.root)
    with transaction(store.db) as conn:
        have = {r[0] for r in conn.execute("SELECT name FROM networks WHERE name IN ('bridge', 'host', 'none')")}
        now = time.time()
        if "bridge" not in have:
            import ipaddress

            if settings.bip:
                iface = ipaddress.ip_interface(settings.bip)
                subnet, gateway = str(iface.network), str(iface.ip)
            else:
                net = ipam.free_subnet(settings.pools, _taken(conn))
                subnet, gateway = str(net), ipam.first_host(net)
            cfg = {"subnets": [{"subnet": subnet, "gateway": gateway}], "bridge": settings.bridge, "dns": False,
                   "internal": False, "default": True, "options": {}, "ipam_user": bool(settings.bip)}
            ndb.insert(conn, NetworkRecord(id=_new_id(), name="bridge", driver="bridge", created=now, config=cfg,
                                           labels={}))
        for name, driver in (("host", "host"), ("none", "null")):
            if name not in have:
                ndb.insert(conn, NetworkRecord(id=_new_id(), name=name, driver=driver, created=now,
                                               config={"subnets": [], "options": {}}, labels={}))


def _taken(conn: Any) -> list[ipaddress.IPv4Network]:
    import ipaddress

    out = []
    for net in ndb.list_all(conn):
        for s in net.subnets:
            out.append(ipaddress.IPv4Network(s["subnet"], strict=False))
    return out


def get(store: Store, name_or_id: str) -> NetworkRecord:
    ensure_builtin(store)
    found = ndb.find(store.db, name_or_id)
    if not found:
        raise NetworkNotFound(name_or_id)
    if len(found) > 1:
        raise Conflict(f"network {name_or_id} is ambiguous ({len(found)} matches found based on ID prefix)")
    return found[0]


def create(store: Store, opts: NetworkCreateOptions) -> NetworkRecord:
    import ipaddress

    from mocker.network import ipam

    ensure_builtin(store)
    if opts.driver != "bridge":
        if opts.driver in ("host", "null"):
            raise MockerError(f"only one instance of \"{opts.driver}\" network is allowed")
        raise NotSupported(f"--driver {opts.driver}", "only bridge networks (netavark) are implemented")
    if opts.ipv6:
        raise NotSupported("--ipv6", "mocker's networks are IPv4 only")
    if opts.ipam_driver not in ("default", ""):
        raise NotSupported(f"--ipam-driver {opts.ipam_driver}", "only the default IPAM driver exists")
    if opts.ipam_options:
        raise NotSupported("--ipam-opt", "the default IPAM driver takes no options")
    if opts.aux_addresses:
        raise NotSupported("--aux-address", "auxiliary addresses are not implemented")
    for k in opts.options:
        if k not in KNOWN_OPTS:
            raise NotSupported(f"-o {k}", f"the bridge driver options implemented are {', '.join(KNOWN_OPTS)}")
    if opts.name in BUILTIN:
        raise Conflict(f"network with name {opts.name} already exists") if opts.name == "bridge" else \
            MockerError(f"{opts.name} is a pre-defined network and cannot be created")
    if not opts.name.strip():
        raise InvalidArgument("network name cannot be empty")
    if len(opts.subnets) > 1:
        raise NotSupported("more than one --subnet", "a network has one IPv4 subnet in mocker")
    if (opts.gateways or opts.ip_ranges) and not opts.subnets:
        raise InvalidArgument("every ip-range or gateway must have a corresponding subnet")
    nid = _new_id()
    bridge = opts.options.get(BRIDGE_NAME_OPT) or f"br-{nid[:12]}"
    if len(bridge) > 15:
        raise InvalidArgument(f"bridge name {bridge} is too long (at most 15 characters)")
    mtu = opts.options.get(MTU_OPT)
    if mtu is not None and not (mtu.isdigit() and 68 <= int(mtu) <= 65535):
        raise InvalidArgument(f"invalid MTU number: {mtu}")
    with transaction(store.db) as conn:
        if opts.subnets:
            subnet = _parse_subnet(opts.subnets[0])
            ipam.check_overlap(subnet, _taken(conn))
            gateway = opts.gateways[0] if opts.gateways else ipam.first_host(subnet)
            if ipaddress.ip_address(gateway) not in subnet:
                raise InvalidArgument(f"no matching subnet for gateway {gateway}")
            entry = {"subnet": str(subnet), "gateway": gateway}
            if opts.ip_ranges:
                rng = _parse_subnet(opts.ip_ranges[0], what="ip-range")
                if not rng.subnet_of(subnet):
                    raise InvalidArgument(f"no matching subnet for range {opts.ip_ranges[0]}")
                entry["ip_range"] = str(rng)
        else:
            settings = ipam.settings(store.paths.root)
            subnet = ipam.free_subnet(settings.pools, _taken(conn))
            entry = {"subnet": str(subnet), "gateway": ipam.first_host(subnet)}
        if any(n.config.get("bridge") == bridge for n in ndb.list_all(conn)):
            raise Conflict(f"bridge name {bridge} is already used by another network")
        cfg = {"subnets": [entry], "bridge": bridge, "dns": True, "internal": opts.internal,
               "attachable": opts.attachable, "options": dict(opts.options), "ipam_user": bool(opts.subnets),
               **({"mtu": int(mtu)} if mtu else {})}
        rec = NetworkRecord(id=nid, name=opts.name, driver="bridge", created=time.time(), config=cfg,
                            labels=dict(opts.labels))
        ndb.insert(conn, rec)
    from mocker.engine.events import record

    record(store, "network", "create", rec.id, {"name": rec.name, "type": rec.driver})
    return rec


def _parse_subnet(text: str, what: str = "subnet") -> ipaddress.IPv4Network:
    import ipaddress

    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidArgument(f"invalid CIDR address: {text}") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise NotSupported(f"IPv6 {what}", "mocker's networks are IPv4 only")
    if str(net) != text and "/" in text:
        net = ipaddress.IPv4Network(text, strict=False)
    return net


# ---- list / inspect ------------------------------------------------------------------------------

def list_networks(store: Store, filters: Mapping[str, list[str]] | None = None) -> list[NetworkRecord]:
    from mocker.engine.volumes import _match_kv, _name_match, check_filters

    ensure_builtin(store)
    filters = filters or {}
    check_filters(filters, LIST_FILTERS)
    used = _used_ids(store)
    out = []
    for n in ndb.list_all(store.db):
        if filters.get("driver") and n.driver not in filters["driver"]:
            continue
        if filters.get("name") and not _name_match(filters["name"], n.name):
            continue
        if filters.get("id") and not any(n.id.startswith(i) for i in filters["id"]):
            continue
        if filters.get("label") and not _match_kv(filters["label"], n.labels):
            continue
        if filters.get("scope") and "local" not in filters["scope"]:
            continue
        if filters.get("type"):
            kind = "builtin" if n.name in BUILTIN else "custom"
            for t in filters["type"]:
                if t not in ("builtin", "custom"):
                    raise InvalidArgument(f"invalid filter: 'type'='{t}'")
            if kind not in filters["type"]:
                continue
        if "dangling" in filters:
            want = filters["dangling"][0].lower() in ("1", "true")
            if want == (n.name in BUILTIN or n.id in used):
                continue
        out.append(n)
    return sorted(out, key=lambda n: n.name)


def _used_ids(store: Store) -> set[str]:
    return {r[0] for r in store.db.execute("SELECT DISTINCT network_id FROM endpoints")}


def network_json(store: Store, net: NetworkRecord) -> dict[str, Any]:
    """Docker's ``network inspect`` shape; ``Containers`` lists running containers only, as Docker's."""
    import ipaddress

    from mocker.engine.container_inspect import ts
    from mocker.store import containers as cdb

    conts: dict[str, Any] = {}
    for ep in ndb.endpoints_on(store.db, net.id):
        rec = cdb.get(store.db, ep.container_id)
        if rec is None or rec.status not in ("running", "paused"):
            continue
        prefix = ipaddress.IPv4Network(net.subnets[0]["subnet"]).prefixlen if net.subnets and ep.ipv4 else 0
        conts[rec.id] = {"Name": rec.name, "EndpointID": ep.config.get("endpoint_id", ""), "MacAddress": ep.mac,
                         "IPv4Address": f"{ep.ipv4}/{prefix}" if ep.ipv4 else "", "IPv6Address": ""}
    cfg = net.config
    ipam_cfg = []
    for s in net.subnets:
        entry = {"Subnet": s["subnet"], "Gateway": s.get("gateway", "")}
        if s.get("ip_range"):
            entry["IPRange"] = s["ip_range"]
        ipam_cfg.append(entry)
    options = dict(cfg.get("options") or {})
    if cfg.get("default"):
        options = {"com.docker.network.bridge.default_bridge": "true",
                   "com.docker.network.bridge.enable_icc": "true",
                   "com.docker.network.bridge.enable_ip_masquerade": "true",
                   "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",  # noqa: S104
                   BRIDGE_NAME_OPT: cfg.get("bridge", ""), MTU_OPT: "1500"}
    return {
        "Name": net.name, "Id": net.id, "Created": ts(net.created), "Scope": "local", "Driver": net.driver,
        "EnableIPv4": net.driver == "bridge", "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None if cfg.get("default") or net.driver != "bridge" else {},
                 "Config": ipam_cfg},
        "Internal": net.internal, "Attachable": bool(cfg.get("attachable")), "Ingress": False,
        "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": conts, "Options": options,
        "Labels": dict(net.labels),
    }


# ---- remove / prune ------------------------------------------------------------------------------

def remove(store: Store, name_or_id: str, *, force: bool = False) -> NetworkRecord:
    net = get(store, name_or_id)
    if net.name in BUILTIN:
        raise MockerError(f"{net.name} is a pre-defined network and cannot be removed")
    from mocker.store import containers as cdb

    with transaction(store.db) as conn:
        eps = ndb.endpoints_on(conn, net.id)
        active = [e for e in eps if (c := cdb.get(conn, e.container_id)) is not None
                  and c.status in ("running", "paused", "restarting")]
        if active:
            raise Conflict(f"error while removing network: network {net.name} id {net.id} has active endpoints")
        for e in eps:       # stopped containers lose this network, as with Docker (their start then fails)
            ndb.delete_endpoint(conn, e.container_id, net.id)
        ndb.delete(conn, net.id)
    from mocker.engine.network_attach import release_bridge

    release_bridge(store, net)
    from mocker.engine.events import record

    record(store, "network", "destroy", net.id, {"name": net.name, "type": net.driver})
    return net


def prune(store: Store, filters: Mapping[str, list[str]] | None = None) -> NetworkPruneReport:
    """Remove user networks no container is attached to (``network prune``, ``system prune``)."""
    from mocker.engine.volumes import _match_kv, check_filters

    filters = filters or {}
    check_filters(filters, PRUNE_FILTERS)
    until = _until(filters.get("until") or [])
    report = NetworkPruneReport()
    repair(store)
    used = _used_ids(store)
    for n in ndb.list_all(store.db):
        if n.name in BUILTIN or n.id in used:
            continue
        if filters.get("label") and not _match_kv(filters["label"], n.labels):
            continue
        if filters.get("label!") and _match_kv(filters["label!"], n.labels):
            continue
        if until is not None and n.created >= until:
            continue
        try:
            remove(store, n.id)
        except MockerError:
            continue
        report.deleted.append(n.name)
    return report


def _until(values: list[str]) -> float | None:
    if not values:
        return None
    from mocker.engine.logs import parse_time

    return float(parse_time(values[-1]))


def repair(store: Store) -> list[str]:
    """Tear down network set-ups a crash left behind: containers gone or not running. Returns their IDs."""
    from mocker.engine import containers, network_attach
    from mocker.store import containers as cdb

    fixed = []
    for cid in network_attach.leftover_ids(store):
        rec = cdb.get(store.db, cid)
        if rec is not None:
            rec = containers.reconcile(store, rec)
            if rec.status in ("running", "paused", "restarting"):
                continue
        network_attach.teardown(store, cid)
        fixed.append(cid)
    with transaction(store.db) as conn:     # leases of vanished containers, ports of stopped ones
        conn.execute("DELETE FROM endpoints WHERE container_id NOT IN (SELECT id FROM containers)")
        conn.execute("DELETE FROM port_bindings WHERE container_id NOT IN (SELECT id FROM containers WHERE status"
                     " IN ('running', 'paused', 'restarting'))")
    return fixed


# ---- connect / disconnect ------------------------------------------------------------------------

def connect(store: Store, network: str, container: str, *, aliases: tuple[str, ...] = (),
            ipv4: str | None = None, ipv6: str | None = None, mac: str | None = None) -> None:
    from mocker.engine import containers, network_attach
    from mocker.engine.types.containers import NetworkAttachment

    net = get(store, network)
    rec = containers.get(store, container)
    mode = network_attach.mode_of(rec)
    if net.driver != "bridge" or mode in ("host", "none") or mode.startswith("container:"):
        if mode.startswith("container:"):
            raise Conflict("container sharing network namespace with another container or host cannot be "
                           "connected to any other network")
        raise Conflict("container cannot be disconnected from host network or connected to host network")
    att = NetworkAttachment(name=net.name, aliases=aliases, ipv4_address=ipv4, ipv6_address=ipv6, mac_address=mac)
    from mocker.engine.types.containers import _check_endpoint as check_syntax

    check_syntax(att)
    network_attach._check_endpoint(net, att)
    with containers.container_lock(store, rec.id):
        rec = containers.get(store, rec.id)
        with transaction(store.db) as conn:
            eps = ndb.endpoints_of(conn, rec.id)
            if any(e.network_id == net.id for e in eps):
                raise Conflict(f"endpoint with name {rec.name} already exists in network {net.name}")
            used_if = {e.config.get("interface") for e in eps}
            iface = next(f"eth{i}" for i in range(len(eps) + 1) if f"eth{i}" not in used_if)
            ep = network_attach._add_endpoint(conn, rec, net, att, iface)
        if rec.status in ("running", "paused") and network_attach.is_set_up(store, rec.id):
            try:
                network_attach.connect_live(store, rec, net, ep)
            except BaseException:
                with transaction(store.db) as conn:
                    ndb.delete_endpoint(conn, rec.id, net.id)
                raise
    from mocker.engine.events import record

    record(store, "network", "connect", net.id, {"container": rec.id, "name": net.name, "type": net.driver})


def disconnect(store: Store, network: str, container: str, *, force: bool = False) -> None:
    from mocker.engine import containers, network_attach

    net = get(store, network)
    try:
        rec = containers.get(store, container)
    except MockerError:
        if force:
            return
        raise
    with containers.container_lock(store, rec.id):
        rec = containers.get(store, rec.id)
        eps = ndb.endpoints_of(store.db, rec.id)
        if not any(e.network_id == net.id for e in eps):
            raise MockerError(f"container {rec.id} is not connected to network {net.name}")
        if net.driver != "bridge":
            raise Conflict("container cannot be disconnected from host network or connected to host network")
        if rec.status in ("running", "paused") and network_attach.is_set_up(store, rec.id):
            network_attach.disconnect_live(store, rec, net)
        with transaction(store.db) as conn:
            ndb.delete_endpoint(conn, rec.id, net.id)
    from mocker.engine.events import record

    record(store, "network", "disconnect", net.id, {"container": rec.id, "name": net.name, "type": net.driver})
