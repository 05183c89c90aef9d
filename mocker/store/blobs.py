"""Content-addressed blobs: the ``blobs/sha256`` directory of the OCI layout.

A blob becomes visible only under the name of its verified content: it is written to a temp file in
the store's ``tmp`` directory, hashed while written, fsynced and then renamed. A crash or Ctrl-C at any
point leaves at most an orphan temp file (swept by :func:`BlobStore.sweep_tmp`), never a blob whose
name does not match its content.

Start-up cost: ``tempfile`` (which pulls in ``random``, ``shutil``, ``bz2``, ``lzma``) is imported by the
writer that needs it, not with the module.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO

from mocker.errors import DigestMismatch, InvalidArgument, StoreError

_DIGEST_RE = re.compile(r"^sha256:[a-f0-9]{64}$")


def check_digest(digest: str) -> str:
    if not _DIGEST_RE.match(digest):
        raise InvalidArgument(f"invalid digest: {digest!r}")
    return digest


def sha256_digest(data: bytes) -> str:
    if len(data) < 1 << 20:     # manifests and configs, read on the run path: no OpenSSL load
        from mocker.shortsha import sha256_hex

        return "sha256:" + sha256_hex(data)
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


class BlobWriter:
    """A blob being written. Use through :meth:`BlobStore.writer`; ``commit`` makes it visible."""

    def __init__(self, store: BlobStore, expected: str | None, expected_size: int | None) -> None:
        self._store = store
        self.expected = check_digest(expected) if expected else None
        self.expected_size = expected_size
        import tempfile

        store.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="blob-", suffix=".partial", dir=store.tmp)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._tmp = Path(name)
        import hashlib

        self._hash = hashlib.sha256()
        self.size = 0
        self.digest: str | None = None

    def write(self, data: bytes) -> int:
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)
        if self.expected_size is not None and self.size > self.expected_size:
            raise StoreError(
                f"blob {self.expected or ''} is larger than its descriptor says ({self.expected_size} bytes)"
            )
        return len(data)

    def commit(self) -> str:
        digest = "sha256:" + self._hash.hexdigest()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self.expected is not None and digest != self.expected:
            self.abort()
            raise DigestMismatch(self.expected, digest)
        if self.expected_size is not None and self.size != self.expected_size:
            self.abort()
            raise StoreError(
                f"size mismatch for {digest}: expected {self.expected_size} bytes, got {self.size}"
            )
        final = self._store.path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self._tmp, 0o644)
        os.replace(self._tmp, final)
        _fsync_dir(final.parent)
        self.digest = digest
        return digest

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, blobs_dir: Path, tmp_dir: Path) -> None:
        self.dir = blobs_dir
        self.tmp = tmp_dir

    def path(self, digest: str) -> Path:
        check_digest(digest)
        return self.dir / digest.split(":", 1)[1]

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self.path(digest), "rb")  # noqa: SIM115 - caller closes
        except FileNotFoundError:
            raise StoreError(f"blob {digest} is missing from the store") from None

    def read(self, digest: str) -> bytes:
        with self.open(digest) as f:
            data = f.read()
        if sha256_digest(data) != digest:
            raise StoreError(f"blob {digest} in the store is corrupt")
        return data

    @contextmanager
    def writer(self, expected: str | None = None, size: int | None = None) -> Iterator[BlobWriter]:
        """Write a blob; it is committed when the block ends without ``commit`` having been called.

        Any exception (including KeyboardInterrupt) removes the partial file.
        """
        w = BlobWriter(self, expected, size)
        try:
            yield w
            if w.digest is None:
                w.commit()
        except BaseException:
            w.abort()
            raise

    def put(self, data: bytes, expected: str | None = None) -> str:
        if expected is not None and self.has(expected):
            return expected
        with self.writer(expected, len(data)) as w:
            w.write(data)
            return w.commit()

    def put_stream(self, stream: BinaryIO, expected: str | None = None, size: int | None = None) -> str:
        with self.writer(expected, size) as w:
            while chunk := stream.read(1 << 20):
                w.write(chunk)
            return w.commit()

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)

    def all(self) -> Iterator[str]:
        if not self.dir.is_dir():
            return
        for p in self.dir.iterdir():
            if len(p.name) == 64:
                yield "sha256:" + p.name

    def sweep_tmp(self, older_than: float = 3600.0) -> int:
        """Remove temp files left by killed processes (only old ones: a live pull may own the rest)."""
        removed = 0
        if not self.tmp.is_dir():
            return 0
        cutoff = time.time() - older_than
        for p in self.tmp.iterdir():
            try:
                if p.name.startswith("blob-") and p.stat().st_mtime < cutoff:
                    p.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
        return removed
