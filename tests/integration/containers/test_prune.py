"""``system prune`` and ``container prune`` on real containers, including what killed mocker processes
leave behind (a bundle without a record, an exited container whose cleanup never ran)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.root


def wait_for(pred, timeout: float = 10.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def inspect(mocker, name: str) -> dict:
    return json.loads(mocker("inspect", name).stdout)[0]


def test_prompt_lists_what_goes_and_no_keeps_everything(mocker):
    mocker("create", "--name", "stopped", "busybox", "true")
    r = mocker("system", "prune", "--volumes", "--filter", "label=a=b", input="n\n")
    assert r.returncode == 0
    assert r.stdout == (
        "WARNING! This will remove:\n"
        "  - all stopped containers\n"
        "  - all networks not used by at least one container\n"
        "  - all anonymous volumes not used by at least one container\n"
        "  - all dangling images\n\n"
        "  Items to be pruned will be filtered with:\n"
        "  - label=a=b\n\n"
        "Are you sure you want to continue? [y/N] ")
    assert mocker("ps", "-aq").stdout.strip()


def test_prunes_stopped_containers_anonymous_volumes_and_unused_images(mocker):
    mocker("run", "-d", "--name", "alive", "busybox", "sleep", "1000")
    stopped = mocker("run", "-v", "/anon", "busybox", "true").stdout.strip() or "x"
    mocker("volume", "create", "named")
    mocker("commit", "alive", "other:tag")     # an image no container uses
    r = mocker("system", "prune", "-f", "--volumes")
    assert r.stdout.startswith("Deleted Containers:\n")
    assert "Deleted Volumes:\n" in r.stdout and "named" not in r.stdout
    assert r.stdout.rstrip().splitlines()[-1].startswith("Total reclaimed space: ")
    names = mocker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert names == ["alive"], (names, stopped)
    assert mocker("volume", "ls", "-q").stdout.split() == ["named"]
    # -a: images no container uses go; busybox is used by "alive"
    r = mocker("system", "prune", "-f", "-a")
    assert "untagged: other:tag" in r.stdout and "busybox" not in r.stdout
    assert mocker("images", "--format", "{{.Repository}}").stdout.split() == ["busybox"]


def test_bad_filters_fail_before_anything_is_removed(mocker):
    mocker("create", "--name", "stopped", "busybox", "true")
    r = mocker("system", "prune", "-f", "--filter", "bogus=1", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: invalid filter 'bogus'\n")
    r = mocker("system", "prune", "-f", "--volumes", "--filter", "until=1h", check=False)
    assert r.returncode == 1 and 'The "until" filter is not supported with "--volumes"' in r.stderr
    assert mocker("ps", "-aq").stdout.strip()


def test_container_prune_filters_by_label(mocker):
    mocker("create", "--name", "keep", "--label", "keep=1", "busybox", "true")
    mocker("create", "--name", "drop", "busybox", "true")
    r = mocker("container", "prune", "-f", "--filter", "label!=keep")
    assert r.stdout.startswith("Deleted Containers:\n")
    assert mocker("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["keep"]


def test_sweeps_a_running_container_whose_record_a_killed_rm_dropped(mocker, mocker_root: Path):
    cid = mocker("run", "-d", "busybox", "sleep", "1000").stdout.strip()
    pid = inspect(mocker, cid)["State"]["Pid"]
    bundle = mocker_root / "containers" / cid
    assert os.path.ismount(bundle / "merged")
    # What `rm -f` killed right after deleting the record leaves: the whole runtime, no record.
    with sqlite3.connect(mocker_root / "mocker.db") as db:
        db.execute("DELETE FROM container_volumes WHERE container_id = ?", (cid,))
        db.execute("DELETE FROM containers WHERE id = ?", (cid,))
    r = mocker("system", "prune", "-f")
    assert f"container {cid}: files without a record" in r.stdout
    wait_for(lambda: not _alive(pid))
    assert not bundle.exists()
    assert not (mocker_root / "run" / "containers" / cid).exists()
    assert not any(p.name == cid for p in Path("/sys/fs/cgroup").glob("*/mocker/*"))


def test_reading_state_cleans_up_after_a_container_whose_supervisor_was_killed(mocker, mocker_root: Path):
    # Killing conmon means no exit command: the next read (ps) notices and runs the cleanup, so the
    # rootfs is unmounted and --rm applies, as Docker's daemon does when it finds a dead container.
    kept = mocker("run", "-d", "busybox", "sleep", "1000").stdout.strip()
    gone = mocker("run", "-d", "--rm", "busybox", "sleep", "1000").stdout.strip()
    for cid in (kept, gone):
        pid = inspect(mocker, cid)["State"]["Pid"]
        os.kill(int((mocker_root / "run" / "containers" / cid / "conmon.pid").read_text()), signal.SIGKILL)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not _alive(pid))
    mocker("ps", "-a")
    wait_for(lambda: not os.path.ismount(mocker_root / "containers" / kept / "merged"))
    wait_for(lambda: mocker("ps", "-aq", "--no-trunc").stdout.split() == [kept])
    assert inspect(mocker, kept)["State"]["Status"] == "exited"
    mocker("start", kept)
    assert inspect(mocker, kept)["State"]["Running"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
