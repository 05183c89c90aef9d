"""config.json generation, for real: a generated bundle run under runc with the real host facts.

test_spec.py checks the document against Docker's defaults with the host facts pinned; this checks
that runc accepts it and that the container sees what ``docker run`` would (capabilities, seccomp,
masked and read-only paths, rlimits, the init). Needs root and runc.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from mocker.runtime.base import ContainerSpec, Ulimit
from mocker.runtime.linux.spec import INIT_PATH, build_oci_spec

DEFAULT_CAPEFF = "00000000a80425fb"  # Docker's default set, as /proc/self/status shows it

SCRIPT = """
grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/self/status
for p in /proc/kcore /proc/keys /proc/timer_list; do [ -e $p ] && echo "masked $p $(stat -c %t:%T $p)"; done
(echo x > /proc/sys/kernel/domainname) 2>/dev/null && echo "proc-sys=rw" || echo "proc-sys=ro"
echo "nofile=$(ulimit -Hn)"
echo "hostname=$(hostname)"
cat /proc/1/cmdline; echo
"""


@pytest.mark.root
def test_runc_runs_the_generated_bundle_with_dockers_defaults(tmp_path: Path, busybox_rootfs: Path) -> None:
    runc = shutil.which("runc")
    if runc is None:
        pytest.skip("runc is not installed")
    bundle = tmp_path / "bundle"
    rootfs = bundle / "rootfs"
    shutil.copytree(busybox_rootfs, rootfs, symlinks=True)
    cid = "mocker-spec-test-" + uuid.uuid4().hex[:12]
    spec = ContainerSpec(
        id=cid,
        name="test",
        rootfs_layers=(),
        args=("sh", "-c", SCRIPT),
        hostname="spectest",
        init=True,
        ulimits=(Ulimit(name="nofile", soft=1024, hard=1 << 30),),
    )
    config = build_oci_spec(spec, rootfs=str(rootfs), cgroups_path=f"/{cid}")
    assert config["linux"]["seccomp"]["syscalls"]  # the real default profile
    (bundle / "config.json").write_text(json.dumps(config))
    try:
        result = subprocess.run(
            [runc, "run", "--bundle", str(bundle), cid],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        subprocess.run([runc, "delete", "--force", cid], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    status = dict(line.split(":\t") for line in lines if ":\t" in line)
    assert status["CapEff"] == DEFAULT_CAPEFF
    assert status["CapBnd"] == DEFAULT_CAPEFF
    assert status["Seccomp"] == "2"
    assert status["NoNewPrivs"] == "0"
    masked = [line.split() for line in lines if line.startswith("masked ")]
    assert masked and all(device == "1:3" for _, _, device in masked)  # /dev/null bound over them
    if Path("/proc/kcore").exists():  # not every kernel has one (these machines do not)
        assert ["masked", "/proc/kcore", "1:3"] in masked
    assert "proc-sys=ro" in lines
    host_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    expected_hard = "unlimited" if host_hard == resource.RLIM_INFINITY else str(min(host_hard, 1 << 30))
    assert f"nofile={expected_hard}" in lines
    assert "hostname=spectest" in lines
    assert f"{INIT_PATH}\0--\0sh\0-c" in result.stdout
