"""Containers of other architectures: run under qemu-user binfmt, or fail saying how to enable it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

BINFMT = Path("/proc/sys/fs/binfmt_misc")


def test_foreign_image_without_an_emulator_fails_with_a_clear_error(cli, rootfs_tar, run_mocker):
    assert cli("import", "--platform", "linux/arm64be", str(rootfs_tar), "be:1").code == 0
    r = run_mocker("run", "--rm", "be:1", "true", check=False)
    assert r.returncode == 125
    assert r.stderr.startswith("Error: exec format error: image platform linux/arm64be cannot run natively on this ")
    assert "update-binfmts --enable qemu-aarch64_be" in r.stderr
    assert "qemu-user-static has no qemu-aarch64_be" in r.stderr
    left = run_mocker("ps", "-aq").stdout.split()  # the container was created and stays, as Docker's does
    assert len(left) == 1
    run_mocker("rm", "-f", *left)


@pytest.mark.root
def test_run_enables_a_missing_binfmt_handler_as_root(cli, rootfs_tar, run_mocker):
    """mips64el is a handler nothing else here uses; the image's binaries are the host's (they run
    natively), so the test sees the handler enabled by mocker without needing a mips busybox."""
    handler = BINFMT / "qemu-mips64el"
    if not Path("/usr/share/binfmts/qemu-mips64el").exists():
        pytest.fail("qemu-user-static's binfmt definitions are missing (scripts/setup installs them)")
    was_enabled = handler.exists() and handler.read_text().startswith("enabled")
    if was_enabled:
        subprocess.run(["update-binfmts", "--disable", "qemu-mips64el"], check=True)
    try:
        assert cli("import", "--platform", "linux/mips64le", str(rootfs_tar), "mips:1").code == 0
        r = run_mocker("run", "--rm", "mips:1", "echo", "ran")
        assert r.stdout == "ran\n"
        assert handler.read_text().startswith("enabled")
        assert "flags: " in handler.read_text() and "F" in handler.read_text().split("flags:")[1].split()[0]
    finally:
        if not was_enabled:
            subprocess.run(["update-binfmts", "--disable", "qemu-mips64el"], check=False)


def test_create_platform_flag_picks_or_refuses_local_images(cli, rootfs_tar, run_mocker):
    assert cli("import", "--platform", "linux/s390x", str(rootfs_tar), "only-s390x:1").code == 0
    r = run_mocker("create", "--pull", "never", "--platform", "linux/amd64", "only-s390x:1", "true", check=False)
    assert r.returncode == 125
    assert r.stderr == "Error: No such image: only-s390x:1 for platform linux/amd64\n"
    r = run_mocker("create", "--pull", "never", "--platform", "linux/s390x", "only-s390x:1", "true")
    assert len(r.stdout.strip()) == 64
    run_mocker("rm", "-f", r.stdout.strip())
