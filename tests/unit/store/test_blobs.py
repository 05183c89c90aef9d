import hashlib
import os

import pytest

from mocker.errors import DigestMismatch, StoreError
from mocker.store.blobs import BlobStore


@pytest.fixture
def blobs(tmp_path):
    return BlobStore(tmp_path / "blobs" / "sha256", tmp_path / "tmp")


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_put_and_read_round_trip(blobs):
    d = blobs.put(b"hello")
    assert d == digest(b"hello")
    assert blobs.read(d) == b"hello"
    assert blobs.has(d)


def test_mismatched_content_never_becomes_visible(blobs):
    wrong = digest(b"other")
    with pytest.raises(DigestMismatch):
        blobs.put(b"hello", expected=wrong)
    assert not blobs.has(wrong)
    assert not blobs.has(digest(b"hello"))
    assert list(blobs.tmp.iterdir()) == []


def test_interrupted_write_leaves_no_blob_and_no_temp_file(blobs):
    data = b"x" * 1000
    with pytest.raises(KeyboardInterrupt):
        with blobs.writer(digest(data), len(data)) as w:
            w.write(data[:500])
            raise KeyboardInterrupt
    assert not blobs.has(digest(data))
    assert list(blobs.tmp.iterdir()) == []


def test_oversized_blob_is_refused(blobs):
    with pytest.raises(StoreError):
        with blobs.writer(None, 3) as w:
            w.write(b"four")
    assert not blobs.dir.exists() or list(blobs.dir.iterdir()) == []


def test_corrupt_blob_on_disk_is_detected(blobs):
    d = blobs.put(b"payload")
    os.chmod(blobs.path(d), 0o644)
    blobs.path(d).write_bytes(b"tampered")
    with pytest.raises(StoreError, match="corrupt"):
        blobs.read(d)


def test_sweep_removes_only_old_temp_files(blobs):
    blobs.tmp.mkdir(parents=True)
    old = blobs.tmp / "blob-old.partial"
    new = blobs.tmp / "blob-new.partial"
    old.write_bytes(b"a")
    new.write_bytes(b"b")
    os.utime(old, (0, 0))
    assert blobs.sweep_tmp() == 1
    assert not old.exists() and new.exists()


def test_writer_commits_when_the_block_ends_and_aborts_a_short_blob(blobs):
    with blobs.writer() as w:
        w.write(b"abc")
    assert w.digest == digest(b"abc") and blobs.read(w.digest) == b"abc"
    with pytest.raises(StoreError, match="size mismatch"):
        with blobs.writer(None, 10) as w:
            w.write(b"short")
    assert list(blobs.tmp.iterdir()) == []


def test_put_of_a_stored_blob_does_not_write_it_again(blobs):
    d = blobs.put(b"same")
    before = os.stat(blobs.path(d))
    assert blobs.put(b"same") == d
    after = os.stat(blobs.path(d))
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)
