"""Volumes and networks on the apple backend, through ``container volume|network ...``.

Networks need macOS 26 on the Mac side; the CLI reports that itself. There is no ``network
connect``/``disconnect`` (membership is fixed at create time): the support table refuses them.
"""

from __future__ import annotations

from typing import Any

from mocker.cli.apple.common import container_cli
from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.errors import MockerError, NotFound
from mocker.runtime.apple.support import refuse


def _volume(doc: dict[str, Any]) -> dict[str, Any]:
    """Either shape (1.0+ ``{id, configuration}``, 0.x flat) -> Docker's volume inspect object."""
    from mocker.engine.apple.inspect import ts
    from mocker.runtime.apple.shapes import parse_date

    nested = doc.get("configuration")
    cfg: dict[str, Any] = nested if isinstance(nested, dict) else doc
    created = parse_date(cfg.get("creationDate") or cfg.get("createdAt"))
    return {"CreatedAt": ts(created).replace(".000000000Z", "Z") if created else "",
            "Driver": cfg.get("driver") or "local", "Labels": cfg.get("labels") or {},
            "Mountpoint": cfg.get("source") or "", "Name": cfg.get("name") or doc.get("id") or "",
            "Options": cfg.get("options") or {}, "Scope": "local"}


def _network(doc: dict[str, Any]) -> dict[str, Any]:
    """1.0+ ``{id, configuration, status}`` or 0.8–0.12 ``{id, state, config, status}`` -> Docker's."""
    from mocker.engine.apple.inspect import ts
    from mocker.runtime.apple.shapes import parse_date

    cfg = doc.get("configuration") or doc.get("config") or {}
    status = doc.get("status") or {}
    name = cfg.get("name") or cfg.get("id") or doc.get("id") or ""
    subnet = status.get("ipv4Subnet") or status.get("address") or cfg.get("ipv4Subnet") or cfg.get("subnet") or ""
    gateway = status.get("ipv4Gateway") or status.get("gateway") or ""
    return {"Name": name, "Id": doc.get("id") or name, "Created": ts(parse_date(cfg.get("creationDate"))),
            "Scope": "local", "Driver": cfg.get("plugin") or "container-network-vmnet", "EnableIPv6": False,
            "IPAM": {"Driver": "default", "Options": {},
                     "Config": [{"Subnet": subnet, "Gateway": gateway}] if subnet else []},
            "Internal": cfg.get("mode") == "hostOnly", "Attachable": False, "Ingress": False,
            "Containers": {}, "Options": cfg.get("options") or {}, "Labels": cfg.get("labels") or {}}


def _list(kind: str) -> list[dict[str, Any]]:
    cli = container_cli()
    docs = cli.json([kind, "list", "--format", "json"])
    conv = _volume if kind == "volume" else _network
    return sorted((conv(d) for d in docs if isinstance(d, dict)), key=lambda d: d["Name"])


def inspect_docs(kind: str, names: list[str]) -> list[dict[str, Any]]:
    try:
        every = _list(kind)
    except MockerError:
        return []
    return [d for n in names for d in every if d["Name"] == n or (kind == "network" and d["Id"] == n)]


def _print_inspected(ctx: Context, kind: str, p: Parsed) -> int:
    from mocker.cli.output import print_inspected

    docs, missing = [], []
    for n in p.args:
        found = inspect_docs(kind, [n])
        docs += found
        if not found:
            missing.append(n)
    return print_inspected(ctx, docs, missing, p.format, missing_message=f"No such {kind}")


def volume_create(ctx: Context, p: Parsed) -> int:
    if p.driver not in ("local", ""):
        raise refuse(f"--driver {p.driver}", "the runtime's volumes are local ext4 images")
    name = p.args[0] if p.args else p.name
    if not name:
        raise refuse("volume create without a name", "the CLI needs the volume's name")
    argv = ["volume", "create"]
    for lb in p.label:
        argv += ["--label", lb if isinstance(lb, str) else "=".join(lb)]
    for o in p.opt:
        argv += ["--opt", o]
    container_cli().call([*argv, name])
    ctx.out(name)
    return 0


def volume_ls(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_formatted

    if p.filter:
        raise refuse("volume ls --filter", "not implemented for the apple backend yet")
    rows = _list("volume")
    if p.quiet:
        for r in rows:
            ctx.out(r["Name"])
        return 0
    print_formatted(ctx, rows, p.format, default="table {{.Driver}}\t{{.Name}}",
                    headers={"Driver": "DRIVER", "Name": "VOLUME NAME", "Mountpoint": "MOUNTPOINT",
                             "Scope": "SCOPE", "Labels": "LABELS", "CreatedAt": "CREATED AT"})
    return 0


def volume_inspect(ctx: Context, p: Parsed) -> int:
    return _print_inspected(ctx, "volume", p)


def _delete(ctx: Context, kind: str, names: list[str]) -> int:
    failed = 0
    known = {d["Name"] for d in _list(kind)}
    for n in names:
        try:
            if n not in known:
                raise NotFound(f"get {n}: no such volume" if kind == "volume" else f"network {n} not found")
            container_cli().call([kind, "delete", n])
            ctx.out(n)
        except MockerError as e:
            ctx.err(f"Error: {e}")
            failed = 1
    return failed


def volume_rm(ctx: Context, p: Parsed) -> int:
    return _delete(ctx, "volume", p.args)


ANONYMOUS = "com.apple.container.resource.anonymous"


def prune_volumes(all_: bool) -> list[str]:
    """Unused volumes (no container, running or not, mounts them); anonymous ones only unless
    ``all_``, as Docker. Decided on the client from the CLI's lists, then deleted one by one."""
    from mocker.engine.apple.containers import list_containers

    cli = container_cli()
    used = {m.name for c in list_containers(cli) for m in c.mounts if m.type == "volume"}
    removed = []
    for d in _list("volume"):
        if d["Name"] in used or not (all_ or ANONYMOUS in d["Labels"]):
            continue
        cli.call(["volume", "delete", d["Name"]])
        removed.append(d["Name"])
    return removed


def volume_prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm

    if p.filter:
        raise refuse("volume prune --filter", "not implemented for the apple backend yet")
    warning = ("WARNING! This will remove all local volumes not used by at least one container." if p.all else
               "WARNING! This will remove anonymous local volumes not used by at least one container.")
    if not p.force and not confirm(ctx, warning):
        return 0
    removed = prune_volumes(bool(p.all))
    if removed:
        ctx.out("Deleted Volumes:")
        for n in removed:
            ctx.out(n)
        ctx.out("")
    ctx.out("Total reclaimed space: unknown (the apple backend does not report sizes)")
    return 0


# ---- networks (the Linux table has none yet: these are the apple backend's own commands) --------

def _network_create(ctx: Context, p: Parsed) -> int:
    if p.driver not in (None, "", "bridge"):
        raise refuse(f"--driver {p.driver}", "the runtime's networks are vmnet networks")
    argv = ["network", "create"]
    if p.internal:
        argv.append("--internal")
    for lb in p.label:
        argv += ["--label", lb]
    for s in p.subnet:
        argv += ["--subnet-v6" if ":" in s else "--subnet", s]
    container_cli().call([*argv, p.args[0]])
    ctx.out(p.args[0])
    return 0


def _network_ls(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_formatted

    rows = [{"ID": d["Id"][:12], "Name": d["Name"], "Driver": d["Driver"], "Scope": "local",
             "Internal": str(d["Internal"]).lower(), "Labels": ",".join(f"{k}={v}" for k, v in d["Labels"].items())}
            for d in _list("network")]
    if p.quiet:
        for r in rows:
            ctx.out(r["ID"])
        return 0
    print_formatted(ctx, rows, p.format, default="table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
                    headers={"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
                             "Internal": "INTERNAL", "Labels": "LABELS"})
    return 0


def _network_inspect(ctx: Context, p: Parsed) -> int:
    return _print_inspected(ctx, "network", p)


def _network_rm(ctx: Context, p: Parsed) -> int:
    return _delete(ctx, "network", p.args)


def _network_prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm

    if not p.force and not confirm(ctx, "WARNING! This will remove all custom networks not used by at least one "
                                        "container."):
        return 0
    out = container_cli().call(["network", "prune"]).text.split()
    if out:
        ctx.out("Deleted Networks:")
        for n in out:
            ctx.out(n)
    return 0


_FMT = Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template")
NETWORK_CREATE = Command(
    name="network create", usage="network create [OPTIONS] NETWORK", summary="Create a network",
    handler=_network_create, min_args=1, max_args=1,
    flags=(
        Flag("driver", "d", kind="str", metavar="string", help="Driver to manage the Network"),
        Flag("internal", help="Restrict external access to the network"),
        Flag("label", kind="list", metavar="list", help="Set metadata on a network"),
        Flag("subnet", kind="list", metavar="list", help="Subnet in CIDR format that represents a network segment"),
        *(Flag(n, kind="list" if n in ("aux-address", "ip-range", "gateway", "opt") else "bool" if n in (
            "attachable", "ingress", "ipv6", "config-only") else "str",
               unsupported="apple backend: `container network create` has no such option")
          for n in ("attachable", "aux-address", "config-from", "config-only", "gateway", "ingress", "ip-range",
                    "ipam-driver", "ipam-opt", "ipv4", "ipv6", "opt", "scope")),
    ),
)
NETWORK_LS = Command(name="network ls", usage="network ls [OPTIONS]", summary="List networks",
                     handler=_network_ls, max_args=0,
                     flags=(_FMT, Flag("quiet", "q", help="Only display network IDs"),
                            Flag("filter", kind="list", unsupported="apple backend: network filters are not "
                                                                    "implemented yet"),
                            Flag("no-trunc", help="Do not truncate the output")))
NETWORK_INSPECT = Command(name="network inspect", usage="network inspect [OPTIONS] NETWORK [NETWORK...]",
                          summary="Display detailed information on one or more networks",
                          handler=_network_inspect, min_args=1, flags=(_FMT,))
NETWORK_RM = Command(name="network rm", usage="network rm NETWORK [NETWORK...]",
                     summary="Remove one or more networks", handler=_network_rm, min_args=1,
                     flags=(Flag("force", "f", help="Do not error if the network does not exist"),))
NETWORK_PRUNE = Command(name="network prune", usage="network prune [OPTIONS]", summary="Remove all unused networks",
                        handler=_network_prune, max_args=0,
                        flags=(Flag("force", "f", help="Do not prompt for confirmation"),
                               Flag("filter", kind="list", unsupported="apple backend: network filters are not "
                                                                       "implemented yet")))
