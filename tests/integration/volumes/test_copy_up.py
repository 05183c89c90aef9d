"""copy_up: image content copied into a new, empty volume, as Docker does (needs root for ownership)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from mocker.engine import volumes as engine

pytestmark = pytest.mark.root

MTIME = 1_600_000_000


@pytest.fixture
def rootfs(tmp_path):
    """An image root filesystem with the awkward cases: owners, modes, xattrs, links, devices, escapes."""
    root = tmp_path / "rootfs"
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    (data / "empty").mkdir()
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_text("image passwd\n")
    (root / "run" / "app").mkdir(parents=True)
    (root / "run" / "app" / "pid").write_text("1\n")
    (root / "var").mkdir()
    (root / "var" / "run").symlink_to("../run")
    (root / "abs").symlink_to("/data")
    (root / "escape").symlink_to("../../../../../../etc")
    (root / "etclink").symlink_to("/etc")
    (root / "loop1").symlink_to("loop2")
    (root / "loop2").symlink_to("loop1")
    (root / "afile").write_text("not a dir")

    f = data / "file.txt"
    f.write_text("hello\n")
    os.setxattr(f, "user.note", b"kept")
    os.chown(f, 1000, 1001)
    os.chmod(f, 0o640)
    suid = data / "suid"
    suid.write_bytes(b"\x7fELF")
    os.chown(suid, 0, 0)
    os.chmod(suid, 0o4755)
    (data / "sub" / "nested.txt").write_text("nested\n")
    os.chown(data / "sub", 1002, 1002)
    os.chmod(data / "sub", 0o700)
    (data / "link-rel").symlink_to("file.txt")
    (data / "link-abs").symlink_to("/etc/passwd")
    os.lchown(data / "link-abs", 1000, 1000)
    (data / "hard1").write_text("same inode\n")
    os.link(data / "hard1", data / "hard2")
    os.mkfifo(data / "fifo")
    os.chmod(data / "fifo", 0o620)
    os.mknod(data / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    big = data / "big.bin"
    big.write_bytes(os.urandom(3 << 20))
    os.chown(data, 1000, 1001)
    os.chmod(data, 0o750)
    for p in sorted(data.rglob("*"), reverse=True) + [data]:
        os.utime(p, (MTIME, MTIME), follow_symlinks=False)
    return root


@pytest.fixture
def volume(store):
    return engine.ensure_named(store, "vol").mountpoint


def test_copy_up_keeps_content_owners_modes_xattrs_times_and_links(rootfs, volume):
    assert engine.copy_up(str(rootfs), "/data", volume) is True
    src, dst = rootfs / "data", volume
    assert sorted(os.listdir(dst)) == sorted(os.listdir(src))
    top = os.stat(dst)
    assert (stat.S_IMODE(top.st_mode), top.st_uid, top.st_gid, top.st_mtime) == (0o750, 1000, 1001, MTIME)

    f = os.stat(os.path.join(dst, "file.txt"))
    assert (stat.S_IMODE(f.st_mode), f.st_uid, f.st_gid, f.st_mtime) == (0o640, 1000, 1001, MTIME)
    assert open(os.path.join(dst, "file.txt")).read() == "hello\n"
    assert os.getxattr(os.path.join(dst, "file.txt"), "user.note") == b"kept"
    assert stat.S_IMODE(os.stat(os.path.join(dst, "suid")).st_mode) == 0o4755
    sub = os.stat(os.path.join(dst, "sub"))
    assert (stat.S_IMODE(sub.st_mode), sub.st_uid) == (0o700, 1002)
    assert open(os.path.join(dst, "sub", "nested.txt")).read() == "nested\n"
    assert open(os.path.join(dst, "big.bin"), "rb").read() == (src / "big.bin").read_bytes()

    assert os.readlink(os.path.join(dst, "link-rel")) == "file.txt"
    assert os.readlink(os.path.join(dst, "link-abs")) == "/etc/passwd"  # copied as a link, never followed
    assert os.lstat(os.path.join(dst, "link-abs")).st_uid == 1000
    h1, h2 = os.stat(os.path.join(dst, "hard1")), os.stat(os.path.join(dst, "hard2"))
    assert h1.st_ino == h2.st_ino and h1.st_nlink == 2
    fifo = os.lstat(os.path.join(dst, "fifo"))
    assert stat.S_ISFIFO(fifo.st_mode) and stat.S_IMODE(fifo.st_mode) == 0o620
    null = os.lstat(os.path.join(dst, "null"))
    assert stat.S_ISCHR(null.st_mode) and null.st_rdev == os.makedev(1, 3)
    assert os.listdir(os.path.join(dst, "empty")) == []


def test_copy_up_only_into_an_empty_volume(rootfs, volume):
    with open(os.path.join(volume, "mine"), "w") as f:
        f.write("user data")
    assert engine.copy_up(str(rootfs), "/data", volume) is False
    assert os.listdir(volume) == ["mine"]


@pytest.mark.parametrize(("path", "expect"), [
    ("/var/run/app", ["pid"]),        # relative symlink inside the image
    ("/abs", None),                   # absolute symlink: resolved inside the rootfs -> /data
    ("/escape", ["passwd"]),          # ../../.. stops at the rootfs: the image's /etc, not the host's
    ("/etclink", ["passwd"]),         # /etc of the image
    ("/data/../../../etc", ["passwd"]),
])
def test_copy_up_resolves_symlinks_inside_the_image(rootfs, volume, path, expect):
    assert engine.copy_up(str(rootfs), path, volume) is True
    if expect is None:
        assert "file.txt" in os.listdir(volume)
    else:
        assert sorted(os.listdir(volume)) == expect
        if expect == ["passwd"]:
            assert open(os.path.join(volume, "passwd")).read() == "image passwd\n"


@pytest.mark.parametrize("path", ["/nonexistent", "/afile", "/data/file.txt", "/data/link-abs"])
def test_copy_up_copies_nothing_for_missing_paths_and_files(rootfs, volume, path):
    assert engine.copy_up(str(rootfs), path, volume) is False
    assert os.listdir(volume) == []


def test_copy_up_symlink_loop_is_an_error(rootfs, volume):
    with pytest.raises(OSError) as e:
        engine.copy_up(str(rootfs), "/loop1", volume)
    assert e.value.errno == errno.ELOOP


def test_copy_up_into_a_mounted_tmpfs_volume(cli, store, add_container, rootfs):
    cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "tv")
    cid = add_container()
    engine.attach(store.db, cid, "tv", "/data")
    path = engine.mount(store, "tv", cid)
    try:
        assert engine.copy_up(str(rootfs), "/data", path) is True
        assert open(os.path.join(path, "sub", "nested.txt")).read() == "nested\n"
        assert os.stat(path).st_uid == 1000
    finally:
        engine.unmount(store, "tv", cid)
