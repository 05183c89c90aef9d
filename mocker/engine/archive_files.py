"""Reading an image archive safely: entries are spooled to numbered temp files, never written under
their own names, so ``..``, absolute names and escaping links cannot reach outside (used by ``load``)."""

from __future__ import annotations

import json
import posixpath
import shutil
import tarfile
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from mocker.errors import (
    InvalidArgument,
    MockerError,
    UnsafeArchiveEntry,
)

CONTAINERD_NAME = "io.containerd.image.name"
# BuildKit's attestation manifests sit in an index beside the images; they are not images.
REFERENCE_TYPE = "vnd.docker.reference.type"
_CHUNK = 1 << 20
_MAX_LINK_HOPS = 40


def _blob_path(digest: str) -> str:
    return "blobs/sha256/" + digest.split(":", 1)[1]


# ---- reading an archive ----------------------------------------------------------------------


def _clean(name: str, what: str = "entry") -> str:
    """An archive path, normalised; absolute names and ``..`` are refused."""
    if "\0" in name:
        raise UnsafeArchiveEntry(f"invalid archive: {what} {name!r} has a NUL byte in its name")
    if name.startswith("/"):
        raise UnsafeArchiveEntry(f"invalid archive: {what} {name!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchiveEntry(f"invalid archive: {what} {name!r} leaves the archive")
    return "/".join(parts)


class ArchiveFiles:
    """The regular files of a tar archive, by archive path, spooled under generated names."""

    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.files: dict[str, Path] = {}
        self.links: dict[str, str] = {}

    @classmethod
    def read(cls, stream: IO[bytes], spool: Path) -> ArchiveFiles:
        from mocker.image.compression import open_layer

        archive = cls(spool)
        try:
            plain = open_layer(cast(BinaryIO, stream), None)  # docker load takes gzip/bzip2/xz/zstd archives too
            with tarfile.open(fileobj=plain, mode="r|", errors="surrogateescape") as tar:
                for member in tar:
                    archive._add(tar, member)
        except tarfile.ReadError as e:
            text = str(e)
            if text == "empty file":
                raise InvalidArgument("invalid archive: the input is empty") from None
            if "invalid header" in text or "bad checksum" in text or "truncated header" in text:
                raise InvalidArgument(f"invalid archive: not a tar archive ({text})") from None
            raise InvalidArgument(f"invalid archive: {text}") from None
        except tarfile.TarError as e:
            raise InvalidArgument(f"invalid archive: {e}") from None
        except InvalidArgument as e:
            if e.message.startswith("invalid compressed layer data"):  # said of the whole archive here
                raise InvalidArgument(e.message.replace("invalid compressed layer data", "invalid archive: "
                                                        "invalid compressed data", 1)) from None
            raise
        return archive

    def _add(self, tar: tarfile.TarFile, member: tarfile.TarInfo) -> None:
        name = _clean(member.name)
        if member.isdir():
            return
        parent, _, base = name.rpartition("/")
        if parent:
            # "link/file" with "link" a symlink to a directory is that directory's file, as in tar.
            name = f"{self.resolve(parent) or ''}/{base}".lstrip("/")
        if member.isreg():
            path = self.spool / f"f{len(self.files):06d}"
            src = tar.extractfile(member)
            assert src is not None
            with src, open(path, "xb") as dst:
                shutil.copyfileobj(src, dst, _CHUNK)
            self.links.pop(name, None)
            self.files[name] = path
        elif member.issym():
            target = member.linkname
            if target.startswith("/"):
                raise UnsafeArchiveEntry(f"invalid archive: symlink {name!r} points outside the archive")
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if joined == ".." or joined.startswith("../"):
                raise UnsafeArchiveEntry(f"invalid archive: symlink {name!r} points outside the archive")
            self.files.pop(name, None)
            self.links[name] = "" if joined == "." else joined
        elif member.islnk():
            linked = self.resolve(_clean(member.linkname, "hard link target"))
            if linked is None or linked not in self.files:
                raise InvalidArgument(f"invalid archive: hard link {name!r} to a missing file")
            self.links.pop(name, None)
            self.files[name] = self.files[linked]
        else:
            raise InvalidArgument(f"invalid archive: {name!r} is not a regular file, directory or link")

    def resolve(self, name: str) -> str | None:
        """``name`` with every symlink on its path followed (lexically, inside the archive)."""
        parts = [p for p in name.split("/") if p not in ("", ".")]
        done: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == "..":
                if not done:
                    return None
                done.pop()
                continue
            done.append(part)
            here = "/".join(done)
            if here in self.links:
                hops += 1
                if hops > _MAX_LINK_HOPS:
                    raise InvalidArgument(f"invalid archive: too many levels of symbolic links in {name!r}")
                target = self.links[here]
                parts = [p for p in target.split("/") if p] + parts
                done = []
        return "/".join(done)

    def has(self, name: str) -> bool:
        try:
            resolved = self.resolve(_clean(name))
        except MockerError:
            return False
        return resolved is not None and resolved in self.files

    def path(self, name: str) -> Path:
        resolved = self.resolve(_clean(name, "path"))
        if resolved is None or resolved not in self.files:
            raise InvalidArgument(f"invalid archive: {name} is missing")
        return self.files[resolved]

    def read_bytes(self, name: str) -> bytes:
        return self.path(name).read_bytes()

    def read_json(self, name: str) -> Any:
        try:
            return json.loads(self.read_bytes(name))
        except (ValueError, UnicodeDecodeError) as e:
            raise InvalidArgument(f"invalid archive: {name} is not valid JSON: {e}") from None
