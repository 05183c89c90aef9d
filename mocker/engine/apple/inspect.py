"""Docker's shapes (``inspect`` JSON, ``ps`` rows, ``port`` lines) built from what the CLI reports.

The runtime is the source of truth: every value comes from an :class:`AppleContainer`, read from
``container list/inspect --format json`` just now. What the runtime does not report stays at Docker's
zero value (``ExitCode`` 0, ``FinishedAt`` 0001-01-01, ``Pid`` 0) and the support table says so.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mocker.runtime.apple.shapes import AppleContainer

ZERO = "0001-01-01T00:00:00Z"
PS_HEADERS = {
    "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
    "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS",
}


def ts(t: float | None) -> str:
    if not t:
        return ZERO
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def docker_state(c: AppleContainer) -> str:
    """Apple's running/stopped/stopping/unknown -> Docker's State.Status."""
    if c.state in ("running", "stopping"):
        return "running"
    if c.state == "stopped":
        return "exited" if c.started else "created"
    return "dead"


def status_text(c: AppleContainer, now: float | None = None) -> str:
    from mocker.format.units import human_duration

    now = time.time() if now is None else now
    state = docker_state(c)
    if state == "running":
        up = f"Up {human_duration(now - c.started)}" if c.started else "Up"
        return up + (" (stopping)" if c.state == "stopping" else "")
    if state == "created":
        return "Created"
    if state == "exited":
        return "Exited"     # the runtime reports neither the exit code nor the finish time
    return "Unknown"


def short_id(cid: str, no_trunc: bool = False) -> str:
    """UUID IDs (no --name) are shortened to 12 characters as Docker's are; names never are."""
    return cid[:12] if not no_trunc and _is_uuid(cid) else cid


def _is_uuid(text: str) -> bool:
    parts = text.split("-")
    return [len(x) for x in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef" for c in text.replace("-", ""))


def port_text(c: AppleContainer) -> str:
    out = []
    for p in c.ports:
        cport = str(p.container_port) if p.count == 1 else f"{p.container_port}-{p.container_port + p.count - 1}"
        hport = str(p.host_port) if p.count == 1 else f"{p.host_port}-{p.host_port + p.count - 1}"
        out.append(f"{p.host_ip}:{hport}->{cport}/{p.proto}")
    return ", ".join(out)


def ps_row(c: AppleContainer, *, no_trunc: bool = False) -> dict[str, Any]:
    from mocker.format.units import human_duration
    from mocker.runtime.apple.shapes import short_reference

    cmd = " ".join([c.executable, *c.arguments]).strip()
    if not no_trunc and len(cmd) > 20:
        cmd = cmd[:19] + "…"
    repo, tag = short_reference(c.image) if c.image else ("", "")
    image = f"{repo}:{tag}" if tag and tag not in ("latest", "<none>") else repo
    created = c.created or c.started
    return {
        "ID": short_id(c.id, no_trunc),
        "Image": image,
        "Command": f'"{cmd}"',
        "CreatedAt": datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC") if created else "",
        "RunningFor": (human_duration(time.time() - created) + " ago") if created else "",
        "Ports": port_text(c),
        "State": docker_state(c),
        "Status": status_text(c),
        "Size": "",
        "Names": c.id,
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(c.labels.items())),
        "Mounts": ",".join(m.name or m.source for m in c.mounts),
        "Networks": ",".join(c.network_names or tuple(n.network for n in c.networks)),
    }


def _ports(c: AppleContainer) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for p in c.ports:
        for i in range(p.count):
            out.setdefault(f"{p.container_port + i}/{p.proto}", []).append(
                {"HostIp": p.host_ip, "HostPort": str(p.host_port + i)})
    return out


def _networks(c: AppleContainer) -> dict[str, Any]:
    nets: dict[str, Any] = {}
    for n in c.networks:
        ip, _, prefix = n.ipv4.partition("/")
        ip6, _, prefix6 = n.ipv6.partition("/")
        nets[n.network] = {
            "IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": n.mac, "DriverOpts": None,
            "GwPriority": 0, "NetworkID": n.network, "EndpointID": "", "Gateway": n.gateway, "IPAddress": ip,
            "IPPrefixLen": int(prefix) if prefix.isdigit() else 0, "IPv6Gateway": "", "GlobalIPv6Address": ip6,
            "GlobalIPv6PrefixLen": int(prefix6) if prefix6.isdigit() else 0, "DNSNames": [n.hostname.rstrip(".")]
            if n.hostname else None,
        }
    for name in c.network_names:        # a stopped container keeps its configured networks
        nets.setdefault(name, {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "",
                               "DriverOpts": None, "GwPriority": 0, "NetworkID": name, "EndpointID": "",
                               "Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "",
                               "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DNSNames": None})
    return nets


def _mounts(c: AppleContainer) -> list[dict[str, Any]]:
    out = []
    for m in c.mounts:
        if m.type == "volume":
            out.append({"Type": "volume", "Name": m.name, "Source": m.source, "Destination": m.destination,
                        "Driver": "local", "Mode": "ro" if m.read_only else "", "RW": not m.read_only,
                        "Propagation": ""})
        else:
            out.append({"Type": "bind" if m.type == "bind" else m.type, "Source": m.source,
                        "Destination": m.destination, "Mode": "ro" if m.read_only else "", "RW": not m.read_only,
                        "Propagation": ""})
    return out


def container_json(c: AppleContainer) -> dict[str, Any]:
    """Docker's ``ContainerJSON`` (the keys scripts read), from the runtime's report."""
    state = docker_state(c)
    first = c.networks[0] if c.networks else None
    ip, _, prefix = first.ipv4.partition("/") if first else ("", "", "")
    binds = [f"{m.source}:{m.destination}{':ro' if m.read_only else ''}" for m in c.mounts if m.type == "bind"]
    return {
        "Id": c.id,
        "Created": ts(c.created),
        "Path": c.executable,
        "Args": list(c.arguments),
        "State": {
            "Status": state, "Running": state == "running", "Paused": False, "Restarting": False,
            "OOMKilled": False, "Dead": state == "dead", "Pid": 0, "ExitCode": 0, "Error": "",
            "StartedAt": ts(c.started), "FinishedAt": ZERO,
        },
        "Image": c.image_digest,
        "ResolvConfPath": "", "HostnamePath": "", "HostsPath": "", "LogPath": "",
        "Name": "/" + c.id,
        "RestartCount": 0,
        "Driver": "apple-container",
        "Platform": c.platform.split("/")[0] if c.platform else "linux",
        "MountLabel": "", "ProcessLabel": "", "AppArmorProfile": "",
        "ExecIDs": None,
        "HostConfig": {
            "Binds": binds or None, "ContainerIDFile": "", "LogConfig": {"Type": "apple-container", "Config": {}},
            "NetworkMode": c.network_names[0] if c.network_names else "default",
            "PortBindings": _ports(c), "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            "AutoRemove": False, "CapAdd": list(c.cap_add) or None, "CapDrop": list(c.cap_drop) or None,
            "Dns": list(c.dns), "Privileged": False, "PublishAllPorts": False, "ReadonlyRootfs": c.read_only,
            "Memory": c.memory or 0, "NanoCpus": (c.cpus or 0) * 1_000_000_000, "Init": c.use_init or None,
            "Ulimits": [{"Name": str(r.get("limit", "")).removeprefix("RLIMIT_").lower(), "Soft": r.get("soft"),
                         "Hard": r.get("hard")} for r in c.rlimits] or None,
        },
        "Mounts": _mounts(c),
        "Config": {
            "Hostname": c.id, "Domainname": "", "User": c.user, "AttachStdin": False, "AttachStdout": False,
            "AttachStderr": False, "ExposedPorts": {k: {} for k in _ports(c)} or None, "Tty": c.tty,
            "OpenStdin": False, "StdinOnce": False, "Env": list(c.env),
            "Cmd": [c.executable, *c.arguments] if c.executable else None, "Image": c.image, "Volumes": None,
            "WorkingDir": c.workdir, "Entrypoint": None, "OnBuild": None, "Labels": dict(c.labels),
            "StopSignal": c.stop_signal or None,
        },
        "NetworkSettings": {
            "SandboxID": "", "SandboxKey": "", "Ports": _ports(c), "Gateway": first.gateway if first else "",
            "IPAddress": ip, "IPPrefixLen": int(prefix) if prefix.isdigit() else 0,
            "MacAddress": first.mac if first else "", "Networks": _networks(c),
        },
    }
