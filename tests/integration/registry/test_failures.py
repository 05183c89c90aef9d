"""What a pull does when the registry misbehaves: corrupt blobs, broken connections, nobody home."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from support.registries import unique_repo

from mocker.errors import DigestMismatch, RegistryError
from mocker.registry import pull
from mocker.registry.client import NetworkError, RegistryClient
from mocker.registry.progress import ProgressEvent
from mocker.registry.pull import fetch_image
from mocker.registry.push import push_image
from mocker.store.blobs import BlobStore

STATE_DIR = Path(os.environ.get("MOCKER_TEST_STATE", "/var/tmp/mocker-test"))


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pull, "_RETRY_DELAYS", (0.0, 0.0))
    monkeypatch.setattr(RegistryClient, "retry_delays", (0.0, 0.0))


def fresh(tmp_path: Path, name: str) -> BlobStore:
    return BlobStore(tmp_path / name / "blobs", tmp_path / name / "tmp")


def leftovers(store: BlobStore) -> list[Path]:
    return list(store.tmp.iterdir()) if store.tmp.exists() else []


@pytest.mark.registry
def test_corrupt_blob_in_the_real_registry_is_refused(
    registry: str, client_env: Path, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    repo = unique_repo()
    desc = images.image(layer_sizes=(50_000,))
    with RegistryClient(registry) as client:
        push_image(client, repo, "v1", desc["digest"], blobs=store)
        digest = json.loads(client.get_manifest(repo, "v1")[0])["layers"][0]["digest"]
        data_file = (
            STATE_DIR / "plain" / "data" / "docker" / "registry" / "v2" / "blobs" / "sha256"
            / digest[7:9] / digest[7:] / "data"
        )  # fmt: skip
        if not data_file.is_file():
            pytest.skip(f"the plain registry's storage is not at {data_file.parent}")
        original = data_file.read_bytes()
        data_file.write_bytes(bytes(b ^ 0xFF for b in original))  # same size, other bytes
        try:
            target = fresh(tmp_path, "pulled")
            with pytest.raises(DigestMismatch) as info:
                fetch_image(client, repo, "v1", blobs=target)
        finally:
            data_file.write_bytes(original)
    assert info.value.expected == digest
    assert not target.has(digest) and not target.has(desc["digest"])
    assert leftovers(target) == []


def test_corrupt_blob_leaves_nothing_behind(
    scripted_registry: Any, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    desc = images.image(layer_sizes=(10_000, 200_000))
    scripted_registry.serve(store, "v1", desc["digest"])
    manifest = json.loads(store.read(desc["digest"]))
    bad = manifest["layers"][1]["digest"]
    scripted_registry.corrupt.add(bad)
    target = fresh(tmp_path, "pulled")

    with RegistryClient(scripted_registry.host) as client, pytest.raises(DigestMismatch) as info:
        fetch_image(client, "any/repo", "v1", blobs=target)

    assert info.value.expected == bad and info.value.actual != bad
    assert not target.has(bad)
    assert not target.has(desc["digest"])  # the manifest is only stored once its layers are
    assert all(d != bad for d in target.all())
    assert leftovers(target) == []


def test_interrupted_download_resumes_with_a_range_request(
    scripted_registry: Any, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    desc = images.image(layer_sizes=(300_000,))
    scripted_registry.serve(store, "v1", desc["digest"])
    scripted_registry.cut_after, scripted_registry.cuts_left = 100_000, 1
    target = fresh(tmp_path, "pulled")
    events: list[ProgressEvent] = []

    with RegistryClient(scripted_registry.host) as client:
        got = fetch_image(client, "any/repo", "v1", blobs=target, progress=events.append)

    layer = got.layers[0]
    assert target.read(layer["digest"]) == store.read(layer["digest"])
    assert scripted_registry.blob_requests[-2:] == [None, "bytes=100000-"]
    assert "Retrying in 1 second" in {e.status for e in events}
    assert leftovers(target) == []


def test_download_that_keeps_breaking_fails_then_a_retry_succeeds(
    scripted_registry: Any, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    desc = images.image(layer_sizes=(300_000,))
    scripted_registry.serve(store, "v1", desc["digest"])
    scripted_registry.cut_after, scripted_registry.cuts_left = 50_000, 1000
    target = fresh(tmp_path, "pulled")

    with RegistryClient(scripted_registry.host) as client:
        with pytest.raises(NetworkError, match="error pulling blob sha256:"):
            fetch_image(client, "any/repo", "v1", blobs=target)
        assert leftovers(target) == []
        assert not target.has(desc["digest"])

        scripted_registry.cuts_left = 0  # the network is back
        got = fetch_image(client, "any/repo", "v1", blobs=target)

    assert got.manifest_digest == desc["digest"]
    assert target.read(got.layers[0]["digest"]) == store.read(got.layers[0]["digest"])


def test_unreachable_registry_is_a_registry_error(client_env: Path, store: BlobStore) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with RegistryClient(f"127.0.0.1:{port}") as client, pytest.raises(RegistryError) as info:
            fetch_image(client, "x", "latest", blobs=store)
    assert str(info.value) == (
        f'Get "http://127.0.0.1:{port}/v2/": dial tcp 127.0.0.1:{port}: connect: connection refused'
    )
