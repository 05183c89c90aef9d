"""``network create``, ``ls``, ``inspect``, ``rm``, ``prune``, ``connect``, ``disconnect``, as docker/cli's
cli/command/network has them. All behaviour is in :mod:`mocker.engine.networks`."""

from __future__ import annotations

from typing import Any

from mocker.cli.command import Command
from mocker.cli.flags import Flag
from mocker.cli.output import print_formatted
from mocker.cli.volumes import _filter_flag, _kv, _label, filters_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mocker.cli.command import Context
    from mocker.cli.flags import Parsed
    from mocker.store.networks import NetworkRecord

SWARM = "swarm networks need swarm mode; mocker is daemonless"


def _create(ctx: Context, p: Parsed) -> int:
    from mocker.engine.networks import NetworkCreateOptions, create
    from mocker.errors import NotSupported

    if p.ipv4 is False:
        raise NotSupported("--ipv4=false", "mocker's networks are IPv4 networks")
    opts = NetworkCreateOptions(
        name=p.args[0], driver=p.driver, subnets=tuple(p.subnet), gateways=tuple(p.gateway),
        ip_ranges=tuple(p.ip_range), internal=p.internal, attachable=p.attachable, ipv6=bool(p.ipv6),
        labels=_kv(p.label), options=_kv(p.opt), ipam_driver=p.ipam_driver, ipam_options=_kv(p.ipam_opt),
        aux_addresses=_kv(p.aux_address),
    )
    ctx.out(create(ctx.store(), opts).id)
    return 0


CREATE = Command(
    name="network create", usage="network create [OPTIONS] NETWORK", summary="Create a network", handler=_create,
    min_args=1, max_args=1,
    flags=(
        Flag("attachable", help="Enable manual container attachment"),
        Flag("aux-address", kind="list", metavar="map", help="Auxiliary IPv4 or IPv6 addresses used by Network driver"),
        Flag("config-from", kind="str", unsupported=SWARM, help="The network from which to copy the configuration"),
        Flag("config-only", unsupported=SWARM, help="Create a configuration only network"),
        Flag("driver", "d", kind="str", default="bridge", metavar="string", help="Driver to manage the Network"),
        Flag("gateway", kind="list", metavar="strings", help="IPv4 or IPv6 Gateway for the master subnet"),
        Flag("ingress", unsupported=SWARM, help="Create swarm routing-mesh network"),
        Flag("internal", help="Restrict external access to the network"),
        Flag("ip-range", kind="list", metavar="strings", help="Allocate container ip from a sub-range"),
        Flag("ipam-driver", kind="str", default="default", metavar="string", help="IP Address Management Driver"),
        Flag("ipam-opt", kind="list", metavar="map", help="Set IPAM driver specific options"),
        Flag("ipv4", default=True, help="Enable or disable IPv4 address assignment"),
        Flag("ipv6", help="Enable or disable IPv6 address assignment"),
        Flag("label", kind="list", metavar="list", convert=_label, help="Set metadata on a network"),
        Flag("opt", "o", kind="list", metavar="map", help="Set driver specific options"),
        Flag("scope", kind="str", unsupported=SWARM, help="Control the network's scope"),
        Flag("subnet", kind="list", metavar="strings", help="Subnet in CIDR format that represents a network segment"),
    ),
)


# ---- ls ------------------------------------------------------------------------------------------


class NetworkRow(dict[str, Any]):
    """A ``network ls`` row: Docker's template fields plus ``{{.Label "key"}}``."""

    def __init__(self, rec: NetworkRecord, no_trunc: bool) -> None:
        from datetime import UTC, datetime

        super().__init__(
            ID=rec.id if no_trunc else rec.id[:12], Name=rec.name, Driver=rec.driver, Scope="local",
            IPv6="false", IPv4="true" if rec.driver == "bridge" else "false",
            Internal="true" if rec.internal else "false",
            Labels=",".join(f"{k}={v}" for k, v in sorted(rec.labels.items())),
            CreatedAt=datetime.fromtimestamp(rec.created, UTC).strftime("%Y-%m-%d %H:%M:%S.%f +0000 UTC"),
        )
        self._labels = rec.labels

    def Label(self, name: str) -> str:  # noqa: N802 - Docker's template method name
        return str(self._labels.get(name, ""))


HEADERS = {"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv6": "IPV6",
           "IPv4": "IPV4", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT"}


def _ls(ctx: Context, p: Parsed) -> int:
    from mocker.engine.networks import list_networks

    recs = list_networks(ctx.store(), filters_of(p.filter))
    rows = [NetworkRow(r, p.no_trunc) for r in recs]
    if p.quiet and (not p.format or p.format == "table"):
        for r in rows:
            ctx.out(r["ID"])
        return 0
    print_formatted(ctx, rows, p.format, default="table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                    headers=HEADERS)
    return 0


LS = Command(
    name="network ls", usage="network ls [OPTIONS]", summary="List networks", handler=_ls, max_args=0,
    flags=(
        Flag("filter", "f", kind="list", metavar="filter", convert=_filter_flag("-f, --filter"),
             help='Provide filter values (e.g. "driver=bridge")'),
        Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("no-trunc", help="Do not truncate the output"),
        Flag("quiet", "q", help="Only display network IDs"),
    ),
)


# ---- inspect -------------------------------------------------------------------------------------


def inspect_networks(ctx: Context, names: list[str]) -> tuple[list[dict[str, Any]], list[Exception]]:
    from mocker.engine.networks import get, network_json
    from mocker.errors import NotFound

    docs: list[dict[str, Any]] = []
    errors: list[Exception] = []
    for n in names:
        try:
            docs.append(network_json(ctx.store(), get(ctx.store(), n)))
        except NotFound as e:
            errors.append(e)
    return docs, errors


def _inspect(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_found

    docs, errors = inspect_networks(ctx, p.args)
    return print_found(ctx, docs, errors, p.format)


INSPECT = Command(
    name="network inspect", usage="network inspect [OPTIONS] NETWORK [NETWORK...]",
    summary="Display detailed information on one or more networks", handler=_inspect, min_args=1,
    flags=(
        Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("verbose", "v", unsupported=SWARM, help="Verbose output for diagnostics"),
    ),
)


# ---- rm ------------------------------------------------------------------------------------------


def _rm(ctx: Context, p: Parsed) -> int:
    from mocker.engine.networks import remove
    from mocker.errors import MockerError, NotFound

    failed = False
    for name in p.args:
        try:
            remove(ctx.store(), name)
        except NotFound as e:
            if p.force:
                continue
            ctx.err(f"Error: {e}")
            failed = True
            continue
        except MockerError as e:
            ctx.err(f"Error: {e}")
            failed = True
            continue
        ctx.out(name)
    return 1 if failed else 0


RM = Command(
    name="network rm", usage="network rm NETWORK [NETWORK...]", summary="Remove one or more networks",
    handler=_rm, min_args=1,
    flags=(Flag("force", "f", help="Do not error if the network does not exist"),),
)


# ---- prune ---------------------------------------------------------------------------------------


def _prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm
    from mocker.engine.networks import prune

    filters = filters_of(p.filter)
    if not p.force and not confirm(ctx, "WARNING! This will remove all custom networks not used by at least one "
                                        "container."):
        return 0
    report = prune(ctx.store(), filters)
    if report.deleted:
        ctx.out("Deleted Networks:")
        for name in report.deleted:
            ctx.out(name)
        ctx.out("")
    return 0


PRUNE = Command(
    name="network prune", usage="network prune [OPTIONS]", summary="Remove all unused networks", handler=_prune,
    max_args=0,
    flags=(
        Flag("filter", kind="list", metavar="filter", convert=_filter_flag("--filter"),
             help='Provide filter values (e.g. "until=<timestamp>")'),
        Flag("force", "f", help="Do not prompt for confirmation"),
    ),
)


# ---- connect / disconnect ------------------------------------------------------------------------


def _connect(ctx: Context, p: Parsed) -> int:
    from mocker.engine.networks import connect
    from mocker.errors import NotSupported

    if p.driver_opt:
        raise NotSupported("--driver-opt", "per-endpoint driver options are not implemented")
    if p.gw_priority:
        raise NotSupported("--gw-priority", "a container's default route is its first network's")
    connect(ctx.store(), p.args[0], p.args[1], aliases=tuple(p.alias), ipv4=p.ip or None, ipv6=p.ip6 or None)
    return 0


CONNECT = Command(
    name="network connect", usage="network connect [OPTIONS] NETWORK CONTAINER",
    summary="Connect a container to a network", handler=_connect, min_args=2, max_args=2,
    flags=(
        Flag("alias", kind="list", metavar="strings", help="Add network-scoped alias for the container"),
        Flag("driver-opt", kind="list", metavar="strings", help="driver options for the network"),
        Flag("gw-priority", kind="int", default=0, metavar="int", help="Highest gw-priority provides the default "
             "gateway."),
        Flag("ip", kind="str", metavar="string", help="IPv4 address (e.g., \"172.30.100.104\")"),
        Flag("ip6", kind="str", metavar="string", help="IPv6 address (e.g., \"2001:db8::33\")"),
        Flag("link", kind="list", unsupported="legacy container links are not implemented; use a user-defined "
             "network", help="Add link to another container"),
        Flag("link-local-ip", kind="list", unsupported="link-local addresses are not implemented",
             help="Add a link-local address for the container"),
    ),
)


def _disconnect(ctx: Context, p: Parsed) -> int:
    from mocker.engine.networks import disconnect

    disconnect(ctx.store(), p.args[0], p.args[1], force=p.force)
    return 0


DISCONNECT = Command(
    name="network disconnect", usage="network disconnect [OPTIONS] NETWORK CONTAINER",
    summary="Disconnect a container from a network", handler=_disconnect, min_args=2, max_args=2,
    flags=(Flag("force", "f", help="Force the container to disconnect from a network"),),
)
