"""Volumes with ``--opt type=...``: real mounts while containers use them (needs root)."""

from __future__ import annotations

import os

import pytest

from mocker.engine import volumes as engine
from mocker.errors import InvalidArgument, OCIRuntimeError, VolumeInUse

pytestmark = pytest.mark.root


def mounts_at(path) -> list[list[str]]:
    """Fields of the /proc/self/mounts lines whose mount point is ``path``."""
    real = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        return [line.split() for line in f if line.split()[1] == real]


def test_tmpfs_volume_is_mounted_while_used_and_refcounted(cli, store, add_container):
    r = cli("volume", "create", "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs",
            "--opt", "o=size=100m,uid=1000", "scratch")
    assert r.code == 0, r.err
    rec = engine.get_volume(store, "scratch")
    assert engine.needs_mount(rec)
    assert mounts_at(rec.mountpoint) == []  # created, not mounted: that happens when a container starts
    c1, c2 = add_container(), add_container()
    engine.attach(store.db, c1, "scratch", "/tmp/a")
    engine.attach(store.db, c2, "scratch", "/tmp/b")

    assert engine.mount(store, "scratch", c1) == rec.mountpoint
    [m] = mounts_at(rec.mountpoint)
    assert m[0] == "tmpfs" and m[2] == "tmpfs"
    assert "size=102400k" in m[3].split(",") and "uid=1000" in m[3].split(",")
    assert os.stat(rec.mountpoint).st_uid == 1000
    with open(os.path.join(rec.mountpoint, "f"), "w") as f:
        f.write("in tmpfs")

    engine.mount(store, "scratch", c2)
    engine.mount(store, "scratch", c2)  # the same holder twice is one reference
    assert len(mounts_at(rec.mountpoint)) == 1
    assert engine.mount_holders(store, "scratch") == {c1, c2}
    engine.unmount(store, "scratch", c1)
    assert len(mounts_at(rec.mountpoint)) == 1
    engine.unmount(store, "scratch", c2)
    assert mounts_at(rec.mountpoint) == []
    assert not os.path.exists(os.path.join(rec.mountpoint, "f"))  # tmpfs content went with the mount
    engine.unmount(store, "scratch", c2)  # unbalanced: harmless


def test_mount_needs_a_container_that_uses_the_volume(cli, store, add_container):
    cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "t1")
    with pytest.raises(InvalidArgument):
        engine.mount(store, "t1", add_container())


def test_plain_volumes_need_no_mount(cli, store, add_container):
    cli("volume", "create", "plain")
    cid = add_container()
    engine.attach(store.db, cid, "plain", "/data")
    path = engine.mount(store, "plain", cid)
    assert path.endswith("/volumes/plain/_data") and mounts_at(path) == []
    engine.unmount(store, "plain", cid)


def test_stale_holders_do_not_keep_a_volume_mounted(cli, store, add_container, remove_container):
    cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "t2")
    gone, live = add_container(), add_container()
    for cid in (gone, live):
        engine.attach(store.db, cid, "t2", "/x")
        engine.mount(store, "t2", cid)
    remove_container(gone)  # removed without unmounting (a crash): its rows cascade away
    engine.unmount(store, "t2", live)
    assert mounts_at(engine.get_volume(store, "t2").mountpoint) == []


def test_rm_of_a_mounted_volume_nobody_uses_unmounts_first(cli, store, add_container, remove_container):
    cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "t3")
    cid = add_container()
    engine.attach(store.db, cid, "t3", "/x")
    path = engine.mount(store, "t3", cid)
    report = engine.remove(store, ["t3"])
    assert report.removed == [] and isinstance(report.errors[0], VolumeInUse)
    assert len(mounts_at(path)) == 1
    remove_container(cid)
    r = cli("volume", "rm", "t3")
    assert (r.code, r.out) == (0, "t3\n"), r.err
    assert mounts_at(path) == []
    assert not os.path.exists(os.path.dirname(path))


def test_bind_volume_mounts_a_host_directory_and_rm_keeps_it(cli, store, add_container, tmp_path, remove_container):
    src = tmp_path / "host-dir"
    src.mkdir()
    (src / "keep.txt").write_text("host data")
    r = cli("volume", "create", "-o", "type=none", "-o", "o=bind", "-o", f"device={src}", "hostvol")
    assert r.code == 0, r.err
    cid = add_container()
    engine.attach(store.db, cid, "hostvol", "/data")
    path = engine.mount(store, "hostvol", cid)
    assert open(os.path.join(path, "keep.txt")).read() == "host data"
    with open(os.path.join(path, "new.txt"), "w") as f:
        f.write("from the container")
    assert (src / "new.txt").read_text() == "from the container"
    engine.unmount(store, "hostvol", cid)
    assert not os.path.exists(os.path.join(path, "keep.txt"))
    # Removing the volume removes mocker's directory, never the host's.
    engine.mount(store, "hostvol", cid)
    remove_container(cid)
    assert cli("volume", "rm", "hostvol").code == 0
    assert sorted(p.name for p in src.iterdir()) == ["keep.txt", "new.txt"]


def test_a_failing_mount_reports_dockers_words(cli, store, add_container, tmp_path):
    cli("volume", "create", "-o", "type=none", "-o", "o=bind", "-o", f"device={tmp_path}/missing", "broken")
    cid = add_container()
    engine.attach(store.db, cid, "broken", "/data")
    with pytest.raises(OCIRuntimeError) as e:
        engine.mount(store, "broken", cid)
    assert str(e.value).startswith("error while mounting volume '")
    assert "failed to mount local volume" in str(e.value)
    assert engine.mount_holders(store, "broken") == set()


def test_tmpfs_volume_with_bad_mount_options_fails_at_mount_time(cli, store, add_container):
    assert cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=lots", "bad").code == 0
    cid = add_container()
    engine.attach(store.db, cid, "bad", "/x")
    with pytest.raises(OCIRuntimeError):
        engine.mount(store, "bad", cid)
