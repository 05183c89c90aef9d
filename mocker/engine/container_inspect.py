"""Docker's JSON and list shapes for containers (``inspect``, ``ps``), built from record + live state."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from mocker.store.containers import ContainerRecord
from mocker.store.store import Store

ZERO = "0001-01-01T00:00:00Z"


def ts(t: float | None) -> str:
    if not t:
        return ZERO
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def status_text(rec: ContainerRecord, now: float | None = None) -> str:
    """Docker's State.String(): "Up 3 seconds", "Exited (0) 2 minutes ago", "Created", ..."""
    from mocker.format.units import human_duration

    now = time.time() if now is None else now
    if rec.status == "paused":
        return f"Up {human_duration(now - (rec.started_at or now))} (Paused)"
    if rec.status == "restarting":
        return f"Restarting ({rec.exit_code or 0}) {human_duration(now - (rec.finished_at or now))} ago"
    if rec.status == "running":
        up = f"Up {human_duration(now - (rec.started_at or now))}"
        if rec.health:  # moby Health.String(): "health: starting", "healthy", "unhealthy"
            status = rec.health.get("Status") or "unhealthy"
            return f"{up} ({'health: starting' if status == 'starting' else status})"
        return up
    if rec.status == "removing":
        return "Removal In Progress"
    if rec.status == "dead":
        return "Dead"
    if not rec.started_at:
        return "Created"
    if not rec.finished_at:
        return ""
    return f"Exited ({rec.exit_code if rec.exit_code is not None else 0}) {human_duration(now - rec.finished_at)} ago"


def _command(spec: dict[str, Any]) -> str:
    args = list(spec.get("args") or [])
    return " ".join(args)


def network_columns(store: Store) -> dict[str, tuple[str, str]]:
    """(PORTS, NETWORKS) text per container id, for ``ps``: two queries for all rows."""
    conn = store.db
    nets: dict[str, list[str]] = {}
    for cid, name in conn.execute("SELECT e.container_id, n.name FROM endpoints e JOIN networks n ON"
                                  " n.id = e.network_id ORDER BY e.created, e.rowid"):
        nets.setdefault(cid, []).append(name)
    bound: dict[str, list[Any]] = {}
    for row in conn.execute("SELECT * FROM port_bindings"):
        bound.setdefault(row["container_id"], []).append(row)
    out = {cid: ("", ",".join(names)) for cid, names in nets.items()}
    if bound:
        from mocker.network.ports import ps_text

        for cid, rows in bound.items():
            out[cid] = (ps_text((), rows), out.get(cid, ("", ""))[1])
    return out


def ps_row(rec: ContainerRecord, *, no_trunc: bool = False, net: tuple[str, str] | None = None) -> dict[str, Any]:
    from mocker.format.units import human_duration

    cmd = _command(rec.config["spec"])
    if not no_trunc and len(cmd) > 20:
        cmd = cmd[:19] + "…"
    image = rec.image_name
    return {
        "ID": rec.id if no_trunc else rec.id[:12],
        "Image": image,
        "Command": f'"{cmd}"',
        "CreatedAt": datetime.fromtimestamp(rec.created, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC"),
        "RunningFor": human_duration(time.time() - rec.created) + " ago",
        "Ports": _ps_ports(rec, net[0] if net else ""),
        "State": rec.status,
        "Status": status_text(rec),
        "Size": "",
        "Names": rec.name,
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(rec.labels.items())),
        "Mounts": ",".join(m.get("name") or m.get("source", "") for m in rec.config["spec"].get("mounts") or []),
        "Networks": net[1] if net and net[1] else _mode_name(rec.config["spec"].get("network_mode", "none")),
    }


def _mode_name(mode: str) -> str:
    return "" if mode.startswith("container:") else mode


def _ps_ports(rec: ContainerRecord, published: str) -> str:
    """Published ports of a running container, then its exposed-only ports (as Docker's ps)."""
    if rec.status not in ("running", "paused"):
        return ""
    opts = rec.config.get("options") or {}
    exposed = [*(opts.get("expose") or []), *((rec.config.get("image_config") or {}).get("ExposedPorts") or {})]
    if not exposed:
        return published
    from mocker.network.ports import ps_text

    shown = {p.split("->")[-1] for p in published.split(", ") if p}
    rest = ps_text([e for e in dict.fromkeys(exposed) if (e if "/" in e else e + "/tcp") not in shown], ())
    return ", ".join(x for x in (published, rest) if x)


PS_HEADERS = {
    "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
    "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS",
}


def container_json(store: Store, rec: ContainerRecord) -> dict[str, Any]:
    spec = rec.config["spec"]
    opts = rec.config.get("options") or {}
    cfg = rec.config.get("image_config") or {}
    args = list(spec.get("args") or [])
    d = store.paths.containers / rec.id
    res = spec.get("resources") or {}
    sec = spec.get("security") or {}
    restart = opts.get("restart") or {"name": "no", "maximum_retry_count": 0}
    mounts = []
    for m in spec.get("mounts") or []:
        entry: dict[str, Any] = {"Type": m["type"], "Source": m.get("source", ""), "Destination": m["target"],
                                 "Mode": "", "RW": not m.get("read_only"), "Propagation": m.get("propagation") or
                                 ("rprivate" if m["type"] == "bind" else "")}
        if m["type"] == "volume":
            entry = {"Type": "volume", "Name": m.get("name", ""), "Source": m.get("source", ""),
                     "Destination": m["target"], "Driver": "local", "Mode": "",
                     "RW": not m.get("read_only"), "Propagation": ""}
        mounts.append(entry)
    health = rec.health
    state: dict[str, Any] = {
        "Status": rec.status, "Running": rec.status in ("running", "paused", "restarting"),
        "Paused": rec.status == "paused", "Restarting": rec.status == "restarting",
        "OOMKilled": bool(rec.oom_killed), "Dead": rec.status == "dead", "Pid": rec.pid if rec.status in
        ("running", "paused") else 0, "ExitCode": rec.exit_code or 0, "Error": rec.error or "",
        "StartedAt": ts(rec.started_at), "FinishedAt": ts(rec.finished_at),
    }
    if health:
        state["Health"] = health
    env = list(spec.get("env") or [])
    return {
        "Id": rec.id,
        "Created": ts(rec.created),
        "Path": args[0] if args else "",
        "Args": args[1:],
        "State": state,
        "Image": rec.image_id,
        "ResolvConfPath": str(d / "resolv.conf"),
        "HostnamePath": str(d / "hostname"),
        "HostsPath": str(d / "hosts"),
        "LogPath": spec.get("log_path", "") if spec.get("log_driver") != "none" else "",
        "Name": "/" + rec.name,
        "RestartCount": rec.restart_count,
        "Driver": "overlay",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": None,
        "HostConfig": {
            "Binds": [v["raw"] for v in opts.get("volumes") or []] or None,
            "ContainerIDFile": opts.get("cidfile") or "",
            "LogConfig": {"Type": opts.get("log_driver") or "json-file", "Config": opts.get("log_opts") or {}},
            "NetworkMode": spec.get("network_mode", "none"),
            "PortBindings": _port_bindings(opts.get("publish") or ()),
            "PublishAllPorts": bool(opts.get("publish_all")),
            "RestartPolicy": {"Name": restart.get("name", "no"),
                              "MaximumRetryCount": restart.get("maximum_retry_count", 0)},
            "AutoRemove": bool(opts.get("auto_remove")),
            "CapAdd": list(sec.get("cap_add") or []) or None,
            "CapDrop": list(sec.get("cap_drop") or []) or None,
            "Dns": list(opts.get("dns") or []), "DnsOptions": list(opts.get("dns_options") or []),
            "DnsSearch": list(opts.get("dns_search") or []), "ExtraHosts": list(opts.get("extra_hosts") or []) or None,
            "GroupAdd": list(spec.get("group_add") or []) or None,
            "Privileged": bool(sec.get("privileged")),
            "ReadonlyRootfs": bool(sec.get("read_only_rootfs")),
            "SecurityOpt": list(opts.get("security_opt") or []) or None,
            "Tmpfs": dict(opts.get("tmpfs") or {}) or None,
            "ShmSize": res.get("shm_size") or 67108864,
            "Runtime": opts.get("runtime") or "crun",
            "Memory": res.get("memory") or 0,
            "MemoryReservation": res.get("memory_reservation") or 0,
            "MemorySwap": res.get("memory_swap") or 0,
            "NanoCpus": res.get("nano_cpus") or 0,
            "CpuShares": res.get("cpu_shares") or 0,
            "CpuPeriod": res.get("cpu_period") or 0,
            "CpuQuota": res.get("cpu_quota") or 0,
            "CpusetCpus": res.get("cpuset_cpus") or "",
            "PidsLimit": res.get("pids_limit"),
            "OomKillDisable": bool(res.get("oom_kill_disable")),
            "Ulimits": [{"Name": u["name"], "Soft": u["soft"], "Hard": u["hard"]} for u in spec.get("ulimits") or []]
            or None,
            "Devices": [{"PathOnHost": x["path_on_host"], "PathInContainer": x["path_in_container"],
                         "CgroupPermissions": x["permissions"]} for x in spec.get("devices") or []] or None,
            "Init": opts.get("init"),
            "Sysctls": dict(spec.get("sysctls") or {}) or None,
            "Mounts": None,
        },
        "GraphDriver": {"Name": "overlay", "Data": {
            "LowerDir": ":".join(reversed(spec.get("rootfs_layers") or [])),
            "UpperDir": str(d / "upper"), "WorkDir": str(d / "work"), "MergedDir": str(d / "merged")}},
        "Mounts": mounts,
        "Config": {
            "Hostname": spec.get("hostname", ""), "Domainname": spec.get("domainname", ""),
            "User": spec.get("user", ""), "AttachStdin": bool(opts.get("attach_stdin")),
            "AttachStdout": bool(opts.get("attach_stdout")) and not opts.get("detach"),
            "AttachStderr": bool(opts.get("attach_stderr")) and not opts.get("detach"),
            "ExposedPorts": {p: {} for p in (opts.get("expose") or [])} or cfg.get("ExposedPorts"),
            "Tty": bool(spec.get("tty")), "OpenStdin": bool(spec.get("open_stdin")),
            "StdinOnce": bool(opts.get("stdin_once")), "Env": env,
            "Cmd": list(opts["command"]) if opts.get("command") is not None else cfg.get("Cmd"),
            "Image": rec.image_name, "Volumes": cfg.get("Volumes"), "WorkingDir": spec.get("workdir", ""),
            "Entrypoint": list(opts["entrypoint"]) if opts.get("entrypoint") is not None else cfg.get("Entrypoint"),
            "OnBuild": cfg.get("OnBuild"), "Labels": dict(rec.labels),
            "StopSignal": spec.get("stop_signal") or None,
            **({"Healthcheck": rec.config["healthcheck"]} if rec.config.get("healthcheck") else {}),
            **({"StopTimeout": opts["stop_timeout"]} if opts.get("stop_timeout") is not None else {}),
        },
        "NetworkSettings": network_settings(store, rec),
    }


def _port_bindings(publish: Any) -> dict[str, Any]:
    if not publish:
        return {}
    from mocker.network.ports import port_bindings

    return port_bindings(publish)


def network_settings(store: Store, rec: ContainerRecord) -> dict[str, Any]:
    """Docker's ``NetworkSettings``: addresses while the container runs, NetworkID/aliases always."""
    import ipaddress

    from mocker.engine import network_attach
    from mocker.network import ports
    from mocker.store import networks as ndb

    running = rec.status in ("running", "paused")
    mode = rec.config["spec"].get("network_mode", "none")
    bound = ndb.port_rows(store.db, rec.id) if running else []
    out: dict[str, Any] = {
        "Bridge": "", "SandboxID": rec.id if running and not mode.startswith("container:") else "",
        "SandboxKey": network_attach.netns_path(store, rec.id) if running and mode not in ("host", "none") else "",
        "Ports": ports.settings_ports(network_attach.exposed_ports(rec), bound) if running else {},
        "HairpinMode": False, "LinkLocalIPv6Address": "", "LinkLocalIPv6PrefixLen": 0,
        "SecondaryIPAddresses": None, "SecondaryIPv6Addresses": None,
        "EndpointID": "", "Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "IPAddress": "",
        "IPPrefixLen": 0, "IPv6Gateway": "", "MacAddress": "", "Networks": {},
    }
    for ep in ndb.endpoints_of(store.db, rec.id):
        net = ndb.get(store.db, ep.network_id)
        if net is None:
            continue
        sub = net.subnets[0] if net.subnets else {}
        live = running and bool(ep.ipv4)
        aliases = list(ep.config.get("aliases") or [])
        entry = {
            "IPAMConfig": {"IPv4Address": ep.config["ipv4_requested"]} if ep.config.get("ipv4_requested") else None,
            "Links": None, "Aliases": aliases or None, "MacAddress": ep.mac if live else "", "DriverOpts": None,
            "GwPriority": 0, "NetworkID": net.id, "EndpointID": ep.config.get("endpoint_id", "") if running else "",
            "Gateway": sub.get("gateway", "") if live else "", "IPAddress": ep.ipv4 if live else "",
            "IPPrefixLen": ipaddress.IPv4Network(sub["subnet"]).prefixlen if live and sub else 0,
            "IPv6Gateway": "", "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0,
            "DNSNames": [rec.name, rec.id[:12], *aliases] if net.config.get("dns") else None,
        }
        out["Networks"][net.name] = entry
        if net.name == "bridge":   # the deprecated top-level fields: default bridge only, as Docker
            for k in ("EndpointID", "Gateway", "IPAddress", "IPPrefixLen", "MacAddress"):
                out[k] = entry[k]
    return out
