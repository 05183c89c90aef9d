"""The container lifecycle as a Docker user sees it, on real crun + conmon."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.root


def inspect(mocker, name: str) -> dict:
    return json.loads(mocker("inspect", name).stdout)[0]


def wait_for(pred, timeout: float = 10.0, show=None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not reached: {show() if show else ''}")


def test_exit_code_and_output_pass_through(mocker):
    r = mocker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3", check=False)
    assert (r.returncode, r.stdout, r.stderr) == (3, "out\n", "err\n")
    assert mocker("ps", "-aq").stdout == ""  # --rm removed it


def test_command_not_found_is_127_and_not_executable_is_126(mocker):
    r = mocker("run", "--rm", "busybox", "/no/such/thing", check=False)
    assert r.returncode == 127, r.stderr
    r = mocker("run", "--rm", "busybox", "/etc/passwd", check=False)
    assert r.returncode == 126, r.stderr


def test_create_does_not_start_and_start_runs(mocker):
    cid = mocker("create", "--name", "c1", "busybox", "sh", "-c", "echo hi; exit 5").stdout.strip()
    assert len(cid) == 64
    doc = inspect(mocker, "c1")
    assert doc["State"]["Status"] == "created" and doc["State"]["Pid"] == 0
    assert mocker("start", "c1").stdout == "c1\n"
    assert mocker("wait", "c1").stdout == "5\n"
    assert inspect(mocker, "c1")["State"]["ExitCode"] == 5
    assert mocker("logs", "c1").stdout == "hi\n"


def test_detached_container_outlives_mocker_and_stops(mocker):
    cid = mocker("run", "-d", "--name", "sleeper", "busybox", "sleep", "1000").stdout.strip()
    doc = inspect(mocker, cid)
    assert doc["State"]["Running"] and doc["State"]["Pid"] > 0
    os.kill(doc["State"]["Pid"], 0)  # the process is alive after the mocker process exited
    assert "sleeper" in mocker("ps", "--format", "{{.Names}} {{.Status}}").stdout
    t = time.monotonic()
    assert mocker("stop", "-t", "1", "sleeper").stdout == "sleeper\n"
    assert time.monotonic() - t < 8
    doc = inspect(mocker, "sleeper")
    assert doc["State"]["Status"] == "exited" and doc["State"]["ExitCode"] == 137  # sleep ignores TERM as PID 1
    assert mocker("ps", "-q").stdout == ""


def test_init_makes_sigterm_work(mocker):
    mocker("run", "-d", "--init", "--name", "inited", "busybox", "sleep", "1000")
    t = time.monotonic()
    mocker("stop", "-t", "20", "inited")
    assert time.monotonic() - t < 10
    assert inspect(mocker, "inited")["State"]["ExitCode"] == 143


def test_kill_with_signal_and_exit_codes(mocker):
    # --init: as PID 1 sleep would ignore USR1 (no handler), in Docker too
    mocker("run", "-d", "--init", "--name", "kk", "busybox", "sleep", "1000")
    assert mocker("kill", "-s", "USR1", "kk").stdout == "kk\n"
    wait_for(lambda: inspect(mocker, "kk")["State"]["Status"] == "exited")
    assert inspect(mocker, "kk")["State"]["ExitCode"] == 128 + signal.SIGUSR1
    r = mocker("kill", "kk", check=False)
    assert r.returncode == 1 and "is not running" in r.stderr


def test_logs_options(mocker):
    mocker("run", "-d", "--name", "talker", "busybox", "sh", "-c",
           "for i in 1 2 3 4 5; do echo line$i; done; sleep 1000")
    wait_for(lambda: mocker("logs", "talker").stdout.count("\n") == 5)
    assert mocker("logs", "--tail", "2", "talker").stdout == "line4\nline5\n"
    stamped = mocker("logs", "-t", "-n", "1", "talker").stdout
    assert stamped.endswith("Z line5\n") and stamped[4] == "-"
    assert mocker("logs", "--since", "1h", "talker").stdout.count("\n") == 5
    assert mocker("logs", "--until", "2000-01-01T00:00:00Z", "talker").stdout == ""


def test_logs_follow_ends_when_container_exits(mocker, mocker_env):
    mocker("run", "-d", "--name", "ff", "busybox", "sh", "-c", "echo a; sleep 1; echo b")
    proc = subprocess.run(["mocker", "logs", "-f", "ff"], env=mocker_env, capture_output=True, text=True, timeout=20)
    assert proc.stdout == "a\nb\n"


def test_exec_exit_code_env_user_workdir(mocker):
    mocker("run", "-d", "--name", "ex", "busybox", "sleep", "1000")
    r = mocker("exec", "ex", "sh", "-c", "exit 7", check=False)
    assert r.returncode == 7
    r = mocker("exec", "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", "ex", "sh", "-c", "echo $FOO $(pwd) $(id -u)")
    assert r.stdout == "bar /tmp 65534\n"
    assert mocker("exec", "ex", "nosuchcmd", check=False).returncode == 127
    mocker("stop", "-t", "0", "ex")
    r = mocker("exec", "ex", "true", check=False)
    assert r.returncode == 1 and "is not running" in r.stderr


def test_pause_freezes_the_cgroup(mocker):
    mocker("run", "-d", "--name", "pp", "busybox", "sleep", "1000")
    mocker("pause", "pp")
    doc = inspect(mocker, "pp")
    assert doc["State"]["Status"] == "paused" and doc["State"]["Paused"]
    pid = doc["State"]["Pid"]
    freezer = [line.split(":", 2)[2] for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines()
               if line.split(":")[1] == "freezer"]
    if freezer:
        assert Path(f"/sys/fs/cgroup/freezer{freezer[0]}/freezer.state").read_text().strip() == "FROZEN"
    else:
        assert Path(f"/sys/fs/cgroup{Path(f'/proc/{pid}/cgroup').read_text().split('::')[1].strip()}"
                    "/cgroup.freeze").read_text().strip() == "1"
    assert "(Paused)" in mocker("ps", "--format", "{{.Status}}").stdout
    mocker("unpause", "pp")
    assert inspect(mocker, "pp")["State"]["Status"] == "running"
    assert mocker("unpause", "pp", check=False).returncode == 1


def test_memory_limit_oom_kill_is_137_and_reported(mocker):
    r = mocker("run", "--name", "oom", "-m", "32m", "--memory-swap", "32m", "busybox", "sh", "-c",
               "x=a; while true; do x=$x$x$x$x; done", check=False, timeout=120)
    assert r.returncode == 137, r.stderr
    doc = inspect(mocker, "oom")
    assert doc["State"]["OOMKilled"] is True and doc["HostConfig"]["Memory"] == 32 << 20


def test_restart_policy_on_failure_counts(mocker):
    mocker("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1")
    wait_for(lambda: inspect(mocker, "flaky")["RestartCount"] == 2 and
             inspect(mocker, "flaky")["State"]["Status"] == "exited", timeout=20,
             show=lambda: (inspect(mocker, "flaky")["State"], inspect(mocker, "flaky")["RestartCount"]))
    time.sleep(1)
    doc = inspect(mocker, "flaky")
    assert doc["RestartCount"] == 2 and doc["State"]["Status"] == "exited"
    assert doc["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}


def test_restart_always_but_not_after_stop(mocker):
    mocker("run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 0.2")
    wait_for(lambda: inspect(mocker, "always")["RestartCount"] >= 2, timeout=20)
    mocker("stop", "-t", "0", "always")
    count = inspect(mocker, "always")["RestartCount"]
    time.sleep(1.5)
    doc = inspect(mocker, "always")
    assert doc["State"]["Status"] == "exited" and doc["RestartCount"] == count


def test_parallel_runs_with_one_name_have_one_winner(mocker, mocker_env):
    procs = [subprocess.Popen(["mocker", "create", "--name", "same", "busybox", "true"], env=mocker_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(20)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert sum(1 for code, _ in results if code == 0) == 1
    losers = [err for code, err in results if code != 0]
    assert all(err.startswith('Error: Conflict. The container name "/same" is already in use') for err in losers)
    assert all(code == 125 for code, _ in results if code != 0)
    assert mocker("ps", "-aq").stdout.count("\n") == 1


def test_killed_mocker_mid_run_leaves_consistent_store(mocker, mocker_env):
    proc = subprocess.Popen(["mocker", "run", "--name", "orphan", "busybox", "sleep", "1000"], env=mocker_env)
    wait_for(lambda: "orphan" in mocker("ps", "--format", "{{.Names}}").stdout)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    doc = inspect(mocker, "orphan")
    assert doc["State"]["Status"] == "running"  # the container does not depend on the mocker process
    os.kill(doc["State"]["Pid"], signal.SIGKILL)
    wait_for(lambda: inspect(mocker, "orphan")["State"]["Status"] == "exited")
    assert inspect(mocker, "orphan")["State"]["ExitCode"] == 137
    mocker("rm", "orphan")
    assert mocker("ps", "-aq").stdout == ""


def test_killed_attached_run_rm_still_removes_the_container_at_exit(mocker, mocker_env, mocker_root):
    # While `run --rm` is attached, conmon's exit command leaves the cleanup to it; once the client is
    # gone (kill -9), the exit command must do the removal itself.
    proc = subprocess.Popen(["mocker", "run", "--rm", "--name", "gone", "busybox", "sleep", "1000"], env=mocker_env)
    wait_for(lambda: "gone" in mocker("ps", "--format", "{{.Names}}").stdout)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    doc = inspect(mocker, "gone")
    os.kill(doc["State"]["Pid"], signal.SIGKILL)
    # no `ps`/`inspect` until it is gone: a read would reconcile and clean up, which is not what this tests
    wait_for(lambda: not (mocker_root / "containers" / doc["Id"]).exists(), timeout=20)
    wait_for(lambda: mocker("ps", "-aq").stdout == "")


def test_stop_and_rm_f_tear_down_themselves_and_leave_nothing_behind(mocker, mocker_root):
    # stop and rm -f clean up in their own process; conmon's exit command must not start a second
    # cleanup afterwards that recreates files of the removed containers.
    trap = mocker("run", "-d", "--name", "trap", "busybox", "sh", "-c",
                  "trap 'exit 7' TERM; sleep 1000 & wait").stdout.strip()
    rmf = mocker("run", "-d", "busybox", "sleep", "1000").stdout.strip()
    auto = mocker("run", "-d", "--rm", "busybox", "sleep", "1000").stdout.strip()
    mocker("stop", "trap")
    doc = inspect(mocker, "trap")
    assert (doc["State"]["Status"], doc["State"]["ExitCode"]) == ("exited", 7)
    mocker("stop", "-t", "0", auto)
    assert set(mocker("ps", "-aq", "--no-trunc").stdout.split()) == {trap, rmf}     # --rm: removed by stop
    mocker("rm", "-f", rmf)
    mocker("rm", "trap")
    assert mocker("ps", "-aq").stdout == ""
    time.sleep(2)       # an exit command that did start would have left its files by now
    ids = (trap, rmf, auto)
    assert not [p.name for p in (mocker_root / "run" / "locks").iterdir() if p.name.startswith(ids)]
    assert not [p for p in (mocker_root / "run" / "containers").iterdir() if p.name in ids]
    assert not [p for p in (mocker_root / "containers").iterdir() if p.name in ids]
    assert str(mocker_root) not in Path("/proc/self/mounts").read_text()


def test_attached_run_rm_killed_after_the_exit_is_cleaned_up_by_the_next_read(mocker, mocker_env, mocker_root):
    # The client holds the container's attached lock, so conmon's exit command skipped the cleanup;
    # the client then dies before doing it: the next read must hand the cleanup over.
    proc = subprocess.Popen(["mocker", "run", "--rm", "--name", "late", "busybox", "sleep", "1000"], env=mocker_env)
    wait_for(lambda: "late" in mocker("ps", "--format", "{{.Names}}").stdout)
    doc = inspect(mocker, "late")
    proc.send_signal(signal.SIGSTOP)        # alive (holding the lock) but doing nothing
    os.kill(doc["State"]["Pid"], signal.SIGKILL)
    exit_file = mocker_root / "run" / "containers" / doc["Id"] / "exits" / doc["Id"]
    wait_for(lambda: exit_file.exists())
    time.sleep(0.5)                          # conmon's exit command has run (and skipped) by now
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (mocker_root / "containers" / doc["Id"]).exists()     # nobody cleaned up yet
    wait_for(lambda: mocker("ps", "-aq").stdout == "", timeout=20)
    wait_for(lambda: not (mocker_root / "containers" / doc["Id"]).exists())


def test_rm_running_needs_force_and_rename(mocker):
    mocker("run", "-d", "--name", "r1", "busybox", "sleep", "1000")
    r = mocker("rm", "r1", check=False)
    assert r.returncode == 1 and "container is running: stop the container before removing or force remove" in r.stderr
    mocker("rename", "r1", "r2")
    assert inspect(mocker, "r2")["Name"] == "/r2"
    assert mocker("inspect", "r1", check=False).returncode == 1
    assert mocker("rm", "-f", "r2").stdout == "r2\n"
    r = mocker("rm", "r2", check=False)
    assert r.returncode == 1 and "No such container: r2" in r.stderr


def test_inspect_reflects_options(mocker):
    mocker("create", "--name", "opts", "-e", "A=1", "-l", "team=x", "-w", "/tmp", "-u", "nobody", "--hostname",
           "box", "--cpus", "1.5", "--pids-limit", "50", "--cap-drop", "NET_RAW", "--read-only", "busybox", "true")
    doc = inspect(mocker, "opts")
    assert "A=1" in doc["Config"]["Env"] and doc["Config"]["Labels"] == {"team": "x"}
    assert doc["Config"]["WorkingDir"] == "/tmp" and doc["Config"]["User"] == "nobody"
    assert doc["Config"]["Hostname"] == "box"
    assert doc["HostConfig"]["NanoCpus"] == 1_500_000_000 and doc["HostConfig"]["PidsLimit"] == 50
    assert doc["HostConfig"]["CapDrop"] == ["NET_RAW"] and doc["HostConfig"]["ReadonlyRootfs"] is True


def test_container_sees_its_limits_and_defaults(mocker):
    out = mocker("run", "--rm", "--pids-limit", "42", "--hostname", "h1", "busybox", "sh", "-c",
                 "hostname; grep CapEff /proc/self/status; cat /etc/hostname; touch /x && echo writable").stdout
    lines = out.splitlines()
    assert lines[0] == "h1" and lines[1].split()[1] == "00000000a80425fb" and lines[2] == "h1"
    assert lines[3] == "writable"
    r = mocker("run", "--rm", "--read-only", "busybox", "touch", "/x", check=False)
    assert r.returncode == 1 and "Read-only file system" in r.stderr


def test_unsupported_flags_error_with_125(mocker):
    for flags in (["--gpus", "all"], ["--ipc", "host"]):
        r = mocker("run", "--rm", *flags, "busybox", "true", check=False)
        assert r.returncode == 125, (flags, r.stderr)
        assert "is not supported by mocker" in r.stderr


def test_volumes_named_anonymous_and_copy_up(mocker):
    mocker("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f")
    assert mocker("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/f").stdout == "kept\n"
    # copy-up: a new volume over /etc starts with the image's files
    assert "root:" in mocker("run", "--rm", "-v", "etcvol:/etc", "busybox", "cat", "/etc/passwd").stdout
    mocker("create", "--name", "anon", "-v", "/scratch", "busybox", "true")
    vols = [m["Name"] for m in inspect(mocker, "anon")["Mounts"]]
    assert len(vols) == 1 and len(vols[0]) == 64
    r = mocker("volume", "rm", vols[0], check=False)
    assert r.returncode == 1 and "volume is in use" in r.stderr
    mocker("rm", "-v", "anon")
    assert vols[0] not in mocker("volume", "ls", "-q").stdout


def test_attach_flag_picks_streams(mocker):
    r = mocker("run", "--rm", "-a", "stderr", "busybox", "sh", "-c", "echo out; echo err >&2")
    assert (r.stdout, r.stderr) == ("", "err\n")
    r = mocker("run", "--rm", "-a", "stdout", "busybox", "sh", "-c", "echo out; echo err >&2")
    assert (r.stdout, r.stderr) == ("out\n", "")


def test_start_attach_twice_shows_output_each_time(mocker):
    mocker("create", "--name", "again", "busybox", "sh", "-c", "echo ran; exit 2")
    for _ in range(2):
        r = mocker("start", "-a", "again", check=False)
        assert (r.returncode, r.stdout) == (2, "ran\n")
    assert mocker("logs", "again").stdout == "ran\nran\n"


def test_restart_keeps_an_auto_remove_container_and_stop_removes_it(mocker):
    # Docker turns AutoRemove off for the duration of `restart`.
    cid = mocker("run", "-d", "--rm", "busybox", "sleep", "1000").stdout.strip()
    mocker("restart", "-t", "0", cid)
    assert inspect(mocker, cid)["State"]["Running"]
    # --rm containers get a volatile overlay (no sync of the upper fs at unmount); a restart remounts it.
    assert "volatile" in mocker("exec", cid, "cat", "/proc/mounts").stdout.splitlines()[0]
    mocker("stop", "-t", "0", cid)
    wait_for(lambda: mocker("ps", "-aq").stdout == "")


def test_kept_container_rootfs_is_not_volatile(mocker):
    cid = mocker("run", "-d", "busybox", "sleep", "1000").stdout.strip()
    assert "volatile" not in mocker("exec", cid, "cat", "/proc/mounts").stdout.splitlines()[0]


def test_device_is_created_with_its_cgroup_permissions(mocker):
    # /dev/loop0 is outside Docker's default device allow-list, so the cgroup rule --device adds is
    # what lets the container open it, and ":r" must refuse writes.
    if not os.path.exists("/dev/loop0"):
        pytest.skip("no /dev/loop0 on this host")
    out = mocker("run", "--rm", "--device", "/dev/loop0:/dev/xloop:r", "busybox", "sh", "-c",
                 "ls -l /dev/xloop; true < /dev/xloop && echo read-ok; true > /dev/xloop || echo write-denied",
                 check=False)
    assert out.stdout.startswith("b") and " 7,   0 " in out.stdout.splitlines()[0], out
    assert "read-ok\nwrite-denied\n" in out.stdout, out
    out = mocker("run", "--rm", "--device", "/dev/loop0:/dev/xloop", "busybox", "sh", "-c",
                 "true > /dev/xloop && echo write-ok")
    assert out.stdout == "write-ok\n"
    # Without --device, a node made with mknod (allowed, as in Docker) cannot be opened: the cgroup denies it.
    out = mocker("run", "--rm", "busybox", "sh", "-c", "mknod /xloop b 7 0 && true < /xloop || echo open-denied",
                 check=False)
    assert "open-denied" in out.stdout, out
    r = mocker("run", "--rm", "--device", "/dev/no-such-device", "busybox", "true", check=False)
    assert r.returncode == 125 and "/dev/no-such-device" in r.stderr
