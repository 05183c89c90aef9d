"""The store handle every engine function works on: paths, the metadata DB and the blob store.

Start-up cost: ``images`` opens a store and reads only the DB, so opening works on text paths and the
blob store (hashlib), ``json``, ``tempfile``, ``pathlib`` and the lock module are imported when first used.
"""

from __future__ import annotations

import os

from mocker.store.db import connect
from mocker.store.paths import DB_FILE, INDEX_FILE, OCI_LAYOUT_FILE, StorePaths

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3
    from contextlib import AbstractContextManager
    from pathlib import Path

    from mocker.store.blobs import BlobStore

OCI_LAYOUT = {"imageLayoutVersion": "1.0.0"}
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"


class Store:
    def __init__(self, paths: StorePaths) -> None:
        self.paths = paths
        self._blobs: BlobStore | None = None
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(cls, root: str | os.PathLike[str] | None = None) -> Store:
        paths = StorePaths.at(root)
        os.makedirs(paths.text(), mode=0o711, exist_ok=True)
        if not os.path.exists(paths.text(OCI_LAYOUT_FILE)):
            import json

            atomic_write(paths.oci_layout, json.dumps(OCI_LAYOUT).encode())
        if not os.path.exists(paths.text(INDEX_FILE)):
            atomic_write(paths.index_json, _index_bytes([]))
        return cls(paths)

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            from mocker.store.blobs import BlobStore

            self._blobs = BlobStore(self.paths.text("blobs", "sha256"), self.paths.text("tmp"))
        return self._blobs

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = connect(self.paths.text(DB_FILE))
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def lock(self, *, shared: bool = False) -> AbstractContextManager[None]:
        from mocker.store.locks import file_lock

        return file_lock(self.paths.text("store.lock"), shared=shared)

    def write_index(self, manifests: list[dict[str, object]]) -> None:
        """Rewrite the OCI layout's index.json (atomically) so outside tools see the tagged images."""
        atomic_write(self.paths.index_json, _index_bytes(manifests))


def _index_bytes(manifests: list[dict[str, object]]) -> bytes:
    import json

    doc = {"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": manifests}
    return json.dumps(doc, indent=2).encode() + b"\n"


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write-then-rename: readers see the old or the new file, never half of one."""
    import tempfile
    from pathlib import Path

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
