"""Can this host run a container of that platform? Natively, or through a qemu-user binfmt handler.

A container whose binaries are for another architecture only runs when the kernel's binfmt_misc has
a qemu-user handler registered for that architecture *with the F flag* (the interpreter is opened
when the handler is registered, so it works inside the container's mount namespace, where there is
no qemu). Without one the container fails with a bare "exec format error"; :func:`ensure_can_run`
is called before a container starts and says instead what is missing and how to fix it — or, as
root, fixes it itself when qemu-user-static's definitions are installed (mount binfmt_misc,
``update-binfmts --enable``), as ``docker run --platform`` users get from Docker Desktop.
"""

from __future__ import annotations

import os
import subprocess

from mocker.errors import OCIRuntimeError
from mocker.hostbin import which

__all__ = ["BINFMT_DIR", "QEMU_HANDLERS", "ensure_can_run", "handler_for", "registered_platforms"]

BINFMT_DIR = "/proc/sys/fs/binfmt_misc"
_DEFINITIONS_DIR = "/usr/share/binfmts"  # binfmt-support's format, shipped by qemu-user-static

QEMU_HANDLERS = {
    "amd64": "qemu-x86_64",
    "386": "qemu-i386",
    "arm64": "qemu-aarch64",
    "arm64be": "qemu-aarch64_be",
    "arm": "qemu-arm",
    "s390x": "qemu-s390x",
    "ppc64le": "qemu-ppc64le",
    "ppc64": "qemu-ppc64",
    "riscv64": "qemu-riscv64",
    "mips64le": "qemu-mips64el",
    "mips64": "qemu-mips64",
    "mipsle": "qemu-mipsel",
    "mips": "qemu-mips",
    "loong64": "qemu-loongarch64",
    "sparc64": "qemu-sparc64",
}
"""OCI architecture -> the binfmt_misc entry qemu-user-static registers for it."""


def handler_for(architecture: str) -> str | None:
    return QEMU_HANDLERS.get(architecture)


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def _handler_state(handler: str, binfmt_dir: str) -> tuple[bool, bool]:
    """(registered and enabled, has the F flag)."""
    try:
        with open(os.path.join(binfmt_dir, handler)) as f:
            lines = f.read().splitlines()
    except OSError:
        return False, False
    enabled = bool(lines) and lines[0].strip() == "enabled"
    flags = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("flags:")), "")
    return enabled, "F" in flags


def registered_platforms(binfmt_dir: str = BINFMT_DIR) -> tuple[str, ...]:
    """``linux/<arch>`` for every foreign architecture whose handler is enabled with the F flag."""
    from mocker.image.platform import host_platform

    host = host_platform().architecture
    return tuple(f"linux/{arch}" for arch, handler in QEMU_HANDLERS.items()
                 if arch != host and _handler_state(handler, binfmt_dir) == (True, True))


def _try_enable(handler: str, binfmt_dir: str) -> str | None:
    """As root: mount binfmt_misc and enable qemu-user-static's handler. Returns why it failed, or None."""
    if os.geteuid() != 0:
        return "not running as root"
    if not os.path.exists(os.path.join(_DEFINITIONS_DIR, handler)):
        installed = any(n.startswith("qemu-") for n in _listdir(_DEFINITIONS_DIR))
        return (f"qemu-user-static has no {handler}" if installed
                else f"{_DEFINITIONS_DIR}/{handler} does not exist (qemu-user-static is not installed)")
    tool = which("update-binfmts")
    if tool is None:
        return "update-binfmts (binfmt-support) is not installed"
    if binfmt_dir == BINFMT_DIR and not os.path.exists(os.path.join(binfmt_dir, "register")):
        mount = which("mount") or "/bin/mount"
        done = subprocess.run([mount, "-t", "binfmt_misc", "binfmt_misc", binfmt_dir],  # noqa: S603
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return f"cannot mount binfmt_misc on {binfmt_dir}: {done.stderr.strip()}"
    done = subprocess.run([tool, "--enable", handler], capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        return f"update-binfmts --enable {handler} failed: {done.stderr.strip() or done.stdout.strip()}"
    return None


def ensure_can_run(platform: str, *, binfmt_dir: str = BINFMT_DIR) -> None:
    """Raise a clear error (instead of a later "exec format error") when ``platform`` cannot run here.

    Native platforms (also those the host CPU runs natively, e.g. ``386`` on ``amd64``) pass; a
    foreign one needs an enabled qemu handler with the F flag, which root gets enabled on the way.
    """
    from mocker.errors import MockerError
    from mocker.image.platform import format_platform, host_platform, matches, normalize, parse_platform

    if not platform:
        return
    try:
        wanted = normalize(parse_platform(platform))
    except MockerError:
        return  # not a platform we can reason about: let the runtime speak
    host = host_platform()
    if wanted.os != "linux":
        raise OCIRuntimeError(f"image platform {platform} cannot run here: mocker runs Linux containers only")
    if matches(host, wanted):
        return
    handler = handler_for(wanted.architecture)
    shown = format_platform(wanted)
    if handler is None:
        raise OCIRuntimeError(f"exec format error: image platform {shown} cannot run on this "
                              f"{format_platform(host)} host, and qemu-user has no emulator for it")
    enabled, fix_binary = _handler_state(handler, binfmt_dir)
    if enabled and fix_binary:
        return
    why = None
    if not enabled:  # enabling cannot add a missing F flag: that needs the handler re-registered
        why = _try_enable(handler, binfmt_dir)
        enabled, fix_binary = _handler_state(handler, binfmt_dir)
    if enabled and fix_binary:
        return
    if enabled:
        problem = (f"its binfmt_misc handler {handler} is registered without the F (fix binary) flag, so "
                   "the emulator cannot be found inside a container")
    else:
        problem = f"no binfmt_misc handler for it is enabled ({binfmt_dir}/{handler})"
    raise OCIRuntimeError(
        f"exec format error: image platform {shown} cannot run natively on this {format_platform(host)} "
        f"host and {problem}; to run it under emulation install qemu-user-static and binfmt-support and "
        f"run as root: update-binfmts --enable {handler}" + (f" (mocker could not do it: {why})" if why else "")
    )
