"""IP address management: netavark does none, so mocker picks subnets and addresses itself.

Subnets come from address pools (Docker's ``default-address-pools``); a subnet is free when no
network of this store and no route of the host overlaps it (so a running dockerd's ``docker0`` or a
VPN route is skipped, as Docker does). Addresses are leased per endpoint: the lowest free host
address after the gateway (inside ``--ip-range`` if given), taken in the caller's write transaction
so the ``UNIQUE (network_id, ipv4)`` constraint settles any race.

Per-store settings live in ``<root>/daemon.json`` with Docker's keys: ``bip`` (the default bridge's
gateway/prefix), ``default-address-pools`` ([{"base": CIDR, "size": N}]) and ``bridge`` (the default
bridge's host interface name). Tests give each store its own ranges and names this way.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterable, Iterator
from typing import Any

from mocker.errors import InvalidArgument, MockerError

IPv4Net = ipaddress.IPv4Network
DEFAULT_POOLS: tuple[tuple[str, int], ...] = (("172.17.0.0/12", 16), ("192.168.0.0/16", 20))
DEFAULT_BRIDGE_IFACE = "mocker0"


class Settings:
    """What ``daemon.json`` says about networking (missing keys: mocker's defaults)."""

    __slots__ = ("bip", "pools", "bridge")

    def __init__(self, bip: str | None, pools: tuple[tuple[str, int], ...], bridge: str) -> None:
        self.bip = bip
        self.pools = pools
        self.bridge = bridge


def settings(root: str | os.PathLike[str]) -> Settings:
    path = os.path.join(os.fspath(root), "daemon.json")
    try:
        with open(path) as f:
            data: dict[str, Any] = json.load(f)
    except FileNotFoundError:
        data = {}
    except (OSError, ValueError) as e:
        raise MockerError(f"unable to configure the network settings from {path}: {e}") from None
    pools = tuple((str(p["base"]), int(p["size"])) for p in data.get("default-address-pools") or ()) or DEFAULT_POOLS
    return Settings(data.get("bip"), pools, str(data.get("bridge") or DEFAULT_BRIDGE_IFACE))


def host_routes() -> list[IPv4Net]:
    """IPv4 destinations the host routes somewhere other than a default route (``/proc/net/route``)."""
    out: list[IPv4Net] = []
    try:
        with open("/proc/net/route") as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        cols = line.split()
        if len(cols) < 8:
            continue
        dest, mask = int(cols[1], 16), int(cols[7], 16)
        if mask == 0:
            continue
        net = ipaddress.IPv4Address(dest.to_bytes(4, "little"))
        prefix = bin(mask).count("1")
        try:
            out.append(ipaddress.IPv4Network(f"{net}/{prefix}", strict=False))
        except ValueError:
            continue
    return out


def _pool_subnets(pools: Iterable[tuple[str, int]]) -> Iterator[IPv4Net]:
    for base, size in pools:
        net = ipaddress.ip_network(base, strict=False)
        if not isinstance(net, IPv4Net) or size < net.prefixlen or size > 30:
            raise InvalidArgument(f"invalid address pool {base} with size {size}")
        yield from net.subnets(new_prefix=size)


def free_subnet(pools: Iterable[tuple[str, int]], taken: Iterable[IPv4Net]) -> IPv4Net:
    """The first pool subnet that overlaps neither ``taken`` (this store's) nor a host route."""
    used = [*taken, *host_routes()]
    for cand in _pool_subnets(pools):
        if not any(cand.overlaps(u) for u in used):
            return cand
    raise MockerError("could not find an available, non-overlapping IPv4 address pool among the defaults to "
                      "assign to the network")


def check_overlap(subnet: IPv4Net, taken: Iterable[IPv4Net]) -> None:
    """moby's error for a user-given subnet that overlaps another network's."""
    if any(subnet.overlaps(other) for other in taken):
        raise InvalidArgument("invalid pool request: Pool overlaps with other one on this address space")


def first_host(subnet: IPv4Net) -> str:
    return str(next(subnet.hosts()))


def allocate(subnet: str, gateway: str, used: set[str], ip_range: str | None = None) -> str:
    """The lowest free address of ``ip_range`` (default: the subnet), skipping the gateway and ``used``."""
    net = ipaddress.IPv4Network(subnet, strict=False)
    rng = ipaddress.IPv4Network(ip_range, strict=False) if ip_range else net
    for host in rng.hosts() if rng.prefixlen < 31 else iter(rng):
        text = str(host)
        if text != gateway and text not in used and host != net.network_address and host != net.broadcast_address:
            return text
    raise MockerError(f"no available IPv4 addresses on this network's address pools: ({subnet})")


def check_static(address: str, subnet: str, gateway: str, used: set[str]) -> str:
    ip = ipaddress.IPv4Address(address)
    net = ipaddress.IPv4Network(subnet, strict=False)
    if ip not in net:
        raise InvalidArgument(f"no configured subnet or ip-range contain the IP address {address}")
    if address == gateway or address in used or ip in (net.network_address, net.broadcast_address):
        raise MockerError(f"Address already in use: {address}")
    return address


def random_mac() -> str:
    """A random locally administered unicast MAC, as Docker 28 gives endpoints."""
    b = bytearray(os.urandom(6))
    b[0] = (b[0] & 0xFC) | 0x02
    return ":".join(f"{x:02x}" for x in b)
