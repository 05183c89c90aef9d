"""Contract tests of the apple backend against a FAKE ``container`` CLI (tests/support/fake_container/).

Apple's CLI cannot run on Linux; the fake answers in the documented JSON shapes and exit codes and
records every argv, so these tests check what mocker sends and how it reads the answers — not Apple's
runtime itself. Every test name contains ``fake_apple_cli``.

``apple`` (fixture): ``apple.mocker("ps", "-a")`` runs mocker in process with the apple backend
selected and returns ``(code, stdout, stderr)``; ``apple.calls("create")`` lists the argv lists
(without the executable) the fake received for that subcommand; ``apple.fake(...)`` runs the fake
directly (containers made "outside mocker"); ``apple.version`` is the fake's version (1.2.2 unless a
test sets ``FAKE_CONTAINER_VERSION`` with the ``apple_version`` marker).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.apple import Apple


@pytest.fixture
def apple(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Apple:
    marker = request.node.get_closest_marker("apple_version")
    version = marker.args[0] if marker else "1.2.2"
    return Apple(tmp_path, version, monkeypatch)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "apple_version(v): the fake container CLI's version for this test")
