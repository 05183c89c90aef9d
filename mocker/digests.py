"""SHA-256 of small inputs (cache keys, manifests, configs) without loading OpenSSL.

``import hashlib`` loads ``_hashlib`` (OpenSSL), ~3 ms on these machines; a cached rebuild only
hashes a few kilobytes (step keys, chain IDs, the blobs it reads back), for which CPython's
built-in SHA-256 (``_sha256``, ``_sha2`` from 3.12) is as good and costs ~0.3 ms to import. Large
data (layers, context files) goes through ``hashlib``, whose OpenSSL code is several times faster.
Both compute the same standard SHA-256, so digests never depend on which one ran.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from hashlib import _Hash


def _builtin() -> Callable[..., _Hash]:
    import importlib

    for name in ("_sha256", "_sha2"):  # CPython 3.11; 3.12+
        try:
            found: Callable[..., _Hash] = importlib.import_module(name).sha256
            return found
        except (ImportError, AttributeError):
            continue
    import hashlib  # pragma: no cover - another interpreter: hashlib is all there is

    return hashlib.sha256  # pragma: no cover


sha256 = _builtin()


def sha256_hex(data: bytes) -> str:
    """The hex SHA-256 of ``data`` (small: see the module's docstring)."""
    return sha256(data).hexdigest()
