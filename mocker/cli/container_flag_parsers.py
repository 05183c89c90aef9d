"""Value parsers for ``run``/``create`` flags, as docker/cli and the Go library it uses read them.

Two kinds of error, as in Docker. A flag whose value docker/cli checks while parsing flags (a pflag
``Value.Set``: ``-m``, ``--cpus``, ``-e``, ``--ulimit``, ``--mount`` ...) gets a converter from
:func:`converter`; its error reads ``invalid argument "x" for "-m, --memory" flag: invalid size: 'x'``.
Values docker/cli checks later (``opts.go`` ``parse()``: ``--restart``, ``--device``, ``--expose``,
``-p``, ``--mac-address``) raise :class:`UsageError` with the bare message; env files, volume specs
and security options are read in :mod:`mocker.cli.container_flags`. Daemon-side checks live in
:mod:`mocker.engine.types.containers`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from mocker.engine.types.containers import MountSpec, NetworkAttachment, clean_path, parse_ip
from mocker.errors import InvalidArgument, NotSupported, UsageError
from mocker.runtime.base import Device, Ulimit

T = TypeVar("T")

# ---- Go primitives -------------------------------------------------------------------------------

_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v",
            "\\": "\\\\", '"': '\\"'}


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote`` (``%q``)."""
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def go_parse_int(text: str, *, fn: str = "ParseInt") -> int:
    """``strconv.ParseInt(text, 0, 64)`` as pflag's int flags call it: ``0x``/``0o``/``0b``/``0``
    prefixes, ``_`` between digits; errors carry Go's ``*NumError`` text."""
    body = text[1:] if text[:1] in ("+", "-") else text
    low = body.lower()
    base, digits = 10, body
    if low.startswith(("0x", "0o", "0b")):
        base, digits = {"x": 16, "o": 8, "b": 2}[low[1]], body[2:]
        digits = digits[1:] if digits.startswith("_") else digits
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:].lstrip("_") if body[1:2] == "_" else body[1:]
    alphabet = "0123456789abcdef"[:base]
    if (not digits or digits.startswith("_") or digits.endswith("_") or "__" in digits
            or any(c not in alphabet for c in digits.replace("_", "").lower())):
        raise ValueError(f"strconv.{fn}: parsing {go_quote(text)}: invalid syntax")
    value = int(digits.replace("_", ""), base) * (-1 if text.startswith("-") else 1)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"strconv.{fn}: parsing {go_quote(text)}: value out of range")
    return value


def go_parse_uint(text: str, *, base: int = 10, bits: int = 64) -> int:
    """``strconv.ParseUint(text, base, bits)`` with an explicit base (no prefixes, no ``_``)."""
    alphabet = "0123456789"[:base]
    if not text or any(c not in alphabet for c in text):
        raise ValueError(f"strconv.ParseUint: parsing {go_quote(text)}: invalid syntax")
    value = int(text, base)
    if value >= 2**bits:
        raise ValueError(f"strconv.ParseUint: parsing {go_quote(text)}: value out of range")
    return value


def go_parse_bool(text: str) -> bool:
    """``strconv.ParseBool``."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(f"strconv.ParseBool: parsing {go_quote(text)}: invalid syntax")


_DURATION_UNITS = {"ns": 1, "us": 1_000, "\u00b5s": 1_000, "\u03bcs": 1_000, "ms": 1_000_000,
                   "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}


def go_parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration`` (``1m30s``, ``1.5h``, ``300ms``, ``-2s``), in nanoseconds."""
    invalid = ValueError(f"time: invalid duration {go_quote(text)}")
    s, neg, total = text, False, 0
    if s[:1] in ("-", "+"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if s == "":
        raise invalid
    while s:
        m = re.match(r"([0-9]*)(\.([0-9]*))?", s)
        assert m is not None
        whole, frac = m.group(1), m.group(3)
        if not whole and not frac:
            raise invalid
        s = s[m.end():]
        u = re.match(r"[^0-9.]*", s)
        assert u is not None
        unit_text = u.group(0)
        if not unit_text:
            raise ValueError(f"time: missing unit in duration {go_quote(text)}")
        unit = _DURATION_UNITS.get(unit_text)
        if unit is None:
            raise ValueError(f"time: unknown unit {go_quote(unit_text)} in duration {go_quote(text)}")
        s = s[len(unit_text):]
        v = int(whole or "0")
        if v > 2**63 // unit:
            raise invalid
        v *= unit
        if frac and int(frac):
            v += int(float(int(frac)) * (unit / 10 ** len(frac)))
        total += v
        if total > 2**63:
            raise invalid
    if not neg and total > 2**63 - 1:
        raise invalid
    return -total if neg else total


# ---- flag-time converters ------------------------------------------------------------------------

def converter(display: str, fn: Callable[[str], T]) -> Callable[[str], T]:
    """Wrap ``fn`` as pflag does a ``Value.Set`` error: ``invalid argument "v" for "-m, --memory" flag: …``.

    ``display`` is pflag's flag name: ``-m, --memory`` when the flag has a shorthand, else ``--cpus``.
    """
    def convert(text: str) -> T:
        try:
            return fn(text)
        except ValueError as e:     # only the value's own error; daemon-side ones pass through
            raise UsageError(f"invalid argument {go_quote(text)} for {go_quote(display)} flag: {e}") from None

    return convert


def mem_bytes(text: str) -> int:
    """``opts.MemBytes``: go-units ``RAMInBytes``."""
    from mocker.format.units import ram_in_bytes

    try:
        return ram_in_bytes(text)
    except InvalidArgument as e:
        raise ValueError(e.message) from None


def mem_swap_bytes(text: str) -> int:
    """``opts.MemSwapBytes``: ``-1`` (unlimited swap) or a size."""
    return -1 if text == "-1" else mem_bytes(text)


def nano_cpus(text: str) -> int:
    """``opts.ParseCPUs``: a rational number (``1.5``, ``3/2``, ``1e-2``) times 1e9, exactly."""
    from fractions import Fraction  # imports decimal: only when --cpus is given

    if not text or any(c.isspace() or c == "_" for c in text):
        raise ValueError(f"failed to parse {text} as a rational number")
    try:
        cpu = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"failed to parse {text} as a rational number") from None
    nano = cpu * 1_000_000_000
    if nano.denominator != 1:
        raise ValueError("value is too precise")
    return int(nano)


def validate_env(text: str) -> str:
    """``opts.ValidateEnv``'s check; the host lookup of a bare ``VAR`` happens in ``parse_run``."""
    if text.partition("=")[0] == "":
        raise ValueError(f"invalid environment variable: {text}")
    return text


def validate_label(text: str) -> str:
    key = text.partition("=")[0].lstrip(" \t")
    if key == "":
        raise ValueError(f"invalid label '{text}': empty name")
    if " " in key or "\t" in key:
        raise ValueError(f"label '{key}' contains whitespaces")
    return text


def validate_attach(text: str) -> str:
    if text.lower() in ("stdin", "stdout", "stderr"):
        return text.lower()
    raise ValueError("valid streams are STDIN, STDOUT and STDERR")


def validate_ip(text: str) -> str:
    """``opts.ValidateIPAddress``: returns the address in Go's canonical form."""
    ip = parse_ip(text.strip())
    if ip is None:
        raise ValueError(f"IP address is not correctly formatted: {text}")
    return str(ip)


_DOMAIN = re.compile(r"^(:?(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9]))"
                     r"(:?\.(:?[a-zA-Z0-9]|(:?[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])))*)\.?\s*$")


def validate_dns_search(text: str) -> str:
    """``opts.ValidateDNSSearch`` (its regexp, ``(:?`` typo included)."""
    val = text.strip(" ")
    if val == ".":
        return val
    m = _DOMAIN.match(val)
    if not re.search(r"[a-zA-Z]", val) or m is None or len(m.group(1)) >= 255:
        raise ValueError(f"{val} is not a valid domain")
    return m.group(1)


def validate_extra_host(text: str) -> str:
    """``opts.ValidateExtraHost``: ``host:ip``, ``host=ip``, ``host:[v6]``, ``host:host-gateway``."""
    k, sep, v = text.partition("=")
    if not sep:
        k, sep, v = text.partition(":")
    if not sep or k == "" or ":" in k:
        raise ValueError(f"bad format for add-host: {go_quote(text)}")
    if v != "host-gateway":
        if len(v) > 2 and v[0] == "[" and v[-1] == "]":
            v = v[1:-1]
        if parse_ip(v.strip()) is None:
            raise ValueError(f"invalid IP address in add-host: {go_quote(v)}")
    return f"{k}:{v}"


_SYSCTLS = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
            "kernel.shmmni", "kernel.shm_rmid_forced"}


def validate_sysctl(text: str) -> str:
    k, sep, _ = text.partition("=")
    if sep and k and (k in _SYSCTLS or k.startswith(("net.", "fs.mqueue."))):
        return text
    raise ValueError(f"sysctl '{text}' is not allowed")


ULIMIT_NAMES = ("core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
                "rtprio", "rttime", "sigpending", "stack")


def parse_ulimit(text: str) -> Ulimit:
    """go-units ``ParseUlimit``: ``name=soft[:hard]``."""
    name, sep, limits = text.partition("=")
    if not sep:
        raise ValueError(f"invalid ulimit argument: {text}")
    if name not in ULIMIT_NAMES:
        raise ValueError(f"invalid ulimit type: {name}")
    vals = limits.split(":")
    if len(vals) > 2:
        raise ValueError(f"too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`")
    hard = _parse_int10(vals[1]) if len(vals) == 2 else None
    soft = _parse_int10(vals[0])
    hard = soft if hard is None else hard
    if hard != -1:
        if soft == -1:
            raise ValueError("ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), "
                             f"hard: {hard}")
        if soft > hard:
            raise ValueError(f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}")
    return Ulimit(name=name, soft=soft, hard=hard)


def _parse_int10(text: str) -> int:
    """``strconv.ParseInt(text, 10, 64)``."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def _csv_fields(value: str) -> list[str]:
    """The first record of ``value`` as Go's ``encoding/csv`` reads it."""
    import csv
    import io

    if value == "":
        raise ValueError("EOF")
    try:
        return next(csv.reader(io.StringIO(value), strict=True))
    except (csv.Error, StopIteration) as e:
        raise ValueError(f"parse error on line 1: {e}") from None


def parse_mount(value: str) -> MountSpec:
    """``opts.MountOpt.Set`` (docker/cli ``opts/mount.go``), for the mount types mocker provides."""
    kind, source, target, ro = "volume", "", "", False
    consistency = propagation = subpath = None
    recursive: str | None = None
    nocopy = False
    labels: dict[str, str] = {}
    vopts: dict[str, str] = {}
    size = mode = None
    used: set[str] = set()          # option families given: volume, image, bind, tmpfs
    driver = ""
    for fld in _csv_fields(value):
        key, sep, val = fld.partition("=")
        key = key.lower()
        if not sep:
            if key in ("readonly", "ro"):
                ro = True
            elif key == "volume-nocopy":
                nocopy = True
                used.add("volume")
            elif key == "bind-nonrecursive":
                recursive = "disabled"
                used.add("bind")
            else:
                raise ValueError(f"invalid field '{fld}' must be a key=value pair")
            continue
        if key == "type":
            kind = val.lower()
        elif key in ("source", "src"):
            source = os.path.abspath(val) if val.startswith(".") else val
        elif key in ("target", "dst", "destination"):
            target = val
        elif key in ("readonly", "ro", "bind-nonrecursive", "volume-nocopy"):
            try:
                flag = go_parse_bool(val)
            except ValueError:
                raise ValueError(f"invalid value for {key}: {val}") from None
            if key == "bind-nonrecursive":
                recursive = "disabled" if flag else recursive
            elif key == "volume-nocopy":
                nocopy = flag
            else:
                ro = flag
        elif key == "consistency":
            consistency = val.lower()
        elif key == "bind-propagation":
            propagation = val.lower()
        elif key == "bind-recursive":
            if val not in ("enabled", "disabled", "writable", "readonly"):
                raise ValueError(f'invalid value for {key}: {val} (must be "enabled", "disabled", "writable", '
                                 'or "readonly")')
            recursive = val
        elif key == "volume-subpath":
            subpath = val
        elif key in ("volume-label", "volume-opt"):
            k, _, v = val.partition("=")
            if k:
                (labels if key == "volume-label" else vopts)[k] = v
        elif key == "volume-driver":
            driver = val
        elif key == "image-subpath":
            pass
        elif key == "tmpfs-size":
            try:
                size = mem_bytes(val)
            except ValueError:
                raise ValueError(f"invalid value for {key}: {val}") from None
        elif key == "tmpfs-mode":
            try:
                mode = go_parse_uint(val, base=8, bits=32)
            except ValueError:
                raise ValueError(f"invalid value for {key}: {val}") from None
        else:
            raise ValueError(f"unexpected key '{key}' in '{fld}'")
        if key.startswith(("volume-", "image-", "bind-", "tmpfs-")):
            used.add(key.split("-")[0])
    if kind == "":
        raise ValueError("type is required")
    if target == "":
        raise ValueError("target is required")
    for family in ("volume", "image", "bind", "tmpfs"):
        if family in used and kind != family:
            raise ValueError(f"cannot mix '{family}-*' options with mount type '{kind}'")
    if recursive == "writable" and not ro:
        raise ValueError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
    if recursive == "readonly":
        if not ro:
            raise ValueError("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
        if propagation != "rprivate":
            raise ValueError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified "
                             "in conjunction")
    if kind == "image":
        raise NotSupported("--mount type=image", "image mounts are not implemented")
    if kind not in ("bind", "volume", "tmpfs"):
        raise InvalidArgument(f'invalid mount config for type "{kind}": mount type unknown')
    if driver not in ("", "local"):
        raise NotSupported(f"--mount volume-driver={driver}", "only the local volume driver exists")
    return MountSpec(
        type=kind, source=source, target=target, read_only=ro, consistency=consistency,  # type: ignore[arg-type]
        bind_propagation=propagation, bind_recursive=recursive, volume_nocopy=nocopy,  # type: ignore[arg-type]
        volume_subpath=subpath, volume_labels=labels, volume_options=vopts, tmpfs_size=size, tmpfs_mode=mode,
    )


def parse_network(value: str) -> NetworkAttachment:
    """``opts.NetworkOpt.Set``: a network name, or ``name=n,alias=a,ip=…,driver-opt=k=v,gw-priority=N``."""
    if not re.search(r"\w+=\w+(,\w+=\w+)*", value, re.ASCII):
        return NetworkAttachment(name=value)
    fields: dict[str, Any] = {"aliases": [], "link_local": [], "driver_opts": {}}
    for fld in _csv_fields(value):
        key, sep, val = fld.lower().partition("=")
        if not sep or key == "":
            raise ValueError(f"invalid field {fld}")
        key, val = key.strip(), val.strip()
        if key == "alias":
            fields["aliases"].append(val)
        elif key in ("name", "ip", "ip6", "mac-address"):
            fields[key] = val
        elif key == "link-local-ip":
            fields["link_local"].append(val)
        elif key == "driver-opt":
            k, sep, v = val.partition("=")
            if not sep or k == "":
                raise ValueError("invalid key value pair format in driver options")
            fields["driver_opts"][k.strip()] = v.strip()
        elif key == "gw-priority":
            try:
                fields["gw"] = _parse_int10(val)
            except ValueError:
                reason = "value out of range" if re.fullmatch(r"[+-]?[0-9]+", val) else "invalid syntax"
                raise ValueError(f"invalid gw-priority ({val}): {reason}") from None
        else:
            raise ValueError("invalid field key " + key)
    if not fields.get("name"):
        raise ValueError("network name/id is not specified")
    if fields["link_local"]:
        raise NotSupported("--network link-local-ip=…", "link-local addresses are not implemented")
    return NetworkAttachment(
        name=fields["name"], aliases=tuple(fields["aliases"]), ipv4_address=fields.get("ip") or None,
        ipv6_address=fields.get("ip6") or None, mac_address=fields.get("mac-address") or None,
        driver_opts=fields["driver_opts"], gw_priority=fields.get("gw", 0),
    )


# ---- parse-time parsers (bare UsageError messages) -----------------------------------------------

def parse_restart(policy: str) -> tuple[str, int]:
    """``opts.ParseRestartPolicy``: the format only; the daemon checks the name."""
    if policy == "":
        return "", 0
    name, sep, count = policy.partition(":")
    if sep and name == "":
        raise UsageError("invalid restart policy format: no policy provided before colon")
    retries = 0
    if count:
        if not re.fullmatch(r"[+-]?[0-9]+", count) or not -(2**63) <= int(count) < 2**63:
            raise UsageError("invalid restart policy format: maximum retry count must be an integer")
        retries = int(count)
    return name, retries


_CDI = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9_-]*=[A-Za-z0-9_][A-Za-z0-9_.:-]*")


def _valid_device_mode(mode: str) -> bool:
    return mode != "" and len(set(mode)) == len(mode) and set(mode) <= set("rwm")


def parse_device(text: str) -> Device:
    """``validateLinuxPath`` + ``parseLinuxDevice``: ``/dev/x[:/dev/y][:rwm]``."""
    if _CDI.fullmatch(text):
        raise NotSupported(f"--device {text}", "CDI devices are not implemented")
    split = text.split(":", 2)
    if text.count(":") > 2 or split[0] == "":
        raise UsageError(f"bad format for path: {text}")
    if len(split) == 3 and not _valid_device_mode(split[2]):
        raise UsageError(f"bad mode specified: {split[2]}")
    if len(split) == 1:
        src, dst, mode, ctr = clean_path(split[0]), "", "rwm", split[0]
    elif len(split) == 2 and _valid_device_mode(split[1]):
        src, dst, mode, ctr = clean_path(split[0]), "", split[1], split[0]
    elif len(split) == 2:
        src, dst, mode, ctr = split[0], clean_path(split[1]), "rwm", split[1]
    else:
        src, dst, mode = split
        ctr = dst
    if not ctr.startswith("/"):
        raise UsageError(f"{ctr} is not an absolute path")
    return Device(path_on_host=src, path_in_container=dst or src, permissions=mode)


def _port_range(text: str) -> tuple[int, int]:
    """go-connections ``nat.ParsePortRange``."""
    if text == "":
        raise ValueError("empty string specified for ports")
    if "-" not in text:
        n = go_parse_uint(text, bits=16)
        return n, n
    parts = text.split("-")
    start, end = go_parse_uint(parts[0], bits=16), go_parse_uint(parts[1], bits=16)
    if end < start:
        raise ValueError(f"invalid range specified for port: {text}")
    return start, end


def parse_expose(values: Iterable[str]) -> list[str]:
    """``--expose 80``, ``--expose 7000-7002/udp`` -> ``["80/tcp", ...]``."""
    out: list[str] = []
    for e in values:
        if ":" in e:
            raise UsageError(f"invalid port format for --expose: {e}")
        port, _, proto = e.partition("/")
        proto = (proto or "tcp") if port else ""
        try:
            start, end = _port_range(port)
        except ValueError as err:
            raise UsageError(f"invalid range format for --expose: {e}, error: {err}") from None
        out.extend(f"{i}/{proto}" for i in range(start, end + 1))
    return out


def parse_publish(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """``-p``: long syntax to ``published:target/protocol`` (``convertToStandardNotation``), each
    checked as ``nat.ParsePortSpec`` does. Returns (specs, container ports they expose)."""
    specs: list[str] = []
    exposed: list[str] = []
    for publish in values:
        if "=" in publish:
            params = {"protocol": "tcp"}
            for param in publish.split(","):
                k, sep, v = param.partition("=")
                if not sep or k == "":
                    raise UsageError(f"invalid publish opts format (should be name=value but got '{param}')")
                params[k] = v
            publish = f"{params.get('published', '')}:{params.get('target', '')}/{params['protocol']}"
        specs.append(publish)
        exposed.extend(_port_spec(publish))
    return specs, exposed


def _port_spec(raw: str) -> list[str]:
    parts = raw.split(":")
    ip, host, ctr = (":".join(parts[:-2]), parts[-2], parts[-1]) if len(parts) > 2 else \
        ("", parts[0], parts[1]) if len(parts) == 2 else ("", "", parts[0])
    port, _, proto = ctr.partition("/")
    proto = ((proto or "tcp") if port else "").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise UsageError(f"invalid proto: {proto}")
    if ip.startswith("["):
        if not ip.endswith("]"):
            raise UsageError(f"invalid IP address {ip}: address {ip}: missing ']' in address")
        ip = ip[1:-1]
    if ip and parse_ip(ip) is None:
        raise UsageError(f"invalid IP address: {ip}")
    if port == "":
        raise UsageError(f"no port specified: {raw}<empty>")
    try:
        start, end = _port_range(port)
    except ValueError:
        raise UsageError(f"invalid containerPort: {port}") from None
    if host:
        try:
            hstart, hend = _port_range(host)
        except ValueError:
            raise UsageError(f"invalid hostPort: {host}") from None
        if end - start != hend - hstart and end != start:
            raise UsageError(f"invalid ranges specified for container and host Ports: {port} and {host}")
    return [f"{i}/{proto}" for i in range(start, end + 1)]


def parse_mac(text: str) -> str:
    """Go's ``net.ParseMAC`` check (6, 8 or 20 octets; ``:``/``-`` pairs or ``.`` quads)."""
    s = text.strip()
    ok = False
    if len(s) >= 14 and s[2] in ":-" and (len(s) + 1) % 3 == 0 and (len(s) + 1) // 3 in (6, 8, 20):
        ok = all(re.fullmatch(r"[0-9a-fA-F]{2}", s[i:i + 2]) and (i + 2 == len(s) or s[i + 2] == s[2])
                 for i in range(0, len(s), 3))
    elif len(s) >= 14 and s[4] == "." and (len(s) + 1) % 5 == 0 and 2 * (len(s) + 1) // 5 in (6, 8, 20):
        ok = all(re.fullmatch(r"[0-9a-fA-F]{4}", s[i:i + 4]) and (i + 4 == len(s) or s[i + 4] == ".")
                 for i in range(0, len(s), 5))
    if not ok:
        raise UsageError(f"{text} is not a valid mac address")
    return text
