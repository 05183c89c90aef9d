"""run/create on the apple backend: Docker's flags become the CLI's argv by its rules, or exit 125."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.apple import Apple

from mocker.image.platform import host_platform

HOST = str(host_platform())


def test_create_translates_docker_flags_into_fake_apple_cli_argv(apple: Apple, tmp_path: Path) -> None:
    src = tmp_path / "site"
    src.mkdir()
    envfile = tmp_path / "env"
    envfile.write_text("FROM_FILE=1\n# comment\n")
    out = apple.ok("create", "--name", "web", "-e", "MODE=prod", "--env-file", str(envfile), "-l", "role=front",
                   "-u", "nginx", "-w", "/srv", "-it", "--rm", "--init", "--read-only", "--cap-add", "NET_ADMIN",
                   "--cap-drop", "CHOWN", "--ulimit", "nofile=1024:4096", "--dns", "1.1.1.1", "--dns-search",
                   "example.org", "--dns-option", "ndots:2", "-p", "127.0.0.1:8080:80", "-p", "5353:53/udp",
                   "-v", f"{src}:/usr/share/html:ro", "-v", "data:/data", "--tmpfs", "/run/cache:size=64m",
                   "--shm-size", "128m", "-m", "1g", "--cpus", "2", "--network", "backend",
                   "--platform", "linux/arm64", "nginx:1.29", "nginx", "-g", "daemon off;")
    assert out.strip() == "web"
    assert apple.last("create") == [
        "create", "--name", "web", "--platform", "linux/arm64", "--interactive", "--tty",
        "--env", "FROM_FILE=1", "--env", "MODE=prod", "--label", "role=front", "--user", "nginx", "--workdir", "/srv",
        "--rm", "--cpus", "2", "--memory", "1024m", "--shm-size", "128m", "--read-only", "--cap-add", "NET_ADMIN",
        "--cap-drop", "CHOWN", "--init", "--ulimit", "nofile=1024:4096", "--dns", "1.1.1.1",
        "--dns-search", "example.org", "--dns-option", "ndots:2", "--network", "backend",
        "--publish", "127.0.0.1:8080:80", "--publish", "5353:53/udp", "--volume", f"{src}:/usr/share/html:ro",
        "--volume", "data:/data", "--mount", "type=tmpfs,target=/run/cache,size=64m",
        "nginx:1.29", "nginx", "-g", "daemon off;",
    ]


def test_run_always_passes_platform_and_no_double_dash_to_fake_apple_cli(apple: Apple) -> None:
    code, out, _ = apple.mocker("run", "--rm", "--", "busybox", "echo", "--name", "x")
    assert code == 0
    argv = apple.last("create")
    assert argv[argv.index("--platform") + 1] == HOST
    # Everything after the image is the process's (the CLI passes it through literally): every
    # option comes before the image, and no "--" is emitted (the CLI would pass it to the process).
    assert argv[-4:] == ["busybox", "echo", "--name", "x"]
    assert "--" not in argv
    assert out == "--name x\n"


def test_fractional_cpus_are_rounded_up_for_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--cpus", "1.5", "busybox")
    apple.ok("create", "--cpus", "0.1", "busybox")
    apple.ok("create", "--cpus", "2", "busybox")
    cpus = [c[c.index("--cpus") + 1] for c in apple.calls("create")]
    assert cpus == ["2", "1", "2"]
    assert all("." not in c for c in cpus)


def test_memory_always_carries_a_unit_for_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "-m", "268435456", "busybox")        # bytes, as Docker reads a bare number
    assert apple.last("create")[apple.last("create").index("--memory") + 1] == "256m"
    code, _, err = apple.mocker("create", "-m", "300000000", "busybox")
    assert code == 125
    assert "whole MiB" in err and "Apple container runtime" in err


def test_memory_below_the_runtime_minimum_fails_with_exit_125_on_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("run", "-m", "64m", "busybox", "true")
    assert code == 125
    assert "minimum memory amount allowed is 200 MiB" in err


def test_joined_short_values_are_split_for_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "-eA=1", "-p8080:80", "-lk=v", "busybox")
    argv = apple.last("create")
    assert ["--env", "A=1"] == argv[argv.index("--env"):argv.index("--env") + 2]
    assert ["--publish", "8080:80"] == argv[argv.index("--publish"):argv.index("--publish") + 2]
    assert not any(a.startswith("-e") and len(a) > 2 and not a.startswith("--") for a in argv)


def test_entrypoint_and_mac_address_translation_for_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--entrypoint", "/bin/sh", "--mac-address", "92:d0:c6:0a:29:33", "busybox", "-c", "true")
    argv = apple.last("create")
    assert argv[argv.index("--entrypoint") + 1] == "/bin/sh"
    assert argv[argv.index("--network") + 1] == "default,mac=92:d0:c6:0a:29:33"
    assert argv[-3:] == ["busybox", "-c", "true"]


def test_missing_bind_source_is_created_as_docker_does_for_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    missing = tmp_path / "not-yet"
    apple.ok("create", "-v", f"{missing}:/data:z", "busybox")
    assert missing.is_dir()
    assert f"{missing}:/data" in apple.last("create")     # SELinux relabel mode dropped: nothing to relabel


@pytest.mark.parametrize(("flags", "what"), [
    (["--hostname", "h"], "--hostname"),
    (["--restart", "always"], "--restart"),
    (["--health-cmd", "true"], "--health-cmd"),
    (["--privileged"], "--privileged"),
    (["-P"], "--publish-all"),
    (["-p", "80"], "-p 80"),
    (["--add-host", "a:1.2.3.4"], "--add-host"),
    (["--network", "host"], "--network host"),
    (["--network-alias", "x", "--network", "n"], "--network-alias"),
    (["--stop-signal", "SIGINT"], "--stop-signal"),
    (["--sysctl", "net.ipv4.ip_forward=1"], "--sysctl"),
    (["--security-opt", "no-new-privileges"], "--security-opt"),
    (["--pids-limit", "10"], "--pids-limit"),
    (["-l", "k=a=b"], "--label k=a=b"),
    (["--tmpfs", "/t:noexec"], "--tmpfs /t:noexec"),
    (["--entrypoint", ""], '--entrypoint ""'),
    (["--gpus", "all"], "--gpus"),
])
def test_unsupported_flags_exit_125_before_the_fake_apple_cli_runs(apple: Apple, flags: list[str],
                                                                   what: str) -> None:
    code, out, err = apple.mocker("run", *flags, "busybox", "true")
    assert code == 125, err
    # the runtime's own limits name it; --gpus is one mocker itself lacks on every backend
    runtime = "mocker" if "gpus" in what else "the Apple container runtime"
    assert err.startswith(f"Error: {what} is not supported by {runtime} ("), err
    assert apple.calls("create") == []
    assert out == ""


def test_supported_no_op_values_of_unsupported_flags_pass_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--restart", "no", "--no-healthcheck", "--pull", "missing", "busybox")
    assert apple.calls("create")


def test_pull_always_pulls_with_platform_before_create_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--pull", "always", "alpine")
    pull = apple.last("image", "pull")
    assert pull[-3:] == ["--platform", HOST, "alpine"]
    assert "--progress" in pull


def test_pull_never_with_a_missing_image_fails_without_create_on_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("run", "--pull", "never", "nosuchimage")
    assert code == 125
    assert "No such image: nosuchimage" in err
    assert apple.calls("create") == []


def test_invalid_container_name_is_refused_before_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("create", "--name", "a", "busybox")
    assert code == 125
    assert "Invalid container name (a)" in err
    code, _, err = apple.mocker("create", "--name", "x" * 64, "busybox")
    assert code == 125 and "at most 63" in err
    assert apple.calls("create") == []


def test_name_in_use_is_a_docker_conflict_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--name", "web", "busybox")
    code, _, err = apple.mocker("create", "--name", "web", "busybox")
    assert code == 125
    assert 'Conflict. The container name "/web" is already in use' in err
    assert list(apple.containers()) == ["web"]


def test_existing_cidfile_is_refused_as_docker_does_on_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    cid = tmp_path / "cid"
    apple.ok("create", "--cidfile", str(cid), "busybox")
    assert cid.read_text() == apple.last("create")[-0 - 1] or cid.read_text()
    code, _, err = apple.mocker("create", "--cidfile", str(cid), "busybox")
    assert code == 125
    assert "Container ID file found" in err


def test_run_attached_returns_the_process_exit_code_from_fake_apple_cli(apple: Apple) -> None:
    code, out, err = apple.mocker("run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (code, out, err) == (7, "out\n", "err\n")
    assert apple.last("start")[:2] == ["start", "--attach"]
    assert apple.containers() == {}         # --rm: the runtime removed it


def test_run_with_a_missing_executable_exits_125_on_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("run", "busybox", "/no/such/binary")
    assert code == 125
    assert "failed to find target executable" in err


def test_run_detached_prints_the_id_and_starts_on_fake_apple_cli(apple: Apple) -> None:
    code, out, _ = apple.mocker("run", "-d", "busybox", "sleep", "30")
    cid = out.strip()
    try:
        assert code == 0
        assert apple.last("start") == ["start", cid]
        assert apple.containers()[cid]["state"] == "running"
    finally:
        apple.ok("rm", "-f", cid)


def test_run_interactive_passes_stdin_through_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.write_text("hello from stdin\n")
    with open(data) as stdin:
        proc = apple.mocker_subprocess("run", "-i", "--rm", "busybox", "cat", stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello from stdin\n"
    assert apple.last("start")[:3] == ["start", "--attach", "--interactive"]
    assert "--interactive" in apple.last("create")


@pytest.mark.apple_version("0.3.0")
def test_old_cli_without_platform_gets_os_and_arch_from_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "busybox")
    argv = apple.last("create")
    assert "--platform" not in argv
    assert argv[argv.index("--os") + 1] == "linux"


@pytest.mark.apple_version("0.11.0")
def test_options_newer_than_the_cli_are_refused_on_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("create", "--cap-add", "NET_ADMIN", "busybox")
    assert code == 125
    assert "--cap-add is not supported by the Apple container runtime (needs container 0.12 or newer)" in err
    assert os.environ["FAKE_CONTAINER_VERSION"] == "0.11.0"


def test_mount_binds_directories_with_mount_and_files_with_volume_on_fake_apple_cli(apple: Apple,
                                                                                     tmp_path: Path) -> None:
    f = tmp_path / "conf"
    f.write_text("x")
    apple.ok("create", "--mount", f"type=bind,src={tmp_path},dst=/d,readonly", "--mount",
             f"type=bind,src={f},dst=/etc/conf", "--mount", "type=volume,src=data,dst=/data", "--mount",
             "type=tmpfs,dst=/t,tmpfs-size=1m", "busybox")
    argv = apple.last("create")
    assert f"type=bind,source={tmp_path},target=/d,readonly" in argv
    assert f"{f}:/etc/conf" in argv
    assert "type=volume,source=data,target=/data" in argv
    assert "type=tmpfs,target=/t,size=1m" in argv
    code, _, err = apple.mocker("create", "--mount", f"type=bind,src={tmp_path}/nope,dst=/d", "busybox")
    assert code == 125 and "bind source path does not exist" in err
