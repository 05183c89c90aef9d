"""create / start / wait / kill / delete of real containers (crun + conmon + overlayfs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mocker.errors import CannotInvoke, CommandNotFound, ContainerNotFound
from mocker.runtime.base import RuntimeState, Status
from mocker.runtime.linux import cgroups

pytestmark = pytest.mark.root
REPO = Path(__file__).resolve().parents[3]


def _log(rt, container_id: str) -> str:
    path = rt.runtime.log_path(container_id)
    return Path(path).read_text() if os.path.exists(path) else ""


def test_create_does_not_start_the_process(rt) -> None:
    cid = rt.create("sh", "-c", "echo ran")
    time.sleep(0.2)
    state = rt.runtime.state(cid)
    assert state.status is Status.CREATED
    assert state.pid > 0 and state.started_at is None
    assert "ran" not in _log(rt, cid)
    rt.runtime.start(cid)
    assert rt.runtime.wait(cid, timeout=10) == 0
    assert "stdout F ran" in _log(rt, cid)


def test_start_and_wait_give_the_real_exit_code(rt) -> None:
    cid = rt.run("sh", "-c", "exit 3")
    assert rt.runtime.wait(cid, timeout=10) == 3
    state = rt.runtime.state(cid)
    assert state.status is Status.EXITED and state.exit_code == 3 and not state.oom_killed
    assert state.started_at is not None and state.finished_at is not None
    assert state.started_at <= state.finished_at + 0.01


def test_output_lands_in_the_k8s_file_log(rt) -> None:
    cid = rt.run("sh", "-c", "echo out; echo err >&2; printf partial")
    assert rt.runtime.wait(cid, timeout=10) == 0
    lines = _log(rt, cid).splitlines()
    # Two pipes: conmon keeps the order within a stream, not between them.
    assert sorted(line.split(" ", 1)[1] for line in lines) == ["stderr F err", "stdout F out", "stdout P partial"]
    assert lines[0].split(" ", 1)[0].endswith("+00:00") or lines[0].split(" ", 1)[0].endswith("Z")


def test_both_layers_are_visible_and_writes_go_to_the_upper_dir(rt) -> None:
    cid = rt.run("sh", "-c", "cat /etc/extra-layer; echo new > /etc/written; seq 2 3")
    assert rt.runtime.wait(cid, timeout=10) == 0
    assert "stdout F top" in _log(rt, cid) and "stdout F 3" in _log(rt, cid)
    assert (Path(rt.runtime.bundle_dir(cid)) / "upper" / "etc" / "written").read_text() == "new\n"


def test_container_outlives_the_process_that_started_it(rt, tmp_path: Path) -> None:
    spec = rt.spec("sleep", "1000")
    script = textwrap.dedent(f"""
        from mocker.runtime.base import ContainerSpec
        from mocker.runtime.linux.runtime import LinuxRuntime
        from mocker.store.paths import StorePaths
        rt = LinuxRuntime(StorePaths({str(tmp_path / "root")!r}, {str(tmp_path / "run")!r}))
        layers = {spec.rootfs_layers!r}
        rt.create(ContainerSpec(id={spec.id!r}, name="bg", rootfs_layers=layers, args=("sleep", "1000")))
        print(rt.start({spec.id!r}))
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    pid = int(result.stdout)
    state = rt.runtime.state(spec.id)
    assert state.status is Status.RUNNING and state.pid == pid
    rt.runtime.kill(spec.id, signal.SIGKILL)
    assert rt.runtime.wait(spec.id, timeout=10) == 137
    assert rt.runtime.state(spec.id).exit_code == 137


def test_sh_as_pid_1_ignores_sigterm_but_not_behind_init(rt) -> None:
    plain = rt.run("sh", "-c", "sleep 1000; true")
    with_init = rt.run("sh", "-c", "sleep 1000; true", init=True)
    time.sleep(0.1)
    rt.runtime.kill(plain, signal.SIGTERM)
    rt.runtime.kill(with_init, signal.SIGTERM)
    assert rt.runtime.wait(with_init, timeout=10) == 143
    with pytest.raises(TimeoutError):
        rt.runtime.wait(plain, timeout=0.5)
    assert rt.runtime.state(plain).status is Status.RUNNING
    rt.runtime.kill(plain, signal.SIGKILL)
    assert rt.runtime.wait(plain, timeout=10) == 137


def test_start_again_after_exit_runs_it_anew_with_the_same_filesystem(rt) -> None:
    cid = rt.run("sh", "-c", "echo x >> /count; wc -l < /count")
    assert rt.runtime.wait(cid, timeout=10) == 0
    rt.runtime.start(cid)
    assert rt.runtime.wait(cid, timeout=10) == 0
    assert "stdout F 2" in _log(rt, cid)


def test_exit_command_runs_after_the_exit_file_is_written(rt, tmp_path: Path) -> None:
    marker = tmp_path / "exit-command"
    spec = rt.spec("sh", "-c", "exit 7")
    exit_file = Path(rt.runtime.run_dir(spec.id)) / "exits" / spec.id
    script = f'cat "{exit_file}" > "{marker}.tmp"; echo " $1" >> "{marker}.tmp"; mv "{marker}.tmp" "{marker}"'
    rt.runtime.create(spec, exit_command=("/bin/sh", "-c", script, "cleanup", spec.id))
    rt.runtime.start(spec.id)
    assert rt.runtime.wait(spec.id, timeout=10) == 7
    deadline = time.monotonic() + 10
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.read_text().split() == ["7", spec.id]


def test_missing_command_is_command_not_found_and_the_container_stays_created(rt) -> None:
    spec = rt.spec("/no/such/binary")
    with pytest.raises(CommandNotFound) as info:
        rt.runtime.create(spec)
    assert info.value.exit_code == 127
    assert rt.runtime.state(spec.id) == RuntimeState(status=Status.CREATED)
    with pytest.raises(CommandNotFound):
        rt.runtime.start(spec.id)
    assert not os.path.ismount(Path(rt.runtime.bundle_dir(spec.id)) / "merged")


def test_unexecutable_command_is_cannot_invoke(rt) -> None:
    with pytest.raises(CannotInvoke) as info:
        rt.create("/etc/passwd")
    assert info.value.exit_code == 126


def test_delete_removes_mounts_cgroups_and_run_state(rt) -> None:
    cid = rt.run("sleep", "1000")
    bundle, run = Path(rt.runtime.bundle_dir(cid)), Path(rt.runtime.run_dir(cid))
    assert os.path.ismount(bundle / "merged")
    cgroup_dirs = [f"{root}/mocker/{cid}" for root in cgroups._hierarchy_roots()]
    assert any(os.path.isdir(d) for d in cgroup_dirs)
    rt.runtime.delete(cid)                      # running: killed first
    assert not os.path.ismount(bundle / "merged")
    assert not run.exists()
    assert not [d for d in cgroup_dirs if os.path.isdir(d)]
    assert (bundle / "upper").is_dir()          # the container's layer stays until remove_storage
    assert rt.runtime._oci("crun").state(cid) is None
    rt.runtime.delete(cid, remove_storage=True)
    assert not bundle.exists()
    with pytest.raises(ContainerNotFound):
        rt.runtime.state(cid)


def test_state_reads_files_only(rt, monkeypatch) -> None:
    # state() runs for every `ps` row: it must read conmon's files and /proc, never start a process
    # (a `crun state` per row would cost ~10 ms each). Speed itself is measured in bench/, not here.
    import subprocess as sp

    ids = [rt.run("sleep", "1000") for _ in range(3)]
    exited = rt.run("true")
    rt.runtime.wait(exited, timeout=10)
    ids.append(exited)

    def refuse(*args, **kwargs):
        raise AssertionError(f"state() started a process: {args!r}")

    monkeypatch.setattr(sp, "run", refuse)
    monkeypatch.setattr(sp, "Popen", refuse)
    states = [rt.runtime.state(cid).status.value for cid in ids]
    assert states == ["running", "running", "running", "exited"]


def test_the_exit_code_survives_delete_and_start_runs_it_again(rt) -> None:
    cid = rt.run("sh", "-c", "exit 4")
    assert rt.runtime.wait(cid, timeout=10) == 4
    rt.runtime.delete(cid)                      # what the exit command's cleanup does
    state = rt.runtime.state(cid)
    assert (state.status, state.exit_code) == (Status.EXITED, 4) and state.finished_at is not None
    rt.runtime.start(cid)
    assert rt.runtime.wait(cid, timeout=10) == 4


def test_a_lost_supervisor_is_reported_as_exited_255(rt) -> None:
    cid = rt.run("sleep", "1000")
    conmon_pid = int(Path(rt.runtime.run_dir(cid), "conmon.pid").read_text())
    pid = rt.runtime.state(cid).pid
    os.kill(conmon_pid, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while rt.runtime.state(cid).status is Status.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    state = rt.runtime.state(cid)
    assert (state.status, state.exit_code) == (Status.EXITED, 255) and "conmon" in state.error


def test_many_layers_beyond_one_page_of_mount_options(rt, tmp_path: Path) -> None:
    layers = []
    for i in range(70):
        layer = tmp_path / "layers" / f"{i:03d}-{'x' * 60}"
        (layer / "etc").mkdir(parents=True)
        (layer / "etc" / "which").write_text(f"{i}\n")
        layers.append(str(layer))
    assert len(":".join(layers)) > 4096
    cid = rt.run("cat", "/etc/which", "/etc/extra-layer", rootfs_layers=(*rt.layers, *layers))
    assert rt.runtime.wait(cid, timeout=10) == 0
    assert "stdout F 69" in _log(rt, cid)       # the last layer is the top one
