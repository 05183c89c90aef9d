"""A container's networking: the mode chosen at create, leases, and set-up/tear-down around its runs.

Hooks the container lifecycle calls (one line each in ``container_create``/``containers``):

- :func:`resolve` (create, before anything is written): the mode (``bridge``, a user network,
  ``host``, ``none``, ``container:<id>``) and the networks with their endpoint options; unknown
  networks and misused ``--ip``/``--network-alias`` fail here with Docker's words.
- :func:`attach_new` (create, inside the container row's transaction): one endpoint row per
  network, each with its address lease and MAC.
- :func:`write_etc` (create, after the transaction): ``/etc/hosts`` and ``/etc/resolv.conf`` as
  Docker writes them for the container's networks.
- :func:`setup` (every start, before the runtime creates the process): a persistent network
  namespace, host ports, then netavark. What was applied is recorded in ``<run>/networks/<id>.json``
  so that :func:`teardown` (exit, stop, rm, and repair after a crash) can undo exactly that.

Leases live as long as the container (freed by ``rm``, in the same transaction): a stopped container
keeps its address, so ``/etc/hosts`` written at create stays true (see docs/DECISIONS.md).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from mocker.engine.types.containers import ContainerCreateOptions, NetworkAttachment
from mocker.errors import ContainerNotFound, InvalidArgument, MockerError, NetworkNotFound
from mocker.store import networks as ndb
from mocker.store.containers import ContainerRecord
from mocker.store.networks import NetworkRecord
from mocker.store.store import Store

BUILTIN_MODES = ("bridge", "host", "none")


class Plan:
    """What :func:`resolve` decided: ``mode`` is HostConfig.NetworkMode; ``attach`` the networks."""

    __slots__ = ("mode", "attach", "peer")

    def __init__(self, mode: str, attach: list[tuple[NetworkRecord, NetworkAttachment]], peer: str | None) -> None:
        self.mode = mode
        self.attach = attach
        self.peer = peer            # container id for container:<id>

    @property
    def kind(self) -> str:
        """``bridge`` (netavark networks), ``host``, ``none`` or ``container``."""
        if self.mode.startswith("container:"):
            return "container"
        if self.mode in ("host", "none"):
            return self.mode
        return "bridge"


def netns_path(store: Store, cid: str) -> str:
    return os.path.join(os.fspath(store.paths.run), "netns", cid)


def _state_path(store: Store, cid: str) -> str:
    return os.path.join(os.fspath(store.paths.run), "networks", f"{cid}.json")


def _config_dir(store: Store) -> str:
    return os.path.join(os.fspath(store.paths.run), "netavark")


# ---- create --------------------------------------------------------------------------------------

def resolve(store: Store, opts: ContainerCreateOptions) -> Plan:
    from mocker.engine import networks

    nets = list(opts.networks) or [NetworkAttachment(name="bridge")]
    first = nets[0].name
    if first == "default":
        nets[0] = NetworkAttachment(**{**_fields(nets[0]), "name": "bridge"})
        first = "bridge"
    if first.startswith("container:"):
        from mocker.engine import containers

        if opts.hostname:
            raise InvalidArgument("conflicting options: hostname and the network mode")
        if opts.publish or opts.publish_all:
            raise InvalidArgument("conflicting options: port publishing and the container type network mode")
        if opts.dns or opts.dns_search or opts.dns_options or opts.extra_hosts:
            raise InvalidArgument("conflicting options: dns and the network mode")
        try:
            peer = containers.get(store, first.partition(":")[2])
        except ContainerNotFound as e:
            raise MockerError(str(e)) from None
        return Plan(f"container:{peer.id}", [], peer.id)
    if first in ("host", "none"):
        if len(nets) > 1:
            raise InvalidArgument("container cannot be connected to multiple networks with one of the networks in "
                                  "private (none) mode" if first == "none" else
                                  "container cannot be disconnected from host network or connected to host network")
        net = networks.get(store, first)
        return Plan(first, [(net, nets[0])], None)
    attach = []
    for n in nets:
        net = networks.get(store, n.name)
        if net.driver != "bridge":
            raise InvalidArgument("container cannot be disconnected from host network or connected to host network")
        _check_endpoint(net, n)
        attach.append((net, n))
    return Plan(attach[0][0].name, attach, None)


def _fields(n: NetworkAttachment) -> dict[str, Any]:
    return {f: getattr(n, f) for f in ("name", "aliases", "ipv4_address", "ipv6_address", "mac_address",
                                       "driver_opts", "gw_priority")}


def _check_endpoint(net: NetworkRecord, n: NetworkAttachment) -> None:
    default = bool(net.config.get("default"))
    if n.ipv4_address and default:
        raise InvalidArgument("user specified IP address is supported on user defined networks only")
    if n.ipv4_address and not net.config.get("ipam_user"):
        raise InvalidArgument("user specified IP address is supported only when connecting to networks with user "
                              "configured subnets")
    if n.aliases and default:
        raise InvalidArgument("network-scoped alias is supported only for containers in user defined networks")
    if n.ipv6_address:
        from mocker.errors import NotSupported

        raise NotSupported("--ip6", "mocker's networks are IPv4 only")
    if n.driver_opts:
        from mocker.errors import NotSupported

        raise NotSupported("--network driver-opt", "per-endpoint driver options are not implemented")


def attach_new(conn: Any, rec: ContainerRecord, plan: Plan) -> list[ndb.EndpointRecord]:
    """Endpoint rows (leases) for a new container, in the caller's write transaction."""
    eps = []
    for i, (net, n) in enumerate(plan.attach):
        eps.append(_add_endpoint(conn, rec, net, n, f"eth{i}"))
    return eps


def _add_endpoint(conn: Any, rec: ContainerRecord, net: NetworkRecord, n: NetworkAttachment,
                  interface: str) -> ndb.EndpointRecord:
    from mocker.engine.names import new_id
    from mocker.network import ipam

    ipv4 = None
    if net.driver == "bridge":
        sub = net.subnets[0]
        used = ndb.used_addresses(conn, net.id)
        if n.ipv4_address:
            ipv4 = ipam.check_static(n.ipv4_address, sub["subnet"], sub.get("gateway", ""), used)
        else:
            ipv4 = ipam.allocate(sub["subnet"], sub.get("gateway", ""), used, sub.get("ip_range"))
    mac = n.mac_address or (ipam.random_mac() if net.driver == "bridge" else "")
    ep = ndb.EndpointRecord(container_id=rec.id, network_id=net.id, ipv4=ipv4, mac=mac.lower(), created=time.time(),
                            config={"aliases": list(n.aliases), "ipv4_requested": n.ipv4_address or "",
                                    "mac_requested": n.mac_address or "", "endpoint_id": new_id(),
                                    "interface": interface})
    ndb.insert_endpoint(conn, ep)
    return ep


def write_etc(store: Store, rec: ContainerRecord, plan: Plan, opts: ContainerCreateOptions) -> None:
    """``/etc/hosts`` with the container's address and ``/etc/resolv.conf`` pointing at aardvark-dns
    (user networks) or the host's resolvers (default bridge), as Docker writes them."""
    from mocker.network import etcfiles

    if plan.kind != "bridge":
        return
    d = store.paths.containers / rec.id
    eps = ndb.endpoints_of(store.db, rec.id)
    hostname = rec.config["spec"]["hostname"]
    first = eps[0].ipv4 if eps else None
    (d / "hosts").write_text(etcfiles.hosts(hostname, opts.domainname or "", first, _resolve_extra(store, plan,
                                                                                                   opts.extra_hosts)))
    dns_nets = [net for net, _ in plan.attach if net.config.get("dns")]
    servers = [net.subnets[0]["gateway"] for net in dns_nets if net.subnets and net.subnets[0].get("gateway")]
    (d / "resolv.conf").write_text(etcfiles.resolv_conf(servers, opts.dns, opts.dns_search, opts.dns_options))


def _resolve_extra(store: Store, plan: Plan, extra: tuple[str, ...]) -> list[str]:
    """``--add-host name:host-gateway`` -> the gateway of the container's first network."""
    out = []
    for h in extra:
        name, _, ip = h.partition(":")
        if ip == "host-gateway":
            net = plan.attach[0][0] if plan.attach else None
            ip = (net.subnets[0].get("gateway") if net and net.subnets else "") or ""
            if not ip:
                from mocker.engine import networks

                default = networks.get(store, "bridge")
                ip = default.subnets[0]["gateway"]
        out.append(f"{name}:{ip}")
    return out


def host_gateway(store: Store) -> str:
    from mocker.engine import networks

    return str(networks.get(store, "bridge").subnets[0]["gateway"])


# ---- start / exit --------------------------------------------------------------------------------

def _load_state(store: Store, cid: str) -> dict[str, Any] | None:
    try:
        with open(_state_path(store, cid)) as f:
            data: dict[str, Any] = json.load(f)
            return data
    except FileNotFoundError:
        return None
    except ValueError:
        return {"setups": []}


def _save_state(store: Store, cid: str, state: dict[str, Any]) -> None:
    path = _state_path(store, cid)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def _attachment(net: NetworkRecord, ep: ndb.EndpointRecord, rec: ContainerRecord) -> dict[str, Any]:
    aliases = []
    if net.config.get("dns"):
        aliases = [*ep.config.get("aliases", []), rec.id[:12]]
    return {"network": {"id": net.id, "name": net.name, "config": net.config},
            "interface": ep.config.get("interface", "eth0"), "ipv4": ep.ipv4, "mac": ep.mac, "aliases": aliases}


def mode_of(rec: ContainerRecord) -> str:
    return str(rec.config["spec"].get("network_mode") or "none")


def setup(store: Store, rec: ContainerRecord) -> None:
    """Before the process is created: namespace, ports, netavark. Undone by :func:`teardown`."""
    mode = mode_of(rec)
    if mode in ("host", "none"):
        return
    teardown(store, rec.id)         # leftovers of a run nobody cleaned up (crash, lost exit command)
    path = netns_path(store, rec.id)
    if mode.startswith("container:"):
        _link_peer(store, rec, mode.partition(":")[2], path)
        return
    from mocker.network import netavark, netns, ports

    opts = rec.config.get("options") or {}
    eps = ndb.endpoints_of(store.db, rec.id)
    nets = {n.id: n for n in (ndb.get(store.db, e.network_id) for e in eps) if n is not None}
    attach = [_attachment(nets[e.network_id], e, rec) for e in eps if e.network_id in nets
              and nets[e.network_id].driver == "bridge"]
    if not attach:
        raise NetworkNotFound(mode)
    reqs = ports.requests(opts.get("publish") or (), bool(opts.get("publish_all")), _exposed(rec))
    from mocker.store.db import transaction

    bound: list[tuple[str, int, str, int]] = []
    if reqs:
        with transaction(store.db) as conn:
            taken = [(r["host_ip"], r["host_port"], r["protocol"]) for r in ndb.port_rows(conn)]
            try:
                bound = ports.choose(reqs, taken)
            except ports.PortInUse as e:
                name = rec.name
                raise ports.PortInUse(f"driver failed programming external connectivity on endpoint {name} "
                                      f"({rec.id}): {e}") from None
            for ip, hp, proto, cp in bound:
                ndb.insert_port(conn, rec.id, ip, hp, proto, cp)
    doc = netavark.options(rec.id, rec.name, attach, ports.netavark_mappings(bound),
                           list(opts.get("dns") or ()) or None)
    state = {"netns": path, "setups": [doc]}
    try:
        netns.create(path)
        _save_state(store, rec.id, state)
        netavark.setup(_config_dir(store), path, doc)
    except BaseException:
        teardown(store, rec.id)
        raise


def _exposed(rec: ContainerRecord) -> list[str]:
    opts = rec.config.get("options") or {}
    cfg = rec.config.get("image_config") or {}
    return list(dict.fromkeys([*(opts.get("expose") or []), *(cfg.get("ExposedPorts") or {})]))


def exposed_ports(rec: ContainerRecord) -> list[str]:
    return _exposed(rec)


def _link_peer(store: Store, rec: ContainerRecord, peer_id: str, path: str) -> None:
    from mocker.engine import containers
    from mocker.network import netns

    peer = containers.get(store, peer_id)
    if peer.status != "running":
        raise MockerError(f"cannot join network namespace of a non running container: container {peer_id} is "
                          f"{peer.status}")
    target = netns_path(store, peer.id)
    if not os.path.exists(target) or mode_of(peer) == "none":
        target = f"/proc/{peer.pid}/ns/net"
    netns.link(path, os.path.realpath(target) if os.path.islink(target) else target)
    _save_state(store, rec.id, {"netns": path, "setups": []})


def teardown(store: Store, cid: str) -> None:
    """Undo :func:`setup` (idempotent; also for containers whose row is gone). Errors are collected
    and the namespace is removed anyway, so nothing is left behind by a half-failed teardown."""
    from mocker.network import netavark, netns

    state = _load_state(store, cid)
    path = netns_path(store, cid)
    if state is None and not os.path.lexists(path):
        _drop_ports(store, cid)
        return
    errors = []
    if os.path.lexists(path) and not os.path.islink(path):
        for doc in reversed((state or {}).get("setups") or []):
            try:
                netavark.teardown(_config_dir(store), path, doc)
            except MockerError as e:
                errors.append(str(e))
    netns.remove(path)
    try:
        os.unlink(_state_path(store, cid))
    except FileNotFoundError:
        pass
    _drop_ports(store, cid)
    if errors and os.environ.get("MOCKER_DEBUG"):
        import sys

        print("\n".join(errors), file=sys.stderr)


def _drop_ports(store: Store, cid: str) -> None:
    from mocker.store.db import transaction

    if not ndb.has_ports(store.db, cid):
        return  # a read first: a write transaction would queue behind every other writer (compose down: 10)
    with transaction(store.db) as conn:
        ndb.delete_ports(conn, cid)


def is_set_up(store: Store, cid: str) -> bool:
    return os.path.exists(_state_path(store, cid))


def connect_live(store: Store, rec: ContainerRecord, net: NetworkRecord, ep: ndb.EndpointRecord) -> None:
    """``network connect`` of a running container: one more netavark setup on its namespace."""
    from mocker.network import netavark

    state = _load_state(store, rec.id)
    path = netns_path(store, rec.id)
    if state is None or os.path.islink(path):
        raise MockerError(f"container {rec.id} has no network namespace of its own")
    doc = netavark.options(rec.id, rec.name, [_attachment(net, ep, rec)])
    state["setups"].append(doc)
    _save_state(store, rec.id, state)
    try:
        netavark.setup(_config_dir(store), path, doc)
    except BaseException:
        state["setups"].remove(doc)
        _save_state(store, rec.id, state)
        raise


def disconnect_live(store: Store, rec: ContainerRecord, net: NetworkRecord) -> None:
    """Tear down only ``net``'s part of a running container's set-up (ports stay on the others)."""
    from mocker.network import netavark

    state = _load_state(store, rec.id)
    if state is None:
        return
    path = netns_path(store, rec.id)
    keep = []
    for doc in state["setups"]:
        if net.name not in doc["networks"]:
            keep.append(doc)
            continue
        part = dict(doc, networks={net.name: doc["networks"][net.name]},
                    network_info={net.name: doc["network_info"][net.name]})
        netavark.teardown(_config_dir(store), path, part)
        rest = {k: v for k, v in doc["networks"].items() if k != net.name}
        if rest:
            keep.append(dict(doc, networks=rest, network_info={k: v for k, v in doc["network_info"].items()
                                                                 if k != net.name}))
    state["setups"] = keep
    _save_state(store, rec.id, state)


def leftover_ids(store: Store) -> list[str]:
    """Containers with recorded set-ups (for repair: those not running get torn down)."""
    d = os.path.join(os.fspath(store.paths.run), "networks")
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        return []
    return [n[:-5] for n in names if n.endswith(".json")]


def published(store: Store, rec: ContainerRecord) -> list[tuple[int, str, str, int]]:
    """(container port, protocol, host ip, host port) of a running container, as ``port`` lists them."""
    if rec.status not in ("running", "paused"):
        return []
    return [(r["container_port"], r["protocol"], r["host_ip"] or "0.0.0.0", r["host_port"])  # noqa: S104
            for r in ndb.port_rows(store.db, rec.id)]


def ps_filter_match(store: Store, rec: ContainerRecord, f: dict[str, list[str]]) -> bool:
    """``ps --filter network=NAME|ID``, ``publish=PORT[/PROTO]``, ``expose=PORT[/PROTO]`` (Docker's)."""
    if "network" in f:
        nets = [n for n in (ndb.get(store.db, e.network_id) for e in ndb.endpoints_of(store.db, rec.id)) if n]
        if not any(n.name == w or n.id.startswith(w) for w in f["network"] for n in nets):
            return False

    def norm(v: str) -> str:
        return v if "/" in v else f"{v}/tcp"

    if "publish" in f:
        have = {f"{cp}/{proto}" for cp, proto, _, _ in published(store, rec)}
        if not any(norm(w) in have for w in f["publish"]):
            return False
    if "expose" in f:
        have = {norm(e) for e in _exposed(rec)}
        if not any(norm(w) in have for w in f["expose"]):
            return False
    return True


def release_bridge(store: Store, net: NetworkRecord) -> None:
    """The network is gone: take its bridge, NAT and filter rules away (``network rm``/``prune``).

    The keeper kept netavark from doing this when the last container left; with the keeper dropped,
    one setup + teardown of a throwaway namespace on the network is netavark's "complete teardown".
    Best effort: a failure leaves an idle bridge, which the next network of that name reuses."""
    from mocker.network import keeper, netavark, netns

    if net.driver != "bridge":
        return
    bridge = str(net.config.get("bridge") or "")
    keeper.drop(net.id)
    subnets = net.config.get("subnets") or []
    if not bridge or not keeper.bridge_exists(bridge) or not subnets:
        return
    import ipaddress

    gateway = subnets[0].get("gateway")
    address = next(str(h) for h in ipaddress.IPv4Network(subnets[0]["subnet"], strict=False).hosts()
                   if str(h) != gateway)
    path = netns_path(store, f"release-{net.id[:12]}")
    doc = netavark.options(net.id, f"release-{net.name}", [{"network": {"id": net.id, "name": net.name,
                                                                        "config": net.config},
                                                            "interface": "eth0", "ipv4": address}])
    try:
        netns.create(path)
        netavark.setup(_config_dir(store), path, doc, keep_bridge=False)
        netavark.teardown(_config_dir(store), path, doc)
    except MockerError as e:
        if os.environ.get("MOCKER_DEBUG"):
            import sys

            print(f"releasing bridge {bridge}: {e}", file=sys.stderr)
    finally:
        netns.remove(path)


def release_bridges(store: Store) -> None:
    """:func:`release_bridge` for every network of the store: a throwaway store (tests, benchmarks)
    takes its bridges with it, the built-in ``bridge`` included."""
    for net in ndb.list_all(store.db):
        release_bridge(store, net)
