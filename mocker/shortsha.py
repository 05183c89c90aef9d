"""SHA-256 of short strings without importing :mod:`hashlib`.

``import hashlib`` loads OpenSSL's ``_hashlib`` (~2.5 ms here), which the ``run`` path pays only
for a few chain IDs and a cache key, and a cached rebuild for its step keys and the manifests and
configs it reads back. CPython's own builtin implementation is as correct and, for inputs this
small, as fast; bulk data (blobs, layers, large context files) keeps using hashlib and its SHA-NI
code. Both compute standard SHA-256, so a digest never depends on which one ran.
"""

from __future__ import annotations

TYPE_CHECKING = False  # annotations only: ``typing`` stays off the run and rebuild paths
if TYPE_CHECKING:
    from collections.abc import Callable
    from hashlib import _Hash


def _impl() -> Callable[..., _Hash]:
    """The constructor, found once: a failed import searches all of ``sys.path`` each time."""
    global _FOUND
    if _FOUND is None:
        try:
            from _sha256 import sha256  # CPython 3.11
        except ImportError:
            try:
                from _sha2 import sha256  # CPython >= 3.12
            except ImportError:
                from hashlib import sha256  # another interpreter
        _FOUND = sha256
    return _FOUND


_FOUND: Callable[..., _Hash] | None = None


def sha256_hex(data: bytes) -> str:
    return str(_impl()(data).hexdigest())


def sha256(data: bytes = b"") -> _Hash:
    """An incremental SHA-256 object (``hashlib.sha256``'s interface) for small inputs."""
    return _impl()(data)
