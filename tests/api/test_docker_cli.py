"""The docker CLI (a real client, no daemon) against ``mocker system service``."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest


def test_version_negotiates_api_1_41(docker_cli) -> None:
    out = docker_cli("version", "--format", "{{json .}}").stdout
    doc = json.loads(out)
    assert doc["Server"]["ApiVersion"] == "1.41"
    assert doc["Server"]["MinAPIVersion"] == "1.24"
    assert doc["Client"]["ApiVersion"] == "1.41"    # downgraded from the client's own


def test_info_counts_containers_and_images(docker_cli) -> None:
    docker_cli("create", "busybox", "true")
    info = json.loads(docker_cli("info", "--format", "{{json .}}").stdout)
    assert info["Containers"] == 1
    assert info["ContainersStopped"] == 1
    assert info["Images"] == 1


def test_run_attached_streams_output_and_returns_exit_code(docker_cli) -> None:
    r = docker_cli("run", "busybox", "sh", "-c", "echo to-out; echo to-err >&2; exit 3", check=False)
    assert r.returncode == 3
    assert r.stdout == "to-out\n"
    assert r.stderr == "to-err\n"


def test_run_rm_removes_the_container(docker_cli) -> None:
    r = docker_cli("run", "--rm", "busybox", "sh", "-c", "echo gone; exit 4", check=False)
    assert (r.returncode, r.stdout) == (4, "gone\n")
    assert docker_cli("ps", "-aq").stdout == ""


def test_run_with_stdin(docker_cli) -> None:
    r = docker_cli("run", "-i", "--rm", "busybox", "cat", input="piped in\n")
    assert r.stdout == "piped in\n"


def test_run_missing_command_exits_127(docker_cli) -> None:
    r = docker_cli("run", "--rm", "busybox", "no-such-command", check=False)
    assert r.returncode == 127
    assert "no-such-command" in r.stderr


def test_run_unknown_image_tries_a_pull_and_fails(docker_cli) -> None:
    r = docker_cli("run", "--rm", "127.0.0.1:1/nothing:here", "true", check=False)
    assert r.returncode == 125
    assert "Unable to find image '127.0.0.1:1/nothing:here' locally" in r.stderr


def test_unsupported_setting_is_refused_not_ignored(docker_cli) -> None:
    r = docker_cli("run", "--rm", "--oom-score-adj", "100", "busybox", "true", check=False)
    assert r.returncode == 125
    assert "is not supported by mocker" in r.stderr
    assert docker_cli("ps", "-aq").stdout == ""


def test_detached_ps_logs_follow_stop_rm(docker_cli) -> None:
    cid = docker_cli("run", "-d", "--name", "ticker", "busybox", "sh", "-c",
                     "for i in 1 2 3; do echo tick$i; sleep 0.2; done").stdout.strip()
    assert len(cid) == 64
    ps = docker_cli("ps", "-a", "--format", "{{.Names}} {{.Image}}").stdout
    assert "ticker busybox" in ps
    follow = docker_cli("logs", "-f", "ticker", timeout=30)
    assert follow.stdout == "tick1\ntick2\ntick3\n"
    assert docker_cli("wait", "ticker").stdout.strip() == "0"
    assert docker_cli("logs", "--tail", "1", "ticker").stdout == "tick3\n"
    docker_cli("run", "-d", "--name", "sleeper", "busybox", "sleep", "60")
    assert docker_cli("ps", "--filter", "name=sleeper", "-q").stdout.strip()
    docker_cli("stop", "-t", "1", "sleeper")
    state = json.loads(docker_cli("inspect", "sleeper").stdout)[0]["State"]
    assert state["Status"] == "exited"
    docker_cli("rm", "-f", "ticker", "sleeper")
    assert docker_cli("ps", "-aq").stdout == ""


def test_exec_exit_code_stdin_and_missing_command(docker_cli) -> None:
    docker_cli("run", "-d", "--name", "box", "busybox", "sleep", "60")
    assert docker_cli("exec", "box", "echo", "hi").stdout == "hi\n"
    assert docker_cli("exec", "box", "sh", "-c", "exit 7", check=False).returncode == 7
    assert docker_cli("exec", "-i", "box", "cat", input="in\n").stdout == "in\n"
    assert docker_cli("exec", "-e", "A=b", "-w", "/etc", "box", "sh", "-c", 'echo "$A $(pwd)"').stdout == "b /etc\n"
    missing = docker_cli("exec", "box", "nope", check=False)
    assert missing.returncode == 127
    docker_cli("rm", "-f", "box")


def test_exec_it_through_a_pty(docker_cli, service) -> None:
    import pty
    import select

    docker_cli("run", "-d", "--name", "tty", "busybox", "sleep", "60")
    pid, fd = pty.fork()
    if pid == 0:  # child: the docker CLI on a terminal
        os.environ.update(service.env, DOCKER_HOST=service.url)
        os.execvp("docker", ["docker", "exec", "-it", "tty", "sh", "-c", "tty; read line; echo got:$line"])
    out = b""
    sent = False
    while True:
        ready, _, _ = select.select([fd], [], [], 20)
        if not ready:
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if b"/dev/pts/" in out and not sent:
            os.write(fd, b"hello\r")
            sent = True
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"/dev/pts/0" in out
    assert b"got:hello" in out
    docker_cli("rm", "-f", "tty")


def test_cp_both_ways(docker_cli, tmp_path: Path) -> None:
    docker_cli("run", "-d", "--name", "files", "busybox", "sleep", "60")
    src = tmp_path / "tree"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text("alpha\n")
    (tmp_path / "one.txt").write_text("one\n")
    docker_cli("cp", str(tmp_path / "one.txt"), "files:/etc/one.txt")
    docker_cli("cp", str(src), "files:/etc/")
    assert docker_cli("exec", "files", "cat", "/etc/one.txt", "/etc/tree/sub/a.txt").stdout == "one\nalpha\n"
    back = tmp_path / "back"
    back.mkdir()
    docker_cli("cp", "files:/etc/tree", str(back))
    docker_cli("cp", "files:/etc/one.txt", str(back / "renamed.txt"))
    assert (back / "tree" / "sub" / "a.txt").read_text() == "alpha\n"
    assert (back / "renamed.txt").read_text() == "one\n"
    missing = docker_cli("cp", "files:/no/such", str(back), check=False)
    assert missing.returncode == 1
    assert "Could not find the file /no/such in container files" in missing.stderr
    docker_cli("rm", "-f", "files")


def test_images_tag_inspect_history_rmi(docker_cli) -> None:
    docker_cli("tag", "busybox", "copy:v1")
    lines = docker_cli("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    assert sorted(lines) == ["busybox:latest", "copy:v1"]
    doc = json.loads(docker_cli("image", "inspect", "copy:v1").stdout)[0]
    assert "copy:v1" in doc["RepoTags"]
    assert docker_cli("history", "-q", "copy:v1").stdout.strip()
    assert "Untagged: copy:v1" in docker_cli("rmi", "copy:v1").stdout
    missing = docker_cli("rmi", "copy:v1", check=False)
    assert missing.returncode == 1
    assert "No such image" in missing.stderr


def test_volume_commands_and_use(docker_cli) -> None:
    assert docker_cli("volume", "create", "data").stdout.strip() == "data"
    assert "data" in docker_cli("volume", "ls", "-q").stdout.split()
    docker_cli("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f")
    assert docker_cli("run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/f").stdout == "kept\n"
    doc = json.loads(docker_cli("volume", "inspect", "data").stdout)[0]
    assert doc["Name"] == "data" and doc["Driver"] == "local"
    busy = docker_cli("run", "-d", "-v", "data:/data", "busybox", "sleep", "60").stdout.strip()
    in_use = docker_cli("volume", "rm", "data", check=False)
    assert in_use.returncode == 1 and "volume is in use" in in_use.stderr
    docker_cli("rm", "-f", busy)
    docker_cli("volume", "rm", "data")
    assert docker_cli("volume", "ls", "-q").stdout == ""


def test_container_prune_and_rename_and_top(docker_cli) -> None:
    docker_cli("run", "--name", "old", "busybox", "true")
    docker_cli("rename", "old", "new")
    assert docker_cli("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["new"]
    docker_cli("run", "-d", "--name", "live", "busybox", "sleep", "60")
    assert "sleep 60" in docker_cli("top", "live").stdout
    out = docker_cli("container", "prune", "-f").stdout
    assert "Deleted Containers:" in out
    assert docker_cli("ps", "-a", "--format", "{{.Names}}").stdout.split() == ["live"]
    docker_cli("pause", "live")
    assert json.loads(docker_cli("inspect", "live").stdout)[0]["State"]["Status"] == "paused"
    docker_cli("unpause", "live")
    docker_cli("rm", "-f", "live")


def test_twenty_parallel_runs(docker_cli, service) -> None:
    from support.api import dump_service

    def one(i: int) -> subprocess.CompletedProcess[str]:
        return docker_cli("run", "--rm", "busybox", "sh", "-c", f"echo run{i}; exit {i % 5}", check=False,
                          timeout=120)

    try:
        with ThreadPoolExecutor(20) as pool:
            results = list(pool.map(one, range(20)))
    except subprocess.TimeoutExpired:
        pytest.fail("a run hung; the service says:\n" + dump_service(service), pytrace=False)
    for i, r in enumerate(results):
        assert (r.returncode, r.stdout) == (i % 5, f"run{i}\n"), r.stderr
    assert docker_cli("ps", "-aq").stdout == ""


def test_networks_through_the_docker_cli(docker_cli) -> None:
    docker_cli("network", "create", "clinet")
    assert "clinet" in docker_cli("network", "ls", "--format", "{{.Name}}").stdout.split()
    docker_cli("run", "-d", "--name", "clisrv", "--network", "clinet", "busybox", "sleep", "60")
    out = docker_cli("run", "--rm", "--network", "clinet", "busybox", "nslookup", "clisrv").stdout
    ip = docker_cli("inspect", "-f", "{{.NetworkSettings.Networks.clinet.IPAddress}}", "clisrv").stdout.strip()
    assert ip and f"Address: {ip}" in out
    r = docker_cli("network", "rm", "clinet", check=False)
    assert r.returncode == 1 and "has active endpoints" in r.stderr
    docker_cli("rm", "-f", "clisrv")
    docker_cli("network", "rm", "clinet")


@pytest.mark.registry
def test_pull_and_push_with_the_local_registry(docker_cli, registry: str) -> None:
    from support.registries import unique_repo

    repo = f"{registry}/{unique_repo()}"
    docker_cli("tag", "busybox", f"{repo}:v1")
    push = docker_cli("push", f"{repo}:v1", timeout=120)
    assert "v1: digest: sha256:" in push.stdout
    docker_cli("rmi", f"{repo}:v1")
    pull = docker_cli("pull", f"{repo}:v1", timeout=120)
    assert f"Status: Downloaded newer image for {repo}:v1" in pull.stdout or "Image is up to date" in pull.stdout
    assert docker_cli("run", "--rm", f"{repo}:v1", "echo", "pulled").stdout == "pulled\n"
    missing = docker_cli("pull", f"{repo}:nope", check=False, timeout=60)
    assert missing.returncode == 1
    docker_cli("rmi", f"{repo}:v1")
    auto = docker_cli("run", "--rm", f"{repo}:v1", "echo", "auto-pulled", timeout=120)
    assert auto.stdout == "auto-pulled\n"
    assert f"Unable to find image '{repo}:v1' locally" in auto.stderr


@pytest.mark.registry
def test_login_and_push_with_credentials_from_the_client(docker_cli, auth_registry) -> None:
    from support.registries import unique_repo

    repo = f"{auth_registry.host}/{unique_repo()}"
    docker_cli("tag", "busybox", f"{repo}:v1")
    denied = docker_cli("push", f"{repo}:v1", check=False, timeout=60)
    assert denied.returncode == 1
    bad = docker_cli("login", "-u", auth_registry.user, "--password-stdin", auth_registry.host, input="wrong\n",
                     check=False)
    assert bad.returncode == 1
    docker_cli("login", "-u", auth_registry.user, "--password-stdin", auth_registry.host,
               input=auth_registry.password + "\n")
    docker_cli("push", f"{repo}:v1", timeout=120)
    docker_cli("rmi", f"{repo}:v1")
    docker_cli("pull", f"{repo}:v1", timeout=120)


def test_start_attached_restart_kill_update_stats(docker_cli) -> None:
    docker_cli("create", "--name", "once", "busybox", "sh", "-c", "echo said; exit 2")
    first = docker_cli("start", "-a", "once", check=False)
    assert (first.returncode, first.stdout) == (2, "said\n")
    again = docker_cli("start", "-a", "once", check=False)
    assert (again.returncode, again.stdout) == (2, "said\n")
    docker_cli("run", "-d", "--name", "svc", "busybox", "sleep", "60")
    pid = json.loads(docker_cli("inspect", "svc").stdout)[0]["State"]["Pid"]
    docker_cli("restart", "-t", "1", "svc")
    state = json.loads(docker_cli("inspect", "svc").stdout)[0]["State"]
    assert state["Status"] == "running" and state["Pid"] != pid
    docker_cli("update", "--memory", "64m", "--memory-swap", "128m", "svc")
    assert docker_cli("inspect", "-f", "{{.HostConfig.Memory}}", "svc").stdout.strip() == str(64 << 20)
    stats = docker_cli("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", "svc").stdout
    assert stats.startswith("svc ") and "64MiB" in stats
    docker_cli("kill", "-s", "KILL", "svc")     # PID 1 ignores signals it has no handler for, but KILL
    assert docker_cli("wait", "svc").stdout.strip() == "137"
    docker_cli("rm", "once", "svc")


def test_diff_export_commit_save_load(docker_cli, tmp_path: Path) -> None:
    docker_cli("run", "-d", "--name", "changed", "busybox", "sleep", "60")
    docker_cli("exec", "changed", "sh", "-c", "echo x > /etc/newfile")
    assert "A /etc/newfile" in docker_cli("diff", "changed").stdout.splitlines()
    exported = tmp_path / "fs.tar"
    docker_cli("export", "-o", str(exported), "changed")
    import tarfile

    with tarfile.open(exported) as tar:
        assert "etc/newfile" in tar.getnames()
    image_id = docker_cli("commit", "changed", "snap:1").stdout.strip()
    assert image_id.startswith("sha256:")
    saved = tmp_path / "snap.tar"
    docker_cli("save", "-o", str(saved), "snap:1")
    docker_cli("rmi", "-f", "snap:1")
    assert "Loaded image: snap:1" in docker_cli("load", "-i", str(saved)).stdout
    assert docker_cli("run", "--rm", "snap:1", "cat", "/etc/newfile").stdout == "x\n"
    docker_cli("rm", "-f", "changed")


def test_run_it_detaches_with_ctrl_p_ctrl_q(docker_cli, service) -> None:
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(service.env, DOCKER_HOST=service.url)
        os.execvp("docker", ["docker", "run", "-it", "--name", "detached", "busybox", "sh"])
    out, sent, deadline = b"", False, time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        if not sent and b"# " in out:
            os.write(fd, b"echo marker-$((40+2))\r")
            sent = True
        elif sent and b"marker-42" in out:
            os.write(fd, b"\x10\x11")     # Docker's default detach keys
            sent = False
            out += b"[detached]"
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    assert b"marker-42" in out
    state = json.loads(docker_cli("inspect", "detached").stdout)[0]["State"]
    assert state["Status"] == "running"      # detaching leaves the container running
    docker_cli("rm", "-f", "detached")
