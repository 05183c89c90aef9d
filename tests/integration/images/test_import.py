"""``mocker import``: a rootfs tarball (file, stdin, URL; plain or compressed) becomes a one-layer image.

Runs in process against the test's own store (``cli`` from conftest.py); stdin gets real bytes.
Hostile tarballs must be refused or neutralised with nothing written outside the layer directory.
"""

from __future__ import annotations

import gzip
import http.server
import io
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.images import TarEntry, corrupt_blobs, host_arch, layer_from_dir, make_tar

from mocker.cli.main import main

TOKEN = uuid.uuid4().hex[:8]
EVIL = f"evil-{TOKEN}"


@pytest.fixture
def cli_stdin(cli: Callable[..., object]) -> Callable[..., tuple[int, str, str]]:
    """``cli_stdin(b"...", "import", "-")``: like ``cli`` (same store), with bytes on stdin."""

    def run(data: bytes, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(list(argv), stdout=out, stderr=err, stdin=io.BytesIO(data))
        return code, out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def rootfs_bytes(busybox_rootfs: Path) -> bytes:
    return layer_from_dir(busybox_rootfs)


def inspect(cli: Callable[..., object], name: str) -> dict:
    r = cli("image", "inspect", name)
    assert r.code == 0, r.err  # type: ignore[attr-defined]
    return json.loads(r.out)[0]  # type: ignore[attr-defined]


def store_files(root: Path) -> list[str]:
    """Blobs and unpacked layers: what an import leaves behind."""
    found = []
    for sub in ("blobs/sha256", "layers"):
        d = root / sub
        if d.is_dir():
            found += [f"{sub}/{p.name}" for p in d.iterdir()]
    return sorted(found)


# ---- what an import makes ------------------------------------------------------------------------


def test_import_file_with_changes_and_message(cli, rootfs_tar, mocker_root):
    r = cli("import",
            "--change", 'CMD ["/bin/sh"]', "-c", "ENV PATH=/usr/bin:/bin GREETING=hi",
            "-c", 'LABEL org.example.name="my image" stage=test', "-c", "WORKDIR /srv",
            "-c", "EXPOSE 8080 53/udp", "-c", "USER nobody", "-c", "ENV HOME=$PATH",
            "-m", "imported for a test", str(rootfs_tar), "example/imported:v1")
    assert r.code == 0, r.err
    image_id = r.out.strip()
    assert image_id.startswith("sha256:") and len(image_id) == 71 and r.err == ""

    doc = inspect(cli, "example/imported:v1")
    assert doc["Id"] == image_id
    assert doc["RepoTags"] == ["example/imported:v1"]
    assert doc["Comment"] == "imported for a test"
    assert doc["Architecture"] == host_arch() and doc["Os"] == "linux"
    assert doc["Config"] == {
        "Cmd": ["/bin/sh"],
        "Env": ["PATH=/usr/bin:/bin", "GREETING=hi", "HOME=/usr/bin:/bin"],
        "Labels": {"org.example.name": "my image", "stage": "test"},
        "WorkingDir": "/srv",
        "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
        "User": "nobody",
    }
    assert len(doc["RootFS"]["Layers"]) == 1
    upper = Path(doc["GraphDriver"]["Data"]["UpperDir"])
    assert (upper / "bin" / "busybox").is_file() and os.readlink(upper / "bin" / "sh") == "busybox"

    h = cli("history", "--no-trunc", "example/imported:v1")
    assert h.code == 0, h.err
    rows = h.out.splitlines()
    assert len(rows) == 2 and rows[1].startswith(image_id) and rows[1].endswith("imported for a test")
    assert corrupt_blobs(mocker_root) == []


def test_import_stdin_gzip_defaults_message_and_tag(cli, cli_stdin, rootfs_bytes):
    code, out, err = cli_stdin(gzip.compress(rootfs_bytes), "import", "-", "piped")
    assert (code, err) == (0, "")
    doc = inspect(cli, "piped:latest")
    assert doc["Id"] == out.strip()
    assert doc["Comment"] == "Imported from -"  # Docker's default, also for a local file
    assert doc["Config"] == {}
    # The layer is stored uncompressed: its digest is the tar's.
    import hashlib

    assert doc["RootFS"]["Layers"] == ["sha256:" + hashlib.sha256(rootfs_bytes).hexdigest()]
    h = cli("history", "piped")
    assert "Imported from -" in h.out


def test_import_untagged_and_same_content_twice(cli, rootfs_tar):
    first = cli("import", str(rootfs_tar))
    assert first.code == 0, first.err
    doc = inspect(cli, first.out.strip())
    assert doc["RepoTags"] == []
    second = cli("import", "-c", "USER 1000", str(rootfs_tar), "again")
    assert second.code == 0, second.err
    assert inspect(cli, "again")["RootFS"] == doc["RootFS"]  # one layer, shared


def test_import_platform_sets_architecture(cli, rootfs_tar):
    r = cli("import", "--platform", "linux/arm64", str(rootfs_tar), "armish")
    assert r.code == 0, r.err
    doc = inspect(cli, "armish")
    assert (doc["Os"], doc["Architecture"]) == ("linux", "arm64")
    r = cli("import", "--platform", "linux/arm/v7", str(rootfs_tar), "armv7")
    assert r.code == 0, r.err
    doc = inspect(cli, "armv7")
    assert (doc["Architecture"], doc.get("Variant")) == ("arm", "v7")


def test_import_from_url(cli, rootfs_bytes, tmp_path):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "rootfs.tar.gz").write_bytes(gzip.compress(rootfs_bytes))
    www = str(tmp_path / "www")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=www, **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/rootfs.tar.gz"
        r = cli("import", url, "fromurl")
        assert r.code == 0, r.err
        assert inspect(cli, "fromurl")["Comment"] == f"Imported from {url}"
        missing = cli("import", url.replace("rootfs", "nothing"), "nothing")
        assert (missing.code, missing.err) == (
            1, f"Error: failed to GET {url.replace('rootfs', 'nothing')} with status 404 File not found\n")
        down = cli("import", "http://127.0.0.1:9/x.tar", "nothing")
        assert down.code == 1 and down.err.startswith("Error: failed to download http://127.0.0.1:9/x.tar: ")
        assert down.err.count("\n") == 1
    finally:
        server.shutdown()
        server.server_close()


# ---- refused before anything is stored -----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("-c", "RUN echo hi"), "Error: RUN is not a valid change command\n"),
        (("-c", "ENV ONLYNAME"), "Error: ENV must have two arguments\n"),
        (("-c", "EXPOSE http"), "Error: invalid containerPort: http\n"),
    ],
)
def test_invalid_change_exits_1_with_dockers_message(cli, rootfs_tar, mocker_root, argv, message):
    r = cli("import", *argv, str(rootfs_tar), "bad")
    assert (r.code, r.out, r.err) == (1, "", message)
    assert store_files(mocker_root) == []


def test_digest_reference_and_bad_names_are_refused(cli, rootfs_tar, mocker_root):
    r = cli("import", str(rootfs_tar), "busybox@sha256:" + "a" * 64)
    assert (r.code, r.err) == (1, "Error: cannot import digest reference\n")
    r = cli("import", str(rootfs_tar), "Upper/Case")
    assert r.code == 1 and "invalid reference format" in r.err and "lowercase" in r.err
    r = cli("import", str(mocker_root / "missing.tar"))
    assert (r.code, r.err) == (1, f"Error: open {mocker_root / 'missing.tar'}: no such file or directory\n")
    assert store_files(mocker_root) == []


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"this is not a tar archive\n" * 40, id="text"),
        pytest.param(b"short", id="short"),
        pytest.param(gzip.compress(b"not a tar inside the gzip\n" * 40), id="gzip-of-text"),
        pytest.param(gzip.compress(b"x" * 4096)[:200], id="truncated-gzip"),
    ],
)
def test_not_a_tar_leaves_no_image_and_no_blob(cli, cli_stdin, mocker_root, data):
    code, out, err = cli_stdin(data, "import", "-", "junk")
    assert code == 1 and out == ""
    assert err.startswith("Error: ") and err.count("\n") == 1, err
    assert cli("image", "inspect", "junk").code == 1
    assert store_files(mocker_root) == []
    assert not any((mocker_root / "tmp").iterdir())


def test_truncated_tar_is_refused(cli_stdin, rootfs_bytes, mocker_root):
    code, _, err = cli_stdin(rootfs_bytes[: len(rootfs_bytes) // 2 + 100], "import", "-", "cut")
    assert code == 1 and err.startswith("Error: ") and err.count("\n") == 1, err
    assert store_files(mocker_root) == []


def test_empty_input_is_an_empty_layer_as_in_docker(cli, cli_stdin):
    code, _, err = cli_stdin(b"", "import", "-", "empty")
    assert code == 0, err
    doc = inspect(cli, "empty")
    assert doc["RootFS"]["Layers"] == ["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]


# ---- hostile root filesystems --------------------------------------------------------------------

HOST_PROBES = (Path("/") / EVIL, Path("/etc") / EVIL, Path("/tmp") / EVIL)


@pytest.fixture
def jail(tmp_path: Path) -> Iterator[Path]:
    """Checks that no file named ``EVIL`` appears anywhere but inside an unpacked layer."""
    outside = tmp_path / "outside"
    outside.mkdir()
    passwd = Path("/etc/passwd").read_bytes()
    yield tmp_path
    for probe in HOST_PROBES:
        assert not probe.exists(), probe
    assert Path("/etc/passwd").read_bytes() == passwd
    for path in tmp_path.rglob(f"*{EVIL}*"):
        rel = path.relative_to(tmp_path).parts
        assert rel[:2] == ("root", "layers") and rel[3] == "diff", path


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param([TarEntry(f"../../{EVIL}", data=b"x")], id="dotdot"),
        pytest.param([TarEntry(f"a/../../../outside/{EVIL}", data=b"x")], id="dotdot-inside"),
        pytest.param([TarEntry(EVIL, "hardlink", linkname="../../etc/passwd")], id="hardlink-dotdot"),
        pytest.param([TarEntry(EVIL, "hardlink", linkname="/etc/passwd")], id="hardlink-host-passwd"),
        pytest.param([TarEntry("etc", "symlink", linkname="/etc"), TarEntry(f"etc/{EVIL}", data=b"x")],
                     id="symlink-loop"),
    ],
)
def test_hostile_rootfs_is_refused(cli_stdin, mocker_root, jail, entries):
    code, out, err = cli_stdin(make_tar(entries), "import", "-", "hostile")
    assert code == 1 and out == "" and err.startswith("Error: ") and err.count("\n") == 1, err
    assert store_files(mocker_root) == []


@pytest.mark.parametrize(
    ("entries", "inside"),
    [
        pytest.param([TarEntry(f"/{EVIL}", data=b"x")], EVIL, id="absolute-name"),
        pytest.param([TarEntry("up", "symlink", linkname="../../../../../.."), TarEntry(f"up/tmp/{EVIL}", data=b"x")],
                     f"tmp/{EVIL}", id="symlink-dotdot-write-through"),
        pytest.param([TarEntry("hostetc", "symlink", linkname="/etc"), TarEntry(f"hostetc/{EVIL}", data=b"x")],
                     f"etc/{EVIL}", id="symlink-absolute-write-through"),
        pytest.param([TarEntry("etc/passwd", data=b"root:x:0:0::/:/bin/sh\n"),
                      TarEntry(EVIL, "hardlink", linkname="/etc/passwd")], EVIL, id="hardlink-to-own-passwd"),
    ],
)
def test_hostile_rootfs_is_neutralised_inside_the_layer(cli, cli_stdin, jail, entries, inside):
    code, _, err = cli_stdin(make_tar(entries), "import", "-", "neutralised")
    assert code == 0, err
    upper = Path(inspect(cli, "neutralised")["GraphDriver"]["Data"]["UpperDir"])
    assert (upper / inside).is_file() and not (upper / inside).is_symlink()
