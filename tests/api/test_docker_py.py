"""docker-py (PyPI ``docker``) as a client of ``mocker system service``."""

from __future__ import annotations

import pytest

docker = pytest.importorskip("docker")


@pytest.fixture
def client(service):
    c = docker.DockerClient(base_url=service.url, version="auto", timeout=60)
    yield c
    c.close()


def test_version_and_ping(client) -> None:
    assert client.ping() is True
    assert client.version()["ApiVersion"] == "1.41"
    assert client.api.api_version == "1.41"


def test_run_returns_output_and_raises_on_failure(client) -> None:
    assert client.containers.run("busybox", ["echo", "hello"], remove=True) == b"hello\n"
    with pytest.raises(docker.errors.ContainerError) as err:
        client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 2"], remove=True, stderr=True)
    assert err.value.exit_status == 2


def test_detached_container_exec_logs_kill_wait(client) -> None:
    c = client.containers.run("busybox", ["sh", "-c", "echo started; sleep 60"], detach=True, name="pyd",
                              labels={"suite": "api"})
    c.reload()
    assert c.status == "running"
    assert [x.name for x in client.containers.list(filters={"label": "suite=api"})] == ["pyd"]
    code, out = c.exec_run(["sh", "-c", "echo $((6*7))"])
    assert (code, out) == (0, b"42\n")
    code, out = c.exec_run(["sh", "-c", "echo oops >&2; exit 5"], demux=True)
    assert code == 5 and out == (None, b"oops\n")
    assert c.logs() == b"started\n"
    c.kill(signal="KILL")
    assert c.wait(timeout=30)["StatusCode"] == 137
    c.remove()
    with pytest.raises(docker.errors.NotFound):
        client.containers.get("pyd")


def test_images_and_volumes(client) -> None:
    img = client.images.get("busybox")
    assert "busybox:latest" in img.tags
    img.tag("again", "v2")
    assert "again:v2" in client.images.get("again:v2").tags
    client.images.remove("again:v2")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("again:v2")
    vol = client.volumes.create("pyvol", labels={"k": "v"})
    assert client.volumes.get("pyvol").attrs["Labels"] == {"k": "v"}
    out = client.containers.run("busybox", ["sh", "-c", "echo x > /v/f; cat /v/f"], remove=True,
                                volumes={"pyvol": {"bind": "/v", "mode": "rw"}})
    assert out == b"x\n"
    vol.remove()
    assert client.volumes.list() == []


def test_errors_are_docker_shaped(client) -> None:
    with pytest.raises(docker.errors.NotFound) as err:
        client.containers.get("nothing-here")
    assert "No such container: nothing-here" in str(err.value)
    with pytest.raises(docker.errors.ImageNotFound):
        client.containers.create("not-pulled:here")
    with pytest.raises(docker.errors.APIError) as err:
        client.plugins.list()
    assert err.value.status_code == 501


@pytest.mark.registry
def test_pull_push_and_registry_data(client, registry: str) -> None:
    from support.registries import unique_repo

    repo = f"{registry}/{unique_repo()}"
    client.images.get("busybox").tag(repo, "py")
    lines = list(client.images.push(repo, tag="py", stream=True, decode=True))
    assert any("digest" in (line.get("aux") or {}) or "Digest" in (line.get("aux") or {}) for line in lines)
    data = client.images.get_registry_data(f"{repo}:py")
    assert data.id.startswith("sha256:")
    assert data.has_platform("linux/amd64") or data.attrs["Platforms"]
    client.images.remove(f"{repo}:py")
    pulled = client.images.pull(repo, tag="py")
    assert f"{repo}:py" in pulled.tags


def test_streamed_logs_follow_until_exit_and_demuxed_exec_stream(client) -> None:
    c = client.containers.run("busybox", ["sh", "-c", "for i in 1 2 3; do echo n$i; sleep 0.2; done"], detach=True)
    lines = list(c.logs(stream=True, follow=True))
    assert b"".join(lines) == b"n1\nn2\nn3\n"
    assert c.wait()["StatusCode"] == 0
    c.remove()
    box = client.containers.run("busybox", ["sleep", "60"], detach=True)
    out = client.api.exec_create(box.id, ["sh", "-c", "echo o; echo e >&2"])
    chunks = list(client.api.exec_start(out["Id"], stream=True, demux=True))
    assert b"".join(c[0] or b"" for c in chunks) == b"o\n"
    assert b"".join(c[1] or b"" for c in chunks) == b"e\n"
    assert client.api.exec_inspect(out["Id"])["ExitCode"] == 0
    box.remove(force=True)


def test_networks_through_the_api(client) -> None:
    from support.networks import free_port

    net = client.networks.create("pynet", labels={"k": "v"})
    assert client.networks.get("pynet").attrs["Labels"] == {"k": "v"}
    assert "pynet" in [n.name for n in client.networks.list()]
    port = free_port()
    srv = client.containers.run("busybox", ["sh", "-c", "mkdir -p /w && echo api-net > /w/index.html && "
                                            "exec httpd -f -p 80 -h /w"], detach=True, name="pysrv",
                                network="pynet", ports={"80/tcp": ("127.0.0.1", port)})
    srv.reload()
    assert srv.attrs["NetworkSettings"]["Ports"]["80/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
    listed = client.api.containers(filters={"name": "pysrv"})[0]
    assert listed["Ports"] == [{"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": port, "Type": "tcp"}]
    assert listed["NetworkSettings"]["Networks"]["pynet"]["IPAddress"]
    out = client.containers.run("busybox", ["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 pysrv 80"],
                                network="pynet", remove=True)
    assert b"api-net" in out
    net.reload()
    assert [c.name for c in net.containers] == ["pysrv"]
    other = client.networks.create("pyother")
    other.connect(srv, aliases=["second"])
    srv.reload()
    assert set(srv.attrs["NetworkSettings"]["Networks"]) == {"pynet", "pyother"}
    other.disconnect(srv)
    with pytest.raises(docker.errors.APIError):
        net.remove()                                # in use
    srv.remove(force=True)
    net.remove()
    assert client.networks.prune()["NetworksDeleted"] == ["pyother"]
    with pytest.raises(docker.errors.NotFound):
        client.networks.get("pynet")
