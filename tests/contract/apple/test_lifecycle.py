"""start/stop/kill/rm/restart, logs, exec, cp, export, stats, prune on the apple backend."""

from __future__ import annotations

import io
import tarfile
import threading
import time
from pathlib import Path

import pytest
from support.apple import Apple


@pytest.fixture
def running(apple: Apple) -> str:
    apple.ok("run", "-d", "--name", "web", "busybox", "sh", "-c", "echo one; echo two; echo; echo three; sleep 30")
    yield "web"  # type: ignore[misc]
    apple.mocker("rm", "-f", "web")


def test_stop_start_kill_rm_send_the_fake_apple_cli_its_verbs(apple: Apple, running: str) -> None:
    assert apple.ok("stop", "-t", "3", "web") == "web\n"
    assert apple.last("stop") == ["stop", "--time", "3", "web"]
    assert apple.containers()["web"]["state"] == "stopped"
    assert apple.ok("start", "web") == "web\n"
    assert apple.last("start") == ["start", "web"]
    assert apple.ok("kill", "-s", "TERM", "web") == "web\n"
    assert apple.last("kill") == ["kill", "--signal", "TERM", "web"]
    apple.ok("start", "web")
    code, _, err = apple.mocker("rm", "web")
    assert code == 1
    assert err == ('Error: cannot remove container "/web": container is running: stop the container before '
                   "removing or force remove\n")
    assert apple.ok("rm", "-f", "web") == "web\n"
    assert apple.last("delete") == ["delete", "--force", "web"]
    assert apple.containers() == {}


def test_stop_uses_dockers_default_timeout_and_signal_on_fake_apple_cli(apple: Apple, running: str) -> None:
    apple.ok("stop", "-s", "SIGINT", "web")
    assert apple.last("stop") == ["stop", "--time", "10", "--signal", "SIGINT", "web"]


def test_kill_of_a_stopped_container_is_a_docker_error_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--name", "idle", "busybox")
    code, _, err = apple.mocker("kill", "idle")
    assert code == 1
    assert "container idle is not running" in err
    assert apple.calls("kill") == []


def test_restart_is_stop_then_start_on_fake_apple_cli(apple: Apple, running: str) -> None:
    apple.clear_calls()
    assert apple.ok("restart", "-t", "1", "web") == "web\n"
    verbs = [c[0] for c in apple.all_calls() if c[0] in ("stop", "start")]
    assert verbs == ["stop", "start"]
    assert apple.containers()["web"]["state"] == "running"


def _wait_log(apple: Apple, text: str) -> None:
    for _ in range(100):
        if text in apple.ok("logs", "web"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never reached the log")


def test_logs_and_tail_read_the_runtime_log_through_fake_apple_cli(apple: Apple, running: str) -> None:
    _wait_log(apple, "three")
    assert apple.ok("logs", "web") == "one\ntwo\n\nthree\n"
    assert apple.ok("logs", "-n", "2", "web") == "two\nthree\n"
    assert apple.last("logs") == ["logs", "-n", "2", "web"]
    assert apple.ok("logs", "--tail", "all", "web").count("\n") == 4
    code, _, err = apple.mocker("logs", "--since", "1m", "web")
    assert code == 125 and "--since is not supported by the Apple container runtime (" in err


def test_logs_follow_ends_when_the_container_stops_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("run", "-d", "--name", "web", "busybox", "sh", "-c", "echo start; sleep 30")
    try:
        _wait_log(apple, "start")
        result: dict[str, object] = {}

        def follow() -> None:
            result["r"] = apple.mocker("logs", "-f", "web")

        t = threading.Thread(target=follow)
        t.start()
        time.sleep(1.0)
        assert t.is_alive()         # still following while the container runs
        apple.fake("stop", "--time", "1", "web")
        t.join(timeout=20)
        assert not t.is_alive(), "logs -f did not end after the container stopped"
        code, out, _ = result["r"]  # type: ignore[misc]
        assert code == 0 and out.startswith("start\n")
        assert apple.last("logs") == ["logs", "--follow", "web"]
    finally:
        apple.mocker("rm", "-f", "web")


def test_exec_passes_flags_before_the_id_and_returns_the_code_via_fake_apple_cli(apple: Apple, running: str) -> None:
    code, out, _ = apple.mocker("exec", "-e", "X=42", "-w", "/", "-u", "root", "web", "sh", "-c", "echo $X; exit 3")
    assert (code, out) == (3, "42\n")
    assert apple.last("exec") == ["exec", "--env", "X=42", "--workdir", "/", "--user", "root", "web", "sh", "-c",
                                  "echo $X; exit 3"]
    assert apple.ok("exec", "-d", "web", "sleep", "1") == ""
    assert apple.last("exec")[:2] == ["exec", "--detach"]


def test_exec_in_a_stopped_container_fails_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--name", "idle", "busybox")
    code, _, err = apple.mocker("exec", "idle", "true")
    assert code == 1 and "container idle is not running" in err
    code, _, err = apple.mocker("exec", "--privileged", "idle", "true")
    assert code == 125 and "--privileged is not supported" in err


def test_exec_of_a_missing_command_fails_on_fake_apple_cli(apple: Apple, running: str) -> None:
    code, _, err = apple.mocker("exec", "web", "/no/such/cmd")
    assert code == 126
    assert "failed to find target executable" in err


def test_cp_copies_both_ways_through_fake_apple_cli(apple: Apple, running: str, tmp_path: Path) -> None:
    src = tmp_path / "hello.txt"
    src.write_text("hi\n")
    apple.ok("cp", str(src), "web:/tmp/hello.txt")
    assert apple.last("copy") == ["copy", str(src), "web:/tmp/hello.txt"]
    back = tmp_path / "back.txt"
    apple.ok("cp", "web:/tmp/hello.txt", str(back))
    assert back.read_text() == "hi\n"
    code, _, err = apple.mocker("cp", "web:/tmp/hello.txt", "-")
    assert code == 125 and "tar streams" in err


@pytest.mark.apple_version("0.12.3")
def test_cp_needs_cli_1_0_on_fake_apple_cli(apple: Apple, running: str, tmp_path: Path) -> None:
    code, _, err = apple.mocker("cp", str(tmp_path), "web:/x")
    assert code == 125
    assert "cp is not supported by the Apple container runtime (needs container 1.0 or newer)" in err


def test_export_writes_the_runtime_tar_via_fake_apple_cli(apple: Apple, running: str, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_text("x")
    apple.ok("cp", str(src), "web:/f")
    out = tmp_path / "web.tar"
    apple.ok("export", "-o", str(out), "web")
    assert apple.last("export") == ["export", "--output", str(out), "web"]
    with tarfile.open(out) as tar:
        assert "./f" in tar.getnames()


def test_stats_no_stream_reads_fake_apple_cli_json(apple: Apple, running: str) -> None:
    out = apple.ok("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}")
    assert out == "web 50MiB / 1GiB 1\n"
    assert apple.last("stats") == ["stats", "--no-stream", "--format", "json", "web"]
    code, _, err = apple.mocker("stats", "web")
    assert code == 125 and "--no-stream" in err


def test_container_prune_removes_stopped_containers_on_fake_apple_cli(apple: Apple, running: str) -> None:
    apple.ok("create", "--name", "old", "busybox")
    out = apple.ok("container", "prune", "-f")
    assert out.startswith("Deleted Containers:\nold\n")
    assert set(apple.containers()) == {"web"}


@pytest.mark.parametrize(("cmd", "reason"), [
    (["pause", "web"], "no freezer"), (["unpause", "web"], "no freezer"),
    (["rename", "web", "x"], "name is its ID"), (["wait", "web"], "exit code"),
    (["attach", "web"], "attach"), (["top", "web"], "PIDs"), (["update", "--cpus", "1", "web"], "fixed"),
    (["commit", "web"], "commit"), (["network", "connect", "n", "web"], "hot-plug"),
])
def test_unsupported_commands_exit_125_with_the_reason_on_fake_apple_cli(apple: Apple, cmd: list[str],
                                                                         reason: str) -> None:
    code, out, err = apple.mocker(*cmd)
    assert code == 125 and out == ""
    assert err.startswith(f"Error: 'mocker {cmd[0] if cmd[0] != 'network' else 'network connect'}' is not "
                          "supported by the Apple container runtime (")
    assert reason in err
    assert apple.all_calls() == []


def test_attached_run_with_a_tty_needs_a_terminal_on_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("run", "-it", "busybox", "sh")
    assert code == 125 and "the input device is not a TTY" in err
    assert io  # stdin of the in-process run is a StringIO: no terminal


def test_container_stderr_saying_error_is_not_taken_for_a_cli_failure_on_fake_apple_cli(apple: Apple) -> None:
    code, out, err = apple.mocker("run", "--rm", "busybox", "sh", "-c", "echo 'Error: mine' >&2; echo done >&2; exit 1")
    assert (code, out, err) == (1, "", "Error: mine\ndone\n")
