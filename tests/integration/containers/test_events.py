"""``mocker events``: the engine's event log, written by every process that changes an object."""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import mocker_executable


def _events(mocker, *args: str) -> list[str]:
    until = f"{time.time() + 0.5:.3f}"
    out = mocker("events", "--since", "0", "--until", until, "--format", "{{.Type}} {{.Action}}", *args)
    return out.stdout.splitlines()


def test_lifecycle_of_containers_images_networks_and_volumes(mocker) -> None:
    mocker("volume", "create", "evvol")
    mocker("network", "create", "evnet")
    mocker("run", "--name", "ev1", "-v", "evvol:/data", "--network", "evnet", "busybox", "true")
    mocker("rename", "ev1", "ev2")
    mocker("rm", "ev2")
    mocker("tag", "busybox", "evimg:1")
    mocker("rmi", "evimg:1")
    mocker("network", "rm", "evnet")
    mocker("volume", "rm", "evvol")
    seen = _events(mocker)
    expected = ["volume create", "network create", "container create", "volume mount", "container start",
                "container die", "volume unmount", "container rename", "container destroy", "image tag",
                "image untag", "network destroy", "volume destroy"]
    it = iter(seen)
    assert all(any(line == want for line in it) for want in expected), seen
    # filters: keys AND-ed, values of one key OR-ed
    assert _events(mocker, "--filter", "type=container", "--filter", "event=start", "--filter", "event=die") == [
        "container start", "container die"]
    assert _events(mocker, "--filter", "container=ev2") == ["container rename", "container destroy"]
    assert _events(mocker, "--filter", "type=volume", "--filter", "volume=evvol")[0] == "volume create"


def test_json_shape_and_default_line(mocker) -> None:
    mocker("create", "--name", "shape", "--label", "team=a", "busybox", "true")
    until = f"{time.time() + 0.5:.3f}"
    doc = json.loads(mocker("events", "--since", "0", "--until", until, "--format", "json", "--filter",
                            "type=container").stdout.splitlines()[0])
    cid = doc["Actor"]["ID"]
    assert doc["Type"] == "container" and doc["Action"] == "create" and doc["status"] == "create"
    assert doc["id"] == cid and doc["from"] == "busybox" and doc["scope"] == "local"
    assert doc["Actor"]["Attributes"] == {"image": "busybox", "name": "shape", "team": "a"}
    assert doc["time"] == doc["timeNano"] // 1_000_000_000
    line = mocker("events", "--since", "0", "--until", until, "--filter", "container=shape").stdout.splitlines()[0]
    assert line.endswith(f" container create {cid} (image=busybox, name=shape, team=a)")
    bad = mocker("events", "--filter", "colour=red", "--until", until, check=False)
    assert bad.returncode == 1 and "invalid filter 'colour'" in bad.stderr
    bad = mocker("events", "--since", "yesterday", "--until", until, check=False)
    assert bad.returncode == 1 and "failed to parse value as time or duration" in bad.stderr


def test_concurrent_writers_and_a_follower(mocker, mocker_env) -> None:
    follower = subprocess.Popen([mocker_executable(), "events", "--filter", "type=volume", "--format",
                                 "{{.Action}} {{.Actor.ID}}"], env=mocker_env, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)      # the follower only reports what comes after it started
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: mocker("volume", "create", f"par{i}"), range(16)))
        lines = [follower.stdout.readline().strip() for _ in range(16)]  # type: ignore[union-attr]
    finally:
        follower.terminate()
        follower.wait(timeout=10)
    assert sorted(lines) == sorted(f"create par{i}" for i in range(16))
    assert sorted(_events(mocker, "--filter", "type=volume")) == ["volume create"] * 16
