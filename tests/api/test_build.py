"""``POST /build`` through the socket: the docker CLI's classic builder (``DOCKER_BUILDKIT=0``),
docker-py's ``images.build``, and the raw wire (JSON progress, refused parameters)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from support.api import request


def _context(tmp_path: Path, dockerfile: str, files: dict[str, str] | None = None) -> Path:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(dockerfile)
    for name, text in (files or {}).items():
        (ctx / name).write_text(text)
    return ctx


def _build(docker_cli, service, *args: str, check: bool = True):
    env = dict(service.env, DOCKER_HOST=service.url, DOCKER_BUILDKIT="0")
    return docker_cli("build", *args, check=check, env=env, timeout=180)


def test_docker_build_classic_tags_args_labels_and_runs_the_image(docker_cli, service, tmp_path: Path) -> None:
    ctx = _context(tmp_path, "FROM busybox\nARG WHO=nobody\nCOPY greeting.txt /g.txt\n"
                             "RUN echo \"built for $WHO\" > /who.txt\nCMD [\"cat\", \"/g.txt\", \"/who.txt\"]\n",
                   {"greeting.txt": "hello from the context\n"})
    out = _build(docker_cli, service, "-t", "built:one", "-t", "built:two", "--build-arg", "WHO=api",
                 "--label", "suite=api", str(ctx))
    assert "Step 1/5 : FROM busybox" in out.stdout
    assert "Step 4/5 : RUN echo" in out.stdout
    assert "Successfully built " in out.stdout
    assert "Successfully tagged built:one" in out.stdout and "Successfully tagged built:two" in out.stdout
    run = docker_cli("run", "--rm", "built:two")
    assert run.stdout == "hello from the context\nbuilt for api\n"
    labels = json.loads(docker_cli("image", "inspect", "-f", "{{json .Config.Labels}}", "built:one").stdout)
    assert labels == {"suite": "api"}
    # the same engine as `mocker build`: the second build is all cache hits
    again = _build(docker_cli, service, "-t", "built:one", "--build-arg", "WHO=api", "--label", "suite=api", str(ctx))
    assert again.stdout.count("Using cache") == 4
    quiet = _build(docker_cli, service, "-q", "-f", str(ctx / "Dockerfile"), "--build-arg", "WHO=api",
                   "--label", "suite=api", str(ctx))
    image_id = quiet.stdout.strip()
    assert image_id.startswith("sha256:") and "\n" not in image_id and "Step" not in quiet.stdout
    assert docker_cli("image", "inspect", "-f", "{{.Config.Labels.suite}}", image_id).stdout == "api\n"


def test_docker_build_failure_is_reported_and_tags_nothing(docker_cli, service, tmp_path: Path) -> None:
    ctx = _context(tmp_path, "FROM busybox\nRUN echo about to fail && exit 3\n")
    out = _build(docker_cli, service, "-t", "never:made", str(ctx), check=False)
    assert out.returncode != 0
    assert "about to fail" in out.stdout
    assert "returned a non-zero code: 3" in out.stderr
    assert docker_cli("images", "-q", "never:made").stdout == ""


def test_docker_build_target_and_other_dockerfile(docker_cli, service, tmp_path: Path) -> None:
    ctx = _context(tmp_path, "FROM busybox\n")
    (ctx / "Other.dockerfile").write_text("FROM busybox AS first\nRUN echo first > /stage\n"
                                          "FROM busybox AS second\nRUN echo second > /stage\n")
    _build(docker_cli, service, "-f", str(ctx / "Other.dockerfile"), "--target", "first", "-t", "staged", str(ctx))
    assert docker_cli("run", "--rm", "staged", "cat", "/stage").stdout == "first\n"


def test_unsupported_build_settings_are_refused(docker_cli, service, tmp_path: Path) -> None:
    ctx = _context(tmp_path, "FROM busybox\n")
    out = _build(docker_cli, service, "--memory", "64m", str(ctx), check=False)
    assert out.returncode != 0
    assert "is not supported by mocker" in out.stderr
    out = _build(docker_cli, service, "--squash", str(ctx), check=False)
    assert "squash" in out.stderr and out.returncode != 0


def test_rm_false_keeps_the_step_containers(docker_cli, service, tmp_path: Path) -> None:
    ctx = _context(tmp_path, "FROM busybox\nRUN echo kept > /k\n")
    _build(docker_cli, service, "--rm=false", "--no-cache", str(ctx))
    assert len(docker_cli("ps", "-aq").stdout.split()) == 1
    _build(docker_cli, service, "--no-cache", str(ctx))
    assert len(docker_cli("ps", "-aq").stdout.split()) == 1


def _tar(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_wire_messages_stream_aux_and_error(service) -> None:
    body = _tar({"Dockerfile": "FROM busybox\nRUN echo on the wire\n"})
    status, headers, data = request(service.socket, "POST", "/v1.41/build?t=wire&q=0", body,
                                    {"Content-Type": "application/x-tar"})
    assert status == 200
    msgs = [json.loads(line) for line in data.splitlines() if line.strip()]
    assert msgs[0] == {"stream": "Step 1/2 : FROM busybox\n"}
    assert {"stream": "on the wire\n"} in msgs
    aux = [m["aux"]["ID"] for m in msgs if "aux" in m]
    assert len(aux) == 1 and aux[0].startswith("sha256:")
    assert msgs[-1] == {"stream": "Successfully tagged wire:latest\n"}
    # a failing step after output began: 200, then Docker's error message in the stream
    body = _tar({"Dockerfile": "FROM busybox\nRUN exit 4\n"})
    status, _, data = request(service.socket, "POST", "/build", body, {"Content-Type": "application/x-tar"})
    msgs = [json.loads(line) for line in data.splitlines() if line.strip()]
    assert status == 200 and "returned a non-zero code: 4" in msgs[-1]["error"]
    assert msgs[-1]["errorDetail"]["message"] == msgs[-1]["error"]
    # before anything was built: an HTTP status
    status, _, data = request(service.socket, "POST", "/build?dockerfile=Nope", body,
                              {"Content-Type": "application/x-tar"})
    assert status == 400 and "Cannot locate specified Dockerfile: Nope" in json.loads(data)["message"]
    status, _, data = request(service.socket, "POST", "/build?shmsize=1000000", body)
    assert status == 501 and "not supported by mocker" in json.loads(data)["message"]
    status, _, data = request(service.socket, "POST", "/build", b"not a tar at all" * 100)
    assert status == 400


def test_docker_py_images_build(service) -> None:
    docker = pytest.importorskip("docker")
    client = docker.DockerClient(base_url=service.url, version="auto", timeout=120)
    try:
        df = io.BytesIO(b"FROM busybox\nARG X\nRUN echo \"x=$X\" > /x\n")
        image, logs = client.images.build(fileobj=df, tag="pybuilt:1", buildargs={"X": "7"}, labels={"a": "b"})
        assert "pybuilt:1" in image.tags
        assert image.labels == {"a": "b"}
        assert any("Step 3/3" in chunk.get("stream", "") for chunk in logs)
        assert client.containers.run("pybuilt:1", ["cat", "/x"], remove=True) == b"x=7\n"
        with pytest.raises(docker.errors.BuildError) as err:
            client.images.build(fileobj=io.BytesIO(b"FROM busybox\nRUN false\n"))
        assert "returned a non-zero code: 1" in str(err.value)
    finally:
        client.close()


@pytest.mark.registry
def test_from_a_private_registry_uses_x_registry_config(docker_cli, service, auth_registry, tmp_path: Path) -> None:
    from support.registries import unique_repo

    repo = f"{auth_registry.host}/{unique_repo()}"
    docker_cli("login", "-u", auth_registry.user, "--password-stdin", auth_registry.host,
               input=auth_registry.password + "\n")
    docker_cli("tag", "busybox", f"{repo}:base")
    docker_cli("push", f"{repo}:base", timeout=120)
    docker_cli("rmi", f"{repo}:base")
    ctx = _context(tmp_path, f"FROM {repo}:base\nRUN echo private > /p\n")
    _build(docker_cli, service, "-t", "fromprivate", str(ctx))
    assert docker_cli("run", "--rm", "fromprivate", "cat", "/p").stdout == "private\n"
    docker_cli("logout", auth_registry.host)
    docker_cli("rmi", f"{repo}:base")
    out = _build(docker_cli, service, "--no-cache", "-t", "fromprivate2", str(ctx), check=False)
    assert out.returncode != 0
    assert f"failed to resolve source metadata for {repo}:base" in out.stderr
