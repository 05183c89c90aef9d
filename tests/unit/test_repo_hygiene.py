"""The tree itself: no merge-conflict markers left in tracked files (many branches merge here)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(rb"^(<{7} |>{7} |={7}$)", re.MULTILINE)


def test_no_conflict_markers_in_tracked_files():
    try:
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    bad = []
    for name in filter(None, files.decode().split("\0")):
        path = ROOT / name
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if b"\0" not in data[:4096] and MARKER.search(data):
                bad.append(name)
    assert bad == []


def test_no_test_directory_is_left_out_of_collection():
    """pytest's default ``norecursedirs`` skips directories named ``build``: tests/unit/build and
    tests/integration/build went uncollected by ``pytest tests`` until pyproject set its own list."""
    import fnmatch
    import tomllib

    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    patterns = options.get("norecursedirs")
    assert patterns is not None, "without norecursedirs, pytest's default list skips tests/*/build"
    skipped = [str(d.relative_to(ROOT)) for d in (ROOT / "tests").rglob("*")
               if d.is_dir() and d.name != "__pycache__" and any(fnmatch.fnmatch(d.name, p) for p in patterns)]
    assert skipped == []
