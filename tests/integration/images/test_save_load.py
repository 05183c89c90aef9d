"""``mocker save`` / ``mocker load``: round trips, archives made by others, multi-platform, damage.

Images are built as files by ``support.images`` (from the busybox rootfs) and loaded; skopeo and
umoci are the outside readers of both the archives ``save`` writes and the store's own OCI layout.
Runs in process (``cli``) except where a real pipe is the point.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.images import (
    CONTAINERD_NAME,
    OCI_INDEX,
    REF_NAME,
    Image,
    TarEntry,
    attestation_for,
    build_docker_archive,
    build_image,
    build_index,
    build_oci_archive,
    corrupt_blobs,
    host_arch,
    layer_from_dir,
    make_layer_tar,
    make_tar,
    oci_layout_files,
    tar_members,
    write_oci_layout,
    write_tar,
)

from mocker.cli.main import main

REPO = Path(__file__).resolve().parents[3]
EVIL = f"evil-{uuid.uuid4().hex[:8]}"
FOREIGN = "arm64" if host_arch() != "arm64" else "amd64"

needs_skopeo = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo is not installed")
needs_umoci = pytest.mark.skipif(shutil.which("umoci") is None, reason="umoci is not installed")


def tool(*argv: str) -> str:
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{' '.join(argv)}: {r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def bb(busybox_rootfs: Path) -> Image:
    """Two layers (busybox, then a file added and an applet whited out), gzip like a registry's."""
    top = make_layer_tar({"etc/motd": b"hello\n", "bin/uname": None})
    return build_image([layer_from_dir(busybox_rootfs), top], config={"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
                       compression="gzip")


@pytest.fixture
def small() -> Image:
    return build_image([make_layer_tar({"hello.txt": b"hi\n"})], config={"Cmd": ["/hello"]})


@pytest.fixture
def load(cli, tmp_path):
    """``load(image_or_index, "docker.io/library/x:y")``: an OCI archive of it loaded into the store."""

    def run(obj, name: str | None = None, *, root: Path | None = None) -> str:
        path = tmp_path / f"in-{uuid.uuid4().hex[:6]}.tar"
        build_oci_archive(path, [obj], image_name=name, ref_name=name.rpartition(":")[2] if name else None)
        r = cli(*(["--root", str(root)] if root else []), "load", "-i", str(path))
        assert r.code == 0, r.err
        return r.out

    return run


def inspect(cli, name: str, root: Path | None = None) -> dict:
    r = cli(*(["--root", str(root)] if root else []), "image", "inspect", name)
    assert r.code == 0, r.err
    return json.loads(r.out)[0]


def state(root: Path) -> tuple[object, ...]:
    """What a failed load must leave as it was."""
    blobs = sorted(p.name for p in (root / "blobs" / "sha256").glob("*")) if (root / "blobs").exists() else []
    layers = sorted(p.name for p in (root / "layers").glob("*")) if (root / "layers").exists() else []
    index = (root / "index.json").read_bytes() if (root / "index.json").exists() else b""
    return blobs, layers, index


def images_q(cli, root: Path | None = None) -> list[str]:
    r = cli(*(["--root", str(root)] if root else []), "images", "-qa", "--no-trunc")
    assert r.code == 0, r.err
    return r.out.split()


# ---- round trips ---------------------------------------------------------------------------------


def test_load_save_rmi_load_keeps_ids_and_tags(cli, load, bb, tmp_path, mocker_root):
    assert load(bb, "docker.io/library/busybox:latest") == "Loaded image: busybox:latest\n"
    before = inspect(cli, "busybox")
    assert before["Id"] == bb.id and before["RootFS"]["Layers"] == bb.diff_ids

    out = tmp_path / "busybox.tar"
    r = cli("save", "-o", str(out), "busybox")
    assert (r.code, r.out, r.err) == (0, "", "")
    files = tar_members(out)
    assert json.loads(files["manifest.json"]) == [{
        "Config": f"blobs/sha256/{bb.config.hex}", "RepoTags": ["busybox:latest"],
        "Layers": [f"blobs/sha256/{d.split(':')[1]}" for d in bb.diff_ids]}]
    assert json.loads(files["repositories"]) == {"busybox": {"latest": bb.config.hex}}
    assert json.loads(files["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    (entry,) = json.loads(files["index.json"])["manifests"]
    assert entry["annotations"] == {CONTAINERD_NAME: "docker.io/library/busybox:latest", REF_NAME: "latest"}
    for diff, tar in zip(bb.diff_ids, bb.layer_tars, strict=True):
        assert files[f"blobs/sha256/{diff.split(':')[1]}"] == tar  # layers uncompressed, as docker save
    assert files[f"blobs/sha256/{bb.config.hex}"] == bb.config.data

    assert cli("rmi", "busybox").code == 0
    assert cli("image", "prune", "-af").code == 0
    assert images_q(cli) == []
    r = cli("load", "-i", str(out))
    assert (r.code, r.out, r.err) == (0, "Loaded image: busybox:latest\n", "")
    after = inspect(cli, "busybox")
    assert after["Id"] == before["Id"] and after["RootFS"] == before["RootFS"]
    assert after["Config"] == before["Config"]
    upper = Path(after["GraphDriver"]["Data"]["UpperDir"])
    assert (upper / "etc" / "motd").read_bytes() == b"hello\n"

    # Loading the same archive again changes nothing and says the same.
    assert cli("load", "-i", str(out)).out == "Loaded image: busybox:latest\n"
    assert images_q(cli) == [bb.id]
    # Saving what was loaded gives the same archive, byte for byte.
    again = tmp_path / "again.tar"
    assert cli("save", "-o", str(again), "busybox:latest").code == 0
    assert again.read_bytes() == out.read_bytes()
    assert corrupt_blobs(mocker_root) == []


def test_save_several_images_and_repositories(cli, load, bb, small, tmp_path):
    load(bb, "docker.io/library/busybox:latest")
    load(small, "docker.io/example/small:1")
    assert cli("tag", "example/small:1", "example/small:2").code == 0
    assert cli("tag", "example/small:1", "registry.test:5000/small:x").code == 0
    out = tmp_path / "two.tar"
    # A repository without a tag saves all of its tags (moby's parseNames).
    r = cli("save", "-o", str(out), "busybox", "example/small")
    assert r.code == 0, r.err
    manifest = json.loads(tar_members(out)["manifest.json"])
    assert [(m["RepoTags"]) for m in manifest] == [["busybox:latest"], ["example/small:1", "example/small:2"]]

    fresh = tmp_path / "fresh"
    r = cli("--root", str(fresh), "load", "-i", str(out))
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["Loaded image: busybox:latest", "Loaded image: example/small:1",
                                  "Loaded image: example/small:2"]
    assert inspect(cli, "example/small:2", fresh)["Id"] == small.id
    assert cli("--root", str(fresh), "image", "inspect", "registry.test:5000/small:x").code == 1

    # By ID: untagged in the archive, loaded as an ID.
    by_id = tmp_path / "byid.tar"
    assert cli("save", "-o", str(by_id), small.id[7:19]).code == 0
    assert json.loads(tar_members(by_id)["manifest.json"])[0]["RepoTags"] is None
    other = tmp_path / "other"
    r = cli("--root", str(other), "load", "-i", str(by_id))
    assert r.out == f"Loaded image ID: {small.id}\n"


def test_load_over_an_existing_tag_says_so(cli, load, bb, small):
    load(bb, "docker.io/library/busybox:latest")
    out = load(small, "docker.io/library/busybox:latest")
    assert out == (f"The image busybox:latest already exists, renaming the old one with ID {bb.id} to empty string\n"
                   "Loaded image: busybox:latest\n")
    assert inspect(cli, "busybox")["Id"] == small.id
    assert bb.id in images_q(cli)  # still there, untagged


def test_save_to_a_pipe_and_load_from_one(cli, load, bb, tmp_path, mocker_env):
    load(bb, "docker.io/library/busybox:latest")
    via_file = tmp_path / "file.tar"
    assert cli("save", "-o", str(via_file), "busybox").code == 0

    piped = tmp_path / "piped.tar"
    with piped.open("wb") as f:
        r = subprocess.run([sys.executable, "-m", "mocker", "save", "busybox"], stdout=f, stderr=subprocess.PIPE,
                           env=mocker_env, cwd=REPO, timeout=60)
    assert r.returncode == 0, r.stderr
    assert piped.read_bytes() == via_file.read_bytes()

    env = {**mocker_env, "MOCKER_ROOT": str(tmp_path / "fresh")}
    r = subprocess.run([sys.executable, "-m", "mocker", "load"], stdin=piped.open("rb"), capture_output=True,
                       env=env, cwd=REPO, timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"Loaded image: busybox:latest\n", b"")


def test_save_refusals(cli, load, bb, tmp_path):
    load(bb, "docker.io/library/busybox:latest")

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    out, err = Terminal(io.BytesIO()), io.StringIO()
    code = main(["save", "busybox"], stdout=out, stderr=err, stdin=io.StringIO())
    refusal = "Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n"
    assert (code, err.getvalue()) == (1, refusal)

    r = cli("save", "-o", str(tmp_path / "nodir" / "x.tar"), "busybox")
    assert (r.code, r.err) == (1, f'Error: failed to save image: invalid output path: directory "{tmp_path / "nodir"}"'
                                  " does not exist\n")
    r = cli("save", "-o", str(tmp_path / "x.tar"), "busybox", "nosuch")
    assert (r.code, r.err) == (1, "Error: No such image: nosuch\n")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".x.tar", "x.tar"))) == []

    r = cli("load", "-i", str(tmp_path / "missing.tar"))
    assert (r.code, r.err) == (1, f"Error: open {tmp_path / 'missing.tar'}: no such file or directory\n")


# ---- outside readers and writers -----------------------------------------------------------------


@needs_skopeo
@needs_umoci
def test_saved_archive_reads_as_docker_archive_and_oci_layout(cli, load, bb, tmp_path):
    load(bb, "docker.io/library/busybox:latest")
    out = tmp_path / "bb.tar"
    assert cli("save", "-o", str(out), "busybox").code == 0

    as_docker = json.loads(tool("skopeo", "inspect", f"docker-archive:{out}"))
    assert as_docker["Layers"] == bb.diff_ids and as_docker["Architecture"] == host_arch()
    assert json.loads(tool("skopeo", "inspect", "--config", f"docker-archive:{out}:busybox:latest")) == bb.config_doc
    as_oci = json.loads(tool("skopeo", "inspect", f"oci-archive:{out}:latest"))
    assert as_oci["Layers"] == bb.diff_ids
    # Every blob is checked against its digest on the way.
    tool("skopeo", "copy", "-q", f"oci-archive:{out}:latest", f"dir:{tmp_path / 'copy'}")
    tool("skopeo", "copy", "-q", f"docker-archive:{out}", f"oci:{tmp_path / 'layout'}:bb")

    unpacked = tmp_path / "unpacked"
    with tarfile.open(out) as tar:
        tar.extractall(unpacked, filter="data")
    assert tool("umoci", "ls", "--layout", str(unpacked)).split() == ["latest"]
    assert "sha256:" in tool("umoci", "stat", "--image", f"{unpacked}:latest")


@needs_skopeo
def test_load_archives_written_by_skopeo_from_the_store(cli, load, bb, tmp_path, mocker_root):
    load(bb, "docker.io/library/busybox:latest")
    source = f"oci:{mocker_root}:docker.io/library/busybox:latest"
    fresh = tmp_path / "fresh"

    docker_archive = tmp_path / "skopeo-docker.tar"
    tool("skopeo", "copy", "-q", source, f"docker-archive:{docker_archive}:example/bb:v2")
    r = cli("--root", str(fresh), "load", "-i", str(docker_archive))
    assert (r.code, r.out) == (0, "Loaded image: example/bb:v2\n"), r.err
    assert inspect(cli, "example/bb:v2", fresh)["Id"] == bb.id

    oci_archive = tmp_path / "skopeo-oci.tar"
    tool("skopeo", "copy", "-q", source, f"oci-archive:{oci_archive}:example/bb:v3")
    r = cli("--root", str(fresh), "load", "-i", str(oci_archive))
    assert (r.code, r.out) == (0, "Loaded image: example/bb:v3\n"), r.err
    assert inspect(cli, "example/bb:v3", fresh)["Id"] == bb.id

    # A bare tag as ref.name names no repository: the image loads untagged.
    layout = write_oci_layout(tmp_path / "layout", [(bb, {REF_NAME: "bb"})])
    bare = tmp_path / "skopeo-bare.tar"
    tool("skopeo", "copy", "-q", f"oci:{layout}:bb", f"oci-archive:{bare}:latest")
    r = cli("--root", str(tmp_path / "other"), "load", "-i", str(bare))
    assert r.out == f"Loaded image ID: {bb.id}\n"


@pytest.mark.parametrize("style", ["legacy", "oci"])
def test_load_docker_archive_styles(cli, bb, small, tmp_path, style):
    path = build_docker_archive(tmp_path / f"{style}.tar", [bb, small],
                                repo_tags=[["busybox:1.0", "busybox:latest"], []], style=style)
    r = cli("load", "-i", str(path))
    assert r.code == 0, r.err
    assert r.out.splitlines() == ["Loaded image: busybox:1.0", "Loaded image: busybox:latest",
                                  f"Loaded image ID: {small.id}"]
    assert inspect(cli, "busybox:1.0")["Id"] == bb.id


def test_load_pre_1_10_archive_builds_the_config_from_v1_json(cli, bb, tmp_path):
    path = build_docker_archive(tmp_path / "v1.tar", [bb], repo_tags=[["old/busybox:v1"]], style="v1",
                                compression="gzip")
    assert "manifest.json" not in tar_members(path)
    r = cli("load", "-i", str(path))
    assert (r.code, r.out) == (0, "Loaded image: old/busybox:v1\n"), r.err
    doc = inspect(cli, "old/busybox:v1")
    assert doc["RootFS"]["Layers"] == bb.diff_ids
    assert doc["Config"] == bb.config_doc["config"] and doc["Architecture"] == bb.platform["architecture"]
    h = cli("history", "--no-trunc", "old/busybox:v1")
    assert "/bin/sh -c #(nop) layer 1" in h.out and len(h.out.splitlines()) == 3


@needs_skopeo
@needs_umoci
def test_store_layout_reads_with_skopeo_and_umoci(cli, load, bb, small, mocker_root, tmp_path):
    load(bb, "docker.io/library/busybox:latest")
    load(small, "docker.io/example/small:1")
    name = "docker.io/library/busybox:latest"
    assert sorted(tool("umoci", "ls", "--layout", str(mocker_root)).split()) == [
        "docker.io/example/small:1", name]
    # skopeo lists blob digests: the store keeps the gzip layers it loaded.
    assert json.loads(tool("skopeo", "inspect", f"oci:{mocker_root}:{name}"))["Layers"] == [
        b.digest for b in bb.layers]
    assert "test layer 1" in tool("umoci", "stat", "--image", f"{mocker_root}:{name}")
    copy = tmp_path / "copy"
    tool("skopeo", "copy", "-q", f"oci:{mocker_root}:{name}", f"dir:{copy}")  # verifies every digest
    for blob in copy.iterdir():
        if len(blob.name) == 64:
            assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    assert cli("rmi", "busybox").code == 0
    assert tool("umoci", "ls", "--layout", str(mocker_root)).split() == ["docker.io/example/small:1"]


# ---- multi-platform ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def multi(busybox_rootfs: Path) -> tuple[Image, Image]:
    host = build_image([layer_from_dir(busybox_rootfs)], config={"Cmd": ["/bin/sh"]}, compression="gzip")
    foreign = build_image([make_layer_tar({"arch": FOREIGN.encode()})], arch=FOREIGN,
                          variant="v8" if FOREIGN == "arm64" else None, compression="gzip")
    return host, foreign


def tag_target(root: Path, name: str) -> dict:
    (entry,) = [m for m in json.loads((root / "index.json").read_text())["manifests"]
                if (m.get("annotations") or {}).get(REF_NAME) == name]
    return entry


def test_load_multiplatform_index_then_save_it(cli, multi, tmp_path, mocker_root):
    host, foreign = multi
    index = build_index([host, foreign])
    path = build_oci_archive(tmp_path / "multi.tar", [host, foreign], index=True,
                             image_name="docker.io/library/multi:latest", ref_name="latest")
    r = cli("load", "-i", str(path))
    assert (r.code, r.out) == (0, "Loaded image: multi:latest\n"), r.err
    entry = tag_target(mocker_root, "docker.io/library/multi:latest")
    assert (entry["digest"], entry["mediaType"]) == (index.digest, OCI_INDEX)
    doc = inspect(cli, "multi")
    assert (doc["Id"], doc["Architecture"]) == (host.id, host_arch())
    assert inspect(cli, foreign.id)["Architecture"] == FOREIGN  # every platform is in the store

    saved = tmp_path / "saved.tar"
    r = cli("save", "-o", str(saved), "multi")
    assert r.code == 0, r.err
    files = tar_members(saved)
    (top,) = json.loads(files["index.json"])["manifests"]
    assert (top["digest"], top["mediaType"]) == (index.digest, OCI_INDEX)
    assert top["annotations"][CONTAINERD_NAME] == "docker.io/library/multi:latest"
    assert {f"blobs/sha256/{b.hex}" for b in index.blobs()} <= set(files)
    # The docker-archive view is the host's image.
    (m,) = json.loads(files["manifest.json"])
    assert (m["Config"], m["RepoTags"]) == (f"blobs/sha256/{host.config.hex}", ["multi:latest"])

    fresh = tmp_path / "fresh"
    r = cli("--root", str(fresh), "load", "-i", str(saved))
    assert (r.code, r.out) == (0, "Loaded image: multi:latest\n"), r.err
    assert tag_target(fresh, "docker.io/library/multi:latest")["digest"] == index.digest
    assert inspect(cli, "multi", fresh)["Id"] == host.id
    assert corrupt_blobs(fresh) == []


@needs_skopeo
def test_saved_index_reads_with_skopeo(cli, multi, tmp_path):
    host, foreign = multi
    path = build_oci_archive(tmp_path / "multi.tar", [host, foreign], index=True,
                             image_name="docker.io/library/multi:latest")
    assert cli("load", "-i", str(path)).code == 0
    saved = tmp_path / "saved.tar"
    assert cli("save", "-o", str(saved), "multi").code == 0
    assert json.loads(tool("skopeo", "inspect", f"docker-archive:{saved}"))["Layers"] == host.diff_ids
    raw = json.loads(tool("skopeo", "inspect", "--raw", f"oci-archive:{saved}:latest"))
    assert raw["mediaType"] == OCI_INDEX and len(raw["manifests"]) == 2
    # The index goes byte for byte, so its images keep their gzip layers (skopeo lists blob digests).
    assert json.loads(tool("skopeo", "inspect", f"oci-archive:{saved}:latest"))["Layers"] == [
        b.digest for b in host.layers]


def test_index_with_missing_platform_and_attestation(cli, multi, tmp_path, mocker_root):
    host, foreign = multi
    att, att_ann = attestation_for(host)
    index = build_index([host, foreign, att], child_annotations=[None, None, att_ann])
    files = oci_layout_files([(index, {CONTAINERD_NAME: "docker.io/library/partial:1"})],
                             skip_blobs=[b.digest for b in foreign.blobs()])
    path = write_tar(tmp_path / "partial.tar", files)
    r = cli("load", "-i", str(path))
    assert (r.code, r.out) == (0, "Loaded image: partial:1\n"), r.err
    # The tag lists as the index; -a adds its host image. The attestation is content, not an image.
    assert sorted(images_q(cli)) == sorted([index.digest, host.id])
    assert inspect(cli, "partial:1")["Id"] == host.id

    saved = tmp_path / "saved.tar"
    assert cli("save", "-o", str(saved), "partial:1").code == 0
    names = set(tar_members(saved))
    assert f"blobs/sha256/{foreign.config.hex}" not in names and f"blobs/sha256/{att.config.hex}" in names
    fresh = tmp_path / "fresh"
    assert cli("--root", str(fresh), "load", "-i", str(saved)).out == "Loaded image: partial:1\n"


# ---- hostile archives ----------------------------------------------------------------------------


@pytest.fixture
def jail(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for probe in (Path("/") / EVIL, Path("/etc") / EVIL, Path("/tmp") / EVIL, tmp_path / EVIL):
        assert not probe.exists(), probe
    assert not list(tmp_path.rglob(f"*{EVIL}*"))


def _with_valid_image(small: Image, *bad: TarEntry) -> bytes:
    """A loadable archive with hostile entries after its good ones (nothing may be kept)."""
    files = oci_layout_files([(small, {CONTAINERD_NAME: "docker.io/library/small:1"})])
    return make_tar([*(TarEntry(n, data=d) for n, d in files.items()), *bad])


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([TarEntry(f"../{EVIL}", data=b"x")], "leaves the archive"),
        ([TarEntry(f"blobs/../../{EVIL}", data=b"x")], "leaves the archive"),
        ([TarEntry(f"/tmp/{EVIL}", data=b"x")], "has an absolute path"),
        ([TarEntry("up", "symlink", linkname="../.."), TarEntry(f"up/{EVIL}", data=b"x")], "points outside"),
        ([TarEntry("etc", "symlink", linkname="/etc"), TarEntry(f"etc/{EVIL}", data=b"x")], "points outside"),
        ([TarEntry(EVIL, "hardlink", linkname="../../etc/passwd")], "leaves the archive"),
        ([TarEntry(EVIL, "hardlink", linkname="/etc/passwd")], "has an absolute path"),
        ([TarEntry(EVIL, "fifo")], "not a regular file"),
    ],
)
def test_hostile_archive_is_refused_and_changes_nothing(cli, load, small, bb, jail, mocker_root, bad, message):
    load(bb, "docker.io/library/busybox:latest")
    before = state(mocker_root)
    path = jail / "hostile.tar"
    path.write_bytes(_with_valid_image(small, *bad))
    r = cli("load", "-i", str(path))
    assert r.code == 1 and r.out == ""
    assert r.err.startswith("Error: invalid archive: ") and message in r.err and r.err.count("\n") == 1, r.err
    assert state(mocker_root) == before
    assert images_q(cli) == [bb.id]
    assert not any((mocker_root / "tmp").iterdir())


def test_in_archive_links_are_followed_inside_it(cli, small, tmp_path):
    """skopeo's docker-archive links layer.tar files; links inside the archive are fine."""
    layer = small.layer_tars[0]
    entries = [
        TarEntry("layers/", "dir"),
        TarEntry("layers/real.tar", data=layer),
        TarEntry("abc/", "dir"),
        TarEntry("abc/layer.tar", "symlink", linkname="../layers/real.tar"),
        TarEntry("cfgdir", "symlink", linkname="real"),
        TarEntry("real/", "dir"),
        TarEntry("cfgdir/cfg.json", data=small.config.data),  # written through the link: real/cfg.json
        TarEntry("cfg.json", "symlink", linkname="real/cfg.json"),
        TarEntry("cfg-link.json", "hardlink", linkname="cfg.json"),
        TarEntry("manifest.json", data=json.dumps([{"Config": "cfg-link.json", "RepoTags": ["linked:1"],
                                                   "Layers": ["abc/layer.tar"]}]).encode()),
    ]
    path = tmp_path / "links.tar"
    path.write_bytes(make_tar(entries))
    r = cli("load", "-i", str(path))
    assert (r.code, r.out) == (0, "Loaded image: linked:1\n"), r.err
    assert inspect(cli, "linked:1")["Id"] == small.id


# ---- damaged archives ----------------------------------------------------------------------------


def _oci_archive_bytes(img: Image, name: str = "docker.io/library/broken:1") -> dict[str, bytes]:
    return oci_layout_files([(img, {CONTAINERD_NAME: name})])


@pytest.mark.parametrize(
    "case",
    ["truncated-half", "truncated-oci", "layer-not-matching-diff-id", "oci-blob-not-its-digest",
     "oci-diff-id-wrong", "missing-blob", "not-a-tar", "empty", "no-manifest", "bad-json"],
)
def test_damaged_archive_is_refused_and_store_stays_consistent(cli, load, bb, small, tmp_path, mocker_root, case):
    load(bb, "docker.io/library/busybox:latest")
    before = state(mocker_root)
    path = tmp_path / "damaged.tar"
    if case == "truncated-half":
        saved = tmp_path / "small.tar"
        build_docker_archive(saved, [small], repo_tags=[["broken:1"]], style="legacy")
        data = saved.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif case == "truncated-oci":
        full = write_tar(tmp_path / "full.tar", _oci_archive_bytes(small))
        with tarfile.open(full) as tar:
            cut = tar.getmember(f"blobs/sha256/{small.layers[0].hex}").offset_data + 100
        path.write_bytes(full.read_bytes()[:cut])  # inside the layer's data
    elif case == "layer-not-matching-diff-id":
        other = make_layer_tar({"something": b"else"})
        bogus = build_image([other], config={"Cmd": ["/x"]})
        build_docker_archive(path, [small], repo_tags=[["broken:1"]], style="legacy")
        files = tar_members(path)
        (layer_name,) = [n for n in files if n.endswith("layer.tar")]
        files[layer_name] = bogus.layer_tars[0]
        write_tar(path, files)
    elif case == "oci-blob-not-its-digest":
        files = _oci_archive_bytes(small)
        files[f"blobs/sha256/{small.layers[0].hex}"] = make_layer_tar({"tampered": b"1"})
        write_tar(path, files)
    elif case == "oci-diff-id-wrong":
        wrong = build_image([small.layer_tars[0]], extra_config={"rootfs": {"type": "layers", "diff_ids": [
            "sha256:" + "0" * 64]}})
        write_tar(path, _oci_archive_bytes(wrong))
    elif case == "missing-blob":
        files = _oci_archive_bytes(small)
        del files[f"blobs/sha256/{small.layers[0].hex}"]
        write_tar(path, files)
    elif case == "not-a-tar":
        path.write_bytes(gzip.compress(b"this is not a tar\n" * 100))
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "no-manifest":
        write_tar(path, {"hello.txt": b"hi"})
    elif case == "bad-json":
        write_tar(path, {"manifest.json": b"[{not json"})
    r = cli("load", "-i", str(path))
    assert r.code == 1 and r.out == "", r.out
    assert r.err.startswith("Error: ") and r.err.count("\n") == 1, r.err
    assert cli("image", "inspect", "broken:1").code == 1
    assert images_q(cli) == [bb.id]
    assert state(mocker_root) == before  # what the failed load wrote is gone again
    assert corrupt_blobs(mocker_root) == []


def test_compressed_archives_load(cli, small, tmp_path):
    for compression in ("gzip", "zstd"):
        path = build_docker_archive(tmp_path / f"a.{compression}", [small], repo_tags=[[f"c:{compression}"]],
                                    compression=compression)
        r = cli("load", "-i", str(path))
        assert (r.code, r.out) == (0, f"Loaded image: c:{compression}\n"), r.err


def test_load_from_a_terminal_is_refused(cli, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = io.StringIO()
    code = main(["load"], stdout=io.StringIO(), stderr=err, stdin=Terminal())
    assert (code, err.getvalue()) == (1, "Error: requested load from stdin, but stdin is empty\n")


