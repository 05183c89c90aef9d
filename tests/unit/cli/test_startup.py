"""Start-up: what ``mocker images`` and ``mocker --version`` import (facts, not timings).

Each check runs in a fresh interpreter, since this test process has long imported everything. The
lists name modules that cost milliseconds to import and that these commands do not need (see
STYLE.md, "Start-up: lazy imports"); a new import on the path makes the test fail with its name.
"""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
from pathlib import Path

import mocker
from mocker.cli.main import main

# The subprocess imports the same mocker as this test (working tree or installed copy).
SOURCE_ROOT = str(Path(mocker.__file__).resolve().parent.parent)

# Heavy for `images`: dependencies, and stdlib modules that pull in many others or cost ms each.
IMAGES_MUST_NOT_IMPORT = (
    "dataclasses", "decimal", "httpx", "yaml", "zstandard", "tempfile", "shutil", "lzma", "bz2",
    "inspect", "hashlib", "json", "pathlib", "urllib.parse", "ipaddress", "unicodedata", "typing", "re",
)
# `--version` needs the flag parser and nothing else.
VERSION_MUST_NOT_IMPORT = (*IMAGES_MUST_NOT_IMPORT, "sqlite3", "datetime", "mocker.store.store", "mocker.format.table")


def loaded_after(argv: list[str], names: tuple[str, ...], tmp_path: Path) -> list[str]:
    """Run ``main(argv)`` in a new interpreter; the modules of ``names`` it left in ``sys.modules``."""
    code = (  # imports nothing itself but sys (already loaded at start-up)
        "import sys\n"
        "from mocker.cli.main import main\n"
        f"code = main({argv!r}, stdout=open({str(tmp_path / 'out')!r}, 'w'))\n"
        f"print(repr([code, sorted(m for m in {names!r} if m in sys.modules)]))\n"
    )
    env = {**os.environ, "PYTHONPATH": SOURCE_ROOT}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                          env=env)
    status, loaded = ast.literal_eval(proc.stdout)
    assert status == 0, proc.stderr
    return list(loaded)


def test_images_on_empty_store_leaves_heavy_modules_unloaded(tmp_path: Path) -> None:
    root = str(tmp_path / "root")
    # Creating the store (its first command) writes oci-layout and index.json atomically, which may
    # import tempfile and json; every later run only reads the DB, and that is what is checked.
    assert main(["--root", root, "images"], stdout=io.StringIO()) == 0
    assert loaded_after(["--root", root, "images"], IMAGES_MUST_NOT_IMPORT, tmp_path) == []
    assert (tmp_path / "out").read_text().startswith("REPOSITORY")


def test_version_imports_only_the_flag_parser(tmp_path: Path) -> None:
    assert loaded_after(["--version"], VERSION_MUST_NOT_IMPORT, tmp_path) == []
