"""Resolve ``--user`` / ``--group-add`` against the container's own /etc/passwd and /etc/group.

Docker's rules (moby/sys/user ``GetExecUser`` and ``GetAdditionalGroups``, as used by moby's
``getUser`` in ``daemon/oci_linux.go``):

- ``""`` is uid 0; ``user``, ``uid``, ``user:group``, ``uid:gid``, ``user:gid``, ``uid:group``;
- a numeric uid/gid needs no entry in the files; a name that is not found is an error
  (``unable to find user NAME: no matching entries in passwd file``);
- without an explicit group, the primary gid comes from the passwd entry and the supplementary
  groups are the groups that list the user by name;
- the OCI ``additionalGids`` are ``[gid, *supplementary, *group_add]`` (moby puts the primary gid
  first).

The files are read *inside* the root filesystem: every path component is opened relative to its
parent's file descriptor without following symlinks, and symlinks are resolved by hand with the
rootfs as ``/`` (``..`` never climbs above it), so an image cannot make mocker read host files.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable

from mocker.errors import InvalidArgument
from mocker.records import frozen

__all__ = ["ExecUser", "read_file_in_root", "resolve_user"]

MIN_ID = 0
MAX_ID = 2**31 - 1
_MAX_SYMLINKS = 40
_MAX_FILE_SIZE = 16 * 1024 * 1024

_RANGE_ERROR = f"uids and gids must be in range {MIN_ID}-{MAX_ID}"
_DECIMAL = re.compile(r"[+-]?[0-9]+")


@frozen
class ExecUser:
    uid: int
    gid: int
    additional_gids: tuple[int, ...]


@frozen
class _PasswdEntry:
    name: str
    uid: int
    gid: int


@frozen
class _GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...]


def resolve_user(rootfs: str, user: str, group_add: Iterable[str] = ()) -> tuple[int, int, tuple[int, ...]]:
    """``(uid, gid, additional_gids)`` for ``user`` inside ``rootfs``, with Docker's semantics."""
    passwd = read_file_in_root(rootfs, "/etc/passwd")
    group = read_file_in_root(rootfs, "/etc/group")
    resolved = _exec_user(user, passwd, group)
    extra = _additional_groups(tuple(group_add), group) if group_add else ()
    return resolved.uid, resolved.gid, (resolved.gid, *resolved.additional_gids, *extra)


def read_file_in_root(rootfs: str, path: str) -> str | None:
    """The text of ``path`` resolved inside ``rootfs`` (symlinks scoped to it), or None if absent.

    Only regular files are read; anything else (missing, a directory, a device, a dangling or
    looping symlink) counts as absent, as runc treats an unreadable passwd file.
    """
    try:
        root_fd = os.open(rootfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fd = _open_in_root(root_fd, path)
    except OSError:
        return None
    finally:
        os.close(root_fd)
    if fd is None:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(_MAX_FILE_SIZE)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")


def _open_in_root(root_fd: int, path: str) -> int | None:
    """Open ``path`` for reading relative to ``root_fd``, resolving symlinks within the root."""
    pending = [part for part in path.split("/") if part not in ("", ".")]
    stack: list[int] = []  # fds of the directories walked into, below the root
    links = 0
    try:
        while pending:
            part = pending.pop(0)
            current = stack[-1] if stack else root_fd
            if part == "..":
                if stack:
                    os.close(stack.pop())
                continue
            try:
                info = os.lstat(part, dir_fd=current)
            except FileNotFoundError:
                return None
            if stat.S_ISLNK(info.st_mode):
                links += 1
                if links > _MAX_SYMLINKS:
                    return None
                target = os.readlink(part, dir_fd=current)
                if target.startswith("/"):
                    while stack:
                        os.close(stack.pop())
                pending[:0] = [p for p in target.split("/") if p not in ("", ".")]
                continue
            if pending:
                if not stat.S_ISDIR(info.st_mode):
                    return None
                stack.append(os.open(part, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=current))
                continue
            try:
                return os.open(part, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=current)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOENT, errno.EISDIR):
                    return None
                raise
        return None  # the path named the root itself
    finally:
        for fd in stack:
            os.close(fd)


# ---- passwd/group parsing (moby/sys/user) ----------------------------------------------------------


def _atoi(text: str) -> int:
    """Go's ``strconv.Atoi`` with the error ignored, as ``parseLine`` does for misbehaving files."""
    return int(text) if _DECIMAL.fullmatch(text) else 0


def _parse_passwd(text: str | None) -> list[_PasswdEntry]:
    entries = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        parts = line.split(":")
        parts += [""] * (4 - len(parts))
        entries.append(_PasswdEntry(name=parts[0], uid=_atoi(parts[2]), gid=_atoi(parts[3])))
    return entries


def _parse_group(text: str | None) -> list[_GroupEntry]:
    entries = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        parts += [""] * (4 - len(parts))
        members = tuple(parts[3].split(",")) if parts[3] else ()
        entries.append(_GroupEntry(name=parts[0], gid=_atoi(parts[2]), members=members))
    return entries


def _parse_numeric(value: str) -> tuple[int, bool]:
    """``(id, is_numeric)``; a decimal outside 0..2^31-1 is an error, as in moby/sys/user."""
    if not _DECIMAL.fullmatch(value):
        return 0, False
    number = int(value)
    if number < MIN_ID or number > MAX_ID:
        raise InvalidArgument(_RANGE_ERROR)
    return number, True


def _exec_user(spec: str, passwd_text: str | None, group_text: str | None) -> ExecUser:
    parts = spec.split(":")
    user_arg = parts[0]
    group_arg = parts[1] if len(parts) > 1 else ""
    uid_arg, is_uid = _parse_numeric(user_arg)
    gid_arg, is_gid = _parse_numeric(group_arg)

    uid, gid = 0, 0
    sgids: tuple[int, ...] = ()
    users = _parse_passwd(passwd_text)
    if user_arg == "":
        matches = [u for u in users if u.uid == 0]
    elif is_uid:
        matches = [u for u in users if u.uid == uid_arg]
    else:
        matches = [u for u in users if u.name == user_arg]

    matched_name = ""
    if matches:
        matched_name, uid, gid = matches[0].name, matches[0].uid, matches[0].gid
    elif user_arg != "":
        if not is_uid:
            raise InvalidArgument(f"unable to find user {user_arg}: no matching entries in passwd file")
        uid = uid_arg

    if group_arg != "" or matched_name != "":
        groups = _parse_group(group_text)
        if group_arg == "":
            sgids = tuple(g.gid for g in groups if matched_name in g.members)
        else:
            if is_gid:
                found = [g for g in groups if g.gid == gid_arg]
            else:
                found = [g for g in groups if g.name == group_arg]
            if found:
                gid = found[0].gid
            elif is_gid:
                gid = gid_arg
            else:
                raise InvalidArgument(f"unable to find group {group_arg}: no matching entries in group file")
    return ExecUser(uid=uid, gid=gid, additional_gids=sgids)


def _additional_groups(names: tuple[str, ...], group_text: str | None) -> tuple[int, ...]:
    """``--group-add`` values to gids, in the order given, without duplicates."""
    groups = _parse_group(group_text)
    gids: list[int] = []
    for name in names:
        gid_arg, is_gid = _parse_numeric(name)
        if is_gid:
            found = [g for g in groups if g.gid == gid_arg]
        else:
            found = [g for g in groups if g.name == name]
        if found:
            gid = found[0].gid
            if gid < MIN_ID or gid > MAX_ID:
                raise InvalidArgument(_RANGE_ERROR)
        elif is_gid:
            gid = gid_arg
        else:
            raise InvalidArgument(f"unable to find group {name}: no matching entries in group file")
        if gid not in gids:
            gids.append(gid)
    return tuple(gids)
