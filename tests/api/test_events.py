"""``GET /events`` through the socket: the docker CLI's ``docker events`` and docker-py's ``events``."""

from __future__ import annotations

import json
import subprocess
import time

import pytest


def test_docker_events_since_until_filters_and_follow(docker_cli, service) -> None:
    docker_cli("run", "--name", "evapi", "busybox", "true")
    docker_cli("rm", "evapi")
    until = f"{time.time() + 0.5:.3f}"
    out = docker_cli("events", "--since", "0", "--until", until, "--filter", "container=evapi",
                     "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
    assert out.stdout.splitlines() == ["container create evapi", "container start evapi", "container die evapi",
                                       "container destroy evapi"]
    line = docker_cli("events", "--since", "0", "--until", until, "--filter", "event=destroy",
                      "--format", "{{json .}}").stdout.splitlines()[0]
    doc = json.loads(line)
    assert doc["status"] == "destroy" and doc["from"] == "busybox" and doc["Actor"]["Attributes"]["name"] == "evapi"
    bad = docker_cli("events", "--until", until, "--filter", "colour=red", check=False)
    assert bad.returncode != 0 and "invalid filter 'colour'" in bad.stderr
    # following: a new event arrives on an open stream; the client hanging up ends it
    follower = subprocess.Popen(["docker", "events", "--filter", "type=network", "--format", "{{.Action}}"],
                                env=dict(service.env, DOCKER_HOST=service.url), stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        docker_cli("network", "create", "evnet")
        assert follower.stdout.readline().strip() == "create"  # type: ignore[union-attr]
    finally:
        follower.terminate()
        follower.wait(timeout=10)
    docker_cli("network", "rm", "evnet")
    assert docker_cli("version", "--format", "{{.Server.APIVersion}}").stdout.strip() == "1.41"  # still serving


def test_docker_py_events(service) -> None:
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=service.url, version="auto", timeout=60)
    try:
        start = time.time() - 1
        client.volumes.create("pyev")
        client.volumes.get("pyev").remove()
        got = list(client.events(since=start, until=time.time() + 0.5, decode=True, filters={"type": "volume"}))
        assert [(e["Type"], e["Action"], e["Actor"]["ID"]) for e in got] == [
            ("volume", "create", "pyev"), ("volume", "destroy", "pyev")]
        assert all(e["scope"] == "local" and e["timeNano"] // 10**9 == e["time"] for e in got)
    finally:
        client.close()
