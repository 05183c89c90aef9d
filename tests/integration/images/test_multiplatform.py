"""A multi-platform image (OCI index) pushed, then pulled per platform."""

from __future__ import annotations

import json

import pytest
from support.registries import registry_manifest, unique_repo

pytestmark = pytest.mark.registry


def test_index_push_then_pull_each_platform(cli, make_index, registry):
    repo = f"{registry}/{unique_repo()}"
    ref = f"{repo}:multi"
    index_digest = make_index(ref)
    pushed = cli("push", ref)
    assert pushed.code == 0, pushed.err
    assert f"multi: digest: {index_digest}" in pushed.out
    remote = registry_manifest(registry, repo.split("/", 1)[1], "multi")
    assert remote.digest == index_digest
    assert remote.media_type == "application/vnd.oci.image.index.v1+json"

    assert cli("rmi", ref).code == 0
    assert cli("image", "prune", "-af").code == 0
    arm = cli("pull", "--platform", "linux/arm64", ref)
    assert arm.code == 0, arm.err
    assert f"Digest: {index_digest}" in arm.out
    doc = json.loads(cli("image", "inspect", ref).out)[0]
    assert doc["Architecture"] == "arm64"
    assert doc["RepoDigests"] == [f"{repo}@{index_digest}"]

    amd = cli("pull", "--platform", "linux/amd64", ref)
    assert amd.code == 0, amd.err
    assert json.loads(cli("image", "inspect", ref).out)[0]["Architecture"] == "amd64"


def test_platform_missing_from_index_lists_what_it_has(cli, make_index, registry):
    ref = f"{registry}/{unique_repo()}:multi"
    make_index(ref)
    assert cli("push", ref).code == 0
    r = cli("pull", "--platform", "linux/s390x", ref)
    assert r.code == 1
    assert "no matching manifest for linux/s390x" in r.err
    assert "linux/arm64" in r.err and "linux/amd64" in r.err


def test_invalid_platform_is_rejected(cli, registry):
    r = cli("pull", "--platform", "linux/notanarch/v9/x", f"{registry}/x:y")
    assert r.code == 1 and r.out == ""
    assert r.err == 'Error: "linux/notanarch/v9/x": cannot parse platform specifier: invalid argument\n'
    r = cli("pull", "--platform", "foo", f"{registry}/x:y")
    assert r.err == 'Error: "foo": unknown operating system or architecture: invalid argument\n'


def test_foreign_single_platform_image_pulls_without_platform_flag(cli, make_image, registry):
    ref = f"{registry}/{unique_repo()}:arm"
    make_image([{"x": b"1"}], tag=ref, arch="arm64")
    assert cli("push", ref).code == 0
    assert cli("rmi", ref).code == 0
    r = cli("pull", ref)
    assert r.code == 0, r.err
    assert json.loads(cli("image", "inspect", ref).out)[0]["Architecture"] == "arm64"
    r = cli("pull", "--platform", "linux/amd64", ref)
    assert r.code == 1 and "does not match the specified platform" in r.err


def test_multiplatform_tag_lists_once_and_survives_prune(cli, make_index):
    index_digest = make_index("multi:1")
    rows = cli("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").out.splitlines()
    assert rows == [f"multi:1 {index_digest[7:19]}"]
    assert len(cli("images", "-qa").out.split()) == 3  # the index and its two platform images
    assert cli("image", "prune", "-f").out == "Total reclaimed space: 0B\n"
    assert json.loads(cli("image", "inspect", "multi:1").out)[0]["Architecture"] == "amd64"
    r = cli("rmi", "multi:1")
    assert r.code == 0
    assert r.out.splitlines()[0] == "Untagged: multi:1"
    assert f"Deleted: {index_digest}" in r.out and r.out.count("Deleted: ") == 3
    assert cli("images", "-qa").out == ""


def test_prune_all_removes_multiplatform_images(cli, make_index):
    make_index("multi:2")
    r = cli("image", "prune", "-af")
    assert "untagged: multi:2" in r.out
    assert cli("images", "-qa").out == ""
