"""Platforms (``linux/arm64/v8``): parse, normalise, match, like containerd's ``platforms`` package.

``--platform`` values, the ``platform`` objects of an OCI image index and the ``os``/``architecture``
of an image config all name a platform in slightly different spellings (``aarch64``, ``arm64``,
``arm64/v8``). Docker resolves them with ``github.com/containerd/platforms``; following it rule for
rule means ``mocker pull --platform X`` picks the same manifest from an index as ``docker pull``.

Two deliberate differences from containerd, both because mocker only ever runs Linux containers
(natively, under qemu-user, or in Apple's Linux VMs):

- the default OS (a bare architecture such as ``arm64``, or an empty ``os``) is ``linux``, not the
  OS mocker itself runs on;
- the uname/Debian aliases keep the CPU generation they imply: ``aarch64`` parses to
  ``linux/arm64/v8``, ``armhf`` to ``linux/arm/v7``, ``armel`` to ``linux/arm/v6`` (containerd drops
  the v8/v7). :func:`normalize` and :func:`matches` treat both spellings as the same platform.

Matching is containerd's ``platforms.Only`` (what Docker uses to choose from an index): a wanted
platform also accepts what it can run natively, e.g. ``linux/amd64`` runs ``linux/386`` and
``linux/arm64`` runs ``linux/arm/v7``; :func:`best_match` prefers the closest.
"""

from __future__ import annotations

import os

from mocker.errors import InvalidArgument
from mocker.records import frozen, replace

TYPE_CHECKING = False  # annotations only: ``typing`` stays out of a cached rebuild (DECISIONS 37)
if TYPE_CHECKING:
    import re
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

__all__ = [
    "DEFAULT_OS",
    "Platform",
    "best_match",
    "debian_arch",
    "format_all",
    "format_platform",
    "from_oci",
    "host_platform",
    "matches",
    "normalize",
    "parse_platform",
    "parse_platforms",
    "to_oci",
    "uname_machine",
]

DEFAULT_OS = "linux"
"""The OS every mocker container runs, whatever the host is."""

_ERR_INVALID_ARGUMENT = "invalid argument"  # errdefs.ErrInvalidArgument, which containerd wraps

_SPECIFIER_PATTERN = r"^[A-Za-z0-9_.-]+$"
_OS_PATTERN = r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$"
# The two patterns as character sets: what ``fullmatch`` accepts for a specifier component, and for
# an OS component without "(version+features)", so a plain ``linux/amd64`` needs no ``re`` (DECISIONS 37).
_SPECIFIER_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_OS_NAME_CHARS = _SPECIFIER_CHARS - {"."}


def _os_re() -> re.Pattern[str]:
    import re

    return re.compile(_OS_PATTERN.strip("^$"), re.ASCII)

_KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 "
    "solaris windows zos".split()
)
_KNOWN_ARCH = frozenset(
    "386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le "
    "mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm".split()
)
_ALIAS_VARIANTS = {"aarch64": "v8", "armhf": "v7", "armel": "v6"}
"""uname/Debian names whose CPU generation mocker keeps explicit (containerd drops it)."""

_ARM64_VERSIONS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    **{f"v8.{minor}": ((8,), (minor,)) for minor in range(10)},
    "v8": ((8,), (0,)),
    "v9": ((9, 8), (0, 5)),
    **{f"v9.{minor}": ((9, 8), (minor, min(minor + 5, 9))) for minor in range(8)},
}
"""containerd's arm64variantToVersion: an armv9.x CPU also implements armv8.(x+5)."""

_LTSC2022 = 20348
_COMPAT_LTSC_RELEASES = (_LTSC2022, 26100)


@frozen
class Platform:
    """An OCI platform; empty optional fields are ``None``/``()`` rather than ``""``."""

    os: str
    architecture: str
    variant: str | None = None
    os_version: str | None = None
    os_features: tuple[str, ...] = ()

    def __str__(self) -> str:
        return format_platform(self)


# --- parsing and formatting ---------------------------------------------------------------------


def parse_platform(specifier: str) -> Platform:
    """Parse ``os[(version[+feature…])][/arch[/variant]]`` or a bare ``arch`` (``platforms.Parse``).

    Errors use containerd's wording, e.g. ``"foo": unknown operating system or architecture:
    invalid argument``.
    """
    if "*" in specifier:
        raise _invalid(f"{_go_quote(specifier)}: wildcards not yet supported")
    parts = specifier.split("/", 3)
    if parts[0] and _OS_NAME_CHARS.issuperset(parts[0]):
        os_group, raw_version, feature_group = parts[0], "", ""  # what the pattern's groups would be
    else:
        os_match = _os_re().fullmatch(parts[0])
        if os_match is None:
            raise _invalid(
                f"{_go_quote(parts[0])} is an invalid OS component of {_go_quote(specifier)}: "
                f"OSAndVersion specifier component must match {_go_quote(_OS_PATTERN)}"
            )
        os_group, raw_version, feature_group = os_match[1], os_match[2] or "", os_match[3] or ""
    os_name = _normalize_os(os_group)
    try:
        os_version = _decode_os_option(raw_version)
    except ValueError as err:
        raise InvalidArgument(f"{_go_quote(specifier)} has an invalid OS version {_go_quote(raw_version)}: "
                              f"{err}") from None
    features = _parse_os_features(specifier, feature_group[1:])
    for part in parts[1:]:
        if not (part and _SPECIFIER_CHARS.issuperset(part)):
            raise _invalid(
                f"{_go_quote(part)} is an invalid component of {_go_quote(specifier)}: "
                f"platform specifier component must match {_go_quote(_SPECIFIER_PATTERN)}"
            )
    version = os_version or None

    if len(parts) == 1:
        if os_name in _KNOWN_OS:
            host = host_platform()
            variant = host.variant if host.architecture == "arm" and host.variant != "v7" else None
            return Platform(os_name, host.architecture, variant, version, features)
        arch, variant = _arch_from_component(parts[0])
        if arch in _KNOWN_ARCH:
            return Platform(DEFAULT_OS, arch, variant or None, version, features)
        raise _invalid(f"{_go_quote(specifier)}: unknown operating system or architecture")
    if len(parts) == 2:
        arch, variant = _arch_from_component(parts[1])
        return Platform(os_name, arch, variant or None, version, features)
    if len(parts) == 3:
        arch, variant = _normalize_arch(parts[1], parts[2])
        if arch == "arm64" and variant == "":
            variant = "v8"
        return Platform(os_name, arch, variant or None, version, features)
    raise _invalid(f"{_go_quote(specifier)}: cannot parse platform specifier")


def parse_platforms(specifiers: Iterable[str]) -> list[Platform]:
    """Parse several specifiers (``platforms.ParseAll``), naming the one that failed."""
    result = []
    for specifier in specifiers:
        try:
            result.append(parse_platform(specifier))
        except InvalidArgument as err:
            raise InvalidArgument(f"invalid platform {specifier}: {err}") from None
    return result


def format_platform(p: Platform) -> str:
    """``linux/arm64/v8`` (``platforms.Format``): OS, architecture and variant only."""
    if not p.os:
        return "unknown"
    return "/".join(part for part in (p.os, p.architecture, p.variant) if part)


def format_all(p: Platform) -> str:
    """Like :func:`format_platform`, plus OS version and features (``platforms.FormatAll``).

    ``windows(10.0.17763+win32k)/amd64``: the form :func:`parse_platform` reads back unchanged.
    """
    if not p.os:
        return "unknown"
    if not p.os_version and not p.os_features:
        return format_platform(p)
    os_part = p.os
    version = _encode_os_option(p.os_version or "")
    features = "+".join(_encode_os_option(f) for f in sorted(set(p.os_features)) if f)
    if version or features:
        os_part += "(" + version + ("+" + features if features else "") + ")"
    return "/".join(part for part in (os_part, p.architecture, p.variant) if part)


def normalize(p: Platform) -> Platform:
    """The canonical spelling used for comparisons (``platforms.Normalize``).

    ``x86_64`` → ``amd64``, ``aarch64``/``arm64/v8`` → ``arm64`` (no variant), ``arm`` →
    ``arm/v7``, ``amd64/v1`` → ``amd64``, ``i386`` → ``386``; features sorted, duplicates dropped.
    """
    arch, variant = _normalize_arch(p.architecture, p.variant or "")
    return Platform(
        os=_normalize_os(p.os),
        architecture=arch,
        variant=variant or None,
        os_version=p.os_version or None,
        os_features=tuple(sorted(set(p.os_features))),
    )


def _machine() -> str:
    """``platform.machine()`` without importing ``platform`` (its regexes cost ~5 ms per ``run``)."""
    return os.uname().machine


def host_platform(machine: str | None = None) -> Platform:
    """The platform this host runs natively, from ``platform.machine()`` (or ``machine``).

    Always a Linux platform: that is what mocker runs, also on macOS. arm hosts carry their variant
    (``aarch64`` → ``arm64/v8``, ``armv7l`` → ``arm/v7``), as containerd's ``DefaultSpec`` does.
    """
    name = (machine if machine is not None else _machine()).lower()
    if name in ("x86_64", "x86-64", "amd64", "x64"):
        return Platform(DEFAULT_OS, "amd64")
    if name in ("aarch64", "arm64", "armv8b"):
        return Platform(DEFAULT_OS, "arm64", "v8")
    if name.startswith("armv") and len(name) >= 5 and name[4].isdigit():
        return Platform(DEFAULT_OS, "arm", f"v{name[4]}")
    if len(name) == 4 and name[0] == "i" and name[1] in "3456" and name[2:] == "86":  # i[3-6]86
        return Platform(DEFAULT_OS, "386")
    if name == "loongarch64":
        return Platform(DEFAULT_OS, "loong64")
    arch, variant = _normalize_arch(name, "")
    return Platform(DEFAULT_OS, arch, variant or None)


# --- matching -----------------------------------------------------------------------------------


def matches(wanted: Platform, candidate: Platform, *, strict: bool = False) -> bool:
    """Whether an image for ``candidate`` satisfies a request for ``wanted``.

    By default the rule Docker uses to pick from an index (``platforms.Only``): besides exact
    matches, ``amd64`` accepts ``386``, ``amd64/v3`` accepts ``v2``/``v1``, ``arm/v7`` accepts
    ``v6``/``v5``, ``arm64`` accepts ``arm/v8`` … ``arm/v5``. With ``strict`` only the same platform
    (after :func:`normalize`) matches (``platforms.OnlyStrict``).
    """
    wanted = normalize(wanted)
    if strict:
        return _match_one(wanted, candidate)
    return any(_match_one(m, candidate) for m in _platform_vector(wanted))


def best_match(wanted: Platform, candidates: Sequence[Platform]) -> int | None:
    """Index of the candidate Docker would pick for ``wanted``, or ``None`` if none matches.

    Ordered as containerd's ``Only(wanted).Less``: the closest platform first (``amd64`` before
    ``386``, ``arm/v7`` before ``arm/v6``), then the one with more OS features, then the earliest.
    """
    vector = _platform_vector(normalize(wanted))
    best: tuple[int, int, int] | None = None
    for index, candidate in enumerate(candidates):
        rank = next((i for i, m in enumerate(vector) if _match_one(m, candidate)), None)
        if rank is None:
            continue
        key = (rank, -len(candidate.os_features), index)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _match_one(wanted: Platform, candidate: Platform) -> bool:
    """containerd's ``matcher.Match`` for one normalised wanted platform."""
    if wanted.os == "windows" and "win32k" in candidate.os_features:
        # windowsStripFeaturesMatcher: win32k is implied by every Windows host.
        features = list(candidate.os_features)
        features.remove("win32k")
        candidate = replace(candidate, os_features=tuple(features))
    got = normalize(candidate)
    if (got.os, got.architecture, got.variant) != (wanted.os, wanted.architecture, wanted.variant):
        return False
    if wanted.os == "windows" and not _windows_version_matches(wanted.os_version, candidate.os_version):
        return False
    return set(got.os_features) <= set(wanted.os_features)


def _platform_vector(p: Platform) -> list[Platform]:
    """containerd's ``platformVector``: ``p`` and what it runs natively, most preferred first."""
    vector = [p]
    if p.architecture == "amd64":
        version = _atoi((p.variant or "").removeprefix("v"))
        if version is not None and version > 1:
            vector += [replace(p, variant=f"v{v}") for v in range(version - 1, 0, -1)]
        vector.append(replace(p, architecture="386", variant=None))
    elif p.architecture == "arm":
        version = _atoi((p.variant or "").removeprefix("v"))
        if version is not None and version > 5:
            vector += [replace(p, variant=f"v{v}") for v in range(version - 1, 4, -1)]
    elif p.architecture == "arm64":
        variant = p.variant or "v8"
        vector = []
        versions = _ARM64_VERSIONS.get(variant)
        if versions is not None:
            for major, top_minor in zip(*versions, strict=True):
                for minor in range(top_minor, -1, -1):
                    name = f"v{major}" if minor == 0 else f"v{major}.{minor}"
                    vector.append(replace(p, variant=name))
        if variant.startswith(("v8", "v9")):
            variant = "v8"
        vector += _platform_vector(replace(p, architecture="arm", variant=variant))
    return [normalize(v) for v in vector]


def _windows_version_matches(wanted: str | None, candidate: str | None) -> bool:
    """containerd's ``windowsVersionMatcher``: host/container build compatibility."""
    host = _windows_version(wanted or "")
    if host == (0, 0, 0) or not candidate:
        return True
    ctr = _windows_version(candidate)
    if host[:2] != ctr[:2]:
        return False
    if host[2] < _LTSC2022:
        return host[2] == ctr[2]
    supported = _LTSC2022
    for release in reversed(_COMPAT_LTSC_RELEASES):
        if host[2] > release:
            supported = release
            break
    return supported <= ctr[2] <= host[2]


def _windows_version(text: str) -> tuple[int, int, int]:
    parts = text.split(".")
    if len(parts) < 3 or not all(p.isdigit() for p in parts[:3]):
        return (0, 0, 0)
    major, minor, build = (int(p) for p in parts[:3])
    if major > 0xFF or minor > 0xFF or build > 0xFFFF:
        return (0, 0, 0)
    return (major, minor, build)


# --- OCI objects --------------------------------------------------------------------------------


def from_oci(obj: Mapping[str, Any]) -> Platform:
    """Read an OCI ``platform`` object (image index entry, or the same keys of an image config)."""

    def text(key: str) -> str:
        value = obj.get(key, "")
        if not isinstance(value, str):
            raise InvalidArgument(f"invalid platform: {key!r} must be a string, not {_json_text(value)}")
        return value

    features = obj.get("os.features") or []
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise InvalidArgument(f"invalid platform: 'os.features' must be a list of strings, not {features!r}")
    return Platform(
        os=text("os"),
        architecture=text("architecture"),
        variant=text("variant") or None,
        os_version=text("os.version") or None,
        os_features=tuple(features),
    )


def to_oci(p: Platform) -> dict[str, Any]:
    """An OCI ``platform`` object; optional keys are left out when empty (Go's ``omitempty``)."""
    obj: dict[str, Any] = {"architecture": p.architecture, "os": p.os}
    if p.os_version:
        obj["os.version"] = p.os_version
    if p.os_features:
        obj["os.features"] = list(p.os_features)
    if p.variant:
        obj["variant"] = p.variant
    return obj


# --- names other tools use ----------------------------------------------------------------------

_DEBIAN_ARCHES = {
    "amd64": "amd64",
    "arm64": "arm64",
    "s390x": "s390x",
    "ppc64le": "ppc64el",
    "ppc64": "ppc64",
    "386": "i386",
    "riscv64": "riscv64",
    "mips64le": "mips64el",
    "mipsle": "mipsel",
    "loong64": "loong64",
}
_UNAME_MACHINES = {
    "amd64": "x86_64",
    "arm64": "aarch64",
    "s390x": "s390x",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "386": "i686",
    "riscv64": "riscv64",
    "mips64le": "mips64",
    "mips64": "mips64",
    "loong64": "loongarch64",
}
_ARM_UNAME = {"v5": "armv5tel", "v6": "armv6l", "v7": "armv7l", "v8": "armv8l"}


def debian_arch(p: Platform) -> str:
    """The Debian architecture (``dpkg --print-architecture``) whose binaries run on ``p``.

    Used to fetch test binaries (``apt-get download busybox-static:<arch>``): ``ppc64le`` →
    ``ppc64el``, ``arm/v7`` → ``armhf``, ``arm/v6`` and ``arm/v5`` → ``armel``, ``386`` → ``i386``.
    """
    n = normalize(p)
    if n.architecture == "arm":
        if n.variant in ("v7", "v8"):
            return "armhf"
        if n.variant in ("v5", "v6"):
            return "armel"
    elif n.architecture in _DEBIAN_ARCHES:
        return _DEBIAN_ARCHES[n.architecture]
    raise InvalidArgument(f"no Debian architecture for platform {format_platform(p)}")


def uname_machine(p: Platform) -> str:
    """What ``uname -m`` prints on a native ``p`` kernel (``x86_64``, ``aarch64``, ``armv7l`` …).

    Under qemu-user the emulated CPU decides instead (qemu-arm reports ``armv7l`` for every arm
    variant), so tests should compare with this only for the platforms they emulate faithfully.
    """
    n = normalize(p)
    if n.architecture == "arm" and n.variant in _ARM_UNAME:
        return _ARM_UNAME[n.variant]
    if n.architecture in _UNAME_MACHINES:
        return _UNAME_MACHINES[n.architecture]
    raise InvalidArgument(f"no uname machine name for platform {format_platform(p)}")


# --- helpers ------------------------------------------------------------------------------------


def _normalize_os(os_name: str) -> str:
    os_name = os_name.lower()
    if not os_name:
        return DEFAULT_OS
    return "darwin" if os_name == "macos" else os_name


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    """containerd's ``normalizeArch``, with ``""`` for "no variant"."""
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        if variant in ("8", "v8", "v8.0"):
            variant = ""
        elif variant in ("9", "9.0", "v9.0"):
            variant = "v9"
        return "arm64", variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            variant = "v7"
        elif variant in ("5", "6", "8"):
            variant = "v" + variant
        return "arm", variant
    return arch, variant


def _arch_from_component(component: str) -> tuple[str, str]:
    """An architecture given without a variant component (``arm64``, ``linux/armhf``)."""
    arch, variant = _normalize_arch(component, "")
    alias = _ALIAS_VARIANTS.get(component.lower())
    if alias is not None:
        return arch, alias
    if arch == "arm" and variant == "v7":
        # containerd: "linux/arm" stays without a variant (it normalises to v7 when compared).
        variant = ""
    return arch, variant


def _parse_os_features(specifier: str, text: str) -> tuple[str, ...]:
    if not text:
        return ()
    features = []
    for raw in text.split("+"):
        raw = raw.strip()
        if not raw:
            raise _invalid(f"{_go_quote(specifier)} has invalid OS features: empty os feature")
        try:
            feature = _decode_os_option(raw)
        except ValueError as err:
            raise InvalidArgument(
                f"{_go_quote(specifier)} has invalid OS features: invalid os feature {_go_quote(raw)}: {err}"
            ) from None
        if feature:
            features.append(feature)
    return tuple(features)


def _decode_os_option(value: str) -> str:
    """``url.PathUnescape``, which (unlike ``unquote``) refuses a bad ``%`` escape."""
    if "%" not in value:
        return value
    import re

    bad = re.search(r"%(?![0-9A-Fa-f]{2})", value)
    if bad is not None:
        raise ValueError(f"invalid URL escape {_go_quote(value[bad.start() : bad.start() + 3])}")
    from urllib.parse import unquote

    return unquote(value)


def _encode_os_option(value: str) -> str:
    for char, escaped in (("%", "%25"), ("+", "%2B"), ("(", "%28"), (")", "%29"), ("/", "%2F")):
        value = value.replace(char, escaped)
    return value


def _atoi(text: str) -> int | None:
    digits = text[1:] if text[:1] in ("+", "-") else text  # [+-]?[0-9]+
    return int(text) if digits.isascii() and digits.isdigit() else None


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the texts that appear in these messages (JSON escaping is the same there)."""
    from mocker import jsonc

    return jsonc.dumps(text, ensure_ascii=False)


def _json_text(value: object) -> str:
    from mocker import jsonc

    return jsonc.dumps(value)


def _invalid(message: str) -> InvalidArgument:
    return InvalidArgument(f"{message}: {_ERR_INVALID_ARGUMENT}")
