"""cgroups through the runtime: pause (freezer), memory limits and OOM, runc, the hybrid trap."""

from __future__ import annotations

import io
import json
import os
import signal

import pytest

from mocker.runtime.base import ExecSpec, Resources, Status
from mocker.runtime.linux import cgroups

pytestmark = pytest.mark.root
MiB = 1024 * 1024


def _cgroup_paths(rt, cid: str) -> cgroups.CgroupPaths:
    with open(os.path.join(rt.runtime.run_dir(cid), "proc.json")) as f:
        return cgroups.CgroupPaths.from_json(json.load(f)["cgroups"])


def _freezer(paths: cgroups.CgroupPaths) -> str:
    if paths.v2:
        return "FROZEN" if open(os.path.join(paths.unified, "cgroup.freeze")).read().strip() == "1" else "THAWED"
    return open(os.path.join(paths.freezer, "freezer.state")).read().strip()


def test_pause_freezes_the_cgroup_and_resume_thaws_it(rt) -> None:
    cid = rt.run("sh", "-c", "while true; do echo x > /dev/null; done")
    paths = _cgroup_paths(rt, cid)
    assert paths.freezer.endswith(f"/mocker/{cid}") or paths.v2
    rt.runtime.pause(cid)
    assert _freezer(paths) == "FROZEN"
    assert rt.runtime.state(cid).status is Status.PAUSED
    rt.runtime.resume(cid)
    assert _freezer(paths) == "THAWED"
    assert rt.runtime.state(cid).status is Status.RUNNING
    assert rt.runtime.exec(cid, ExecSpec(args=("true",))) == 0


def test_sigkill_to_a_paused_container_kills_it(rt) -> None:
    cid = rt.run("sleep", "1000")
    rt.runtime.pause(cid)
    rt.runtime.kill(cid, signal.SIGKILL)
    assert rt.runtime.wait(cid, timeout=10) == 137


def test_memory_limit_is_enforced_and_the_oom_kill_reported(rt) -> None:
    # sh (PID 1) doubles a string until the 32 MiB limit: the kernel OOM-kills it.
    cid = rt.run("sh", "-c", 'x=0123456789; while true; do x="$x$x"; done',
                 resources=Resources(memory=32 * MiB))
    limit = cgroups.memory_usage(_cgroup_paths(rt, cid)).get("limit")
    assert limit == 32 * MiB
    assert rt.runtime.wait(cid, timeout=20) == 137
    state = rt.runtime.state(cid)
    assert state.status is Status.EXITED and state.exit_code == 137 and state.oom_killed


def test_a_container_that_stays_under_its_limit_is_not_oom_killed(rt) -> None:
    cid = rt.run("sh", "-c", "exit 137", resources=Resources(memory=32 * MiB))
    assert rt.runtime.wait(cid, timeout=10) == 137
    assert not rt.runtime.state(cid).oom_killed


def test_oom_of_a_child_process_is_reported_too(rt) -> None:
    cid = rt.run("sh", "-c", 'sh -c \'x=0123456789; while true; do x="$x$x"; done\'; exit 3',
                 resources=Resources(memory=32 * MiB))
    assert rt.runtime.wait(cid, timeout=20) == 3
    assert rt.runtime.state(cid).oom_killed
    rt.runtime.delete(cid)                  # the cgroup goes; the verdict stays (persist dir)
    assert rt.runtime.state(cid).oom_killed


def test_runc_works_too(runtime_factory) -> None:
    rt = runtime_factory("runc")
    cid = rt.run("sh", "-c", "echo via runc; sleep 1000")
    out = io.BytesIO()
    assert rt.runtime.exec(cid, ExecSpec(args=("sh", "-c", "exit 4")), stdout=out) == 4
    rt.runtime.pause(cid)
    assert rt.runtime.state(cid).status is Status.PAUSED
    rt.runtime.resume(cid)
    rt.runtime.kill(cid, signal.SIGKILL)
    assert rt.runtime.wait(cid, timeout=10) == 137
    with open(os.path.join(rt.runtime.bundle_dir(cid), "launch.json")) as f:
        assert json.load(f)["runtime"] == "runc"
    assert rt.runtime._oci("runc").state(cid) is not None
    rt.runtime.delete(cid)
    assert rt.runtime._oci("runc").state(cid) is None
    assert not [r for r in cgroups._hierarchy_roots() if os.path.isdir(f"{r}/mocker/{cid}")]


def test_the_hybrid_trap_is_handled(rt) -> None:
    mode = cgroups.detect_mode()
    rt.run("true")
    if mode is cgroups.CgroupMode.HYBRID:
        # crun only accepts a hybrid layout whose unified tree has no controllers: the runtime moved
        # them to v1 hierarchies (idempotent: nothing left to do on a second call).
        assert rt.runtime.runtime_name() == "crun"
        assert cgroups.hybrid_v2_controllers() == ()
        assert cgroups.fix_hybrid_trap() == ()
        for name in ("hugetlb",):
            if os.path.isdir(f"/sys/fs/cgroup/{name}"):
                assert os.path.ismount(f"/sys/fs/cgroup/{name}")
    else:
        assert rt.runtime.runtime_name() in ("crun", "runc")


def test_capabilities_describe_this_host(rt) -> None:
    caps = rt.runtime.capabilities()
    assert caps.name == "linux" and caps.exec and caps.tty
    assert caps.pause and caps.cgroups_memory and caps.cgroups_pids
