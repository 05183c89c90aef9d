"""In-process CLI runner for image tests: each test gets its own store and docker config."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mocker.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(mocker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``cli("images", "-q")`` runs mocker in this process against the test's own store."""
    for key in ("MOCKER_ROOT", "MOCKER_CONFIG", "DOCKER_CONFIG", "MOCKER_CERTS_D"):
        monkeypatch.setenv(key, mocker_env[key])

    def run(*argv: str, stdin: str = "") -> Result:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
        return Result(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def rootfs_tar(busybox_rootfs: Path, tmp_path: Path) -> Path:
    path = tmp_path / "rootfs.tar"
    with tarfile.open(path, "w") as tar:
        tar.add(busybox_rootfs, arcname=".")
    return path


@pytest.fixture
def busybox_image(cli: Callable[..., Result], rootfs_tar: Path) -> str:
    r = cli("import", "-c", 'CMD ["/bin/sh"]', str(rootfs_tar), "busybox:latest")
    assert r.code == 0, r.err
    return r.out.strip()


def _layer(files: dict[str, bytes | None]) -> bytes:
    """A layer tar; a value of None writes an OCI whiteout for that path."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in sorted(files.items()):
            if data is None:
                head, _, base = name.rpartition("/")
                name = f"{head}/.wh.{base}" if head else f".wh.{base}"
                data = b""
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def make_image(mocker_env: dict[str, str]) -> Callable[..., str]:
    """Build an image straight into the test's store: ``make_image([{"a": b"1"}, {"a": None}], tag=...)``.

    Layers are gzip-compressed like a registry's; returns the manifest digest.
    """
    import gzip
    import json

    from mocker.engine.images import register_image
    from mocker.store.store import Store

    def build(layers: list[dict[str, bytes | None]], *, tag: str | None = None, arch: str = "amd64",
              labels: dict[str, str] | None = None, created: str = "2024-01-01T00:00:00Z") -> str:
        store = Store.open(mocker_env["MOCKER_ROOT"])
        try:
            descs, diffs = [], []
            for files in layers:
                raw = _layer(files)
                gz = gzip.compress(raw, mtime=0)
                descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                              "digest": store.blobs.put(gz), "size": len(gz)})
                import hashlib

                diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
            config = {"architecture": arch, "os": "linux", "created": created,
                      "config": {"Cmd": ["/bin/sh"], "Labels": labels or {}},
                      "rootfs": {"type": "layers", "diff_ids": diffs},
                      "history": [{"created": "2024-01-01T00:00:00Z", "created_by": f"layer {i}"}
                                  for i in range(len(layers))]}
            cbytes = json.dumps(config).encode()
            manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                   "digest": store.blobs.put(cbytes), "size": len(cbytes)},
                        "layers": descs}
            mdigest = store.blobs.put(json.dumps(manifest).encode())
            from mocker.image.reference import parse_reference

            register_image(store, mdigest, tags=(str(parse_reference(tag)),) if tag else ())
            return mdigest
        finally:
            store.close()

    return build


@pytest.fixture
def make_index(mocker_env: dict[str, str], make_image: Callable[..., str]) -> Callable[..., str]:
    """An OCI image index over one image per architecture, tagged ``tag``; returns the index digest."""
    import json

    from mocker.engine.images import register_index
    from mocker.image.reference import parse_reference
    from mocker.store.store import Store

    def build(tag: str, arches: tuple[str, ...] = ("amd64", "arm64")) -> str:
        entries = []
        for arch in arches:
            mdigest = make_image([{f"arch-{arch}": arch.encode()}], arch=arch)
            store = Store.open(mocker_env["MOCKER_ROOT"])
            size = store.blobs.size(mdigest)
            store.close()
            plat = {"architecture": arch, "os": "linux"}
            if arch == "arm64":
                plat["variant"] = "v8"
            entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
                            "size": size, "platform": plat})
        store = Store.open(mocker_env["MOCKER_ROOT"])
        try:
            index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                "manifests": entries}).encode()
            digest = store.blobs.put(index)
            register_index(store, digest, tags=(str(parse_reference(tag)),))
            return digest
        finally:
            store.close()

    return build


PLATFORM_ARCHES = ("amd64", "arm64", "s390x", "ppc64le")


@pytest.fixture
def platform_images(cli: Callable[..., Result], busybox_rootfs_for: Callable[[str], Path],
                    tmp_path: Path) -> Callable[..., dict[str, str]]:
    """``platform_images(repo)``: real busybox images for linux/amd64, arm64, s390x and ppc64le
    (Debian's busybox-static of each architecture), imported into the test's store as
    ``repo:<arch>``; returns arch -> reference."""

    def build(repo: str, arches: tuple[str, ...] = PLATFORM_ARCHES) -> dict[str, str]:
        refs = {}
        for arch in arches:
            tar_path = tmp_path / f"rootfs-{arch}.tar"
            if not tar_path.exists():
                with tarfile.open(tar_path, "w") as tar:
                    tar.add(busybox_rootfs_for(arch), arcname=".")
            ref = f"{repo}:{arch}"
            r = cli("import", "--platform", f"linux/{arch}", "-c", 'CMD ["/bin/sh"]', str(tar_path), ref)
            assert r.code == 0, r.err
            refs[arch] = ref
        return refs

    return build
