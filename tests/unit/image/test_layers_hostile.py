"""Hostile layer tarballs: nothing may be written, linked, deleted or chmod-ed outside the target.

Every test unpacks into ``<tmp>/jail/target`` next to ``<tmp>/outside/secret`` and checks, in the
test and again in the fixture's teardown, that the tmp tree outside the target is byte-for-byte,
mode-for-mode what it was. Names aimed at the host (``/etc/evil-<token>``) carry a per-run token, so
the host checks cannot be fooled by leftovers. Tests run as root here and in CI.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mocker.errors import InvalidArgument, UnsafeArchiveEntry
from mocker.image import layers

TOKEN = uuid.uuid4().hex[:10]
EVIL = f"evil-{TOKEN}"
HOST_PROBES = (Path("/") / EVIL, Path("/etc") / EVIL, Path("/tmp") / EVIL, Path("/dev") / EVIL)


# -- the jail -------------------------------------------------------------------------------------


def fingerprint(root: Path, *, exclude: Path) -> dict[str, tuple[object, ...]]:
    found: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        if here == exclude:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            path = here / name
            if path == exclude:
                continue
            st = path.lstat()
            content: object = None
            if stat.S_ISREG(st.st_mode):
                content = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(path)
            xattrs = tuple(sorted(os.listxattr(path, follow_symlinks=False)))
            found[str(path.relative_to(root))] = (
                st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_mtime_ns, content, xattrs,
            )
    found["."] = (root.lstat().st_mode, root.lstat().st_nlink)
    return found


def host_state() -> tuple[object, ...]:
    passwd = Path("/etc/passwd").lstat()
    null = Path("/dev/null").lstat()
    return (
        tuple(p.exists() or p.is_symlink() for p in HOST_PROBES),
        passwd.st_nlink, passwd.st_mode, hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest(),
        null.st_mode, null.st_rdev,
        Path("/etc").lstat().st_mode,
    )


@dataclass
class Jail:
    root: Path
    target: Path
    outside: Path
    secret: Path
    before: dict[str, tuple[object, ...]]
    host_before: tuple[object, ...]

    def unpack(self, tar: bytes, mode: layers.UnpackMode = "overlay") -> layers.UnpackResult:
        return layers.unpack_layer(io.BytesIO(tar), self.target, mode=mode)

    def in_target(self, absolute: Path) -> Path:
        """Where an absolute path lands when resolved inside the target."""
        return self.target / str(absolute).lstrip("/")

    def assert_untouched(self) -> None:
        assert fingerprint(self.root, exclude=self.target) == self.before
        assert sorted(os.listdir(self.target.parent)) == ["target"]
        assert host_state() == self.host_before
        assert not any(p.exists() or p.is_symlink() for p in HOST_PROBES)


@pytest.fixture
def jail(tmp_path: Path) -> Iterator[Jail]:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret"
    secret.write_text("secret")
    secret.chmod(0o600)
    target = tmp_path / "jail" / "target"
    target.mkdir(parents=True)
    j = Jail(tmp_path, target, outside, secret, fingerprint(tmp_path, exclude=target), host_state())
    yield j
    j.assert_untouched()


# -- hostile tar building -------------------------------------------------------------------------


def ent(name: str, kind: bytes = tarfile.REGTYPE, **attrs: object) -> tuple[tarfile.TarInfo, bytes]:
    data = attrs.pop("data", b"pwned")
    assert isinstance(data, bytes)
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 1
    for key, value in attrs.items():
        setattr(info, key, value)
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    return info, data


def sym(name: str, to: str | Path) -> tuple[tarfile.TarInfo, bytes]:
    return ent(name, tarfile.SYMTYPE, linkname=str(to))


def hard(name: str, to: str | Path) -> tuple[tarfile.TarInfo, bytes]:
    return ent(name, tarfile.LNKTYPE, linkname=str(to))


def evil_tar(*entries: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


# -- `..` and absolute names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [
        ent(f"../../{EVIL}"),
        ent(f"../{EVIL}"),
        ent(f"a/../../{EVIL}"),
        ent(f"./../{EVIL}"),
        ent(f"a/b/../../../outside/{EVIL}"),
        ent(f"../{EVIL}", tarfile.DIRTYPE),
        sym(f"../{EVIL}", "/etc"),
        hard(f"../{EVIL}", "f"),
        ent(f"../{EVIL}", tarfile.CHRTYPE, devmajor=1, devminor=3),
        ent(f"../{EVIL}", tarfile.FIFOTYPE),
    ],
    ids=["../..", "..", "a/../..", "./..", "deep", "dir", "symlink", "hardlink", "chardev", "fifo"],
)
@pytest.mark.parametrize("mode", ["overlay", "apply"])
def test_dotdot_escape_is_refused(
    jail: Jail, entry: tuple[tarfile.TarInfo, bytes], mode: layers.UnpackMode
) -> None:
    with pytest.raises(UnsafeArchiveEntry, match="unsafe"):
        jail.unpack(evil_tar(ent("f", data=b"f"), entry), mode)
    jail.assert_untouched()


def test_pax_path_header_is_what_counts(jail: Jail) -> None:
    info, data = ent("harmless")
    info.pax_headers = {"path": f"../../{EVIL}"}
    with pytest.raises(UnsafeArchiveEntry):
        jail.unpack(evil_tar((info, data)))
    jail.assert_untouched()


def test_dotdot_that_stays_inside_is_fine(jail: Jail) -> None:
    jail.unpack(evil_tar(ent("a/../b", data=b"b")))
    assert (jail.target / "b").read_bytes() == b"b"
    jail.assert_untouched()


@pytest.mark.parametrize("name", ["/abs/evil", f"/etc/{EVIL}", f"//{EVIL}", f"/./tmp/{EVIL}"])
def test_absolute_names_are_relative_to_the_target(jail: Jail, name: str) -> None:
    jail.unpack(evil_tar(ent(name)))
    assert jail.in_target(Path(os.path.normpath(name))).read_bytes() == b"pwned"
    jail.assert_untouched()


def test_non_directory_entry_for_the_root_is_refused(jail: Jail) -> None:
    with pytest.raises(UnsafeArchiveEntry):
        jail.unpack(evil_tar(ent(".", data=b"x")))
    assert jail.target.is_dir()
    jail.assert_untouched()


# -- symlinks in parents resolve inside the target ------------------------------------------------


def test_symlink_to_root_then_write_through_it(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", "/"), ent(f"s/etc/{EVIL}")))
    assert (jail.target / "etc" / EVIL).read_bytes() == b"pwned"
    assert os.readlink(jail.target / "s") == "/"  # the link itself is stored as it was
    jail.assert_untouched()


def test_relative_symlink_climbing_out_then_write_through_it(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", "../../.."), ent(f"s/{EVIL}")))
    assert (jail.target / EVIL).read_bytes() == b"pwned"
    jail.assert_untouched()


def test_nested_symlink_with_many_dotdots(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("a/b/c/s", "../../../../../../../../etc"), ent(f"a/b/c/s/{EVIL}")))
    assert (jail.target / "etc" / EVIL).read_bytes() == b"pwned"
    jail.assert_untouched()


def test_symlink_to_an_absolute_host_dir_then_overwrite_a_file_there(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.outside), ent("s/secret")))
    assert jail.in_target(jail.secret).read_bytes() == b"pwned"
    assert jail.secret.read_text() == "secret"
    jail.assert_untouched()


def test_symlink_chain_out_of_the_target(jail: Jail) -> None:
    tar = evil_tar(
        sym("a", "b"),
        sym("b", "c/../../../.."),
        sym("c", "/x/y"),
        sym("d", "a/../a"),
        sym("e", jail.outside),
        sym("f", "e"),
        ent(f"a/{EVIL}", data=b"1"),
        ent("d/secret", data=b"2"),
        ent("f/secret", data=b"3"),
    )
    jail.unpack(tar)
    # b → c/../../../.. : c resolves to <target>/x/y, and the ..s stop at the target root.
    assert (jail.target / EVIL).read_bytes() == b"1"
    assert (jail.target / "secret").read_bytes() == b"2"
    assert jail.in_target(jail.secret).read_bytes() == b"3"
    jail.assert_untouched()


def test_symlink_loop_is_refused(jail: Jail) -> None:
    with pytest.raises(InvalidArgument, match="symbolic links"):
        jail.unpack(evil_tar(sym("l1", "l2"), sym("l2", "l1"), ent("l1/x")))
    jail.assert_untouched()


def test_directory_replaced_by_symlink_then_written_through(jail: Jail) -> None:
    tar = evil_tar(
        ent("d", tarfile.DIRTYPE),
        ent("d/f", data=b"f"),
        sym("d", jail.outside),  # replaces the directory
        ent("d/secret"),
        ent("d", tarfile.DIRTYPE, mode=0o777),  # and back: must not chmod the outside dir
    )
    jail.unpack(tar)
    assert jail.in_target(jail.secret).read_bytes() == b"pwned"
    assert (jail.target / "d").is_dir() and not (jail.target / "d").is_symlink()
    jail.assert_untouched()


def test_file_entry_over_a_planted_symlink_replaces_the_link(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.secret), ent("s", mode=0o777)))
    assert not (jail.target / "s").is_symlink() and (jail.target / "s").read_bytes() == b"pwned"
    jail.assert_untouched()


def test_directory_entry_over_a_planted_symlink_does_not_chmod_its_target(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.outside), ent("s", tarfile.DIRTYPE, mode=0o777, uid=1234)))
    assert (jail.target / "s").is_dir() and not (jail.target / "s").is_symlink()
    jail.assert_untouched()


def test_symlink_to_a_file_is_not_a_directory(jail: Jail) -> None:
    with pytest.raises(InvalidArgument, match="not a directory"):
        jail.unpack(evil_tar(ent("f"), sym("s", "/f"), ent("s/x")))
    jail.assert_untouched()


def test_symlink_entries_keep_any_target_text(jail: Jail) -> None:
    tar = evil_tar(sym("etc-link", "/etc"), sym("up", "../../../../"), sym("p", "/etc/passwd"))
    result = jail.unpack(tar)
    assert result.symlinks == 3
    assert os.readlink(jail.target / "etc-link") == "/etc"
    assert os.readlink(jail.target / "up") == "../../../../"
    jail.assert_untouched()


# -- hardlinks ------------------------------------------------------------------------------------


def test_hardlink_to_host_etc_passwd_stays_inside(jail: Jail) -> None:
    with pytest.raises(InvalidArgument, match="hardlink target"):
        jail.unpack(evil_tar(hard("pw", "/etc/passwd")))
    jail.assert_untouched()


def test_hardlink_to_absolute_name_links_the_layers_own_file(jail: Jail) -> None:
    jail.unpack(evil_tar(ent("etc/passwd", data=b"root::0:0"), hard("pw", "/etc/passwd")))
    assert (jail.target / "pw").stat().st_ino == (jail.target / "etc/passwd").stat().st_ino
    jail.assert_untouched()


@pytest.mark.parametrize("linkname", ["../outside/secret", "../../outside/secret", "a/../../secret", ".."])
def test_hardlink_climbing_out_is_refused(jail: Jail, linkname: str) -> None:
    with pytest.raises(UnsafeArchiveEntry, match="unsafe hardlink"):
        jail.unpack(evil_tar(hard("h", linkname)))
    jail.assert_untouched()


def test_hardlink_to_an_absolute_host_path_stays_inside(jail: Jail) -> None:
    with pytest.raises(InvalidArgument, match="hardlink target"):
        jail.unpack(evil_tar(hard("h", jail.secret)))
    jail.assert_untouched()


def test_hardlink_through_a_symlinked_parent_stays_inside(jail: Jail) -> None:
    with pytest.raises(InvalidArgument, match="hardlink target"):
        jail.unpack(evil_tar(sym("s", jail.outside), hard("h", "s/secret")))
    jail.assert_untouched()


def test_hardlink_to_a_symlink_then_write_to_it(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.secret), hard("h", "s"), ent("h", data=b"overwritten")))
    assert (jail.target / "h").read_bytes() == b"overwritten"
    assert os.readlink(jail.target / "s") == str(jail.secret)
    jail.assert_untouched()


def test_hardlink_named_through_a_symlinked_parent(jail: Jail) -> None:
    jail.unpack(evil_tar(ent("f", data=b"f"), sym("s", jail.outside), hard("s/h", "f")))
    assert jail.in_target(jail.outside / "h").stat().st_ino == (jail.target / "f").stat().st_ino
    jail.assert_untouched()


def test_hardlink_to_a_directory_is_refused(jail: Jail) -> None:
    with pytest.raises(InvalidArgument, match="directory"):
        jail.unpack(evil_tar(ent("d", tarfile.DIRTYPE), hard("h", "d")))
    jail.assert_untouched()


# -- whiteouts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../.wh.secret", "a/../../.wh.x", ".wh...", "d/.wh..", ".wh.", "../.wh..wh..opq"]
)
@pytest.mark.parametrize("mode", ["overlay", "apply"])
def test_escaping_whiteouts_are_refused(jail: Jail, name: str, mode: layers.UnpackMode) -> None:
    with pytest.raises(UnsafeArchiveEntry):
        jail.unpack(evil_tar(ent("d/keep", data=b"k"), ent(name)), mode)
    jail.assert_untouched()


def test_apply_mode_whiteout_through_a_symlink_does_not_delete_outside(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.outside), ent("s/.wh.secret"), sym("t", ".."), ent("t/.wh.outside")),
                "apply")
    assert jail.secret.exists()
    jail.assert_untouched()


def test_overlay_mode_whiteout_through_a_symlink_lands_inside(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.outside), ent("s/.wh.secret")))
    st = jail.in_target(jail.secret).lstat()
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    jail.assert_untouched()


@pytest.mark.parametrize("mode", ["overlay", "apply"])
def test_opaque_through_a_symlink_stays_inside(jail: Jail, mode: layers.UnpackMode) -> None:
    jail.unpack(evil_tar(sym("s", jail.outside), ent("s/.wh..wh..opq"), sym("r", "/"), ent("r/.wh..wh..opq")),
                mode)
    jail.assert_untouched()


def test_apply_mode_whiteout_of_a_symlink_removes_the_link_only(jail: Jail) -> None:
    jail.unpack(evil_tar(sym("s", jail.outside)), "apply")
    jail.unpack(evil_tar(ent(".wh.s")), "apply")
    assert not (jail.target / "s").is_symlink()
    jail.assert_untouched()


# -- device nodes ---------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_device_node_through_a_symlink_to_dev_stays_inside(jail: Jail) -> None:
    jail.unpack(evil_tar(
        sym("s", "/dev"),
        ent(f"s/{EVIL}", tarfile.BLKTYPE, devmajor=7, devminor=0),
        ent("s/null", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o777),
    ))
    st = (jail.target / "dev" / EVIL).lstat()
    assert stat.S_ISBLK(st.st_mode) and st.st_rdev == os.makedev(7, 0)
    jail.assert_untouched()


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_file_entry_over_a_device_node_replaces_it_and_never_opens_it(jail: Jail) -> None:
    # If the file entry opened the existing node, it would write into the host's /dev/null (1,3).
    result = jail.unpack(evil_tar(
        ent("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3),
        ent("dev/null", data=b"not a device"),
    ))
    assert result.devices == 1 and result.files == 1
    node = jail.target / "dev/null"
    assert stat.S_ISREG(node.lstat().st_mode) and node.read_bytes() == b"not a device"
    jail.assert_untouched()
