"""SHA-256 of short strings without importing :mod:`hashlib`.

``import hashlib`` loads OpenSSL's ``_hashlib`` (~2.5 ms here), which the ``run`` path pays only
for a few chain IDs and a cache key. CPython's own builtin implementation is as correct and, for
inputs this small, as fast; bulk data (blobs, layers) keeps using hashlib and its SHA-NI code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _impl() -> Callable[[bytes], Any]:
    try:
        from _sha2 import sha256  # CPython >= 3.12
    except ImportError:
        try:
            from _sha256 import sha256  # CPython 3.11
        except ImportError:
            from hashlib import sha256  # another interpreter
    return sha256


def sha256_hex(data: bytes) -> str:
    return str(_impl()(data).hexdigest())
