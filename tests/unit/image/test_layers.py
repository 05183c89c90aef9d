"""Layer tars: compression sniffing, unpack in overlay/apply mode, reproducible create, upper-dir diff."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import stat
import tarfile
from pathlib import Path

import pytest
import zstandard

from mocker.errors import InvalidArgument, StoreError
from mocker.image import layers
from mocker.image.layers import Change, ChangeKind, Compression

EMPTY_LAYER_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
# VFS_CAP_REVISION_2 with cap_net_raw in permitted, effective bit set.
CAP_NET_RAW = bytes.fromhex("01000002" "00200000" "00000000" "00000000" "00000000")

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (mknod, chown, trusted xattrs)")


# -- building tarballs --------------------------------------------------------------------------


def entry(name: str, kind: bytes = tarfile.REGTYPE, **attrs: object) -> tuple[tarfile.TarInfo, bytes]:
    data = attrs.pop("data", b"")
    assert isinstance(data, bytes)
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 1_000_000
    for key, value in attrs.items():
        setattr(info, key, value)
    if kind == tarfile.REGTYPE:
        info.size = len(data)
    return info, data


def make_tar(*entries: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def unpack(tar_bytes: bytes, target: Path, mode: layers.UnpackMode = "overlay") -> layers.UnpackResult:
    return layers.unpack_layer(io.BytesIO(tar_bytes), target, mode=mode)


def is_overlay_whiteout(path: Path) -> bool:
    st = path.lstat()
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


# -- open_layer -----------------------------------------------------------------------------------

PLAIN = make_tar(entry("hello", data=b"hi\n"))


@pytest.mark.parametrize(
    ("blob", "media_type"),
    [
        (PLAIN, layers.MEDIA_TYPE_OCI_LAYER),
        (gzip.compress(PLAIN), layers.MEDIA_TYPE_OCI_LAYER_GZIP),
        (zstandard.ZstdCompressor().compress(PLAIN), layers.MEDIA_TYPE_OCI_LAYER_ZSTD),
        (gzip.compress(PLAIN), layers.MEDIA_TYPE_DOCKER_LAYER_GZIP),
        (gzip.compress(PLAIN), layers.MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP),
        (gzip.compress(PLAIN), "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
        (bz2.compress(PLAIN), None),
        (lzma.compress(PLAIN), None),
        (PLAIN, None),
    ],
)
def test_open_layer_decompresses_by_magic_bytes(blob: bytes, media_type: str | None) -> None:
    with layers.open_layer(io.BytesIO(blob), media_type) as stream:
        assert stream.read() == PLAIN


def test_open_layer_trusts_magic_over_a_wrong_media_type() -> None:
    with layers.open_layer(io.BytesIO(PLAIN), layers.MEDIA_TYPE_OCI_LAYER_ZSTD) as stream:
        assert stream.read() == PLAIN


def test_open_layer_reads_multi_frame_zstd() -> None:
    half = len(PLAIN) // 2
    cctx = zstandard.ZstdCompressor()
    blob = cctx.compress(PLAIN[:half]) + cctx.compress(PLAIN[half:])
    with layers.open_layer(io.BytesIO(blob), None) as stream:
        assert stream.read() == PLAIN


def test_open_layer_skips_zstd_skippable_frames() -> None:
    skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"meta!"
    blob = skippable + ZSTD_PLAIN + zstandard.ZstdCompressor(level=19).compress(b"")
    with layers.open_layer(io.BytesIO(blob), None) as stream:
        assert stream.read() == PLAIN


def test_open_layer_opens_and_closes_a_path(tmp_path: Path) -> None:
    blob = tmp_path / "blob"
    blob.write_bytes(gzip.compress(PLAIN))
    stream = layers.open_layer(blob, None)
    assert stream.read() == PLAIN
    stream.close()


@pytest.mark.parametrize(
    "media_type",
    ["application/vnd.oci.image.config.v1+json", "application/vnd.oci.image.layer.v1.tar+encrypted"],
)
def test_open_layer_refuses_non_layer_media_types(media_type: str) -> None:
    with pytest.raises(InvalidArgument, match="unsupported layer media type"):
        layers.open_layer(io.BytesIO(PLAIN), media_type)


ZSTD_PLAIN = zstandard.ZstdCompressor(write_checksum=True).compress(PLAIN)


@pytest.mark.parametrize(
    "blob",
    [
        gzip.compress(PLAIN)[:-20],
        bz2.compress(PLAIN)[:-20],
        lzma.compress(PLAIN)[:-20],
        ZSTD_PLAIN[:-5] + b"junk",
        ZSTD_PLAIN[:-2],  # python-zstandard alone would end quietly here
        ZSTD_PLAIN[:12],
        ZSTD_PLAIN + b"junk",
    ],
    ids=["gzip", "bzip2", "xz", "zstd-junk", "zstd-cut", "zstd-header-only", "zstd-trailing-junk"],
)
def test_damaged_compressed_layer_raises_invalid_argument(tmp_path: Path, blob: bytes) -> None:
    with pytest.raises(InvalidArgument), layers.open_layer(io.BytesIO(blob), None) as stream:
        layers.unpack_layer(stream, tmp_path / "t")


def test_media_type_compression_table() -> None:
    assert layers.compression_of_media_type(layers.MEDIA_TYPE_DOCKER_LAYER_GZIP) is Compression.GZIP
    assert layers.compression_of_media_type(layers.MEDIA_TYPE_OCI_LAYER_ZSTD) is Compression.ZSTD
    assert layers.compression_of_media_type(layers.MEDIA_TYPE_OCI_LAYER) is Compression.NONE
    assert layers.detect_compression(b"\x1f\x8b\x08") is Compression.GZIP
    assert layers.detect_compression(b"\x28\xb5\x2f\xfd") is Compression.ZSTD
    assert layers.detect_compression(b"ustar") is Compression.NONE


# -- unpack: entry types --------------------------------------------------------------------------


@needs_root
def test_unpack_creates_every_entry_type_with_metadata(tmp_path: Path) -> None:
    target = tmp_path / "t"
    tar = make_tar(
        entry("bin", tarfile.DIRTYPE, mode=0o755, mtime=1111),
        entry("bin/ping", data=b"\x7fELF", mode=0o4755, uid=0, gid=0, pax_headers={
            "SCHILY.xattr.security.capability": CAP_NET_RAW.decode("utf-8", "surrogateescape"),
        }),
        entry("bin/ping6", tarfile.LNKTYPE, linkname="bin/ping", mode=0o4755),
        entry("bin/sh", tarfile.SYMTYPE, linkname="/bin/busybox", uid=7, gid=8, mtime=2222),
        entry("tmp", tarfile.DIRTYPE, mode=0o1777),
        entry("home/user/notes", data=b"x" * 5000, uid=1000, gid=1001, mode=0o600, mtime=3333,
              pax_headers={"SCHILY.xattr.user.comment": "hello"}),
        entry("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666),
        entry("dev/loop0", tarfile.BLKTYPE, devmajor=7, devminor=0, mode=0o660, gid=6),
        entry("run/pipe", tarfile.FIFOTYPE, mode=0o620),
    )
    result = unpack(tar, target)

    assert (result.files, result.dirs, result.symlinks, result.hardlinks) == (2, 2, 1, 1)
    assert (result.devices, result.fifos, result.skipped, result.warnings) == (2, 1, 0, ())
    ping = (target / "bin/ping").lstat()
    assert stat.S_IMODE(ping.st_mode) == 0o4755
    assert (target / "bin/ping").read_bytes() == b"\x7fELF"
    assert os.getxattr(target / "bin/ping", "security.capability") == CAP_NET_RAW
    assert (target / "bin/ping6").lstat().st_ino == ping.st_ino
    assert os.readlink(target / "bin/sh") == "/bin/busybox"
    sh = (target / "bin/sh").lstat()
    assert (sh.st_uid, sh.st_gid, int(sh.st_mtime)) == (7, 8, 2222)
    assert stat.S_IMODE((target / "tmp").stat().st_mode) == 0o1777
    notes = (target / "home/user/notes").stat()
    assert (notes.st_uid, notes.st_gid, stat.S_IMODE(notes.st_mode)) == (1000, 1001, 0o600)
    assert (notes.st_size, int(notes.st_mtime)) == (5000, 3333)
    assert os.getxattr(target / "home/user/notes", "user.comment") == b"hello"
    assert stat.S_IMODE((target / "home").stat().st_mode) == 0o755  # implied parent, 0755 as Docker
    null = (target / "dev/null").lstat()
    assert stat.S_ISCHR(null.st_mode) and os.major(null.st_rdev) == 1 and os.minor(null.st_rdev) == 3
    loop = (target / "dev/loop0").lstat()
    assert stat.S_ISBLK(loop.st_mode) and loop.st_gid == 6 and stat.S_IMODE(loop.st_mode) == 0o660
    assert stat.S_ISFIFO((target / "run/pipe").lstat().st_mode)
    # Directory mtimes are set last, after their children were created.
    assert int((target / "bin").stat().st_mtime) == 1111


def test_unpack_reports_diff_id_and_size_of_the_whole_stream(tmp_path: Path) -> None:
    tar = make_tar(entry("a", data=b"a"), entry("d", tarfile.DIRTYPE)) + b"\0" * 4096  # trailing padding
    result = unpack(tar, tmp_path / "t")
    assert result.diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()
    assert result.size == len(tar)


def test_unpack_reads_the_stream_to_eof(tmp_path: Path) -> None:
    stream = io.BytesIO(make_tar(entry("a")) + b"\0" * 100_000)
    layers.unpack_layer(stream, tmp_path / "t")
    assert stream.read() == b""


def test_empty_stream_is_an_empty_layer(tmp_path: Path) -> None:
    result = unpack(b"", tmp_path / "t")
    assert result.size == 0 and result.files == 0
    assert unpack(b"\0" * 1024, tmp_path / "u").diff_id == EMPTY_LAYER_DIFF_ID


def test_garbage_is_not_a_layer(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="invalid layer tar"):
        unpack(b"this is not a tar archive" * 40, tmp_path / "t")


def test_truncated_file_data_raises(tmp_path: Path) -> None:
    tar = make_tar(entry("big", data=b"z" * 10_000))
    with pytest.raises(InvalidArgument):
        unpack(tar[:4096], tmp_path / "t")


def test_later_entries_replace_earlier_ones_and_dirs_merge(tmp_path: Path) -> None:
    target = tmp_path / "t"
    tar = make_tar(
        entry("d", tarfile.DIRTYPE),
        entry("d/keep", data=b"k"),
        entry("d", tarfile.DIRTYPE, mode=0o700),  # merges: keeps d/keep
        entry("x", data=b"file"),
        entry("x", tarfile.DIRTYPE),  # a file replaced by a directory
        entry("y", tarfile.DIRTYPE),
        entry("y/child", data=b"c"),
        entry("y", data=b"now a file"),  # a directory replaced by a file
        entry("z", tarfile.SYMTYPE, linkname="x"),
        entry("z", data=b"not through the link"),
    )
    unpack(tar, target)
    assert (target / "d/keep").read_bytes() == b"k"
    assert stat.S_IMODE((target / "d").stat().st_mode) == 0o700
    assert (target / "x").is_dir()
    assert (target / "y").read_bytes() == b"now a file"
    assert not (target / "z").is_symlink() and (target / "z").read_bytes() == b"not through the link"


def test_root_entry_sets_the_target_metadata(tmp_path: Path) -> None:
    target = tmp_path / "t"
    unpack(make_tar(entry(".", tarfile.DIRTYPE, mode=0o711, mtime=4444), entry("f")), target)
    st = target.stat()
    assert stat.S_IMODE(st.st_mode) == 0o711 and int(st.st_mtime) == 4444


def test_hardlink_to_missing_target_fails(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="hardlink target"):
        unpack(make_tar(entry("h", tarfile.LNKTYPE, linkname="nowhere")), tmp_path / "t")


def test_hardlink_to_a_symlink_links_the_symlink(tmp_path: Path) -> None:
    target = tmp_path / "t"
    unpack(make_tar(entry("s", tarfile.SYMTYPE, linkname="f"), entry("f", data=b"1"),
                    entry("h", tarfile.LNKTYPE, linkname="s")), target)
    assert (target / "h").is_symlink() and (target / "h").lstat().st_ino == (target / "s").lstat().st_ino


@needs_root
def test_device_nodes_are_skipped_with_a_warning_without_cap_mknod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_mknod(*args: object, **kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "mknod", no_mknod)
    result = unpack(make_tar(entry("dev/sda", tarfile.BLKTYPE, devmajor=8), entry("f")), tmp_path / "t")
    assert result.skipped == 1 and result.devices == 0 and result.files == 1
    assert "dev/sda" in result.warnings[0]
    assert not (tmp_path / "t/dev/sda").exists()


@needs_root
def test_overlay_xattrs_in_the_tar_are_not_applied(tmp_path: Path) -> None:
    tar = make_tar(entry("d", tarfile.DIRTYPE, pax_headers={"SCHILY.xattr.trusted.overlay.redirect": "/etc"}))
    result = unpack(tar, tmp_path / "t")
    assert "trusted.overlay.redirect" not in os.listxattr(tmp_path / "t/d")
    assert any("trusted.overlay.redirect" in w for w in result.warnings)


def test_unpack_without_owner_keeps_the_caller_as_owner(tmp_path: Path) -> None:
    target = tmp_path / "t"
    layers.unpack_layer(io.BytesIO(make_tar(entry("f", uid=4321, gid=4321))), target, preserve_owner=False)
    assert (target / "f").stat().st_uid == os.geteuid()


# -- whiteouts ------------------------------------------------------------------------------------

WHITEOUT_TAR = make_tar(
    entry("etc", tarfile.DIRTYPE),
    entry("etc/.wh.motd"),
    entry("var/.wh.cache"),
    entry("opt", tarfile.DIRTYPE),
    entry("opt/.wh..wh..opq"),
    entry("opt/new", data=b"new"),
)


@needs_root
def test_overlay_mode_represents_whiteouts_as_overlayfs_does(tmp_path: Path) -> None:
    target = tmp_path / "layer"
    result = unpack(WHITEOUT_TAR, target, mode="overlay")
    assert (result.whiteouts, result.opaques) == (2, 1)
    assert is_overlay_whiteout(target / "etc/motd")
    assert is_overlay_whiteout(target / "var/cache")
    assert not (target / "etc/.wh.motd").exists()
    assert os.getxattr(target / "opt", layers.OVERLAY_OPAQUE_XATTR) == b"y"
    assert not (target / "opt" / layers.WHITEOUT_OPAQUE).exists()
    assert (target / "opt/new").read_bytes() == b"new"


def test_apply_mode_deletes_what_whiteouts_name(tmp_path: Path) -> None:
    target = tmp_path / "rootfs"
    unpack(make_tar(
        entry("etc/motd", data=b"hi"),
        entry("etc/hostname", data=b"h"),
        entry("var/cache/apt/pkg", data=b"p"),
        entry("opt/old", data=b"o"),
        entry("opt/sub/older", data=b"o"),
    ), target, mode="apply")
    result = unpack(WHITEOUT_TAR, target, mode="apply")
    assert (result.whiteouts, result.opaques) == (2, 1)
    assert not (target / "etc/motd").exists() and (target / "etc/hostname").exists()
    assert not (target / "var/cache").exists() and (target / "var").is_dir()
    assert sorted(p.name for p in (target / "opt").iterdir()) == ["new"]
    assert not any(p.name.startswith(".wh.") for p in target.rglob("*"))


def test_apply_mode_opaque_spares_entries_of_the_same_layer(tmp_path: Path) -> None:
    target = tmp_path / "rootfs"
    unpack(make_tar(entry("d/lower", data=b"l"), entry("d/sub/lower", data=b"l")), target, mode="apply")
    unpack(make_tar(entry("d/sub/mine", data=b"m"), entry("d/.wh..wh..opq")), target, mode="apply")
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == ["d", "d/sub", "d/sub/mine"]


def test_apply_mode_whiteout_of_something_missing_is_fine(tmp_path: Path) -> None:
    target = tmp_path / "rootfs"
    result = unpack(make_tar(entry("nothere/.wh.x"), entry(".wh.y")), target, mode="apply")
    assert result.whiteouts == 2 and list(target.iterdir()) == []


# -- create_layer ---------------------------------------------------------------------------------


def populate(root: Path) -> None:
    (root / "etc").mkdir(parents=True)
    (root / "etc/passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    (root / "bin").mkdir()
    (root / "bin/busybox").write_bytes(b"\x7fELF" + b"\0" * 3000)
    (root / "bin/busybox").chmod(0o4755)
    os.link(root / "bin/busybox", root / "bin/ls")
    os.symlink("busybox", root / "bin/sh")
    (root / "a.txt").write_text("a")
    (root / "a").mkdir()
    (root / "a/b").write_text("b")
    os.mkfifo(root / "fifo")
    os.setxattr(root / "etc/passwd", "user.origin", b"\xff\x00binary")
    if os.geteuid() == 0:
        os.chown(root / "etc/passwd", 12, 34)
        os.mknod(root / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))


def snapshot(root: Path, *, mtimes: bool = True) -> dict[str, tuple[object, ...]]:
    tree: dict[str, tuple[object, ...]] = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            content: object = os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            content = path.read_bytes()
        else:
            content = st.st_rdev
        xattrs = {k: os.getxattr(path, k, follow_symlinks=False)
                  for k in os.listxattr(path, follow_symlinks=False)}
        tree[str(path.relative_to(root))] = (
            st.st_mode, st.st_uid, st.st_gid, st.st_nlink, content, xattrs,
            int(st.st_mtime) if mtimes else None,
        )
    return tree


def test_create_layer_round_trips_through_unpack(tmp_path: Path) -> None:
    src = tmp_path / "src"
    populate(src)
    blob = io.BytesIO()
    info = layers.create_layer(src, blob)
    assert info.media_type == layers.MEDIA_TYPE_OCI_LAYER_GZIP
    blob.seek(0)
    with layers.open_layer(blob, info.media_type) as stream:
        result = layers.unpack_layer(stream, tmp_path / "dst")
    assert result.diff_id == info.diff_id and result.size == info.diff_size
    assert result.hardlinks == 1
    assert snapshot(tmp_path / "dst") == snapshot(src)


def test_create_layer_is_deterministic(tmp_path: Path) -> None:
    src = tmp_path / "src"
    populate(src)
    first, second = io.BytesIO(), io.BytesIO()
    a = layers.create_layer(src, first)
    b = layers.create_layer(src, second)
    assert a == b and first.getvalue() == second.getvalue()
    assert a.digest == "sha256:" + hashlib.sha256(first.getvalue()).hexdigest()
    assert a.size == len(first.getvalue())
    assert first.getvalue()[4:8] == b"\0\0\0\0"  # gzip header mtime


def test_fixed_mtime_ignores_file_timestamps(tmp_path: Path) -> None:
    digests = []
    for i, when in enumerate((1_000_000, 2_000_000)):
        src = tmp_path / f"src{i}"
        populate(src)
        for path in [src, *src.rglob("*")]:
            os.utime(path, (when, when), follow_symlinks=False)
        digests.append(layers.create_layer(src, io.BytesIO(), mtime=0).digest)
        assert layers.create_layer(src, io.BytesIO()).digest != layers.create_layer(
            src, io.BytesIO(), mtime=0).digest
    assert digests[0] == digests[1]


def test_create_layer_orders_entries_like_go_walk(tmp_path: Path) -> None:
    src = tmp_path / "src"
    populate(src)
    blob = io.BytesIO()
    layers.create_layer(src, blob, compression=Compression.NONE)
    names = tarfile.open(fileobj=io.BytesIO(blob.getvalue())).getnames()
    assert names.index("a") < names.index("a/b") < names.index("a.txt") < names.index("bin")
    assert not any(n.startswith(("/", "./")) for n in names)
    members = tarfile.open(fileobj=io.BytesIO(blob.getvalue())).getmembers()
    assert all(m.uname == "" and m.gname == "" for m in members)


def test_create_layer_of_empty_dir_has_dockers_empty_diff_id(tmp_path: Path) -> None:
    info = layers.create_layer(tmp_path, io.BytesIO(), compression=Compression.NONE)
    assert info.diff_id == info.digest == EMPTY_LAYER_DIFF_ID and info.size == 1024


def test_create_layer_zstd_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "src"
    populate(src)
    blob = io.BytesIO()
    info = layers.create_layer(src, blob, compression=Compression.ZSTD, mtime=0)
    assert info.media_type == layers.MEDIA_TYPE_OCI_LAYER_ZSTD
    assert blob.getvalue()[:4] == b"\x28\xb5\x2f\xfd"
    blob.seek(0)
    with layers.open_layer(blob, info.media_type) as stream:
        assert layers.unpack_layer(stream, tmp_path / "dst").diff_id == info.diff_id
    assert snapshot(tmp_path / "dst", mtimes=False) == snapshot(src, mtimes=False)


def test_create_layer_from_changes_writes_only_those_and_whiteouts(tmp_path: Path) -> None:
    src = tmp_path / "src"
    populate(src)
    blob = io.BytesIO()
    changes = [
        Change(path="etc/passwd", kind=ChangeKind.MODIFY),
        Change(path="/etc/shadow", kind=ChangeKind.DELETE),
        Change(path="a", kind=ChangeKind.ADD),
        Change(path="etc", kind=ChangeKind.MODIFY),
    ]
    layers.create_layer(src, blob, changes=changes, compression=Compression.NONE, mtime=0)
    names = tarfile.open(fileobj=io.BytesIO(blob.getvalue())).getnames()
    assert names == ["a", "etc", "etc/passwd", "etc/.wh.shadow"]  # sorted by path, as ExportChanges


def test_create_layer_from_changes_refuses_escaping_paths(tmp_path: Path) -> None:
    from mocker.errors import UnsafeArchiveEntry

    with pytest.raises(UnsafeArchiveEntry):
        layers.create_layer(tmp_path, io.BytesIO(), changes=[Change(path="../x", kind=ChangeKind.ADD)])


# -- diff_upper -----------------------------------------------------------------------------------


@needs_root
def test_diff_upper_turns_overlay_whiteouts_into_oci_ones(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    (upper / "etc").mkdir(parents=True)
    (upper / "etc/hosts").write_text("127.0.0.1 localhost\n")
    os.mknod(upper / "etc/motd", stat.S_IFCHR, os.makedev(0, 0))
    (upper / "opt").mkdir()
    os.setxattr(upper / "opt", "trusted.overlay.opaque", b"y")
    (upper / "opt/new").write_text("new")
    os.mknod(upper / "zero", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # a real device stays one
    blob = io.BytesIO()
    info = layers.diff_upper(upper, blob, compression=Compression.NONE, mtime=0)

    members = {m.name: m for m in tarfile.open(fileobj=io.BytesIO(blob.getvalue()))}
    assert list(members) == ["etc", "etc/hosts", "etc/.wh.motd", "opt", "opt/.wh..wh..opq", "opt/new", "zero"]
    assert members["etc/.wh.motd"].isreg() and members["etc/.wh.motd"].size == 0
    assert not any(k.startswith("SCHILY.xattr.trusted.overlay") for k in members["opt"].pax_headers)
    assert members["zero"].ischr() and members["zero"].devminor == 5

    # And back: the unpacked layer is the upper dir again.
    result = layers.unpack_layer(io.BytesIO(blob.getvalue()), tmp_path / "layer")
    assert result.diff_id == info.diff_id
    assert is_overlay_whiteout(tmp_path / "layer/etc/motd")
    assert os.getxattr(tmp_path / "layer/opt", "trusted.overlay.opaque") == b"y"


@needs_root
def test_diff_upper_refuses_redirect_dirs(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    (upper / "moved").mkdir(parents=True)
    os.setxattr(upper / "moved", "trusted.overlay.redirect", b"/orig")
    with pytest.raises(StoreError, match="redirect"):
        layers.diff_upper(upper, io.BytesIO())


def test_create_layer_of_a_missing_dir_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot archive"):
        layers.create_layer(tmp_path / "nope", io.BytesIO())
