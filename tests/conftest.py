"""Fixtures shared by every test.

Stores and configuration:
- ``mocker_root``: a fresh, empty store dir for this test (``tmp_path / "root"``).
- ``mocker_env``: environment for running the ``mocker`` binary in a subprocess: this test's store
  (``MOCKER_ROOT``), empty ``MOCKER_CONFIG`` and ``DOCKER_CONFIG`` dirs, a ``MOCKER_CERTS_D`` that
  trusts the test CA for the auth registry, the venv's bin first on ``PATH``; inherited ``MOCKER_*``
  (except ``MOCKER_TEST_*``) and ``DOCKER_*`` variables are dropped.
- ``run_mocker``: ``run_mocker("images", "-q")`` runs the installed CLI with ``mocker_env`` and
  returns the CompletedProcess (text); fails the test on a non-zero exit unless ``check=False``.

Registries (see support/registries.py): ``registry`` (plain ``host:port``) and ``auth_registry``
(``AuthRegistry(host, user, password, ca)``); use ``support.registries.unique_repo()`` for names.

Images: ``busybox_rootfs`` is a directory tree (host busybox-static at ``bin/busybox``, applet
symlinks, ``etc/passwd``/``etc/group``, fixed mtimes) for fixtures that build images from it;
``busybox_rootfs_for("arm64")`` gives the same for another architecture (skips when setup could not
fetch that busybox). Both are shared by the session: copy them, never modify them.
``require_binfmt("arm64")`` skips unless the host can execute that architecture's binaries.

Markers: ``@pytest.mark.root`` skips unless running as root; ``@pytest.mark.registry`` makes sure
both registries answer (skip, or fail under ``CI=true``).
"""

from __future__ import annotations

import os
import platform
import shutil
import struct
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    # `support` is importable whatever pytest's --import-mode is.
    sys.path.insert(0, str(TESTS_DIR))

from support import registries  # noqa: E402
from support.registries import AuthRegistry  # noqa: E402

VENV_BIN = Path(sysconfig.get_path("scripts"))
HOST_BUSYBOX = Path("/bin/busybox")
# Where scripts/setup keeps busybox-static debs of other architectures.
DEBS_DIR = Path(os.environ.get("MOCKER_TEST_CACHE", "/var/cache/mocker-test")) / "debs"

BUSYBOX_APPLETS = (
    "sh", "ls", "cat", "echo", "true", "false", "uname", "sleep",
    "env", "id", "hostname", "pwd", "printf", "test", "mkdir", "rm", "touch", "head", "tail",
    "grep", "wc", "cut", "sed", "stat", "kill", "ps", "date", "whoami", "nc", "nslookup", "httpd", "ip",
)  # fmt: skip
ROOTFS_MTIME = 1_700_000_000  # fixed, so two trees built from the same busybox tar the same

# Debian architecture <- any common spelling (Docker/OCI, uname).
_DEB_ARCH = {
    "amd64": "amd64", "x86_64": "amd64",
    "arm64": "arm64", "aarch64": "arm64",
    "s390x": "s390x",
    "ppc64le": "ppc64el", "ppc64el": "ppc64el",
}  # fmt: skip
# binfmt_misc handler that runs a Debian architecture's binaries.
_QEMU_HANDLER = {"arm64": "qemu-aarch64", "s390x": "qemu-s390x", "ppc64el": "qemu-ppc64le"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under ``.ci/run`` (MOCKER_TEST_NO_SKIP=1) a skip is a failure: scripts/setup installs every
    tool and package the tests need, so a skipped test there means a broken set-up, not a test
    that does not apply. Outside CI the skips stand (not root, a tool not installed, no amd64 host)."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("MOCKER_TEST_NO_SKIP") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where nothing may be skipped: {reason}"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("root") is not None and os.geteuid() != 0:
        pytest.skip("needs root")
    if item.get_closest_marker("registry") is not None:
        registries.plain_registry()
        registries.auth_registry()


# ---- registries ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def registry() -> str:
    """``host:port`` of the plain-HTTP test registry (127.0.0.1:5000)."""
    return registries.plain_registry()


@pytest.fixture(scope="session")
def auth_registry() -> AuthRegistry:
    """The TLS + htpasswd registry: ``.host``, ``.user``, ``.password``, ``.ca`` (CA file)."""
    return registries.auth_registry()


# ---- mocker's environment ------------------------------------------------------------------------


@pytest.fixture
def mocker_root(tmp_path: Path) -> Iterator[Path]:
    """A fresh store whose ``daemon.json`` gives it network ranges and bridge names of its own
    (support/netpool.py); at the end, whatever networking its containers left is torn down."""
    from support import netpool

    root = tmp_path / "root"
    root.mkdir()
    octet = netpool.lease(root)
    try:
        yield root
    finally:
        _teardown_store_networks(root)
        netpool.release(octet)


def _teardown_store_networks(root: Path) -> None:
    """Kill what a test left running in ``root`` and tear its networks down (leftover veths,
    iptables rules, aardvark-dns), so a failing test does not leak into the next ones."""
    if not (root / "mocker.db").exists() or not (root / "run" / "networks").exists():
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MOCKER_", "DOCKER_"))}
    env["MOCKER_ROOT"] = str(root)
    exe = VENV_BIN / "mocker"
    ids = subprocess.run([str(exe), "ps", "-aq", "--no-trunc"], env=env, capture_output=True, text=True,
                         check=False, timeout=60).stdout.split()
    if ids:
        subprocess.run([str(exe), "rm", "-f", *ids], env=env, capture_output=True, check=False, timeout=120)
    subprocess.run([str(exe), "network", "prune", "-f"], env=env, capture_output=True, check=False, timeout=60)
    # The default bridge outlives its containers (as docker0 does); a test store's goes with the store.
    subprocess.run([str(VENV_BIN / "python"), "-c", _RELEASE_BRIDGES, str(root)], env=env, capture_output=True,
                   check=False, timeout=60)


_RELEASE_BRIDGES = """
import sys
from mocker.engine.network_attach import release_bridges
from mocker.store.store import Store
release_bridges(Store.open(sys.argv[1]))
"""


def _host_arch() -> str:
    return _DEB_ARCH.get(platform.machine(), platform.machine())


@pytest.fixture
def mocker_env(tmp_path: Path, mocker_root: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not (key.startswith("MOCKER_") and not key.startswith("MOCKER_TEST_"))
        and not key.startswith("DOCKER_")
    }
    config = tmp_path / "mocker-config"
    docker_config = tmp_path / "docker-config"
    certs_d = tmp_path / "certs.d"
    for directory in (config, docker_config, certs_d):
        directory.mkdir()
    auth = registries.auth_registry_if_configured()
    if auth is not None and auth.ca.is_file():
        port = auth.host.rpartition(":")[2]
        for host in {auth.host, f"localhost:{port}"}:
            (certs_d / host).mkdir()
            shutil.copyfile(auth.ca, certs_d / host / "ca.crt")
    no_proxy = ",".join(filter(None, (env.get("NO_PROXY") or env.get("no_proxy"), "127.0.0.1,localhost")))
    env.update(
        MOCKER_ROOT=str(mocker_root),
        MOCKER_CONFIG=str(config),
        DOCKER_CONFIG=str(docker_config),
        MOCKER_CERTS_D=str(certs_d),
        PATH=os.pathsep.join((str(VENV_BIN), env.get("PATH", os.defpath))),
        NO_PROXY=no_proxy,
        no_proxy=no_proxy,
    )
    return env


def mocker_executable() -> str:
    candidate = VENV_BIN / "mocker"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("mocker")
    if found is None:
        pytest.fail("the mocker executable is not installed (run scripts/setup)", pytrace=False)
    return found


@pytest.fixture
def run_mocker(mocker_env: dict[str, str]) -> Callable[..., subprocess.CompletedProcess[str]]:
    executable = mocker_executable()

    def run(
        *args: str, check: bool = True, input: str | None = None, timeout: float = 120, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        if input is None:
            kwargs.setdefault("stdin", subprocess.DEVNULL)
        result = subprocess.run(
            [executable, *args],
            env=kwargs.pop("env", mocker_env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"mocker {' '.join(args)} exited {result.returncode}\n"
                f"--- stdout\n{result.stdout}--- stderr\n{result.stderr}",
                pytrace=False,
            )
        return result

    return run


# ---- busybox root filesystems --------------------------------------------------------------------


def is_static_elf(path: Path) -> bool:
    """True if ``path`` is an ELF executable without a program interpreter (statically linked)."""
    with path.open("rb") as f:
        header = f.read(64)
        if len(header) < 52 or header[:4] != b"\x7fELF":
            return False
        is64 = header[4] == 2
        endian = "<" if header[5] == 1 else ">"
        if is64:
            (phoff,) = struct.unpack_from(endian + "Q", header, 32)
            phentsize, phnum = struct.unpack_from(endian + "HH", header, 54)
        else:
            (phoff,) = struct.unpack_from(endian + "I", header, 28)
            phentsize, phnum = struct.unpack_from(endian + "HH", header, 42)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        (p_type,) = struct.unpack_from(endian + "I", table, i * phentsize)
        if p_type == 3:  # PT_INTERP
            return False
    return True


def make_busybox_rootfs(dest: Path, busybox: Path) -> Path:
    """A minimal root filesystem around a static busybox binary; returns ``dest``."""
    for name in ("bin", "etc", "root", "tmp", "dev", "proc", "sys"):
        (dest / name).mkdir(parents=True, exist_ok=True)
    (dest / "root").chmod(0o700)
    (dest / "tmp").chmod(0o1777)
    shutil.copyfile(busybox, dest / "bin" / "busybox")
    (dest / "bin" / "busybox").chmod(0o755)
    for applet in BUSYBOX_APPLETS:
        (dest / "bin" / applet).symlink_to("busybox")
    (dest / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    )
    (dest / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    for path in sorted(dest.rglob("*"), reverse=True) + [dest]:
        os.utime(path, (ROOTFS_MTIME, ROOTFS_MTIME), follow_symlinks=False)
    return dest


@pytest.fixture(scope="session")
def busybox_rootfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Root filesystem with the host's busybox-static; shared by the session, do not modify."""
    if not HOST_BUSYBOX.is_file() or not is_static_elf(HOST_BUSYBOX):
        pytest.skip(f"{HOST_BUSYBOX} is not a static busybox (install busybox-static: scripts/setup)")
    return make_busybox_rootfs(tmp_path_factory.mktemp("busybox-rootfs"), HOST_BUSYBOX)


def _foreign_busybox(arch: str, workdir: Path) -> Path:
    debs = sorted(DEBS_DIR.glob(f"busybox-static_*_{arch}.deb"))
    if not debs:
        pytest.skip(f"no busybox-static for {arch} in {DEBS_DIR} (scripts/setup could not download it)")
    unpacked = workdir / f"deb-{arch}"
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(unpacked)], check=True)
    return unpacked / "bin" / "busybox"


@pytest.fixture(scope="session")
def busybox_rootfs_for(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``busybox_rootfs_for("arm64")``: a busybox rootfs for that architecture (cached per session)."""
    built: dict[str, Path] = {}

    def build(arch: str) -> Path:
        deb_arch = _DEB_ARCH.get(arch)
        if deb_arch is None:
            raise ValueError(f"no busybox for architecture {arch!r}")
        if deb_arch not in built:
            if deb_arch == _host_arch():
                busybox = HOST_BUSYBOX
                if not busybox.is_file() or not is_static_elf(busybox):
                    pytest.skip(f"{HOST_BUSYBOX} is not a static busybox")
            else:
                busybox = _foreign_busybox(deb_arch, tmp_path_factory.mktemp(f"busybox-{deb_arch}"))
            built[deb_arch] = make_busybox_rootfs(
                tmp_path_factory.mktemp(f"busybox-rootfs-{deb_arch}"), busybox
            )
        return built[deb_arch]

    return build


@pytest.fixture(scope="session")
def require_binfmt() -> Callable[[str], None]:
    """``require_binfmt("arm64")`` skips the test unless qemu-user-static runs that architecture."""

    def check(arch: str) -> None:
        deb_arch = _DEB_ARCH.get(arch, arch)
        if deb_arch == _host_arch():
            return
        handler = _QEMU_HANDLER.get(deb_arch)
        if handler is None:
            pytest.skip(f"no qemu binfmt handler known for {arch}")
        entry = Path("/proc/sys/fs/binfmt_misc") / handler
        try:
            lines = entry.read_text().splitlines()
        except OSError:
            pytest.skip(f"binfmt_misc handler {handler} is not registered (scripts/setup)")
        if not lines or lines[0] != "enabled":
            pytest.skip(f"binfmt_misc handler {handler} is disabled")
        flags = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("flags:")), "")
        if "F" not in flags:
            pytest.skip(f"binfmt_misc handler {handler} lacks the F flag (needed inside containers)")

    return check
