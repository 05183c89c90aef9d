"""File locks between mocker processes: flock on an open file, released when it is closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocker.store.locks import file_lock, try_file_lock


def test_try_lock_fails_while_held_and_succeeds_after(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "store.lock"  # the directory is made on first use
    with file_lock(path):
        with try_file_lock(str(path)) as got:
            assert got is False
    with try_file_lock(path) as got:
        assert got is True
        with try_file_lock(path) as again:
            assert again is False


def test_shared_locks_exclude_an_exclusive_one_only(tmp_path: Path) -> None:
    path = str(tmp_path / "store.lock")
    with file_lock(path, shared=True), file_lock(path, shared=True):
        with try_file_lock(path) as got:
            assert got is False
    with try_file_lock(path) as got:
        assert got is True


def test_an_exception_in_the_block_releases_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "store.lock"
    with pytest.raises(KeyError):
        with file_lock(path):
            raise KeyError("x")
    with try_file_lock(path) as got:
        assert got is True
