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
import time

from mocker.errors import DigestMismatch, InvalidArgument, StoreError

# Reading a blob is on a cached rebuild's path: text paths, no ``pathlib``/``re``/``hashlib`` there
# (``Path`` objects are made only for the callers that ask for them).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from types import TracebackType
    from typing import IO, BinaryIO

_HEX = frozenset("0123456789abcdef")
_SMALL = 1 << 20  # up to this size, CPython's own SHA-256 (no OpenSSL load): mocker.shortsha


def check_digest(digest: str) -> str:
    """``sha256:`` and 64 lower-case hex digits (the only algorithm mocker stores)."""
    if not (len(digest) == 71 and digest.startswith("sha256:") and _HEX.issuperset(digest[7:])):
        raise InvalidArgument(f"invalid digest: {digest!r}")
    return digest


def sha256_digest(data: bytes) -> str:
    if len(data) <= _SMALL:
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
        import hashlib
        import tempfile
        from pathlib import Path

        store.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="blob-", suffix=".partial", dir=store.tmp)
        self._file: IO[bytes] = os.fdopen(fd, "wb")
        self._tmp = Path(name)
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


class _Writing:
    """The context manager of :meth:`BlobStore.writer` (a class: no ``contextlib`` on start-up paths)."""

    __slots__ = ("expected", "size", "store", "w")

    def __init__(self, store: BlobStore, expected: str | None, size: int | None) -> None:
        self.store = store
        self.expected = expected
        self.size = size
        self.w: BlobWriter | None = None

    def __enter__(self) -> BlobWriter:
        self.w = BlobWriter(self.store, self.expected, self.size)
        return self.w

    def __exit__(self, typ: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        w = self.w
        if w is None:       # __enter__ failed before there was a writer: nothing to abort or commit
            return
        if typ is not None:
            w.abort()
            return
        try:
            if w.digest is None:
                w.commit()
        except BaseException:
            w.abort()
            raise


class BlobStore:
    def __init__(self, blobs_dir: str | os.PathLike[str], tmp_dir: str | os.PathLike[str]) -> None:
        self._dir = os.fspath(blobs_dir)
        self._tmp = os.fspath(tmp_dir)

    @property
    def dir(self) -> Path:
        from pathlib import Path

        return Path(self._dir)

    @property
    def tmp(self) -> Path:
        from pathlib import Path

        return Path(self._tmp)

    def path(self, digest: str) -> Path:
        from pathlib import Path

        return Path(self._text(digest))

    def _text(self, digest: str) -> str:
        check_digest(digest)
        return os.path.join(self._dir, digest[7:])

    def has(self, digest: str) -> bool:
        return os.path.isfile(self._text(digest))

    def size(self, digest: str) -> int:
        return os.stat(self._text(digest)).st_size

    def open(self, digest: str) -> BinaryIO:
        try:
            return open(self._text(digest), "rb")  # noqa: SIM115 - caller closes
        except FileNotFoundError:
            raise StoreError(f"blob {digest} is missing from the store") from None

    def read(self, digest: str) -> bytes:
        with self.open(digest) as f:
            data = f.read()
        if sha256_digest(data) != digest:
            raise StoreError(f"blob {digest} in the store is corrupt")
        return data

    def writer(self, expected: str | None = None, size: int | None = None) -> _Writing:
        """Write a blob (``with blobs.writer() as w``); it is committed when the block ends without
        ``commit`` having been called. Any exception (including KeyboardInterrupt) removes the partial
        file."""
        return _Writing(self, expected, size)

    def put(self, data: bytes, expected: str | None = None) -> str:
        if expected is not None and self.has(expected):
            return expected
        if expected is None:  # content-addressed: a blob already stored is not written (and synced) again
            digest = sha256_digest(data)
            if self.has(digest):
                return digest
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
