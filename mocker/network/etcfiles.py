"""``/etc/hosts`` and ``/etc/resolv.conf`` for containers on bridge networks, as Docker writes them.

Default bridge: the host's resolvers (loopback ones dropped, Google's if none remain, as libnetwork's
``resolvconf.FilterResolvDNS``), ``--dns``/``--dns-search``/``--dns-option`` replacing theirs.
User networks: the nameserver is aardvark-dns on each DNS network's gateway (Docker's embedded
127.0.0.11 plays that part); ``--dns`` servers become aardvark's upstreams instead.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

HOSTS_HEAD = ("127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::\tip6-localnet",
              "ff00::\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters")
FALLBACK_DNS = ("8.8.8.8", "8.8.4.4")


def hosts(hostname: str, domainname: str, address: str | None, extra: Iterable[str]) -> str:
    lines = list(HOSTS_HEAD)
    for h in extra:
        name, _, ip = h.partition(":")
        lines.append(f"{ip}\t{name}")
    if address:
        lines.append(f"{address}\t{hostname}.{domainname} {hostname}" if domainname else f"{address}\t{hostname}")
    return "\n".join(lines) + "\n"


def _host_resolv() -> list[str]:
    try:
        with open("/etc/resolv.conf") as f:
            return f.read().splitlines()
    except OSError:
        return []


def _is_loopback(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def resolv_conf(servers: list[str], dns: Iterable[str], search: Iterable[str], options: Iterable[str]) -> str:
    """``servers``: aardvark addresses (user networks) or [] (default bridge: the host's/--dns)."""
    host = _host_resolv()
    dns, search, options = list(dns), list(search), list(options)
    host_ns = [ln.split()[1] for ln in host if ln.startswith("nameserver") and len(ln.split()) > 1]
    host_search = next((ln.split()[1:] for ln in reversed(host) if ln.startswith(("search", "domain"))), [])
    host_opts = [o for ln in host if ln.startswith("options") for o in ln.split()[1:]]
    if servers:
        ns = servers
    elif dns:
        ns = dns
    else:
        ns = [n for n in host_ns if not _is_loopback(n)] or list(FALLBACK_DNS)
    lines = [f"nameserver {n}" for n in ns]
    if search or host_search:
        lines.append("search " + " ".join(search or host_search))
    if options or host_opts:
        lines.append("options " + " ".join(options or host_opts))
    return "\n".join(lines) + "\n"
