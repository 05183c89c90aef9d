"""The netavark driver: bridge, veth, NAT, port forwarding and aardvark-dns, given static addresses.

netavark 1.4 reads a JSON ``NetworkOptions`` on stdin (``setup``/``teardown <netns path>``) and keeps
aardvark-dns state in its ``--config`` directory (one per store: ``<run>/netavark``). It does no IPAM:
:mod:`mocker.network.ipam` chooses every address. Calls are serialised machine-wide by one file lock,
because the iptables chains netavark edits (``NETAVARK_FORWARD``, ``NETAVARK-HOSTPORT-DNAT``) are
shared by every store and netavark checks-then-creates them.

:func:`options` builds the input from plain dicts (network records' config, endpoint rows), so the
same input can be stored and replayed for teardown after a crash.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mocker.errors import MockerError

NETAVARK = os.environ.get("MOCKER_NETAVARK", "/usr/lib/podman/netavark")
AARDVARK = os.environ.get("MOCKER_AARDVARK", "/usr/lib/podman/aardvark-dns")
GLOBAL_LOCK = "/run/lock/mocker-netavark.lock"


class NetworkSetupError(MockerError):
    """netavark refused or failed; the message is netavark's own."""


@contextmanager
def machine_lock() -> Iterator[None]:
    import fcntl

    os.makedirs(os.path.dirname(GLOBAL_LOCK), exist_ok=True)
    fd = os.open(GLOBAL_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def network_info(net: dict[str, Any]) -> dict[str, Any]:
    """netavark's ``Network`` for a network record's fields (``id``, ``name``, ``config``)."""
    cfg = net["config"]
    subnets = [{"subnet": s["subnet"], **({"gateway": s["gateway"]} if s.get("gateway") else {})}
               for s in cfg.get("subnets") or []]
    opts = {"isolate": "true"}
    if cfg.get("mtu"):
        opts["mtu"] = str(cfg["mtu"])
    return {
        "name": net["name"], "id": net["id"], "driver": "bridge", "network_interface": cfg["bridge"],
        "subnets": subnets, "ipv6_enabled": False, "internal": bool(cfg.get("internal")),
        "dns_enabled": bool(cfg.get("dns")), "options": opts, "ipam_options": {"driver": "host-local"},
    }


def options(container_id: str, container_name: str, attachments: list[dict[str, Any]],
            ports: list[dict[str, Any]] | None = None, dns_servers: list[str] | None = None) -> dict[str, Any]:
    """``NetworkOptions``. ``attachments``: [{"network": {id, name, config}, "interface": "eth0",
    "ipv4": ..., "mac": ..., "aliases": [...]}]; ``ports``: netavark ``PortMapping`` dicts."""
    networks: dict[str, Any] = {}
    info: dict[str, Any] = {}
    for a in attachments:
        net = a["network"]
        per: dict[str, Any] = {"interface_name": a["interface"]}
        if a.get("ipv4"):
            per["static_ips"] = [a["ipv4"]]
        if a.get("mac"):
            per["static_mac"] = a["mac"]
        if a.get("aliases"):
            per["aliases"] = list(a["aliases"])
        networks[net["name"]] = per
        info[net["name"]] = network_info(net)
    doc: dict[str, Any] = {"container_id": container_id, "container_name": container_name,
                           "networks": networks, "network_info": info}
    if ports:
        doc["port_mappings"] = ports
    if dns_servers:
        doc["dns_servers"] = dns_servers
    return doc


def _run(verb: str, config_dir: str, netns: str, doc: dict[str, Any], *, keep_bridge: bool = True) -> dict[str, Any]:
    os.makedirs(config_dir, mode=0o700, exist_ok=True)
    argv = [NETAVARK, "--config", config_dir, "--rootless", "false", "--aardvark-binary", AARDVARK, verb, netns]
    try:
        with machine_lock():
            r = subprocess.run(argv, input=json.dumps(doc), capture_output=True, text=True,  # noqa: S603
                               check=False, env={**os.environ, "RUST_LOG": "error"})
            if verb == "teardown" and _bridge_went(doc):
                _keep_isolation_jump()
            elif verb == "setup" and r.returncode == 0 and keep_bridge:
                # After a setup only: a teardown that left the bridge (another store's containers
                # or keeper on a bridge of the same name) must not give this network a keeper.
                from mocker.network import keeper

                for info in (doc.get("network_info") or {}).values():
                    if info.get("driver") == "bridge":
                        keeper.ensure(info["network_interface"], info["id"])
    except FileNotFoundError:
        raise NetworkSetupError(f"netavark not found at {NETAVARK} (install the netavark package)") from None
    if r.returncode != 0:
        raise NetworkSetupError(f"netavark {verb}: {_error_text(r.stdout, r.stderr)}")
    try:
        out: dict[str, Any] = json.loads(r.stdout) if r.stdout.strip() else {}
    except ValueError:
        out = {}
    return out


def _bridge_went(doc: dict[str, Any]) -> bool:
    """Only a complete teardown (the bridge itself removed) touches the isolation chains; while the
    bridge stays (network/keeper.py), the two iptables calls of the repair are skipped."""
    return any(not os.path.exists(f"/sys/class/net/{info.get('network_interface')}")
               for info in (doc.get("network_info") or {}).values())


def _keep_isolation_jump() -> None:
    """netavark keeps its state per config dir, and each store has its own: a teardown that leaves
    one store without isolated networks deletes ``FORWARD -j NETAVARK_ISOLATION_1``, which other
    stores' networks still rely on (seen: traffic between two user networks went through). Put the
    jump back while any isolation rule is left (under the machine lock, like netavark's own calls)."""
    chain = subprocess.run(["iptables", "-w", "-S", "NETAVARK_ISOLATION_1"],  # noqa: S603, S607
                           capture_output=True, text=True, check=False)
    if chain.returncode != 0 or "-A NETAVARK_ISOLATION_1" not in chain.stdout:
        return
    jump = ["-j", "NETAVARK_ISOLATION_1"]
    if subprocess.run(["iptables", "-w", "-C", "FORWARD", *jump],  # noqa: S603, S607
                      capture_output=True, check=False).returncode != 0:
        subprocess.run(["iptables", "-w", "-I", "FORWARD", "1", *jump],  # noqa: S603, S607
                       capture_output=True, check=False)


def _error_text(stdout: str, stderr: str) -> str:
    for text in (stdout, stderr):
        for line in text.splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("error"):
                return str(data["error"])
    lines = [ln for ln in (stderr + "\n" + stdout).splitlines() if ln.strip() and "syslog" not in ln]
    return lines[-1] if lines else "failed"


def setup(config_dir: str, netns: str, doc: dict[str, Any], *, keep_bridge: bool = True) -> dict[str, Any]:
    """``keep_bridge``: the bridge outlives this container (see :mod:`mocker.network.keeper`)."""
    return _run("setup", config_dir, netns, doc, keep_bridge=keep_bridge)


def teardown(config_dir: str, netns: str, doc: dict[str, Any]) -> None:
    _run("teardown", config_dir, netns, doc)
