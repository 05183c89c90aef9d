"""Layer (de)compression and the hashing streams that give layers their digests.

A layer blob is a tar stream, possibly compressed. What it *is* is decided by its first bytes, as
moby's ``archive.DecompressStream`` and containerd's ``compression.DecompressStream`` do: registries
and tools mislabel blobs often enough (a ``+gzip`` media type on a plain tar, ``docker save`` layers
with no media type at all) that the media type only tells us the blob is meant to be a layer.

The digests (``diff_id`` of the tar, ``digest`` of the blob) are computed while the bytes stream
through, so a multi-gigabyte layer is read exactly once.
"""

from __future__ import annotations

import bz2
import enum
import gzip
import hashlib
import io
import lzma
import os
import re
import zlib
from collections.abc import Callable
from typing import BinaryIO, Protocol, cast

from mocker.errors import InvalidArgument
from mocker.image import manifest

# Media types as the OCI image spec and Docker's manifest v2 schema 2 spell them.
MEDIA_TYPE_OCI_LAYER = manifest.OCI_LAYER
MEDIA_TYPE_OCI_LAYER_GZIP = manifest.OCI_LAYER_GZIP
MEDIA_TYPE_OCI_LAYER_ZSTD = manifest.OCI_LAYER_ZSTD
MEDIA_TYPE_DOCKER_LAYER = manifest.DOCKER_LAYER
MEDIA_TYPE_DOCKER_LAYER_GZIP = manifest.DOCKER_LAYER_GZIP
MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP = manifest.DOCKER_FOREIGN_LAYER

_CHUNK = 1 << 20


class Compression(enum.StrEnum):
    """How a layer blob is compressed; ``NONE`` is a plain tar."""

    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"
    BZIP2 = "bzip2"
    XZ = "xz"


# Magic numbers, longest first is not needed: none is a prefix of another.
_MAGIC: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b", Compression.GZIP),
    (b"\x28\xb5\x2f\xfd", Compression.ZSTD),
    (b"BZh", Compression.BZIP2),
    (b"\xfd7zXZ\x00", Compression.XZ),
)
_MAGIC_LEN = max(len(magic) for magic, _ in _MAGIC)

# application/vnd.oci.image.layer.v1.tar[+gzip|+zstd], and the non-distributable variants
# (application/vnd.oci.image.layer.nondistributable.v1.tar...), deprecated but still served.
_OCI_LAYER = re.compile(r"application/vnd\.oci\.image\.layer\.(?:nondistributable\.)?v1\.tar(?:\+(\w+))?")
# application/vnd.docker.image.rootfs[.foreign].diff.tar[.gzip|.zstd]
_DOCKER_LAYER = re.compile(r"application/vnd\.docker\.image\.rootfs\.(?:foreign\.)?diff\.tar(?:\.(\w+))?")
_SUFFIXES = {None: Compression.NONE, "gzip": Compression.GZIP, "zstd": Compression.ZSTD}


def compression_of_media_type(media_type: str) -> Compression:
    """The compression a layer media type declares; ``InvalidArgument`` if it is not a layer we read.

    Encrypted (``+encrypted``) and other exotic suffixes are refused here rather than failing later
    as "invalid tar header", which would hide the reason.
    """
    for pattern in (_OCI_LAYER, _DOCKER_LAYER):
        match = pattern.fullmatch(media_type.split(";", 1)[0].strip())
        if match:
            suffix = match.group(1)
            if suffix in _SUFFIXES:
                return _SUFFIXES[suffix]
            break
    raise InvalidArgument(f"unsupported layer media type: {media_type}")


def detect_compression(head: bytes) -> Compression:
    """Compression of a blob from its first bytes (at least 6 for xz; fewer is fine at EOF)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if len(head) >= 4 and head[0] & 0xF0 == 0x50 and head[1:4] == b"\x2a\x4d\x18":
        return Compression.ZSTD  # a zstd skippable frame (metadata) may come first
    return Compression.NONE


def media_type_for(compression: Compression) -> str:
    """The OCI layer media type for blobs mocker writes."""
    if compression is Compression.NONE:
        return MEDIA_TYPE_OCI_LAYER
    if compression is Compression.GZIP:
        return MEDIA_TYPE_OCI_LAYER_GZIP
    if compression is Compression.ZSTD:
        return MEDIA_TYPE_OCI_LAYER_ZSTD
    raise InvalidArgument(f"mocker does not write {compression} layers")


class _Readable(Protocol):
    def readinto(self, buffer: bytearray | memoryview, /) -> int | None: ...


class _ChainReader(io.RawIOBase):
    """``head`` followed by the rest of ``source``: lets us sniff magic bytes on a non-seekable stream."""

    def __init__(self, head: bytes, source: BinaryIO) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# What each decompressor raises on damaged or truncated data (bz2 has only a bare OSError).
_CORRUPT_GZIP: tuple[type[Exception], ...] = (gzip.BadGzipFile, EOFError, zlib.error)
_CORRUPT_BZIP2: tuple[type[Exception], ...] = (OSError, EOFError)
_CORRUPT_XZ: tuple[type[Exception], ...] = (lzma.LZMAError, EOFError)


class _DecompressedStream(io.RawIOBase):
    """The decompressed bytes of a layer; closing it releases the decompressor and owned files.

    Damaged data surfaces as ``InvalidArgument`` here, the one place that knows which codec ran.
    """

    def __init__(
        self,
        reader: _Readable,
        closers: tuple[Callable[[], object], ...],
        corrupt: tuple[type[Exception], ...],
    ) -> None:
        super().__init__()
        self._reader = reader
        self._closers = closers
        self._corrupt = corrupt

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            return self._reader.readinto(buffer) or 0
        except self._corrupt as exc:
            raise InvalidArgument(f"invalid compressed layer data: {exc}") from exc

    def close(self) -> None:
        if not self.closed:
            for close in self._closers:
                close()
        super().close()


class _GzipReader(io.RawIOBase):
    """gzip decompression straight on ``zlib`` with 1 MiB input reads.

    ``gzip.GzipFile`` works in small steps and checks the CRC in Python-called code; pulling a layer
    is dominated by that. zlib (wbits=31) parses the header and checks CRC and length in C, and
    releases the GIL, so layers also unpack in parallel threads. Concatenated members (pigz) and
    trailing zero padding are accepted like Go's and Python's readers do; a cut-short stream is an error.
    """

    def __init__(self, source: io.RawIOBase) -> None:
        super().__init__()
        self._source = source
        self._d = zlib.decompressobj(31)
        self._pending = b""  # compressed input not yet given to the decompressor
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._done:
            if self._d.eof:
                rest = self._d.unused_data + self._pending
                self._pending = b""
                if not rest:
                    rest = self._read()
                    if not rest:
                        self._done = True
                        break
                if not rest.strip(b"\0"):
                    self._pending = b""
                    self._drain_zeros()
                    self._done = True
                    break
                self._d = zlib.decompressobj(31)
                self._pending = rest
            data = self._d.unconsumed_tail or self._pending or self._read()
            self._pending = b""
            if not data:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            out = self._d.decompress(data, len(buffer))
            if out:
                buffer[: len(out)] = out
                return len(out)
        return 0

    def _read(self) -> bytes:
        return self._source.read(_CHUNK) or b""

    def _drain_zeros(self) -> None:
        while data := self._read():
            if data.strip(b"\0"):
                raise zlib.error("trailing garbage after gzip data")


class _ZstdFrames(io.RawIOBase):
    """Pass-through of compressed zstd bytes that follows the frame structure (RFC 8878 §3.1).

    python-zstandard's ``stream_reader`` ends quietly when its input stops mid-frame, so a blob
    cut short would unpack as a shorter (or empty) layer. Walking the frame and block headers as
    the bytes go by is cheap and tells a whole stream from a truncated one at EOF.
    """

    _NEED = {"magic": 4, "header": 1, "block": 3, "skippable": 4}

    def __init__(self, source: io.RawIOBase) -> None:
        super().__init__()
        self._source = source
        self._state = "magic"
        self._field = b""
        self._skip = 0  # bytes to pass before the next header field
        self._checksum = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self._source.readinto(buffer) or 0
        if n:
            self._feed(memoryview(buffer)[:n])
        elif self._state != "magic" or self._field or self._skip:
            raise InvalidArgument("invalid compressed layer data: zstd stream is truncated")
        return n

    def _feed(self, data: memoryview) -> None:
        i = 0
        while i < len(data):
            if self._skip:
                k = min(self._skip, len(data) - i)
                self._skip -= k
                i += k
                continue
            k = min(self._NEED[self._state] - len(self._field), len(data) - i)
            self._field += bytes(data[i : i + k])
            i += k
            if len(self._field) == self._NEED[self._state]:
                field, self._field = self._field, b""
                self._parse(field)

    def _parse(self, field: bytes) -> None:
        if self._state == "magic":
            if field == b"\x28\xb5\x2f\xfd":
                self._state = "header"
            elif field[0] & 0xF0 == 0x50 and field[1:] == b"\x2a\x4d\x18":
                self._state = "skippable"
            else:
                raise InvalidArgument("invalid compressed layer data: not a zstd frame")
        elif self._state == "header":
            fhd = field[0]
            single_segment = bool(fhd & 0x20)
            self._checksum = bool(fhd & 0x04)
            fcs_size = (1 if single_segment else 0, 2, 4, 8)[fhd >> 6]
            self._skip = (0 if single_segment else 1) + (0, 1, 2, 4)[fhd & 0x03] + fcs_size
            self._state = "block"
        elif self._state == "block":
            header = int.from_bytes(field, "little")
            block_type, size = (header >> 1) & 0x03, header >> 3
            if block_type == 3:
                raise InvalidArgument("invalid compressed layer data: reserved zstd block type")
            self._skip = 1 if block_type == 1 else size  # an RLE block stores one byte
            if header & 1:  # last block of the frame
                self._skip += 4 if self._checksum else 0
                self._state = "magic"
        else:  # skippable frame
            self._skip = int.from_bytes(field, "little")
            self._state = "magic"


def open_layer(source: BinaryIO | str | os.PathLike[str], media_type: str | None = None) -> BinaryIO:
    """Open a layer blob (a path or a binary stream) as its uncompressed tar stream.

    The compression is sniffed from the magic bytes (gzip ``1f8b``, zstd ``28b52ffd``, also bzip2
    and xz as ``docker load``/``import`` accept them), whatever ``media_type`` says; the media type,
    when given, must still name a layer (OCI ``...layer.v1.tar[+gzip|+zstd]``, the
    non-distributable variants, Docker's ``rootfs[.foreign].diff.tar[.gzip]``). A stream passed in
    is read but not closed; a path is opened and closed with the returned stream.
    """
    if media_type is not None:
        compression_of_media_type(media_type)
    owned: BinaryIO | None = None
    if isinstance(source, str | os.PathLike):
        owned = source = cast(BinaryIO, open(source, "rb"))  # closed with the returned stream
    try:
        head = _read_head(source)
    except BaseException:
        if owned is not None:
            owned.close()
        raise
    raw = _ChainReader(head, source)
    kind = detect_compression(head)
    closers: list[Callable[[], object]] = []
    reader: _Readable
    corrupt: tuple[type[Exception], ...] = ()
    if kind is Compression.GZIP:
        reader = _GzipReader(raw)
        corrupt = _CORRUPT_GZIP
    elif kind is Compression.ZSTD:
        import zstandard  # imported lazily: only zstd layers need it

        zreader = zstandard.ZstdDecompressor().stream_reader(
            cast(BinaryIO, _ZstdFrames(raw)), read_across_frames=True, closefd=False
        )
        reader = zreader
        closers.append(zreader.close)
        corrupt = (zstandard.ZstdError,)
    elif kind is Compression.BZIP2:
        reader = bz2.BZ2File(raw, mode="rb")
        closers.append(reader.close)
        corrupt = _CORRUPT_BZIP2
    elif kind is Compression.XZ:
        reader = lzma.LZMAFile(cast(BinaryIO, raw), mode="rb")
        closers.append(reader.close)
        corrupt = _CORRUPT_XZ
    else:
        reader = raw
    if owned is not None:
        closers.append(owned.close)
    stream = _DecompressedStream(reader, tuple(closers), corrupt)
    return cast(BinaryIO, io.BufferedReader(stream, buffer_size=_CHUNK))


def _read_head(source: BinaryIO) -> bytes:
    head = b""
    while len(head) < _MAGIC_LEN:
        more = source.read(_MAGIC_LEN - len(head))
        if not more:
            break
        head += more
    return head


class HashingReader(io.RawIOBase):
    """Pass-through reader that sha256-hashes and counts every byte read (the diff_id of a tar)."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source
        self._hash = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._hash.update(data)
        self.size += n
        return n

    def read(self, size: int = -1) -> bytes:
        # Fast path: tarfile calls read(n); avoid the copy through readinto's buffer.
        data = self._source.read(size)
        self._hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        """Read to EOF, so that the digest covers trailing padding too (as Docker's does)."""
        while self.read(_CHUNK):
            pass

    @property
    def digest(self) -> str:
        return f"sha256:{self._hash.hexdigest()}"


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...


class HashingWriter:
    """Pass-through writer that sha256-hashes and counts every byte written."""

    def __init__(self, sink: _Writable) -> None:
        self._sink = sink
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        self._sink.write(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        pass

    @property
    def digest(self) -> str:
        return f"sha256:{self._hash.hexdigest()}"


class CompressingWriter(Protocol):
    def write(self, data: bytes, /) -> object: ...

    def close(self) -> None: ...


class _Plain:
    def __init__(self, sink: _Writable) -> None:
        self._sink = sink

    def write(self, data: bytes) -> int:
        self._sink.write(data)
        return len(data)

    def close(self) -> None:
        pass


def compressing_writer(compression: Compression, sink: _Writable) -> CompressingWriter:
    """A writer compressing into ``sink`` reproducibly; ``close()`` finishes the stream, not ``sink``.

    gzip gets mtime 0 and no file name in its header, and both codecs run single-threaded at a fixed
    level, so the same tar always gives the same blob digest.
    """
    if compression is Compression.NONE:
        return _Plain(sink)
    if compression is Compression.GZIP:
        # Level 6 is Go's DefaultCompression, what Docker and containerd write.
        return gzip.GzipFile(filename="", mode="wb", fileobj=cast(BinaryIO, sink), mtime=0, compresslevel=6)
    if compression is Compression.ZSTD:
        import zstandard

        return cast(
            CompressingWriter,
            zstandard.ZstdCompressor(level=3).stream_writer(cast(BinaryIO, sink), closefd=False),
        )
    raise InvalidArgument(f"mocker does not write {compression} layers")
