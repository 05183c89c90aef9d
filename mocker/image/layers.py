"""Layer tar handling: open (decompress), unpack (path-safe, whiteouts), create and diff.

The public face of three small modules, so callers import one name::

    from mocker.image import layers

    with layers.open_layer(blob_path, descriptor.media_type) as tar_stream:
        result = layers.unpack_layer(tar_stream, store / "layers" / chain_id / "diff")
    if result.diff_id != config.rootfs.diff_ids[i]: ...

- ``compression``: magic-byte detection, media types, hashing streams, reproducible compressors.
- ``layer_unpack``: ``unpack_layer`` in ``overlay`` (whiteouts represented) or ``apply`` mode
  (whiteouts delete); its docstring states the path-safety rules.
- ``layer_diff``: ``create_layer`` for a directory or a change list, ``diff_upper`` for an
  overlayfs upper dir.
"""

from __future__ import annotations

from mocker.image.compression import (
    MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP,
    MEDIA_TYPE_DOCKER_LAYER,
    MEDIA_TYPE_DOCKER_LAYER_GZIP,
    MEDIA_TYPE_OCI_LAYER,
    MEDIA_TYPE_OCI_LAYER_GZIP,
    MEDIA_TYPE_OCI_LAYER_ZSTD,
    Compression,
    compression_of_media_type,
    detect_compression,
    media_type_for,
    open_layer,
)
from mocker.image.layer_diff import Change, ChangeKind, LayerInfo, create_layer, diff_upper
from mocker.image.layer_unpack import (
    OVERLAY_OPAQUE_XATTR,
    WHITEOUT_OPAQUE,
    WHITEOUT_PREFIX,
    UnpackMode,
    UnpackResult,
    unpack_layer,
)

__all__ = [
    "MEDIA_TYPE_DOCKER_FOREIGN_LAYER_GZIP",
    "MEDIA_TYPE_DOCKER_LAYER",
    "MEDIA_TYPE_DOCKER_LAYER_GZIP",
    "MEDIA_TYPE_OCI_LAYER",
    "MEDIA_TYPE_OCI_LAYER_GZIP",
    "MEDIA_TYPE_OCI_LAYER_ZSTD",
    "OVERLAY_OPAQUE_XATTR",
    "WHITEOUT_OPAQUE",
    "WHITEOUT_PREFIX",
    "Change",
    "ChangeKind",
    "Compression",
    "LayerInfo",
    "UnpackMode",
    "UnpackResult",
    "compression_of_media_type",
    "create_layer",
    "detect_compression",
    "diff_upper",
    "media_type_for",
    "open_layer",
    "unpack_layer",
]
