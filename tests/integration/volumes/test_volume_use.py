"""What the container engine asks of volumes: auto-create, attach, "in use", anonymous clean-up, races."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from mocker.engine import volumes as engine
from mocker.errors import Conflict, ContainerNotFound, InvalidArgument, VolumeInUse, VolumeNotFound
from mocker.store import volumes as vdb
from mocker.store.db import transaction


def test_ensure_named_creates_like_run_v_does(store):
    rec = engine.ensure_named(store, "auto")
    assert (rec.name, rec.labels, rec.options, rec.anonymous) == ("auto", (), (), False)
    assert os.path.isdir(rec.mountpoint)
    assert engine.ensure_named(store, "auto") == rec
    with pytest.raises(InvalidArgument):
        engine.ensure_named(store, "bad/name")


def test_attach_errors(store, add_container):
    cid = add_container()
    engine.ensure_named(store, "v1")
    with pytest.raises(VolumeNotFound, match="get nosuch: no such volume"):
        engine.attach(store.db, cid, "nosuch", "/data")
    with pytest.raises(ContainerNotFound):
        engine.attach(store.db, "f" * 64, "v1", "/data")
    engine.attach(store.db, cid, "v1", "/data")
    with pytest.raises(Conflict, match="Duplicate mount point: /data"):
        engine.attach(store.db, cid, "v1", "/data")
    assert vdb.container_volumes(store.db, cid) == [("v1", "/data")]


def test_a_referenced_volume_cannot_disappear(cli, store, add_container, remove_container):
    cid = add_container("web")
    with transaction(store.db) as conn:  # how `run -v data:/data` will do it: atomically
        engine.ensure_named(store, "data")
        engine.attach(conn, cid, "data", "/data")
    report = engine.remove(store, ["data"])
    assert report.removed == []
    [err] = report.errors
    assert isinstance(err, VolumeInUse) and err.containers == (cid,)
    assert engine.prune(store, all_volumes=True).deleted == []
    assert cli("volume", "ls", "-q", "-f", "dangling=false").out == "data\n"
    remove_container(cid)
    assert cli("volume", "ls", "-q", "-f", "dangling=true").out == "data\n"
    assert engine.remove(store, ["data"]).removed == ["data"]


def test_remove_anonymous_for_removes_only_the_containers_own_anonymous_volumes(cli, store, add_container):
    c1, c2 = add_container("one"), add_container("two")
    own = engine.create_volume(store, None, anonymous=True)
    shared = engine.create_volume(store, None, anonymous=True)
    named = engine.ensure_named(store, "named")
    labelled = engine.create_volume(store, None)  # `volume create` without a name: prune takes it, rm -v not
    for vol, dest in ((own, "/own"), (shared, "/shared"), (named, "/named"), (labelled, "/by-name")):
        engine.attach(store.db, c1, vol.name, dest)
    engine.attach(store.db, c2, shared.name, "/shared")  # --volumes-from

    assert engine.remove_anonymous_for(store, c1) == [own.name]
    left = set(cli("volume", "ls", "-q").out.split())
    assert left == {shared.name, named.name, labelled.name}
    assert not os.path.exists(os.path.dirname(own.mountpoint))
    assert vdb.container_volumes(store.db, c1) == [(labelled.name, "/by-name"), ("named", "/named")]
    assert vdb.users(store.db, shared.name) == [c2]
    assert engine.remove_anonymous_for(store, c2) == [shared.name]
    assert engine.remove_anonymous_for(store, "0" * 64) == []


def test_remove_anonymous_for_after_the_container_row_is_gone(store, add_container, remove_container):
    c1, c2 = add_container(), add_container()
    own = engine.create_volume(store, None, anonymous=True)
    shared = engine.create_volume(store, None, anonymous=True)
    engine.ensure_named(store, "named")
    for name in (own.name, shared.name, "named"):
        engine.attach(store.db, c1, name, "/" + name)
    engine.attach(store.db, c2, shared.name, "/s")
    remove_container(c1)  # its rows cascade away: the caller says which volumes it used
    assert engine.remove_anonymous_for(store, c1, names=[own.name, shared.name, "named"]) == [own.name]
    assert vdb.get_volume(store.db, shared.name) is not None
    assert vdb.get_volume(store.db, "named") is not None


def test_anonymous_volumes_carry_dockers_label(store):
    rec = engine.create_volume(store, None, anonymous=True)
    assert dict(rec.labels) == {"com.docker.volume.anonymous": ""}
    assert len(rec.name) == 64 and rec.anonymous


# Both racers start together: each says it is ready, then waits for "go" (their imports take longer
# than the work itself, so without this one would finish before the other began).
_START = """
open(sys.argv[2] + ".ready", "w").close()
while not os.path.exists(sys.argv[2] + ".go"):
    time.sleep(0.001)
"""

RUN_V = textwrap.dedent("""
    import json, os, secrets, sys, time
    from mocker.engine import volumes as engine
    from mocker.errors import MockerError
    from mocker.store.db import transaction
    from mocker.store.store import Store

    store = Store.open(sys.argv[1])
    store.db
""") + _START + textwrap.dedent("""
    out = {}
    for name in sys.argv[3:]:
        time.sleep(0.003)  # spread over the remover's run: every name is contested, in both orders
        cid = secrets.token_hex(32)
        try:
            with transaction(store.db) as conn:   # what `run -v NAME:/data` does, atomically
                engine.ensure_named(store, name)
                conn.execute(
                    "INSERT INTO containers (id, name, image_id, image_name, created, config, status, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (cid, "c-" + name, "sha256:" + "0" * 64, "busybox", time.time(), "{}", "created", time.time()))
                engine.attach(conn, cid, name, "/data")
            out[name] = cid
        except MockerError as e:
            out[name] = "error: " + str(e)
    json.dump(out, sys.stdout)
""")

VOLUME_RM = textwrap.dedent("""
    import os, sys, time
    from mocker.cli import volumes
    from mocker.cli.main import main
    from mocker.engine import volumes as engine
""") + _START + textwrap.dedent("""
    sys.exit(main(["--root", sys.argv[1], "volume", "rm", *sys.argv[3:]]))
""")


def race(mocker_root, tmp_path, first: list[str], second: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``[script, *names]`` pairs as two processes started at the same moment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKER_")}
    procs = []
    for i, (script, *names) in enumerate((first, second)):
        sync = str(tmp_path / f"racer{i}")
        procs.append(subprocess.Popen([sys.executable, "-c", script, str(mocker_root), sync, *names], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.monotonic() + 60
    while not all(os.path.exists(tmp_path / f"racer{i}.ready") for i in range(2)):
        assert time.monotonic() < deadline, "the racers did not start"
        for p in procs:
            assert p.poll() is None, p.communicate()
        time.sleep(0.005)
    for i in range(2):
        (tmp_path / f"racer{i}.go").touch()
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=120), p.stdout.read(), p.stderr.read())
            for p in procs]


def test_volume_rm_racing_run_v_never_loses_a_referenced_volume(cli, store, mocker_root, tmp_path):
    outcomes = set()
    for round_ in range(4):
        names = [f"race{round_}-{i}" for i in range(60)]
        for n in names:
            cli("volume", "create", n)
            (mocker_root / "volumes" / n / "_data" / "old").write_text("old")
        # The remover goes from the other end in odd rounds, so the two meet in the middle.
        rm_order = names[::-1] if round_ % 2 else names
        sync = tmp_path / f"round{round_}"
        sync.mkdir()
        runner, remover = race(mocker_root, sync, [RUN_V, *names], [VOLUME_RM, *rm_order])
        assert runner.returncode == 0, runner.stderr
        attached = json.loads(runner.stdout)
        removed = set(remover.stdout.split())
        refused = {line.split()[2].rstrip(":") for line in remover.stderr.splitlines()}
        assert removed | refused == set(names) and not removed & refused, remover.stderr
        outcomes |= {"removed first"} if removed else set()
        outcomes |= {"refused"} if refused else set()

        for n in names:
            cid = attached[n]
            assert not cid.startswith("error"), cid  # `run -v` re-creates a volume removed before it
            rec = vdb.get_volume(store.db, n)
            assert rec is not None and vdb.users(store.db, n) == [cid]
            assert os.path.isdir(rec.mountpoint), f"{n}: the row survived but its data directory did not"
            if n in refused:
                assert f"Error: remove {n}: volume is in use - [{cid}]" in remover.stderr
                assert (mocker_root / "volumes" / n / "_data" / "old").exists()
            else:  # removed first, then re-created empty by `run -v`
                assert os.listdir(rec.mountpoint) == []
        assert not [p for p in os.listdir(mocker_root / "volumes") if p.startswith(".")]
    assert outcomes == {"removed first", "refused"}, "the two processes never actually raced"


def test_two_removers_of_one_volume(cli, mocker_root):
    cli("volume", "create", "once")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKER_")}
    procs = [subprocess.Popen([sys.executable, "-m", "mocker", "--root", str(mocker_root), "volume", "rm", "once"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
    assert sorted(code for code, _, _ in results) == [0, 1, 1, 1]
    assert all(err == "Error: get once: no such volume\n" for code, _, err in results if code)
    assert not (mocker_root / "volumes" / "once").exists()
