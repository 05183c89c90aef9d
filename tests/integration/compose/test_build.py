"""``build:`` services through the engine's builder (issue #5): default image name, build once,
``up --build`` recreates on a new image, ``compose build`` with ``--build-arg``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from .conftest import Compose

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
