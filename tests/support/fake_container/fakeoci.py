"""The fake's content store: real OCI blobs, so ``image save``/``image load`` move real OCI archives.

Apple's CLI keeps every image as an OCI **index** (pulled or built), holding the blobs of the
platforms it fetched; ``image save`` writes an OCI layout tar (``oci-layout``, ``index.json`` with
``io.containerd.image.name``/``org.opencontainers.image.ref.name`` annotations, ``blobs/sha256``)
and ``image load`` reads one back (../shared/docs/APPLE-CONTAINER.md §image). The fake does the
same with a tiny one-layer image per pulled reference, so archives round-trip through mocker's own
store (engine/archives.py reads them, engine/archive_save.py writes them).
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from typing import IO, Any

from fakebase import STATE, Fail, now_date

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
NAME = "io.containerd.image.name"
REF_NAME = "org.opencontainers.image.ref.name"


def _blobs() -> Any:
    d = STATE / "blobs"
    d.mkdir(exist_ok=True)
    return d


def put(data: bytes) -> str:
    hexa = hashlib.sha256(data).hexdigest()
    path = _blobs() / hexa
    if not path.exists():
        path.write_bytes(data)
    return "sha256:" + hexa


def has(digest: str) -> bool:
    return (_blobs() / digest.removeprefix("sha256:")).exists()


def get(digest: str) -> bytes:
    try:
        return (_blobs() / digest.removeprefix("sha256:")).read_bytes()
    except OSError:
        raise Fail(f"Error: content not found: {digest}") from None


def synthesize(ref: str, cmd: list[str], *, arch: str = "arm64") -> dict[str, Any]:
    """A real one-layer image (index -> manifest -> config + layer) for ``ref``; its record."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        body = f"{ref}\n".encode()
        info = tarfile.TarInfo("etc/fake-image")
        info.size, info.mtime = len(body), 1_700_000_000
        tar.addfile(info, io.BytesIO(body))
    layer = buf.getvalue()
    layer_digest = put(layer)
    config = {"architecture": arch, "os": "linux", "created": "2023-11-14T22:13:20Z",
              "config": {"Cmd": cmd, "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                         "WorkingDir": "/"},
              "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}
    cfg = json.dumps(config, sort_keys=True).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
                           "config": {"mediaType": CONFIG, "digest": put(cfg), "size": len(cfg)},
                           "layers": [{"mediaType": LAYER, "digest": layer_digest, "size": len(layer)}]},
                          sort_keys=True).encode()
    index = json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        {"mediaType": MANIFEST, "digest": put(manifest), "size": len(manifest),
         "platform": {"architecture": arch, "os": "linux"}}]}, sort_keys=True).encode()
    return {"digest": put(index), "media_type": INDEX, "index_size": len(index), "created": now_date(1_700_000_000),
            "size": len(layer) + len(cfg) + len(manifest), "layer": layer_digest, "config": config["config"],
            "platform": f"linux/{arch}"}


def _reachable(digest: str, media_type: str) -> list[str]:
    """The digests under a descriptor that this store holds (a platform never fetched is skipped)."""
    if not has(digest):
        return []
    out = [digest]
    doc = json.loads(get(digest))
    if media_type in (INDEX, DOCKER_LIST) or "manifests" in doc:
        for m in doc.get("manifests", []):
            out += _reachable(m["digest"], m.get("mediaType", MANIFEST))
        return out
    for d in [doc["config"], *doc.get("layers", [])]:
        if not has(d["digest"]):
            raise Fail(f"Error: content not found: {d['digest']}")
        out.append(d["digest"])
    return out


def write_archive(out: IO[bytes], images: dict[str, dict[str, Any]]) -> None:
    """``image save``: one OCI layout tar with every image of ``images`` (reference -> record)."""
    entries, blobs = [], []
    for ref, img in images.items():
        size = len(get(img["digest"]))
        tag = ref.rpartition(":")[2] if ":" in ref.rpartition("/")[2] else ""
        entries.append({"mediaType": img.get("media_type", INDEX), "digest": img["digest"], "size": size,
                        "annotations": {NAME: ref, REF_NAME: tag}})
        blobs += [d for d in _reachable(img["digest"], img.get("media_type", INDEX)) if d not in blobs]
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": entries}).encode())
        for d in blobs:
            add(f"blobs/sha256/{d.removeprefix('sha256:')}", get(d))


def read_archive(src: IO[bytes]) -> dict[str, dict[str, Any]]:
    """``image load``: the images of an OCI layout tar (reference -> record); blobs go to the store."""
    index: dict[str, Any] | None = None
    try:
        with tarfile.open(fileobj=src, mode="r|*") as tar:
            for member in tar:
                name = member.name.removeprefix("./")
                f = tar.extractfile(member) if member.isfile() else None
                if f is None:
                    continue
                data = f.read()
                if name == "index.json":
                    index = json.loads(data)
                elif name.startswith("blobs/sha256/"):
                    hexa = name.rpartition("/")[2]
                    if len(hexa) != 64 or hashlib.sha256(data).hexdigest() != hexa:
                        raise Fail(f"Error: failed to load archive: invalid blob {name}")
                    put(data)
    except (tarfile.TarError, ValueError):
        raise Fail("Error: failed to load archive: not an OCI image archive") from None
    if index is None:
        raise Fail("Error: failed to load archive: no index.json (not an OCI image layout)")
    loaded: dict[str, dict[str, Any]] = {}
    for e in index.get("manifests", []):
        ref = (e.get("annotations") or {}).get(NAME)
        if not ref:
            continue
        loaded[ref] = _record(e)
    return loaded


def _record(desc: dict[str, Any]) -> dict[str, Any]:
    media_type = desc.get("mediaType", MANIFEST)
    doc = json.loads(get(desc["digest"]))
    manifest, platform = doc, ""
    if "manifests" in doc:
        present = [m for m in doc["manifests"] if has(m["digest"])]
        if not present:
            raise Fail(f"Error: failed to load archive: no platform of {desc['digest']} is in the archive")
        manifest = json.loads(get(present[0]["digest"]))
        p = present[0].get("platform") or {}
        platform = f"{p.get('os', 'linux')}/{p.get('architecture', 'arm64')}"
    config = json.loads(get(manifest["config"]["digest"]))
    platform = platform or f"{config.get('os', 'linux')}/{config.get('architecture', 'arm64')}"
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or [""]
    return {"digest": desc["digest"], "media_type": media_type, "created": now_date(),
            "size": sum(int(layer.get("size", 0)) for layer in manifest.get("layers", [])),
            "layer": diff_ids[0], "config": config.get("config") or {}, "platform": platform}
