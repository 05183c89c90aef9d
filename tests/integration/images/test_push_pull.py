"""push/pull round trips against the real registry on 127.0.0.1:5000."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support.registries import registry_manifest, registry_tags, unique_repo

pytestmark = pytest.mark.registry

LAYERS = [
    {"etc/hostname": b"base\n", "bin/tool": b"v1", "data/gone": b"x"},
    {"bin/tool": b"v2", "data/gone": None},
    {"etc/motd": b"hello\n" * 1000},
]


def _store_is_consistent(root: Path) -> None:
    """Every blob's name matches its content and no partial file is left behind."""
    blobs = root / "blobs" / "sha256"
    for p in blobs.iterdir() if blobs.exists() else []:
        assert hashlib.sha256(p.read_bytes()).hexdigest() == p.name, p


def test_multi_layer_round_trip(cli, make_image, registry, mocker_root):
    ref = f"{registry}/{unique_repo()}:v1"
    mdigest = make_image(LAYERS, tag=ref)
    pushed = cli("push", ref)
    assert pushed.code == 0, pushed.err
    assert pushed.out.splitlines()[0] == f"The push refers to repository [{ref.rsplit(':', 1)[0]}]"
    assert f"v1: digest: {mdigest} size:" in pushed.out
    assert pushed.out.count(": Pushed") == 3
    repo = ref.split("/", 1)[1].rsplit(":", 1)[0]
    assert registry_tags(registry, repo) == ["v1"]
    assert registry_manifest(registry, repo, "v1").digest == mdigest

    again = cli("push", ref)
    assert again.out.count("Layer already exists") == 3

    image_id = json.loads(cli("image", "inspect", ref).out)[0]["Id"]
    assert cli("rmi", ref).code == 0
    assert cli("image", "inspect", ref).code == 1
    pulled = cli("pull", ref)
    assert pulled.code == 0, pulled.err
    assert f"Digest: {mdigest}" in pulled.out
    assert f"Status: Downloaded newer image for {ref}" in pulled.out
    doc = json.loads(cli("image", "inspect", ref).out)[0]
    assert doc["Id"] == image_id
    assert doc["RepoDigests"] == [f"{ref.rsplit(':', 1)[0]}@{mdigest}"]
    top = Path(doc["GraphDriver"]["Data"]["UpperDir"])
    assert (top / "etc" / "motd").read_bytes() == b"hello\n" * 1000
    lower = [Path(p) for p in doc["GraphDriver"]["Data"]["LowerDir"].split(":")]
    assert (lower[0] / "bin" / "tool").read_bytes() == b"v2"
    whiteout = os.stat(lower[0] / "data" / "gone")  # overlayfs whiteout: char device 0/0
    assert os.major(whiteout.st_rdev) == 0 and os.minor(whiteout.st_rdev) == 0

    up_to_date = cli("pull", ref)
    assert "Status: Image is up to date for" in up_to_date.out
    _store_is_consistent(mocker_root)


def test_pull_by_digest_and_quiet(cli, make_image, registry):
    ref = f"{registry}/{unique_repo()}:v1"
    mdigest = make_image(LAYERS[:1], tag=ref)
    assert cli("push", ref).code == 0
    assert cli("rmi", ref).code == 0
    by_digest = ref.rsplit(":", 1)[0] + "@" + mdigest
    r = cli("pull", "-q", by_digest)
    assert r.code == 0, r.err
    assert r.out == by_digest + "\n"
    assert json.loads(cli("image", "inspect", by_digest).out)[0]["RepoTags"] == []


def test_all_tags(cli, make_image, registry):
    repo = f"{registry}/{unique_repo()}"
    make_image(LAYERS[:1], tag=f"{repo}:a")
    make_image(LAYERS[:2], tag=f"{repo}:b")
    assert cli("push", "--all-tags", repo).code == 0
    assert cli("rmi", f"{repo}:a", f"{repo}:b").code == 0
    r = cli("pull", "-a", repo)
    assert r.code == 0, r.err
    assert cli("image", "inspect", f"{repo}:a").code == 0
    assert cli("image", "inspect", f"{repo}:b").code == 0
    assert cli("pull", "-a", f"{repo}:a").code == 1


def test_missing_image_and_unreachable_registry(cli, registry):
    r = cli("pull", f"{registry}/{unique_repo()}:nope")
    assert r.code == 1
    assert "not found" in r.err and len(r.err.strip().splitlines()) == 1
    r = cli("pull", "127.0.0.1:1/x:y")
    assert r.code == 1 and len(r.err.strip().splitlines()) == 1
    r = cli("push", f"{registry}/never/built:1")
    assert r.code == 1
    assert "An image does not exist locally with the tag" in r.err
    assert cli("pull", "UPPER/case").code == 1


def test_corrupt_blob_from_registry_leaves_store_unchanged(cli, make_image, registry, mocker_root):
    ref = f"{registry}/{unique_repo()}:v1"
    make_image([{"payload": os.urandom(4096)}], tag=ref)
    doc = json.loads(cli("image", "inspect", ref).out)[0]
    assert cli("push", ref).code == 0
    layer_blob = json.loads(
        (mocker_root / "blobs" / "sha256" /
         registry_manifest(registry, ref.split("/", 1)[1].rsplit(":", 1)[0], "v1").digest[7:]).read_text()
    )["layers"][0]["digest"]
    state = Path(os.environ.get("MOCKER_TEST_STATE", "/var/tmp/mocker-test"))
    data = next(state.rglob(f"blobs/sha256/{layer_blob[7:9]}/{layer_blob[7:]}/data"))
    original = data.read_bytes()
    try:
        data.write_bytes(original[:-10] + b"corrupted!")
        assert cli("rmi", ref).code == 0
        assert cli("image", "prune", "-a", "-f").code == 0
        before = sorted(p.name for p in (mocker_root / "blobs" / "sha256").iterdir())
        r = cli("pull", ref)
        assert r.code == 1
        assert "digest" in r.err.lower()
        assert cli("image", "inspect", doc["Id"]).code == 1
        after = sorted(p.name for p in (mocker_root / "blobs" / "sha256").iterdir())
        assert layer_blob[7:] not in after
        assert set(after) - set(before) <= {registry_manifest(
            registry, ref.split("/", 1)[1].rsplit(":", 1)[0], "v1").digest[7:], doc["Id"][7:]}
        _store_is_consistent(mocker_root)
    finally:
        data.write_bytes(original)
    assert cli("pull", ref).code == 0


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_pull_leaves_consistent_store_and_retry_succeeds(cli, make_image, registry, mocker_root,
                                                                     mocker_env, sig):
    ref = f"{registry}/{unique_repo()}:big"
    make_image([{"big1": os.urandom(24 << 20)}, {"big2": os.urandom(24 << 20)}], tag=ref)
    assert cli("push", ref).code == 0
    assert cli("rmi", ref).code == 0
    assert cli("image", "prune", "-a", "-f").code == 0
    proc = subprocess.Popen(["mocker", "pull", ref], env=mocker_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    tmp = mocker_root / "tmp"
    deadline = time.time() + 20
    while time.time() < deadline and proc.poll() is None:
        if tmp.exists() and any(tmp.iterdir()):
            break
        time.sleep(0.01)
    proc.send_signal(sig)
    proc.wait()
    _store_is_consistent(mocker_root)
    if sig == signal.SIGINT and proc.returncode != 0:
        assert proc.returncode == 130  # Ctrl-C: cleaned up, no partial blob left behind
        assert list(tmp.iterdir()) == []
    assert cli("image", "inspect", ref).code == 1 or proc.returncode == 0
    r = cli("pull", ref)
    assert r.code == 0, r.err
    _store_is_consistent(mocker_root)


def test_push_to_second_repository_mounts_blobs(cli, make_image, registry):
    first = f"{registry}/{unique_repo()}:v1"
    second = f"{registry}/{unique_repo()}:v1"
    make_image(LAYERS, tag=first)
    assert cli("push", first).code == 0
    assert cli("tag", first, second).code == 0
    r = cli("push", second)
    assert r.code == 0, r.err
    source = first.split("/", 1)[1].rsplit(":", 1)[0]
    assert r.out.count(f"Mounted from {source}") == 3


def test_configured_chunk_size_uploads_in_patches(cli, make_image, registry, mocker_env):
    (Path(mocker_env["MOCKER_CONFIG"])).mkdir(parents=True, exist_ok=True)
    (Path(mocker_env["MOCKER_CONFIG"]) / "config.json").write_text('{"push_chunk_size": 4096}')
    repo = unique_repo()
    ref = f"{registry}/{repo}:chunked"
    make_image([{"blob": os.urandom(20000)}], tag=ref)
    assert cli("push", ref).code == 0
    log = Path(os.environ.get("MOCKER_TEST_STATE", "/var/tmp/mocker-test")) / "plain" / "registry.log"
    patches = [line for line in log.read_text().splitlines()
               if "http.request.method=PATCH" in line and f"/v2/{repo}/blobs/uploads/" in line]
    assert len(patches) >= 5  # 20 kB of random data in 4 kB chunks
    assert cli("rmi", ref).code == 0
    assert cli("pull", ref).code == 0
    (Path(mocker_env["MOCKER_CONFIG"]) / "config.json").write_text('{"push_chunk_size": "big"}')
    r = cli("push", ref)
    assert r.code == 1 and "push_chunk_size" in r.err
