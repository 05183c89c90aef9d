"""binfmt_misc handler states read from a copy of the kernel's files (the real ones are the host's)."""

from __future__ import annotations

import pytest

from mocker.errors import OCIRuntimeError
from mocker.image.platform import host_platform
from mocker.runtime.linux.binfmt import ensure_can_run, registered_platforms

pytestmark = pytest.mark.skipif(host_platform().architecture != "amd64", reason="handler names assume an amd64 host")


def _handler(tmp_path, name: str, state: str, flags: str) -> None:
    (tmp_path / name).write_text(f"{state}\ninterpreter /usr/libexec/qemu-binfmt/x\nflags: {flags}\noffset 0\n")


def test_native_and_compatible_platforms_need_no_handler(tmp_path):
    ensure_can_run("linux/amd64", binfmt_dir=str(tmp_path))
    ensure_can_run("linux/386", binfmt_dir=str(tmp_path))


def test_handler_without_f_flag_is_reported(tmp_path):
    _handler(tmp_path, "qemu-s390x", "enabled", "P")
    with pytest.raises(OCIRuntimeError, match="registered without the F .fix binary. flag"):
        ensure_can_run("linux/s390x", binfmt_dir=str(tmp_path))
    assert registered_platforms(str(tmp_path)) == ()


def test_enabled_handler_with_f_flag_runs(tmp_path):
    _handler(tmp_path, "qemu-aarch64", "enabled", "PF")
    ensure_can_run("linux/arm64/v8", binfmt_dir=str(tmp_path))
    assert registered_platforms(str(tmp_path)) == ("linux/arm64",)


def test_non_linux_platform_is_refused(tmp_path):
    with pytest.raises(OCIRuntimeError, match="mocker runs Linux containers only"):
        ensure_can_run("windows/amd64", binfmt_dir=str(tmp_path))
