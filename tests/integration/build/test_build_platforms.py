"""Multi-platform builds: an OCI index, RUN of the foreign platform under qemu binfmt, --push."""

from __future__ import annotations

import json

import httpx

from tests.support.images import build_image, build_oci_archive, layer_from_dir

DF = """\
FROM busybox
ARG TARGETARCH
RUN uname -m > /uname && echo "$TARGETARCH" > /targetarch
CMD ["cat", "/uname", "/targetarch"]
"""


def _load_two_platform_busybox(mocker, busybox_rootfs_for, tmp_path) -> None:
    images = [build_image([layer_from_dir(busybox_rootfs_for(arch))], arch=arch, config={"Cmd": ["/bin/sh"]})
              for arch in ("amd64", "arm64")]
    archive = build_oci_archive(tmp_path / "busybox-multi.tar", images, index=True,
                                image_name="docker.io/library/busybox:multi", ref_name="multi")
    mocker("load", "-i", str(archive))


def test_two_platform_build_stores_an_index_and_arm64_runs_under_qemu(
        mocker, context, busybox_rootfs_for, require_binfmt, tmp_path, registry) -> None:
    require_binfmt("arm64")
    _load_two_platform_busybox(mocker, busybox_rootfs_for, tmp_path)
    ctx = context({"Dockerfile": DF.replace("FROM busybox", "FROM busybox:multi")})
    tag = f"{registry}/built/multi:1"
    result = mocker("build", "--platform", "linux/amd64,linux/arm64", "-t", tag, "--push", str(ctx), timeout=600)
    assert "[linux/amd64]" in result.stdout and "[linux/arm64]" in result.stdout
    assert mocker("run", "--rm", "--platform", "linux/arm64", tag).stdout == "aarch64\narm64\n"
    assert mocker("run", "--rm", "--platform", "linux/amd64", tag).stdout == "x86_64\namd64\n"
    # the registry has the index with both platforms
    r = httpx.get(f"http://{registry}/v2/built/multi/manifests/1",
                  headers={"Accept": "application/vnd.oci.image.index.v1+json"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert sorted(m["platform"]["architecture"] for m in doc["manifests"]) == ["amd64", "arm64"]
    # locally the tag is one multi-platform image (one row in `images`)
    assert mocker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.count("built/multi:1") == 1


def test_foreign_single_platform_build(mocker, context, busybox_rootfs_for, require_binfmt, tmp_path) -> None:
    require_binfmt("arm64")
    _load_two_platform_busybox(mocker, busybox_rootfs_for, tmp_path)
    ctx = context({"Dockerfile": DF.replace("FROM busybox", "FROM busybox:multi")})
    mocker("build", "--platform", "linux/arm64", "-t", "armonly", str(ctx), timeout=600)
    info = json.loads(mocker("image", "inspect", "armonly").stdout)[0]
    assert info["Architecture"] == "arm64"
    assert mocker("run", "--rm", "--platform", "linux/arm64", "armonly").stdout == "aarch64\narm64\n"


def test_missing_base_is_pulled_and_pull_flag_refreshes_it(mocker, context, registry) -> None:
    base = f"{registry}/base/busybox:build-test"
    mocker("tag", "busybox:latest", base)
    mocker("push", base)
    mocker("rmi", base)
    ctx = context({"Dockerfile": f"FROM {base}\nRUN echo pulled > /pulled\n"})
    mocker("build", "-t", "from-registry", str(ctx))
    assert mocker("image", "inspect", base).returncode == 0  # the base came from the registry
    assert mocker("run", "--rm", "from-registry", "cat", "/pulled").stdout == "pulled\n"
    assert "Using cache" in mocker("build", "--pull", "-t", "from-registry", str(ctx)).stdout
    missing = context({"Dockerfile": f"FROM {registry}/base/nothing-here:1\n"})
    result = mocker("build", str(missing), check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: Dockerfile:1: failed to resolve source metadata for ")
