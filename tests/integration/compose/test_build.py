"""``build:`` services through the engine's builder (issue #5): default image name, build once,
``up --build`` recreates on a new image, ``compose build`` with ``--build-arg``. Before the builder
exists, a service that needs a build is refused with exit 125."""

from __future__ import annotations

import importlib.util
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Compose

HAS_BUILD = importlib.util.find_spec("mocker.engine.build") is not None

FILE = """
services:
  app:
    build:
      context: ./app
      args: [GREETING=from-file]
    command: cat /greeting
"""


def _write(project_dir: Path) -> None:
    (project_dir / "app").mkdir()
    (project_dir / "app" / "Dockerfile").write_text(
        "FROM busybox:latest\nARG GREETING=none\nRUN echo \"$GREETING\" > /greeting\n")
    (project_dir / "compose.yaml").write_text(FILE)


@pytest.mark.skipif(HAS_BUILD, reason="the engine has a builder")
def test_build_is_refused_before_the_builder_exists(compose: Compose, project_dir: Path) -> None:
    _write(project_dir)
    out = compose("up", "-d", check=False)
    assert out.returncode == 125
    assert "services.app.build is not supported by mocker" in out.stderr
    assert compose("build", check=False).returncode == 125


@pytest.mark.skipif(not HAS_BUILD, reason="the engine has no builder yet (issue #5)")
def test_up_builds_a_missing_image_once_and_up_build_rebuilds(
        compose: Compose, project_dir: Path, run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    _write(project_dir)
    first = compose("up", "--abort-on-container-exit")
    assert " app  Built" in first.stderr
    assert "app-1  | from-file" in first.stdout
    assert "proj-app:latest" in run_mocker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    again = compose("up", "-d")
    assert "Built" not in again.stderr
    compose("build", "--build-arg", "GREETING=from-flag", "app")
    out = compose("up", "--abort-on-container-exit")          # a new image: the container is recreated
    assert "app-1  | from-flag" in out.stdout
    rebuilt = compose("up", "--build", "--abort-on-container-exit")
    assert " app  Built" in rebuilt.stderr and "app-1  | from-file" in rebuilt.stdout
    compose("down", "--rmi", "local")
    assert "proj-app" not in run_mocker("images", "--format", "{{.Repository}}").stdout.split()
