"""Parsed compose files remembered in the store: the same project as a fresh parse, never a stale one."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocker.compose import yaml_cache
from mocker.compose.loader import LoadOptions, load

PROJECT = """
x-base: &base
  image: busybox
  environment: {A: "1"}
services:
  web:
    <<: *base
    command: ["sh", "-c", "echo ${GREETING:-hi}"]
    ports: ["8080:80"]
  db:
    <<: *base
    extends: {file: other.yaml, service: common}
    labels: {n: 1, f: 1.5, on: "on", t: true}
"""
OTHER = "services:\n  common:\n    working_dir: /w\n    volumes: [./data:/data]\n"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    yaml_cache._read.clear()    # as a new process would start
    return root


def _load(d: Path, root: Path | None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    cache = str(root / "cache" / "compose-yaml") if root else None
    yaml_cache._read.clear()
    return load(LoadOptions(cwd=str(d), environ=env or {}, cache_file=cache))


def _write(d: Path, name: str, text: str) -> None:
    (d / name).write_text(text)


def test_a_remembered_parse_gives_the_same_project_as_parsing(tmp_path: Path, store: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    _write(proj, "compose.yaml", PROJECT)
    _write(proj, "other.yaml", OTHER)
    fresh = _load(proj, None, {"GREETING": "yo"})
    first = _load(proj, store, {"GREETING": "yo"})
    assert (store / "cache" / "compose-yaml").is_file()
    again = _load(proj, store, {"GREETING": "yo"})
    assert fresh.model == first.model == again.model
    assert again.services["web"]["command"] == ["sh", "-c", "echo yo"]
    assert again.services["db"]["working_dir"] == "/w"
    # Interpolation comes after the cache: another environment gives another project.
    assert _load(proj, store).services["web"]["command"] == ["sh", "-c", "echo hi"]


def test_a_changed_file_is_parsed_again_even_with_the_same_size_and_time(tmp_path: Path, store: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    _write(proj, "compose.yaml", "services:\n  a:\n    image: one\n")
    assert _load(proj, store).services["a"]["image"] == "one"
    st = (proj / "compose.yaml").stat()
    _write(proj, "compose.yaml", "services:\n  a:\n    image: two\n")
    import os

    os.utime(proj / "compose.yaml", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _load(proj, store).services["a"]["image"] == "two"


def test_reset_and_override_tags_are_parsed_every_time(tmp_path: Path, store: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    _write(proj, "compose.yaml", "services:\n  a:\n    image: x\n    ports: ['80']\n")
    _write(proj, "compose.override.yaml", "services:\n  a:\n    ports: !reset []\n    command: !override [go]\n")
    for _ in range(2):
        svc = _load(proj, store).services["a"]
        assert "ports" not in svc and svc["command"] == ["go"]


def test_a_damaged_cache_file_is_ignored_and_replaced(tmp_path: Path, store: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    _write(proj, "compose.yaml", "services:\n  a:\n    image: x\n")
    (store / "cache").mkdir()
    (store / "cache" / "compose-yaml").write_bytes(b"\x00garbage")
    assert _load(proj, store).services["a"]["image"] == "x"
    assert _load(proj, store).services["a"]["image"] == "x"


def test_nothing_is_written_without_a_store_and_the_cache_stays_bounded(tmp_path: Path, store: Path) -> None:
    proj = tmp_path / "p"
    proj.mkdir()
    _write(proj, "compose.yaml", "services:\n  a:\n    image: x\n")
    _load(proj, tmp_path / "no-store")
    assert not (tmp_path / "no-store").exists()
    for i in range(yaml_cache.MAX + 5):
        d = tmp_path / f"p{i}"
        d.mkdir()
        _write(d, "compose.yaml", f"services:\n  s{i}:\n    image: x\n")
        _load(d, store)
    yaml_cache._read.clear()
    assert len(yaml_cache._load(str(store / "cache" / "compose-yaml"))) == yaml_cache.MAX
