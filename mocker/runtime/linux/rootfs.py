"""A container's root filesystem: an overlay of its image layers under a private upper/work pair.

Layout in the container's bundle directory::

    merged/   the overlay mountpoint (config.json's root.path)
    upper/    the container's own changes (kept across restarts; read by ``diff``/``commit``)
    work/     overlayfs scratch, same filesystem as upper
    empty/    the only lower layer of an image without layers (``FROM scratch``)
    l/        short symlinks to the layers, used only when the options would not fit in a page

``lowerdir`` lists the layers top first (``ContainerSpec.rootfs_layers`` is base first). The
options ``index=off,redirect_dir=off,metacopy=off`` are added where the kernel has them: the layer
code's ``diff_upper`` reads the upper dir as a plain tree and refuses redirects and metacopy files.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Sequence
from functools import cache

from mocker.errors import OCIRuntimeError
from mocker.hostbin import which

MNT_DETACH = 2
_PAGE = 4096
_OVERLAY_PARAMS = "/sys/module/overlay/parameters"
_OFF_OPTIONS = ("index", "redirect_dir", "metacopy")


@cache
def _libc() -> ctypes.CDLL:
    # The running interpreter's own libc: ctypes.util.find_library would run /sbin/ldconfig (~5 ms).
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p)
    libc.umount2.argtypes = (ctypes.c_char_p, ctypes.c_int)
    return libc


def mount(source: str, target: str, fstype: str, flags: int = 0, data: str = "") -> None:
    """mount(2); raises OSError with the errno."""
    if _libc().mount(source.encode(), target.encode(), fstype.encode(), flags, data.encode() if data else None):
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype} on {target}: {os.strerror(err)}")


def umount(target: str, *, lazy: bool = False) -> None:
    """umount2(2); raises OSError with the errno."""
    if _libc().umount2(target.encode(), MNT_DETACH if lazy else 0):
        err = ctypes.get_errno()
        raise OSError(err, f"unmount {target}: {os.strerror(err)}")


def overlay_off_options() -> tuple[str, ...]:
    """``index=off`` etc. for each feature this kernel's overlayfs knows (so it accepts the option)."""
    return tuple(f"{name}=off" for name in _OFF_OPTIONS if os.path.exists(os.path.join(_OVERLAY_PARAMS, name)))


def is_mounted(path: str) -> bool:
    return os.path.ismount(path)


def _check(path: str) -> str:
    if any(c in path for c in ",:\n"):
        raise OCIRuntimeError(f"cannot use {path!r} as an overlay layer: the path contains ',' or ':'")
    return path


def mount_rootfs(bundle: str, layers: Sequence[str], *, volatile: bool = False) -> str:
    """Mount the overlay at ``<bundle>/merged`` (idempotent); returns the mountpoint.

    ``volatile`` (containers whose upper dir dies with them, e.g. ``run --rm``) skips overlayfs's
    sync of the whole upper filesystem at unmount, which costs 10-100 ms on a busy disk. The kernel
    marks such a work dir with ``work/incompat/volatile`` and refuses to mount it again; this
    function only mounts it again within the same boot (a restart), so the marker is dropped first.
    """
    merged = os.path.join(bundle, "merged")
    upper = os.path.join(bundle, "upper")
    work = os.path.join(bundle, "work")
    for path in (merged, upper, work):
        os.makedirs(path, mode=0o700 if path == work else 0o755, exist_ok=True)
    if is_mounted(merged):
        return merged
    lowers = [_check(os.path.abspath(layer)) for layer in reversed(layers)]
    if not lowers:
        empty = os.path.join(bundle, "empty")
        os.makedirs(empty, exist_ok=True)
        lowers = [empty]
    extra = overlay_off_options()
    marker = os.path.join(work, "work", "incompat", "volatile")
    if os.path.isdir(marker):
        import shutil

        shutil.rmtree(marker)
    if volatile and _volatile_supported():
        extra = (*extra, "volatile")
    options = ",".join(
        (f"lowerdir={':'.join(lowers)}", f"upperdir={_check(upper)}", f"workdir={_check(work)}", *extra)
    )
    try:
        if len(options) < _PAGE - 1:
            mount("overlay", merged, "overlay", 0, options)
        else:
            _mount_with_short_links(bundle, lowers, extra)
    except OSError as exc:
        raise OCIRuntimeError(f"mounting the container's root filesystem: {exc}") from exc
    return merged


@cache
def _volatile_supported() -> bool:
    """overlayfs has ``volatile`` since Linux 5.10."""
    try:
        major, minor = (int(x) for x in os.uname().release.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (5, 10)


def _mount_with_short_links(bundle: str, lowers: list[str], extra: tuple[str, ...]) -> None:
    """Many layers: relative ``l/N`` symlinks, resolved by mount(8) run in the bundle dir."""
    links = os.path.join(bundle, "l")
    os.makedirs(links, exist_ok=True)
    names = []
    for i, layer in enumerate(lowers):
        name = os.path.join(links, str(i))
        if os.path.lexists(name):
            os.unlink(name)
        os.symlink(layer, name)
        names.append(f"l/{i}")
    options = ",".join((f"lowerdir={':'.join(names)}", "upperdir=upper", "workdir=work", *extra))
    if len(options) >= _PAGE - 1:
        raise OSError(f"too many layers ({len(lowers)}) for one overlay mount")
    mount_bin = which("mount") or "/bin/mount"
    result = subprocess.run(  # noqa: S603 - argv list; options are our own layer paths (checked by _check)
        [mount_bin, "-t", "overlay", "overlay", "-o", options, "merged"],
        cwd=bundle, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise OSError(result.stderr.strip() or f"mount exited {result.returncode}")


def unmount_rootfs(bundle: str) -> None:
    """Unmount ``<bundle>/merged`` if mounted (lazily if it is busy)."""
    merged = os.path.join(bundle, "merged")
    if not is_mounted(merged):
        return
    try:
        umount(merged)
    except OSError:
        try:
            umount(merged, lazy=True)
        except OSError as exc:
            raise OCIRuntimeError(f"unmounting the container's root filesystem: {exc}") from exc
