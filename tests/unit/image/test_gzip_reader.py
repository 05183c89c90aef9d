"""The zlib-based gzip reader behind open_layer: members, padding, truncation, corruption."""

from __future__ import annotations

import gzip
import io
import os

import pytest

from mocker.errors import InvalidArgument
from mocker.image.compression import open_layer

DATA = os.urandom(3 << 20) + b"tail" * 1000


def read_all(blob: bytes) -> bytes:
    return open_layer(io.BytesIO(blob), None).read()


def test_large_stream_round_trips():
    assert read_all(gzip.compress(DATA)) == DATA


def test_concatenated_members_are_one_stream():
    blob = gzip.compress(DATA[:1000]) + gzip.compress(DATA[1000:])
    assert read_all(blob) == DATA


def test_trailing_zero_padding_is_accepted():
    assert read_all(gzip.compress(b"abc") + b"\0" * 1024) == b"abc"


@pytest.mark.parametrize("cut", [20, 1000, 100_000])
def test_truncated_stream_is_an_error(cut):
    blob = gzip.compress(DATA)
    with pytest.raises(InvalidArgument, match="invalid compressed layer data"):
        read_all(blob[:-cut])


def test_corrupt_crc_is_an_error():
    blob = bytearray(gzip.compress(b"hello world"))
    blob[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    with pytest.raises(InvalidArgument):
        read_all(bytes(blob))


def test_garbage_after_stream_is_an_error():
    with pytest.raises(InvalidArgument):
        read_all(gzip.compress(b"abc") + b"\0\0garbage")
