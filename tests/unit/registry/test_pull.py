"""fetch_image / push_image logic against the in-memory registry: platforms, schema 1, events."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mocker.errors import ImageNotFound, RegistryError
from mocker.image.platform import Platform
from mocker.registry.client import RegistryClient
from mocker.registry.progress import ProgressEvent
from mocker.registry.pull import fetch_image
from mocker.registry.push import push_image
from mocker.store.blobs import BlobStore

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MakeClient = Callable[..., RegistryClient]


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs", tmp_path / "tmp")


def image(fake: Any, arch: str, variant: str | None = None, layer: bytes | None = None) -> dict:
    config = {"architecture": arch, "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}
    if variant:
        config["variant"] = variant
    config_bytes = json.dumps(config).encode()
    layer = layer if layer is not None else f"layer for {arch}".encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": fake.add_blob(config_bytes),
            "size": len(config_bytes),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": fake.add_blob(layer),
                "size": len(layer),
            }
        ],
    }
    digest, body = fake.add_manifest("img", None, manifest, OCI_MANIFEST)
    platform = {"architecture": arch, "os": "linux", **({"variant": variant} if variant else {})}
    return {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(body), "platform": platform}


def index(fake: Any, tag: str, *entries: dict) -> str:
    doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list(entries)}
    return fake.add_manifest("img", tag, doc, OCI_INDEX)[0]


def test_index_entry_is_chosen_for_the_platform(fake: Any, make_client: MakeClient, store: BlobStore) -> None:
    amd, arm = image(fake, "amd64"), image(fake, "arm64", "v8")
    index_digest = index(fake, "multi", amd, arm)

    got = fetch_image(make_client(), "img", "multi", platform=Platform("linux", "arm64"), blobs=store)

    assert got.index_digest == index_digest and got.manifest_digest == arm["digest"]
    assert got.config["architecture"] == "arm64"
    assert got.platform == Platform("linux", "arm64", "v8")
    for digest in (index_digest, arm["digest"], got.config_digest, got.layers[0]["digest"]):
        assert store.has(digest)
    assert not store.has(amd["digest"])


def test_no_matching_platform_lists_what_there_is(fake: Any, make_client: MakeClient, store: BlobStore) -> None:
    index(fake, "multi", image(fake, "amd64"), image(fake, "s390x"))
    with pytest.raises(ImageNotFound) as info:
        fetch_image(make_client(), "img", "multi", platform=Platform("linux", "arm64", "v8"), blobs=store)
    assert str(info.value) == (
        "no matching manifest for linux/arm64/v8 in the manifest list entries (available: linux/amd64, linux/s390x)"
    )
    assert list(store.all()) == []


def test_single_platform_image_must_match_an_explicit_platform(
    fake: Any, make_client: MakeClient, store: BlobStore
) -> None:
    entry = image(fake, "amd64")
    body, media_type = fake.manifests[("img", entry["digest"])]
    fake.manifests[("img", "single")] = (body, media_type)

    got = fetch_image(make_client(), "img", "single", blobs=store)
    assert got.index_digest is None and got.platform == Platform("linux", "amd64")
    expected = "does not match the specified platform: wanted linux/s390x, actual: linux/amd64"
    with pytest.raises(ImageNotFound, match=expected):
        fetch_image(make_client(), "img", "single", platform=Platform("linux", "s390x"), blobs=store)


def test_schema1_is_refused_with_dockers_message(fake: Any, make_client: MakeClient, store: BlobStore) -> None:
    fake.add_manifest("img", "old", {"schemaVersion": 1, "name": "img", "fsLayers": []},
                      "application/vnd.docker.distribution.manifest.v1+prettyjws")  # fmt: skip
    with pytest.raises(RegistryError, match="manifest version 2, schema 1 support has been removed"):
        fetch_image(make_client(), "img", "old", blobs=store)


def test_pull_events_follow_dockers_display(fake: Any, make_client: MakeClient, store: BlobStore) -> None:
    entry = image(fake, "amd64", layer=b"L" * 100_000)
    fake.manifests[("img", "t")] = fake.manifests[("img", entry["digest"])]
    events: list[ProgressEvent] = []

    got = fetch_image(make_client(), "img", "t", blobs=store, progress=events.append)
    again: list[ProgressEvent] = []
    fetch_image(make_client(), "img", "t", blobs=store, progress=again.append)

    sid = got.layers[0]["digest"][7:19]
    statuses = [e.status for e in events]
    assert {e.id for e in events} == {sid}
    assert statuses[0] == "Pulling fs layer" and statuses[-2:] == ["Verifying Checksum", "Download complete"]
    downloading = [e for e in events if e.status == "Downloading"]
    assert downloading[-1].current == downloading[-1].total == 100_000
    assert [(e.id, e.status) for e in again] == [(sid, "Already exists")]


def test_all_platforms_round_trip_keeps_the_index_digest(
    fake: Any, make_client: MakeClient, store: BlobStore
) -> None:
    index_digest = index(fake, "multi", image(fake, "amd64"), image(fake, "arm64", "v8"))
    client = make_client()

    got = fetch_image(client, "img", "multi", blobs=store, all_platforms=True)
    assert len(got.children) == 2
    pushed = push_image(client, "copy", "v1", index_digest, blobs=store)

    assert pushed == index_digest
    assert fake.manifests[("copy", "v1")][0] == fake.manifests[("img", "multi")][0]
