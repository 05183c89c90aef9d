"""Which registries may be reached over plain HTTP, and which certificates to use for the others.

Docker's rule (moby ``registry/config.go``): a registry is "insecure" when it is on the loopback
network (``127.0.0.0/8``, ``::1``; ``localhost`` resolves there) or is listed in the configured
insecure registries (``host[:port]`` exactly, or a CIDR its address falls into). mocker's list is
``insecure_registries`` in ``$MOCKER_CONFIG/config.json``. For an insecure registry Docker tries HTTPS
first without verifying the certificate, and falls back to plain HTTP when TLS cannot be set up; the
client does the same (see :mod:`mocker.registry.client`).

Certificates follow Docker's ``certs.d`` layout: ``<dir>/<host[:port]>/`` holds ``*.crt`` CA roots
(added to the system ones) and ``<name>.cert`` + ``<name>.key`` client key pairs. The directories are
``$MOCKER_CERTS_D`` (``os.pathsep``-separated) when set, else ``/etc/mocker/certs.d`` then
``/etc/docker/certs.d``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mocker.errors import InvalidArgument

__all__ = [
    "TLSFiles",
    "certs_dirs",
    "find_tls_files",
    "is_insecure_registry",
    "is_loopback",
    "split_host_port",
    "ssl_context",
]

_LOOPBACK_NETS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
Resolver = Callable[[str], Sequence[str]]


def split_host_port(host: str) -> tuple[str, int | None]:
    """``"h:5000"`` -> ``("h", 5000)``; ``"[::1]:5000"`` -> ``("::1", 5000)``; bare ``"::1"`` stays whole."""
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            raise InvalidArgument(f"invalid registry host: {host!r}")
        rest = host[end + 1 :]
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
        return host[1:end], port
    if host.count(":") == 1:
        name, _, port_text = host.partition(":")
        if port_text.isdigit():
            return name, int(port_text)
        raise InvalidArgument(f"invalid registry host: {host!r}")
    return host, None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_loopback(host: str) -> bool:
    """``localhost``, ``127.0.0.0/8`` or ``::1`` (with or without a port): never reached via a proxy,
    as Go's ``ProxyFromEnvironment`` (hence Docker) decides."""
    name, _port = split_host_port(host)
    if name.lower() == "localhost":
        return True
    address = _ip(name)
    return address is not None and address.is_loopback


def _resolve(name: str) -> Sequence[str]:
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return ()
    return tuple(str(info[4][0]) for info in infos)


def _strip_scheme(entry: str) -> str:
    for prefix in ("http://", "https://"):
        if entry.startswith(prefix):
            return entry[len(prefix) :].rstrip("/")
    return entry.rstrip("/")


def is_insecure_registry(
    host: str,
    *,
    insecure_registries: Sequence[str] | None = None,
    resolve: Resolver | None = _resolve,
) -> bool:
    """Whether Docker would let ``host`` (``host[:port]``) be used without verified TLS.

    ``insecure_registries`` defaults to the mocker config's list. ``resolve`` maps a host name to its
    addresses for the CIDR checks (as Docker looks names up); None disables lookups.
    """
    if insecure_registries is None:
        from mocker.registry.settings import insecure_registries as configured

        insecure_registries = configured()
    entries = [_strip_scheme(e) for e in insecure_registries]
    if host in entries:
        return True
    name, _port = split_host_port(host)
    nets = list(_LOOPBACK_NETS)
    for entry in entries:
        if "/" in entry:
            try:
                nets.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise InvalidArgument(f"invalid insecure registry CIDR: {entry!r}") from None
    if name.lower() == "localhost":
        return True
    literal = _ip(name)
    if literal is not None:
        addresses = [literal]
    elif resolve is not None:
        addresses = [a for a in (_ip(text.split("%", 1)[0]) for text in resolve(name)) if a is not None]
    else:
        addresses = []
    return any(addr in net for addr in addresses for net in nets if addr.version == net.version)


# --- certificates ----------------------------------------------------------------------------------


def certs_dirs() -> list[Path]:
    env = os.environ.get("MOCKER_CERTS_D")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path("/etc/mocker/certs.d"), Path("/etc/docker/certs.d")]


@dataclass(frozen=True, slots=True)
class TLSFiles:
    ca_files: tuple[Path, ...] = ()
    client_cert: tuple[Path, Path] | None = None  # (cert, key)


def find_tls_files(host: str, dirs: Sequence[Path] | None = None) -> TLSFiles:
    """Collect ``certs.d/<host>/`` files from every certs directory (Docker's ``ReadCertsDirectory``)."""
    cas: list[Path] = []
    client: tuple[Path, Path] | None = None
    for base in certs_dirs() if dirs is None else dirs:
        host_dir = base / host
        if not host_dir.is_dir():
            continue
        for f in sorted(host_dir.iterdir()):
            if f.name.endswith(".crt"):
                cas.append(f)
            elif f.name.endswith(".cert"):
                key = f.with_name(f.name[: -len(".cert")] + ".key")
                if not key.exists():
                    raise InvalidArgument(
                        f"missing key {key.name} for client certificate {f.name}. "
                        "CA certificates must use the extension .crt"
                    )
                if client is None:
                    client = (f, key)
            elif f.name.endswith(".key"):
                cert = f.with_name(f.name[: -len(".key")] + ".cert")
                if not cert.exists():
                    raise InvalidArgument(f"missing client certificate {cert.name} for key {f.name}")
    return TLSFiles(tuple(cas), client)


def ssl_context(host: str, *, verify: bool = True, dirs: Sequence[Path] | None = None) -> ssl.SSLContext:
    """System CAs plus ``certs.d/<host>`` CAs and client certificate; ``verify=False`` for insecure hosts."""
    files = find_tls_files(host, dirs)
    ctx = ssl.create_default_context()
    try:
        for ca in files.ca_files:
            ctx.load_verify_locations(cafile=str(ca))
        if files.client_cert is not None:
            ctx.load_cert_chain(str(files.client_cert[0]), str(files.client_cert[1]))
    except (ssl.SSLError, OSError) as exc:
        raise InvalidArgument(f"loading TLS certificates for {host}: {exc}") from exc
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx
