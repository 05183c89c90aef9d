"""Seccomp profiles: Docker's profile format to the OCI ``linux.seccomp`` object.

The default profile is containers-common's ``/usr/share/containers/seccomp.json`` (Debian package
golang-github-containers-common), written in Docker's format: ``defaultAction``, ``archMap`` and
``syscalls`` rules that carry ``includes``/``excludes`` conditions on capabilities, architectures
and kernel version. :func:`to_oci` resolves those conditions the way moby's ``setupSeccomp``
(moby/profiles ``seccomp_linux.go``) does:

- ``excludes``: the rule is dropped if the host arch is listed, or *any* listed capability is in the
  container's bounding set, or the kernel is at least ``minKernel``;
- ``includes``: the rule is kept only if the host arch is listed, *all* listed capabilities are in
  the bounding set, and the kernel is at least ``minKernel``;
- ``architectures`` is the host's ``archMap`` entry (the native arch and its sub-architectures).

A profile already in OCI form (``architectures``, rules without conditions) passes through.
"""

from __future__ import annotations

import errno as errno_names
import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from mocker.errors import InvalidArgument, StoreError

__all__ = ["DEFAULT_PROFILE_PATH", "default_profile", "kernel_version", "load_profile", "native_arch", "to_oci"]

DEFAULT_PROFILE_PATH = "/usr/share/containers/seccomp.json"
DEFAULT_PROFILE_PACKAGE = "golang-github-containers-common"

# uname -m / GOARCH / Debian spellings -> libseccomp's native names (the names profiles use in
# includes.arches / excludes.arches).
_NATIVE_ARCH = {
    "x86_64": "amd64", "amd64": "amd64",
    "i386": "x86", "i686": "x86", "386": "x86", "x86": "x86",
    "aarch64": "arm64", "arm64": "arm64",
    "armv7l": "arm", "armv6l": "arm", "armhf": "arm", "armel": "arm", "arm": "arm",
    "ppc64le": "ppc64le", "ppc64el": "ppc64le", "ppc64": "ppc64", "ppc": "ppc",
    "s390x": "s390x", "s390": "s390",
    "riscv64": "riscv64",
    "mips64": "mips64", "mips64el": "mipsel64", "mipsel64": "mipsel64", "mipsel": "mipsel",
    "loongarch64": "loong64", "loong64": "loong64",
}  # fmt: skip

# libseccomp native name -> SCMP_ARCH_* (moby's nativeToSeccomp).
_SECCOMP_ARCH = {
    "x86": "SCMP_ARCH_X86",
    "amd64": "SCMP_ARCH_X86_64",
    "arm": "SCMP_ARCH_ARM",
    "arm64": "SCMP_ARCH_AARCH64",
    "loong64": "SCMP_ARCH_LOONGARCH64",
    "mips64": "SCMP_ARCH_MIPS64",
    "mipsel64": "SCMP_ARCH_MIPSEL64",
    "mipsel": "SCMP_ARCH_MIPSEL",
    "ppc": "SCMP_ARCH_PPC",
    "ppc64": "SCMP_ARCH_PPC64",
    "ppc64le": "SCMP_ARCH_PPC64LE",
    "riscv64": "SCMP_ARCH_RISCV64",
    "s390": "SCMP_ARCH_S390",
    "s390x": "SCMP_ARCH_S390X",
}

_KERNEL_RE = re.compile(r"^(\d+)\.(\d+)")


def native_arch(machine: str | None = None) -> str:
    """libseccomp's name for ``machine`` (``uname -m``, GOARCH or Debian spelling); host if None."""
    machine = machine or os.uname().machine
    return _NATIVE_ARCH.get(machine, machine)


def kernel_version(release: str | None = None) -> tuple[int, int]:
    """``(kernel, major)`` of ``release`` (default: the running kernel), e.g. ``(6, 1)``."""
    release = release if release is not None else os.uname().release
    match = _KERNEL_RE.match(release)
    if match is None:
        raise InvalidArgument(f'failed to parse kernel version "{release}"')
    return int(match[1]), int(match[2])


def default_profile(
    caps: Iterable[str],
    arch: str | None = None,
    *,
    kernel: tuple[int, int] | None = None,
    path: str = DEFAULT_PROFILE_PATH,
) -> dict[str, Any]:
    """The default profile in OCI form for a container with bounding set ``caps`` on ``arch``."""
    try:
        profile = _read_default(path)
    except FileNotFoundError:
        raise StoreError(
            f"the default seccomp profile {path} is missing: install the Debian package {DEFAULT_PROFILE_PACKAGE}"
        ) from None
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the default seccomp profile {path}: {exc}") from exc
    converted = to_oci(profile, caps, arch, kernel=kernel)
    if converted is None:
        raise StoreError(f"the default seccomp profile {path} has no defaultAction and no syscalls")
    return converted


@lru_cache(maxsize=4)
def _read_default(path: str) -> dict[str, Any]:
    with open(path, "rb") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def load_profile(
    path: str, caps: Iterable[str], arch: str | None = None, *, kernel: tuple[int, int] | None = None
) -> dict[str, Any] | None:
    """``--security-opt seccomp=FILE``: that file (Docker or OCI format) in OCI form.

    None when the profile disables seccomp (no ``defaultAction`` and no ``syscalls``), as in moby.
    """
    try:
        with open(path, "rb") as f:
            body = f.read()
    except OSError as exc:
        reason = exc.strerror.lower() if exc.strerror else str(exc)
        raise InvalidArgument(f"opening seccomp profile ({path}) failed: open {path}: {reason}") from exc
    try:
        profile = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"Decoding seccomp profile failed: {exc}") from exc
    return to_oci(profile, caps, arch, kernel=kernel)


def to_oci(
    profile: Any, caps: Iterable[str], arch: str | None = None, *, kernel: tuple[int, int] | None = None
) -> dict[str, Any] | None:
    """Resolve a Docker-format ``profile`` for bounding set ``caps`` on ``arch`` (see module doc)."""
    if not isinstance(profile, dict):
        raise InvalidArgument("Decoding seccomp profile failed: the profile must be a JSON object")
    bounding = {c.upper() if c.upper().startswith("CAP_") else "CAP_" + c.upper() for c in caps}
    native = native_arch(arch)
    rules = _list(profile, "syscalls")
    default_action = profile.get("defaultAction") or ""
    if not default_action and not rules:
        return None
    if not isinstance(default_action, str):
        raise InvalidArgument("Decoding seccomp profile failed: defaultAction must be a string")
    if profile.get("architectures") and profile.get("archMap"):
        raise InvalidArgument(
            "both 'architectures' and 'archMap' are specified in the seccomp profile, "
            "use either 'architectures' or 'archMap'"
        )

    out: dict[str, Any] = {"defaultAction": default_action}
    errno_ret = _errno_ret(profile, "defaultErrnoRet", "defaultErrno")
    if errno_ret is not None:
        out["defaultErrnoRet"] = errno_ret
    architectures = [str(a) for a in _list(profile, "architectures")]
    wanted = _SECCOMP_ARCH.get(native)
    for entry in _list(profile, "archMap"):
        if wanted and isinstance(entry, dict) and entry.get("architecture") == wanted:
            architectures = [wanted, *(str(a) for a in entry.get("subArchitectures") or ())]
            break
    if architectures:
        out["architectures"] = architectures
    for key in ("flags", "listenerPath", "listenerMetadata"):
        if profile.get(key):
            out[key] = profile[key]

    running = kernel if kernel is not None else kernel_version()
    syscalls = []
    for rule in rules:
        if not isinstance(rule, dict):
            raise InvalidArgument("Decoding seccomp profile failed: each syscalls entry must be a JSON object")
        if _applies(rule, bounding, native, running):
            syscalls.append(_syscall(rule))
    if syscalls:
        out["syscalls"] = syscalls
    return out


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidArgument(f"Decoding seccomp profile failed: {key} must be a JSON array")
    return value


def _errno_ret(obj: dict[str, Any], number_key: str, name_key: str) -> int | None:
    """``errnoRet``-style number, or containers-common's ``errno`` name when only that is given."""
    number = obj.get(number_key)
    if number is not None:
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise InvalidArgument(f"Decoding seccomp profile failed: {number_key} must be a non-negative integer")
        return number
    name = obj.get(name_key)
    if name:
        value = getattr(errno_names, str(name), None)
        if not isinstance(value, int):
            raise InvalidArgument(f"Decoding seccomp profile failed: unknown errno {name!r}")
        return value
    return None


def _kernel_at_least(minimum: Any, running: tuple[int, int]) -> bool:
    text = str(minimum)
    match = re.fullmatch(r"(\d+)\.(\d+)", text)
    if match is None or (int(match[1]), int(match[2])) == (0, 0):
        raise InvalidArgument(f'invalid kernel version: "{text}", expected "<kernel>.<major>"')
    return running >= (int(match[1]), int(match[2]))


def _filter(rule: dict[str, Any], key: str) -> dict[str, Any]:
    value = rule.get(key) or {}
    if not isinstance(value, dict):
        raise InvalidArgument(f"Decoding seccomp profile failed: {key} must be a JSON object")
    return value


def _applies(rule: dict[str, Any], bounding: set[str], arch: str, running: tuple[int, int]) -> bool:
    excludes = _filter(rule, "excludes")
    if arch in (excludes.get("arches") or ()):
        return False
    if any(c in bounding for c in excludes.get("caps") or ()):
        return False
    if excludes.get("minKernel") and _kernel_at_least(excludes["minKernel"], running):
        return False
    includes = _filter(rule, "includes")
    if includes.get("arches") and arch not in includes["arches"]:
        return False
    if not all(c in bounding for c in includes.get("caps") or ()):
        return False
    return not (includes.get("minKernel") and not _kernel_at_least(includes["minKernel"], running))


def _syscall(rule: dict[str, Any]) -> dict[str, Any]:
    names = rule.get("names") or []
    if rule.get("name"):
        if names:
            raise InvalidArgument(
                "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'"
            )
        names = [rule["name"]]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidArgument("Decoding seccomp profile failed: names must be an array of strings")
    out: dict[str, Any] = {"names": list(names), "action": rule.get("action") or ""}
    errno_ret = _errno_ret(rule, "errnoRet", "errno")
    if errno_ret is not None:
        out["errnoRet"] = errno_ret
    args = []
    for arg in _list(rule, "args"):
        if not isinstance(arg, dict):
            raise InvalidArgument("Decoding seccomp profile failed: each args entry must be a JSON object")
        try:
            converted: dict[str, Any] = {"index": int(arg.get("index", 0)), "value": int(arg.get("value", 0))}
            if arg.get("valueTwo"):
                converted["valueTwo"] = int(arg["valueTwo"])
        except (TypeError, ValueError) as exc:
            raise InvalidArgument(f"Decoding seccomp profile failed: bad syscall argument {arg!r}") from exc
        converted["op"] = arg.get("op", "")
        args.append(converted)
    if args:
        out["args"] = args
    return out
