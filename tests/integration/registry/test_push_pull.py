"""Push images to the real plain registry (127.0.0.1:5000) and pull them back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.registries import registry_blob, registry_manifest, registry_tags, unique_repo

from mocker.errors import ImageNotFound
from mocker.image.platform import Platform, host_platform
from mocker.registry.client import RegistryClient
from mocker.registry.progress import ProgressEvent
from mocker.registry.pull import fetch_image
from mocker.registry.push import push_image
from mocker.store.blobs import BlobStore

pytestmark = pytest.mark.registry


@pytest.fixture
def client(registry: str, client_env: Path) -> RegistryClient:
    with RegistryClient(registry) as c:
        yield c


def fresh_store(tmp_path: Path, name: str) -> BlobStore:
    return BlobStore(tmp_path / name / "blobs", tmp_path / name / "tmp")


def blobs_of(store: BlobStore, manifest_digest: str) -> list[str]:
    doc = json.loads(store.read(manifest_digest))
    return [doc["config"]["digest"], *(layer["digest"] for layer in doc["layers"])]


def statuses(events: list[ProgressEvent]) -> set[str]:
    return {e.status for e in events}


def test_push_then_pull_by_tag_and_by_digest(
    client: RegistryClient, registry: str, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    repo = unique_repo()
    desc = images.image(layer_sizes=(2000, 300_000))
    events: list[ProgressEvent] = []

    pushed = push_image(client, repo, "v1", desc["digest"], blobs=store, progress=events.append)

    assert pushed == desc["digest"]
    assert registry_tags(registry, repo) == ["v1"]
    remote = registry_manifest(registry, repo, "v1")
    assert remote is not None and remote.digest == pushed and remote.body == store.read(pushed)
    assert statuses(events) >= {"Preparing", "Pushing", "Pushed"}
    assert client.list_tags(repo) == ["v1"]

    for ref in ("v1", pushed):
        other = fresh_store(tmp_path, ref.replace(":", "-"))
        got = fetch_image(client, repo, ref, blobs=other)
        assert got.manifest_digest == pushed and got.index_digest is None
        assert got.config["architecture"] == "amd64"
        for digest in [pushed, *blobs_of(store, pushed)]:
            assert other.read(digest) == store.read(digest)
        assert list(other.tmp.iterdir()) == []


def test_chunked_upload_round_trip(client: RegistryClient, registry: str, images: Any, store: BlobStore) -> None:
    repo = unique_repo()
    desc = images.image(layer_sizes=(500_000,))

    push_image(client, repo, "chunked", desc["digest"], blobs=store, chunk_size=64 * 1024)

    for digest in blobs_of(store, desc["digest"]):
        assert registry_blob(registry, repo, digest) == store.read(digest)


def test_repush_skips_blobs_the_registry_has(client: RegistryClient, images: Any, store: BlobStore) -> None:
    repo = unique_repo()
    desc = images.image(layer_sizes=(1000, 2000))
    push_image(client, repo, "a", desc["digest"], blobs=store)
    events: list[ProgressEvent] = []

    push_image(client, repo, "b", desc["digest"], blobs=store, progress=events.append)

    assert statuses(events) == {"Preparing", "Layer already exists"}
    assert sorted(client.list_tags(repo)) == ["a", "b"]


def test_cross_repository_mount(client: RegistryClient, registry: str, images: Any, store: BlobStore) -> None:
    source, target = unique_repo("src"), unique_repo("dst")
    desc = images.image(layer_sizes=(1000,))
    push_image(client, source, "v1", desc["digest"], blobs=store)
    events: list[ProgressEvent] = []

    push_image(client, target, "v1", desc["digest"], blobs=store, mount_from=[source], progress=events.append)

    assert statuses(events) == {"Preparing", f"Mounted from {source}"}
    for digest in blobs_of(store, desc["digest"]):
        assert registry_blob(registry, target, digest) == store.read(digest)
    assert client.mount_blob(unique_repo("dst"), "sha256:" + "0" * 64, source) is False


@pytest.mark.parametrize("docker_types", [False, True], ids=["oci", "docker"])
def test_multi_platform_index_round_trip(
    client: RegistryClient, registry: str, images: Any, store: BlobStore, tmp_path: Path, docker_types: bool
) -> None:
    images.docker_types = docker_types
    entries = [images.image("amd64"), images.image("arm64", "v8"), images.image("s390x")]
    index_digest = images.index(*entries)
    repo = unique_repo()

    assert push_image(client, repo, "multi", index_digest, blobs=store) == index_digest
    remote = registry_manifest(registry, repo, "multi")
    assert remote is not None and remote.digest == index_digest

    arm = fetch_image(client, repo, "multi", platform=Platform("linux", "arm64"), blobs=fresh_store(tmp_path, "a"))
    assert (arm.index_digest, arm.manifest_digest) == (index_digest, entries[1]["digest"])
    assert arm.config["architecture"] == "arm64"
    assert arm.manifest_media_type == entries[1]["mediaType"]

    host = fetch_image(client, repo, "multi", blobs=fresh_store(tmp_path, "h"))
    assert host.config["architecture"] == host_platform().architecture

    with pytest.raises(ImageNotFound) as info:
        fetch_image(client, repo, "multi", platform=Platform("linux", "ppc64le"), blobs=fresh_store(tmp_path, "p"))
    assert str(info.value) == (
        "no matching manifest for linux/ppc64le in the manifest list entries "
        "(available: linux/amd64, linux/arm64/v8, linux/s390x)"
    )

    # Every platform into a new store, then pushed elsewhere: the same digests come out.
    everything = fresh_store(tmp_path, "all")
    got = fetch_image(client, repo, "multi", blobs=everything, all_platforms=True)
    assert [c.manifest_digest for c in got.children] == [e["digest"] for e in entries]
    copy = unique_repo("copy")
    assert push_image(client, copy, "again", index_digest, blobs=everything, mount_from=[repo]) == index_digest
    copied = registry_manifest(registry, copy, "again")
    assert copied is not None and copied.body == store.read(index_digest)


def test_push_by_digest_only(client: RegistryClient, registry: str, images: Any, store: BlobStore) -> None:
    repo = unique_repo()
    desc = images.image()
    assert push_image(client, repo, None, desc["digest"], blobs=store) == desc["digest"]
    assert registry_manifest(registry, repo, desc["digest"]) is not None
    assert registry_tags(registry, repo) == []


def test_missing_tag_reads_like_docker(client: RegistryClient, registry: str, store: BlobStore) -> None:
    repo = unique_repo()
    with pytest.raises(ImageNotFound) as info:
        fetch_image(client, repo, "latest", blobs=store)
    assert str(info.value) == f"manifest for {registry}/{repo}:latest not found: manifest unknown: manifest unknown"
    assert list(store.all()) == []
