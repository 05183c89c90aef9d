"""Editing local manifest lists: add, rm/remove of entries, annotate races, and the errors users see."""

from __future__ import annotations

import json
import subprocess

import pytest
from support.registries import registry_delete, registry_manifest, registry_tags, unique_repo

pytestmark = pytest.mark.registry


def _doc(cli, name: str) -> dict:
    r = cli("manifest", "inspect", name)
    assert r.code == 0, r.err
    return json.loads(r.out)


def _arches(doc: dict) -> list[str]:
    return [e["platform"]["architecture"] for e in doc["manifests"]]


def test_add_and_remove_entries_keep_annotations(cli, platform_images, registry):
    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo)
    name = f"{repo}:edit"
    assert cli("manifest", "create", name, images["amd64"]).code == 0
    added = cli("manifest", "add", "--annotation", "org.example.note=ppc", "--os-features", "f1", name,
                images["ppc64le"])
    assert added.code == 0, added.err
    assert added.out.strip().startswith("sha256:")
    assert cli("manifest", "annotate", "--annotation", "keep=me", name, images["amd64"]).code == 0
    assert cli("manifest", "add", name, images["arm64"], images["s390x"]).code == 0
    doc = _doc(cli, name)
    assert _arches(doc) == ["amd64", "ppc64le", "arm64", "s390x"]
    assert doc["manifests"][1]["annotations"] == {"org.example.note": "ppc"}
    assert doc["manifests"][1]["platform"]["os.features"] == ["f1"]

    # ENTRY as a platform, a digest (manifest remove) and an image reference
    r = cli("manifest", "rm", name, "linux/arm64")
    assert r.code == 0, r.err
    digest = doc["manifests"][3]["digest"]
    assert cli("manifest", "remove", name, digest).code == 0
    assert cli("manifest", "rm", name, images["ppc64le"]).code == 0
    doc = _doc(cli, name)
    assert _arches(doc) == ["amd64"]
    assert doc["manifests"][0]["annotations"] == {"keep": "me"}  # survived three edits

    missing = cli("manifest", "remove", name, "linux/s390x")
    assert (missing.code, missing.err) == (1, f"Error: manifest for image linux/s390x does not exist in {name}\n")
    # the images themselves are untouched by entry removal
    assert cli("image", "inspect", images["s390x"]).code == 0


def test_index_annotations_and_docker_list_media_type_survive_edits(cli, platform_images, registry, mocker_env):
    from mocker.engine.images import register_index
    from mocker.store.store import Store

    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo, ("amd64", "arm64"))
    assert cli("manifest", "create", f"{repo}:src", images["amd64"]).code == 0
    entry = _doc(cli, f"{repo}:src")["manifests"][0]
    docker_list = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
                   "manifests": [entry], "x-extra": {"kept": True}}
    store = Store.open(mocker_env["MOCKER_ROOT"])
    try:
        digest = store.blobs.put(json.dumps(docker_list).encode())
        register_index(store, digest, tags=(f"{repo}:dl",))
    finally:
        store.close()
    assert cli("manifest", "add", f"{repo}:dl", images["arm64"]).code == 0
    assert cli("manifest", "annotate", "--os-version", "1", f"{repo}:dl", "linux/amd64").code == 0
    doc = _doc(cli, f"{repo}:dl")
    assert doc["mediaType"] == "application/vnd.docker.distribution.manifest.list.v2+json"
    assert doc["x-extra"] == {"kept": True}
    assert _arches(doc) == ["amd64", "arm64"] and doc["manifests"][0]["platform"]["os.version"] == "1"


def test_concurrent_annotates_of_two_entries_keep_both(cli, platform_images, registry, mocker_env):
    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo, ("amd64", "arm64"))
    name = f"{repo}:race"
    assert cli("manifest", "create", name, *images.values()).code == 0
    for round_ in range(5):
        procs = [
            subprocess.Popen(["mocker", "manifest", "annotate", "--annotation", f"amd={round_}", name,
                              images["amd64"]], env=mocker_env, stderr=subprocess.PIPE, text=True),
            subprocess.Popen(["mocker", "manifest", "annotate", "--annotation", f"arm={round_}", name,
                              images["arm64"]], env=mocker_env, stderr=subprocess.PIPE, text=True),
        ]
        assert [(p.wait(), p.stderr.read()) for p in procs] == [(0, ""), (0, "")]
        amd, arm = _doc(cli, name)["manifests"]
        assert amd["annotations"]["amd"] == str(round_)
        assert arm["annotations"]["arm"] == str(round_)


def test_push_of_a_list_whose_images_are_missing_fails_clearly(cli, platform_images, registry, auth_registry):
    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo, ("amd64", "arm64"))
    assert cli("push", images["arm64"]).code == 0
    arm = json.loads(cli("image", "inspect", images["arm64"]).out)[0]
    assert cli("rmi", images["arm64"]).code == 0
    assert cli("image", "prune", "-af").code == 0
    images = platform_images(repo, ("amd64",))
    # arm64 comes from the registry now: create reads its manifest and config, not its layers
    assert cli("manifest", "create", f"{repo}:m", images["amd64"], f"{repo}:arm64").code == 0
    path = repo.split("/", 1)[1]
    manifest = registry_manifest(registry, path, "arm64")
    layer = json.loads(manifest.body)["layers"][0]["digest"]
    registry_delete(registry, path, "blobs", layer)

    r = cli("manifest", "push", f"{repo}:m")
    assert r.code == 1
    assert r.err == (f"Error: cannot push manifest list {repo}:m: image {repo}:arm64 (linux/arm64) is missing: "
                     f"{layer} is neither in the local store nor in {repo}\n")
    assert registry_tags(registry, path) == ["arm64"]  # nothing was pushed
    assert arm["Architecture"] == "arm64"

    other = f"{auth_registry.host}/{unique_repo()}:m"
    assert cli("manifest", "create", other, f"{repo}:arm64").code == 0
    r = cli("manifest", "push", other)
    assert r.code == 1
    assert r.err == ("Error: cannot use source images from a different registry than the target image: "
                     f"{registry} != {auth_registry.host} (image {repo}:arm64 (linux/arm64) is not in the local "
                     "store)\n")


def test_entry_from_the_registry_is_mounted_on_push(cli, platform_images, registry):
    src = f"{registry}/{unique_repo()}"
    images = platform_images(src, ("arm64",))
    assert cli("push", images["arm64"]).code == 0
    assert cli("rmi", images["arm64"]).code == 0
    assert cli("image", "prune", "-af").code == 0
    single = json.loads(cli("manifest", "inspect", "-v", images["arm64"]).out)  # a remote image, not a list
    assert single["Ref"] == images["arm64"]
    assert single["Descriptor"]["platform"] == {"architecture": "arm64", "os": "linux"}
    plain = cli("manifest", "inspect", images["arm64"]).out
    assert json.loads(plain) == single["OCIManifest"] and plain.startswith('{\n\t"')
    target = f"{registry}/{unique_repo()}:list"
    assert cli("manifest", "create", target, images["arm64"]).code == 0
    r = cli("manifest", "push", target)
    assert r.code == 0, r.err
    arm_digest = _doc(cli, target)["manifests"][0]["digest"]
    lines = r.out.splitlines()
    assert lines[0] == f"Pushed ref {target.rsplit(':', 1)[0]}@{arm_digest} with digest: {arm_digest}"
    remote = registry_manifest(registry, target.split("/", 1)[1].rsplit(":", 1)[0], "list")
    assert remote is not None and remote.digest == lines[1]


def test_docker_errors_for_create_rm_annotate_inspect(cli, platform_images, registry):
    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo, ("amd64",))
    assert cli("manifest", "create", f"{repo}:e", images["amd64"]).code == 0
    again = cli("manifest", "create", f"{repo}:e", images["amd64"])
    assert (again.code, again.err) == (1, "Error: refusing to amend an existing manifest list with no --amend flag\n")
    assert cli("manifest", "create", "--amend", f"{repo}:e", images["amd64"]).code == 0
    taken = cli("manifest", "create", images["amd64"], images["amd64"])
    assert taken.code == 1 and "is the tag of an image" in taken.err
    rm = cli("manifest", "rm", "nope", "nope2")
    assert (rm.code, rm.err) == (1, "Error: No such manifest: docker.io/library/nope:latest\n"
                                     "No such manifest: docker.io/library/nope2:latest\n")
    bad = cli("manifest", "annotate", "--arch", "z80", f"{repo}:e", images["amd64"])
    assert (bad.code, bad.err) == (1, "Error: manifest entry for image has unsupported os/arch combination: /z80\n")
    absent = cli("manifest", "annotate", "--arch", "arm64", f"{repo}:e", "busybox")
    assert absent.err == f"Error: manifest for image busybox does not exist in {repo}:e\n"
    remote = cli("manifest", "inspect", f"{registry}/{unique_repo()}:x")
    assert remote.code == 1 and remote.err.startswith("Error: no such manifest: ")
    usage = cli("manifest", "create", f"{repo}:e")
    assert usage.code == 1 and usage.err.startswith('"mocker manifest create" requires at least 2 arguments.')
    assert cli("manifest", "rm", f"{repo}:e").code == 0
    assert cli("manifest", "inspect", f"{repo}:e").code == 1  # now only the registry is asked


def test_run_of_a_list_whose_image_is_not_local_says_so_and_keeps_the_list(cli, platform_images, registry,
                                                                            run_mocker):
    src = f"{registry}/{unique_repo()}"
    images = platform_images(src, ("amd64",))
    assert cli("push", images["amd64"]).code == 0
    assert cli("rmi", images["amd64"]).code == 0
    assert cli("image", "prune", "-af").code == 0
    name = f"{src}:list"
    assert cli("manifest", "create", name, images["amd64"]).code == 0
    digest = _doc(cli, name)["manifests"][0]["digest"]
    r = run_mocker("run", "--rm", name, "true", check=False)
    assert r.returncode == 125
    assert r.stderr == (f"Error: the linux/amd64 image of {name} ({digest}) is not in the local store; "
                        "pull it by digest\n")
    assert _doc(cli, name)["manifests"][0]["digest"] == digest  # the list is still the list
