"""--user / --group-add resolution against a rootfs, with moby/sys/user's rules and messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mocker.errors import InvalidArgument
from mocker.runtime.linux.users import read_file_in_root, resolve_user

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
app:x:1000:1000::/home/app:/bin/sh
dup:x:1001:1001::/:/bin/sh
dup:x:1002:1002::/:/bin/sh

broken:x:notanumber:alsonot
"""

GROUP = """\
# comment lines are skipped in group files
root:x:0:root
wheel:x:10:root,app
www-data:x:33:
app:x:1000:
audio:x:29:app,www-data
staff:x:50:
"""


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)
    return root


# user spec, group_add, (uid, gid, additionalGids) — additionalGids start with the gid, as moby's getUser.
CASES = [
    ("", (), (0, 0, (0, 0, 10))),
    ("root", (), (0, 0, (0, 0, 10))),
    ("0", (), (0, 0, (0, 0, 10))),
    ("app", (), (1000, 1000, (1000, 10, 29))),
    ("1000", (), (1000, 1000, (1000, 10, 29))),
    ("www-data", (), (33, 33, (33, 29))),
    ("app:staff", (), (1000, 50, (50,))),
    ("app:50", (), (1000, 50, (50,))),
    ("app:4242", (), (1000, 4242, (4242,))),
    ("1000:1000", (), (1000, 1000, (1000,))),
    ("4242", (), (4242, 0, (0,))),
    ("4242:4343", (), (4242, 4343, (4343,))),
    ("dup", (), (1001, 1001, (1001,))),  # first match wins
    ("broken", (), (0, 0, (0,))),  # bad numbers parse as 0, as Go's ignored Atoi error
    ("app", ("staff", "4242", "audio", "staff"), (1000, 1000, (1000, 10, 29, 50, 4242, 29))),
    ("", ("wheel",), (0, 0, (0, 0, 10, 10))),
    ("daemon:1:ignored", (), (1, 1, (1,))),  # fields after the group are ignored
]


@pytest.mark.parametrize(("user", "group_add", "expected"), CASES)
def test_resolve_user(rootfs: Path, user: str, group_add: tuple[str, ...], expected: tuple) -> None:
    assert resolve_user(str(rootfs), user, group_add) == expected


ERRORS = [
    ("nosuch", (), "unable to find user nosuch: no matching entries in passwd file"),
    ("app:nosuch", (), "unable to find group nosuch: no matching entries in group file"),
    ("app", ("nosuch",), "unable to find group nosuch: no matching entries in group file"),
    ("2147483648", (), "uids and gids must be in range 0-2147483647"),
    ("-1", (), "uids and gids must be in range 0-2147483647"),
    ("app:99999999999", (), "uids and gids must be in range 0-2147483647"),
]


@pytest.mark.parametrize(("user", "group_add", "message"), ERRORS)
def test_resolve_user_errors_use_runc_words(rootfs: Path, user: str, group_add: tuple[str, ...], message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        resolve_user(str(rootfs), user, group_add)
    assert str(info.value) == message


def test_without_passwd_and_group_numeric_ids_still_work(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert resolve_user(str(empty), "", ()) == (0, 0, (0,))
    assert resolve_user(str(empty), "1000:1000", ("5",)) == (1000, 1000, (1000, 5))
    with pytest.raises(InvalidArgument, match="unable to find user app: no matching entries in passwd file"):
        resolve_user(str(empty), "app", ())


def test_absolute_symlink_is_resolved_inside_the_rootfs(tmp_path: Path, rootfs: Path) -> None:
    # /etc/passwd -> /real/passwd must mean <rootfs>/real/passwd, never the host's /real/passwd.
    (rootfs / "real").mkdir()
    (rootfs / "real" / "passwd").write_text("inside:x:777:777::/:/bin/sh\n")
    (rootfs / "etc" / "passwd").unlink()
    (rootfs / "etc" / "passwd").symlink_to("/real/passwd")
    assert resolve_user(str(rootfs), "inside", ())[:2] == (777, 777)


def test_symlinks_cannot_escape_the_rootfs(tmp_path: Path) -> None:
    host_secret = tmp_path / "secret"
    host_secret.write_text("escaped:x:666:666::/:/bin/sh\n")
    for target in (str(host_secret), "../../secret", "../../../../../../../../" + str(host_secret)):
        root = tmp_path / f"r{abs(hash(target))}"
        (root / "etc").mkdir(parents=True)
        (root / "etc" / "passwd").symlink_to(target)
        with pytest.raises(InvalidArgument, match="unable to find user escaped"):
            resolve_user(str(root), "escaped", ())


def test_symlinked_directory_and_dotdot_are_clamped_to_the_root(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "usr" / "lib").mkdir(parents=True)
    (root / "usr" / "lib" / "passwd").write_text("viadir:x:5:6::/:/bin/sh\n")
    (root / "etc").symlink_to("/../../usr/lib")  # ".." above / stays at /
    assert resolve_user(str(root), "viadir", ())[:2] == (5, 6)


def test_symlink_loop_and_non_regular_files_count_as_missing(tmp_path: Path) -> None:
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").symlink_to("passwd")  # loops on itself
    os.mkfifo(root / "etc" / "group")  # would block a naive open()
    assert read_file_in_root(str(root), "/etc/passwd") is None
    assert read_file_in_root(str(root), "/etc/group") is None
    assert resolve_user(str(root), "0:0", ()) == (0, 0, (0,))
    assert read_file_in_root(str(tmp_path / "missing"), "/etc/passwd") is None
    assert read_file_in_root(str(root), "/") is None
    assert read_file_in_root(str(root), "/etc") is None
