"""Copying image content into a new volume, as Docker does on a volume's first use.

moby's ``copyExistingContents`` (daemon/container/container_unix.go): if the volume directory is
empty and the path exists in the image, the image's directory is copied into it with containerd's
``fs.CopyDir``: contents, and the directory itself, keep owner, mode, extended attributes (those the
volume's filesystem does not support are skipped), times, hard links, symlinks (as links), devices
and fifos.

The image is untrusted input: the path is resolved inside the rootfs one component at a time with
directory file descriptors (an absolute symlink restarts at the rootfs, ``..`` stops there), and the
copy opens nothing by a path that could follow a symlink out of it (``O_NOFOLLOW``, ``*at`` calls).
"""

from __future__ import annotations

import errno
import os
import stat

_MAX_LINKS = 255
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_in_root(root: str, path: str) -> int | None:
    """A directory fd for ``path`` resolved inside ``root`` (moby's ``FollowSymlinkInScope``), or None."""
    root_fd = os.open(root, _DIR_FLAGS & ~os.O_NOFOLLOW)
    stack = [root_fd]
    todo = [p for p in path.split("/") if p not in ("", ".")]
    todo.reverse()
    links = 0
    try:
        while todo:
            part = todo.pop()
            if part == "..":
                if len(stack) > 1:
                    os.close(stack.pop())
                continue
            try:
                st = os.stat(part, dir_fd=stack[-1], follow_symlinks=False)
            except FileNotFoundError:
                return None
            if stat.S_ISLNK(st.st_mode):
                links += 1
                if links > _MAX_LINKS:
                    raise OSError(errno.ELOOP, "too many symbolic links in the image", path)
                target = os.readlink(part, dir_fd=stack[-1])
                if target.startswith("/"):
                    while len(stack) > 1:
                        os.close(stack.pop())
                todo.extend(reversed([p for p in target.split("/") if p not in ("", ".")]))
                continue
            if not stat.S_ISDIR(st.st_mode):
                return None  # a file (or a path through one): nothing Docker would copy into a volume
            stack.append(os.open(part, _DIR_FLAGS, dir_fd=stack[-1]))
        return os.dup(stack[-1])
    finally:
        for fd in stack:
            os.close(fd)


def _proc(fd: int, name: str | None = None) -> str:
    return f"/proc/self/fd/{fd}" + (f"/{name}" if name else "")


def _copy_xattrs(src: str | int, dst: str | int) -> None:
    """Extended attributes of ``src`` onto ``dst`` (fds, or /proc paths not followed at the end)."""
    follow = not isinstance(src, str)
    try:
        names = os.listxattr(src, follow_symlinks=follow)
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.ENODATA):
            return
        raise
    for key in names:
        try:
            os.setxattr(dst, key, os.getxattr(src, key, follow_symlinks=follow), follow_symlinks=follow)
        except OSError as e:
            if e.errno not in (errno.ENOTSUP, errno.ENODATA):
                raise


def _copy_file(src_dir: int, dst_dir: int, name: str, st: os.stat_result) -> None:
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=src_dir)
    try:
        dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                      dir_fd=dst_dir)
        try:
            remaining = st.st_size
            while remaining > 0:
                n = os.sendfile(dst, src, None, min(remaining, 1 << 30))
                if n == 0:
                    break
                remaining -= n
            _set_meta(dst, st)
            _copy_xattrs(src, dst)
            os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _set_meta(fd: int, st: os.stat_result) -> None:
    os.fchown(fd, st.st_uid, st.st_gid)
    os.fchmod(fd, stat.S_IMODE(st.st_mode))  # after chown, which clears setuid/setgid


def _copy_dir(src_dir: int, dst_dir: int, dst_path: str, links: dict[tuple[int, int], str]) -> None:
    with os.scandir(src_dir) as it:
        entries = sorted(e.name for e in it)
    for name in entries:
        st = os.stat(name, dir_fd=src_dir, follow_symlinks=False)
        mode = st.st_mode
        key = (st.st_dev, st.st_ino)
        if not stat.S_ISDIR(mode) and st.st_nlink > 1 and key in links:
            os.link(links[key], name, dst_dir_fd=dst_dir, follow_symlinks=False)
            continue
        if stat.S_ISDIR(mode):
            os.mkdir(name, 0o700, dir_fd=dst_dir)
            sub_src = os.open(name, _DIR_FLAGS, dir_fd=src_dir)
            sub_dst = os.open(name, _DIR_FLAGS, dir_fd=dst_dir)
            try:
                _copy_dir(sub_src, sub_dst, os.path.join(dst_path, name), links)
                _finish_dir(sub_src, sub_dst, st)
            finally:
                os.close(sub_src)
                os.close(sub_dst)
            continue
        if stat.S_ISREG(mode):
            _copy_file(src_dir, dst_dir, name, st)
        else:
            if stat.S_ISLNK(mode):
                os.symlink(os.readlink(name, dir_fd=src_dir), name, dir_fd=dst_dir)
            else:  # devices, fifos, sockets
                os.mknod(name, mode, st.st_rdev, dir_fd=dst_dir)
            os.chown(name, st.st_uid, st.st_gid, dir_fd=dst_dir, follow_symlinks=False)
            if not stat.S_ISLNK(mode):
                os.chmod(name, stat.S_IMODE(mode), dir_fd=dst_dir, follow_symlinks=False)
            _copy_xattrs(_proc(src_dir, name), _proc(dst_dir, name))
            os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dst_dir, follow_symlinks=False)
        if st.st_nlink > 1:
            links[key] = os.path.join(dst_path, name)


def _finish_dir(src: int, dst: int, st: os.stat_result) -> None:
    _set_meta(dst, st)
    _copy_xattrs(src, dst)
    os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns))


def copy_up(image_rootfs_path: str, path_in_image: str, volume_dir: str) -> bool:
    """Copy the image's ``path_in_image`` into ``volume_dir`` if that is empty; True if it copied."""
    dst = os.open(volume_dir, _DIR_FLAGS & ~os.O_NOFOLLOW)
    try:
        with os.scandir(dst) as it:
            if any(True for _ in it):
                return False
        src = _open_in_root(image_rootfs_path, path_in_image)
        if src is None:
            return False
        try:
            st = os.fstat(src)
            _copy_dir(src, dst, os.path.realpath(volume_dir), {})
            _finish_dir(src, dst, st)
        finally:
            os.close(src)
        return True
    finally:
        os.close(dst)
