"""``manifest create/annotate/inspect/push``, then pulling and running each platform of the list."""

from __future__ import annotations

import base64
import json

import pytest
from support.registries import registry_manifest, registry_tags, unique_repo

pytestmark = pytest.mark.registry

UNAME = {"amd64": "x86_64", "arm64": "aarch64", "s390x": "s390x", "ppc64le": "ppc64le"}


def _new_list(cli, platform_images, registry, tag: str, arches: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """A repository of platform images and a local list ``repo:tag`` of them: (repo, arch -> image)."""
    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo, arches)
    created = cli("manifest", "create", f"{repo}:{tag}", *images.values())
    assert created.code == 0, created.err
    return repo, images


def _platforms(doc: dict) -> list[str]:
    return ["/".join(p for p in (e["platform"]["os"], e["platform"]["architecture"], e["platform"].get("variant"))
                     if p) for e in doc["manifests"]]


def test_create_annotate_push_then_pull_and_run_each_platform(cli, platform_images, registry, run_mocker,
                                                               mocker_env, tmp_path, require_binfmt):
    for arch in UNAME:
        require_binfmt(arch)
    repo = f"{registry}/{unique_repo()}"
    images = platform_images(repo)
    created = cli("manifest", "create", f"{repo}:multi", *images.values())
    assert created.code == 0, created.err
    assert created.out == f"Created manifest list {repo}:multi\n"
    r = cli("manifest", "annotate", "--variant", "v8", "--os-version", "6.1", "--annotation", "team=arm",
            f"{repo}:multi", images["arm64"])
    assert (r.code, r.out, r.err) == (0, "", "")

    local = cli("manifest", "inspect", f"{repo}:multi")
    assert local.code == 0, local.err
    doc = json.loads(local.out)
    assert doc["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert _platforms(doc) == ["linux/amd64", "linux/arm64/v8", "linux/s390x", "linux/ppc64le"]
    arm = doc["manifests"][1]
    assert arm["platform"]["os.version"] == "6.1" and arm["annotations"] == {"team": "arm"}
    assert local.out.startswith('{\n   "schemaVersion": 2,\n')  # indented as Docker prints lists

    pushed = cli("manifest", "push", f"{repo}:multi")
    assert pushed.code == 0, pushed.err
    list_digest = pushed.out.strip()
    remote = registry_manifest(registry, repo.split("/", 1)[1], "multi")
    assert remote is not None and remote.digest == list_digest
    assert json.loads(remote.body) == doc
    # the remote view is what was pushed (the local list is still there, so inspect by digest)
    assert json.loads(cli("manifest", "inspect", f"{repo}@{list_digest}").out) == doc

    other = {**mocker_env, "MOCKER_ROOT": str(tmp_path / "other-store")}
    for arch, machine in UNAME.items():
        r = run_mocker("run", "--rm", "--network", "none", "--platform", f"linux/{arch}", f"{repo}@{list_digest}",
                       "uname", "-m", env=other)   # no bridge: this store has no daemon.json of its own
        assert r.stdout == f"{machine}\n", r.stderr
    rows = run_mocker("images", "--digests", "--format", "{{.Digest}}", env=other).stdout.split()
    assert rows == [list_digest] * 4


def test_run_platform_of_a_local_list_and_missing_platform_error(cli, platform_images, registry, run_mocker,
                                                                  require_binfmt):
    require_binfmt("s390x")
    repo, images = _new_list(cli, platform_images, registry, "l", ("amd64", "s390x"))
    assert run_mocker("run", "--rm", "--platform", "linux/s390x", f"{repo}:l", "uname", "-m").stdout == "s390x\n"
    r = run_mocker("create", "--platform", "linux/ppc64le", f"{repo}:l", check=False)
    assert r.returncode == 125
    assert r.stderr == (f"Error: no matching manifest for linux/ppc64le in the manifest list entries of {repo}:l "
                        "(available: linux/amd64, linux/s390x)\n")


def test_inspect_verbose_shows_refs_descriptors_and_raw_manifests(cli, platform_images, registry):
    repo, images = _new_list(cli, platform_images, registry, "v", ("amd64", "arm64"))
    r = cli("manifest", "inspect", "-v", f"{repo}:v")
    assert r.code == 0, r.err
    assert r.out.startswith('[\n\t{\n\t\t"Ref": ')
    items = json.loads(r.out)
    assert [i["Ref"] for i in items] == [images["amd64"], images["arm64"]]
    for item, arch in zip(items, ("amd64", "arm64"), strict=True):
        assert item["Descriptor"]["platform"] == {"architecture": arch, "os": "linux"}
        raw = base64.b64decode(item["Raw"])
        assert json.loads(raw) == item["OCIManifest"]
        assert item["Descriptor"]["size"] == len(raw)
    entry = cli("manifest", "inspect", f"{repo}:v", images["arm64"])
    assert json.loads(entry.out) == items[1]["OCIManifest"] and entry.out.startswith('{\n\t"')


def test_push_purge_removes_the_local_list_only(cli, platform_images, registry):
    repo, images = _new_list(cli, platform_images, registry, "p", ("amd64", "arm64"))
    r = cli("manifest", "push", "--purge", f"{repo}:p")
    assert r.code == 0, r.err
    assert registry_tags(registry, repo.split("/", 1)[1]) == ["p"]
    gone = cli("manifest", "rm", f"{repo}:p")
    assert (gone.code, gone.err) == (1, f"Error: No such manifest: {repo}:p\n")
    assert cli("image", "inspect", images["arm64"]).code == 0  # the images stay



def test_add_all_entries_of_a_remote_list_and_remote_verbose_inspect(cli, platform_images, registry):
    repo, images = _new_list(cli, platform_images, registry, "src", ("amd64", "arm64", "s390x"))
    pushed = cli("manifest", "push", "--purge", f"{repo}:src").out.strip()
    verbose = json.loads(cli("manifest", "inspect", "-v", f"{repo}:src").out)
    assert [v["Ref"].rsplit("@", 1)[0] for v in verbose] == [f"{repo}:src"] * 3
    assert [v["Descriptor"]["platform"]["architecture"] for v in verbose] == ["amd64", "arm64", "s390x"]

    assert cli("manifest", "create", f"{repo}:one", images["amd64"]).code == 0
    one = cli("manifest", "add", "--arch", "s390x", f"{repo}:one", f"{repo}@{pushed}")  # one entry of the list
    assert one.code == 0, one.err
    doc = json.loads(cli("manifest", "inspect", f"{repo}:one").out)
    assert [e["digest"] for e in doc["manifests"]] == [verbose[0]["Descriptor"]["digest"],
                                                      verbose[2]["Descriptor"]["digest"]]
    assert cli("manifest", "create", f"{repo}:all", images["amd64"]).code == 0
    assert cli("manifest", "add", "--all", f"{repo}:all", f"{repo}:src").code == 0
    doc = json.loads(cli("manifest", "inspect", f"{repo}:all").out)
    assert len(doc["manifests"]) == 3  # amd64 was there already: kept once
    listed = cli("manifest", "create", f"{repo}:bad", f"{repo}:src")
    assert (listed.code, listed.err) == (1, f"Error: {repo}:src is a manifest list\n")
