"""Published ports: ``-p``/``-P`` requests -> host port bindings, and Docker's text and JSON for them.

A request (``"127.0.0.1:8080-8081:80-81/tcp"``, checked by the CLI as ``nat.ParsePortSpec`` does)
becomes one :class:`Request` per container port. Host ports are chosen when the container starts,
as Docker does: a given port is checked against this store's bindings and against listeners on the
host (netavark only writes DNAT rules, it binds nothing); a missing one is a free port the kernel
hands out; a host range takes its first free port.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterable
from typing import Any

from mocker.errors import MockerError


class PortInUse(MockerError):
    """Docker's wording for a host port another container (or process) holds; run exits 125."""

    exit_code = 125


class Request:
    __slots__ = ("host_ip", "host_start", "host_end", "container_port", "protocol")

    def __init__(self, host_ip: str, host_start: int, host_end: int, container_port: int, protocol: str) -> None:
        self.host_ip = host_ip
        self.host_start = host_start      # 0: any free port
        self.host_end = host_end
        self.container_port = container_port
        self.protocol = protocol


def _range(text: str) -> tuple[int, int]:
    start, _, end = text.partition("-")
    a = int(start)
    b = int(end) if end else a
    return a, b


def parse(spec: str) -> list[Request]:
    """One ``ip:host:ctr/proto`` spec (already validated) -> requests, one per container port."""
    parts = spec.split(":")
    if len(parts) > 2:
        ip, host, ctr = ":".join(parts[:-2]), parts[-2], parts[-1]
    elif len(parts) == 2:
        ip, host, ctr = "", parts[0], parts[1]
    else:
        ip, host, ctr = "", "", parts[0]
    ip = ip.strip("[]")
    if ip in ("0.0.0.0", "::"):  # noqa: S104 - Docker's "all addresses"
        ip = ""
    port, _, proto = ctr.partition("/")
    proto = (proto or "tcp").lower()
    cstart, cend = _range(port)
    hstart, hend = _range(host) if host else (0, 0)
    out = []
    for i, cport in enumerate(range(cstart, cend + 1)):
        if hstart and hend - hstart == cend - cstart:
            out.append(Request(ip, hstart + i, hstart + i, cport, proto))
        else:       # one host range (or none) for each container port
            out.append(Request(ip, hstart, hend, cport, proto))
    return out


def requests(publish: Iterable[str], publish_all: bool, exposed: Iterable[str]) -> list[Request]:
    out = [r for spec in publish for r in parse(spec)]
    if publish_all:
        have = {(r.container_port, r.protocol) for r in out}
        for e in exposed:
            port, _, proto = e.partition("/")
            start, end = _range(port)
            for p in range(start, end + 1):
                if (p, proto or "tcp") not in have:
                    out.append(Request("", 0, 0, p, proto or "tcp"))
    return out


def _overlaps(ip_a: str, ip_b: str) -> bool:
    return ip_a == ip_b or "" in (ip_a, ip_b)


def _host_free(ip: str, port: int, proto: str) -> bool:
    """Nothing on the host listens there (a bind would succeed)."""
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    try:
        with socket.socket(fam, kind) as s:
            s.bind((ip or "0.0.0.0", port))  # noqa: S104 - probing the wildcard address
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            return False
        raise MockerError(f"cannot publish port {port} on {ip or '0.0.0.0'}: {e.strerror}") from None  # noqa: S104
    return True


def _kernel_port(ip: str, proto: str) -> int:
    fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
    kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
    with socket.socket(fam, kind) as s:
        s.bind((ip or "0.0.0.0", 0))  # noqa: S104
        port: int = s.getsockname()[1]
        return port


def choose(reqs: list[Request], taken: list[tuple[str, int, str]]) -> list[tuple[str, int, str, int]]:
    """(host_ip, host_port, protocol, container_port) for each request; raises :class:`PortInUse`.

    ``taken``: (host_ip, host_port, protocol) bound by running containers of this store.
    """
    busy = list(taken)
    out: list[tuple[str, int, str, int]] = []

    def clash(ip: str, port: int, proto: str) -> bool:
        return any(p == port and pr == proto and _overlaps(i, ip) for i, p, pr in busy)

    for r in reqs:
        shown = r.host_ip or "0.0.0.0"  # noqa: S104
        if r.host_start == 0:
            for _ in range(50):
                port = _kernel_port(r.host_ip, r.protocol)
                if not clash(r.host_ip, port, r.protocol):
                    break
            else:
                raise PortInUse("no free host port found")
        elif r.host_start == r.host_end:
            port = r.host_start
            if clash(r.host_ip, port, r.protocol):
                raise PortInUse(f"Bind for {shown}:{port} failed: port is already allocated")
            if not _host_free(r.host_ip, port, r.protocol):
                raise PortInUse(f"Error starting userland proxy: listen {r.protocol}4 {shown}:{port}: bind: "
                                "address already in use")
        else:
            for port in range(r.host_start, r.host_end + 1):
                if not clash(r.host_ip, port, r.protocol) and _host_free(r.host_ip, port, r.protocol):
                    break
            else:
                raise PortInUse(f"Bind for {shown}:{r.host_end} failed: port is already allocated")
        busy.append((r.host_ip, port, r.protocol))
        out.append((r.host_ip, port, r.protocol, r.container_port))
    return out


def netavark_mappings(bound: Iterable[tuple[str, int, str, int]]) -> list[dict[str, Any]]:
    return [{"host_ip": ip, "host_port": hp, "container_port": cp, "protocol": proto, "range": 1}
            for ip, hp, proto, cp in bound]


# ---- Docker's shapes -----------------------------------------------------------------------------

def port_bindings(publish: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """``HostConfig.PortBindings`` from the requests (as asked, before host ports are chosen)."""
    out: dict[str, list[dict[str, str]]] = {}
    for spec in publish:
        for r in parse(spec):
            host = "" if r.host_start == 0 else (str(r.host_start) if r.host_start == r.host_end else
                                                  f"{r.host_start}-{r.host_end}")
            out.setdefault(f"{r.container_port}/{r.protocol}", []).append({"HostIp": r.host_ip, "HostPort": host})
    return out


def settings_ports(exposed: Iterable[str], bound: Iterable[Any]) -> dict[str, list[dict[str, str]] | None]:
    """``NetworkSettings.Ports``: every exposed port, with its host bindings or null."""
    out: dict[str, list[dict[str, str]] | None] = {}
    for e in exposed:
        out.setdefault(e if "/" in e else f"{e}/tcp", None)
    for row in bound:
        key = f"{row['container_port']}/{row['protocol']}"
        lst = out.get(key) or []
        lst.append({"HostIp": row["host_ip"] or "0.0.0.0", "HostPort": str(row["host_port"])})  # noqa: S104
        out[key] = lst
    return out


def ps_text(exposed: Iterable[str], bound: Iterable[Any]) -> str:
    """The PORTS column: ``0.0.0.0:8080->80/tcp, 443/tcp`` (consecutive ports merged into ranges)."""
    items: list[tuple[str, int, int, str]] = []       # (host ip, host port or 0, container port, proto)
    published = set()
    for row in bound:
        items.append((row["host_ip"] or "0.0.0.0", row["host_port"], row["container_port"], row["protocol"]))  # noqa: S104
        published.add((row["container_port"], row["protocol"]))
    for e in exposed:
        port, _, proto = e.partition("/")
        if port.isdigit() and (int(port), proto or "tcp") not in published:
            items.append(("", 0, int(port), proto or "tcp"))
    items.sort(key=lambda t: (t[3], t[0] == "", t[0], t[2]))
    groups: list[list[tuple[str, int, int, str]]] = []
    for it in items:
        last = groups[-1][-1] if groups else None
        if (last and last[0] == it[0] and last[3] == it[3] and it[2] == last[2] + 1
                and ((it[1] == 0 and last[1] == 0) or (it[1] and last[1] and it[1] == last[1] + 1))):
            groups[-1].append(it)
        else:
            groups.append([it])
    texts = []
    for g in groups:
        ip, h0, c0, proto = g[0]
        h1, c1 = g[-1][1], g[-1][2]
        ctr = f"{c0}" if c0 == c1 else f"{c0}-{c1}"
        if h0:
            host = f"{h0}" if h0 == h1 else f"{h0}-{h1}"
            texts.append(f"{ip}:{host}->{ctr}/{proto}")
        else:
            texts.append(f"{ctr}/{proto}")
    return ", ".join(texts)
