"""ps/inspect on the apple backend come from the CLI's JSON (1.x and 0.x shapes), not from mocker."""

from __future__ import annotations

import json

import pytest
from support.apple import Apple

SHAPES = ["1.2.2", "0.12.3", "0.7.1"]


@pytest.fixture(params=SHAPES)
def any_apple(request: pytest.FixtureRequest, apple: Apple, monkeypatch: pytest.MonkeyPatch) -> Apple:
    apple.version = request.param
    apple.env["FAKE_CONTAINER_VERSION"] = request.param
    monkeypatch.setenv("FAKE_CONTAINER_VERSION", request.param)
    return apple


def test_inspect_maps_every_json_shape_of_fake_apple_cli_to_docker_json(any_apple: Apple) -> None:
    apple = any_apple
    apple.ok("run", "-d", "--name", "web", "-e", "MODE=prod", "-l", "role=front", "-p", "127.0.0.1:8080:80",
             "-m", "512m", "--cpus", "2", "-w", "/tmp", "busybox", "sleep", "30")
    try:
        doc = json.loads(apple.ok("inspect", "web"))[0]
        assert doc["Id"] == "web" and doc["Name"] == "/web"
        assert doc["State"]["Status"] == "running" and doc["State"]["Running"] is True
        assert doc["Path"] == "sleep" and doc["Args"] == ["30"]
        assert "MODE=prod" in doc["Config"]["Env"]
        assert doc["Config"]["Labels"] == {"role": "front"}
        assert doc["Config"]["WorkingDir"] == "/tmp"
        assert doc["Config"]["Image"] == "docker.io/library/busybox:latest"
        assert doc["Image"].startswith("sha256:")
        assert doc["HostConfig"]["Memory"] == 512 * 1024 * 1024
        assert doc["HostConfig"]["NanoCpus"] == 2_000_000_000
        assert doc["NetworkSettings"]["Ports"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}
        assert doc["NetworkSettings"]["IPAddress"] == "192.168.64.3"
        assert doc["NetworkSettings"]["Networks"]["default"]["Gateway"] == "192.168.64.1"
        if tuple(map(int, apple.version.split("."))) >= (0, 8):
            assert doc["State"]["StartedAt"] != "0001-01-01T00:00:00Z"
        fmt = apple.ok("inspect", "-f", "{{.State.Status}} {{.Config.WorkingDir}}", "web")
        assert fmt == "running /tmp\n"
        apple.ok("stop", "web")
        doc = json.loads(apple.ok("container", "inspect", "web"))[0]
        assert doc["State"]["Status"] in ("exited", "created")
        assert doc["State"]["Running"] is False
        assert doc["NetworkSettings"]["IPAddress"] == ""
    finally:
        apple.mocker("rm", "-f", "web")


def test_ps_lists_running_and_all_from_fake_apple_cli(any_apple: Apple) -> None:
    apple = any_apple
    apple.ok("create", "--name", "made", "busybox", "true")
    apple.ok("run", "-d", "--name", "up", "-p", "8080:80", "busybox", "sleep", "30")
    try:
        out = apple.ok("ps")
        lines = out.splitlines()
        assert lines[0].split() == ["CONTAINER", "ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
        assert len(lines) == 2 and lines[1].startswith("up ")
        assert "0.0.0.0:8080->80/tcp" in lines[1] and "Up" in lines[1]
        names = apple.ok("ps", "-a", "--format", "{{.Names}} {{.State}}").split("\n")
        # 0.x (before 0.10) lists every container as JSON whatever --all says: mocker filters itself.
        assert sorted(n for n in names if n) == ["made created", "up running"]
        assert sorted(apple.ok("ps", "-aq").split()) == ["made", "up"]
    finally:
        apple.mocker("rm", "-f", "up")


def test_containers_created_outside_mocker_show_in_ps_from_fake_apple_cli(apple: Apple) -> None:
    apple.fake("create", "--name", "native", "docker.io/library/alpine:3", "sleep", "1")
    out = apple.ok("ps", "-a", "--format", "{{.Names}}\t{{.Image}}\t{{.Command}}")
    assert out == 'native\talpine:3\t"sleep 1"\n'
    doc = json.loads(apple.ok("inspect", "native"))[0]
    assert doc["Config"]["Image"] == "docker.io/library/alpine:3"


def test_builder_container_is_hidden_from_ps_on_fake_apple_cli(apple: Apple) -> None:
    apple.fake("create", "--name", "buildkit", "-l", "com.apple.container.resource.role=builder", "busybox")
    apple.fake("create", "--name", "mine", "busybox")
    assert apple.ok("ps", "-aq").split() == ["mine"]


def test_uuid_ids_are_shortened_and_found_by_prefix_on_fake_apple_cli(apple: Apple) -> None:
    cid = apple.ok("create", "busybox").strip()
    assert len(cid) == 36
    assert apple.ok("ps", "-aq").strip() == cid[:12]
    assert apple.ok("ps", "-aq", "--no-trunc").strip() == cid
    doc = json.loads(apple.ok("inspect", cid[:6]))[0]
    assert doc["Id"] == cid
    apple.ok("rm", cid[:8])
    assert apple.containers() == {}


def test_missing_container_errors_as_docker_on_fake_apple_cli(apple: Apple) -> None:
    code, out, err = apple.mocker("inspect", "nope")
    assert (code, out.strip(), err) == (1, "[]", "Error: No such object: nope\n")
    code, _, err = apple.mocker("rm", "nope")
    assert code == 1 and err == "Error: No such container: nope\n"
    code, _, err = apple.mocker("container", "inspect", "nope")
    assert code == 1 and "No such container: nope" in err


def test_port_lists_published_ports_from_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--name", "web", "-p", "8080:80", "-p", "127.0.0.1:5353:53/udp", "busybox")
    assert apple.ok("port", "web") == "80/tcp -> 0.0.0.0:8080\n53/udp -> 127.0.0.1:5353\n"
    assert apple.ok("port", "web", "80") == "0.0.0.0:8080\n"
    code, _, err = apple.mocker("port", "web", "81")
    assert code == 1 and "No public port '81/tcp' published for web" in err


def test_ps_filters_answered_from_fake_apple_cli_json(apple: Apple) -> None:
    apple.ok("create", "--name", "made", "-l", "tier=db", "alpine:3", "true")
    apple.ok("run", "-d", "--name", "up", "-l", "tier=web", "busybox", "sleep", "30")
    try:
        def names(*flt: str) -> list[str]:
            args = [x for f in flt for x in ("--filter", f)]
            return sorted(apple.ok("ps", "-a", "--format", "{{.Names}}", *args).split())

        assert names("label=tier=db") == ["made"]
        assert names("label=tier") == ["made", "up"]
        assert names("name=ad") == ["made"]
        assert names("ancestor=alpine:3") == ["made"]
        assert names("ancestor=busybox") == ["up"]
        assert sorted(apple.ok("ps", "-q", "--filter", "status=created").split()) == ["made"]
        assert names("status=running", "label=tier=web") == ["up"]
        code, _, err = apple.mocker("ps", "--filter", "exited=0")
        assert code == 125 and "the runtime reports no exit codes" in err
        code, _, err = apple.mocker("ps", "--filter", "bogus=1")
        assert code == 1 and "invalid filter 'bogus'" in err
    finally:
        apple.mocker("rm", "-f", "up")
