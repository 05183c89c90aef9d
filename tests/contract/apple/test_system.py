"""Backend selection, ``info``/``version``, the stopped system service, volumes and networks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.apple import Apple

from mocker.engine import backends


def test_info_names_the_backend_and_the_fake_apple_cli_version(apple: Apple) -> None:
    apple.ok("run", "-d", "--name", "web", "busybox", "sleep", "30")
    try:
        out = apple.ok("info")
        assert " Backend: apple (Apple's container 1.2.2, selected by MOCKER_BACKEND)" in out
        assert f" Container CLI: {apple.bin}" in out
        assert " Container Service: running (container-apiserver version 1.2.2" in out
        assert " Containers: 1\n  Running: 1\n" in out
        assert apple.ok("info", "--format", "{{.Backend}} {{.ContainerVersion}}") == "apple 1.2.2\n"
        assert "Server: Apple container (apple backend)\n Version:           1.2.2" in apple.ok("version")
    finally:
        apple.mocker("rm", "-f", "web")


@pytest.mark.parametrize("cmd", [["info"], ["ps"], ["run", "busybox", "true"], ["images"], ["pull", "alpine:3"]])
def test_stopped_service_says_container_system_start_on_fake_apple_cli(apple: Apple, cmd: list[str]) -> None:
    apple.stop_service()
    code, out, err = apple.mocker(*cmd)
    assert code == (125 if cmd[0] == "run" else 1)
    assert err == ("Error: Apple's container system service is not running: start it with "
                   "`container system start`\n") or err.startswith(
        "Error: Apple's container system service is not running: start it with `container system start` (")
    assert out == ""


def test_stopped_service_status_detail_on_fake_apple_cli(apple: Apple) -> None:
    apple.stop_service()
    code, _, err = apple.mocker("info")
    assert code == 1
    assert "`container system start` (status: unregistered)" in err


def test_selection_env_config_and_automatic_rules_with_fake_apple_cli(apple: Apple, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    sel = backends.select()
    assert (sel.name, sel.cli_path, sel.source) == ("apple", str(apple.bin), "MOCKER_BACKEND")
    monkeypatch.delenv("MOCKER_BACKEND")
    # Automatic: Linux stays Linux, even with a `container` executable around.
    assert backends.select().name == "linux"
    # The config file chooses when the environment does not; the environment beats the file.
    (apple.config / "config.json").write_text(json.dumps({"backend": "apple", "container_cli": str(apple.bin)}))
    monkeypatch.delenv("MOCKER_CONTAINER_CLI")
    sel = backends.select()
    assert (sel.name, sel.cli_path, sel.source) == ("apple", str(apple.bin), "config file")
    monkeypatch.setenv("MOCKER_BACKEND", "linux")
    assert backends.select().name == "linux"
    # Automatic on macOS: apple when `container` is on PATH, linux without it.
    monkeypatch.delenv("MOCKER_BACKEND")
    (apple.config / "config.json").write_text("{}")
    monkeypatch.setattr(backends.sys, "platform", "darwin")
    monkeypatch.setenv("PATH", str(apple.bin.parent))
    assert (backends.select().name, backends.select().cli_path) == ("apple", str(apple.bin))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert backends.select().name == "linux"


def test_invalid_backend_and_missing_cli_are_clear_errors_for_fake_apple_cli(apple: Apple,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKER_BACKEND", "windows")
    code, _, err = apple.mocker("ps")
    assert code == 1
    assert err == "Error: invalid backend 'windows' (MOCKER_BACKEND): choose one of linux, apple\n"
    monkeypatch.setenv("MOCKER_BACKEND", "apple")
    monkeypatch.setenv("MOCKER_CONTAINER_CLI", str(apple.bin.parent / "nope"))
    code, _, err = apple.mocker("ps")
    assert code == 1
    assert "the apple backend needs Apple's container CLI, which was not found" in err


def test_linux_backend_ignores_the_fake_apple_cli(apple: Apple, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKER_BACKEND", "linux")
    code, out, _ = apple.mocker("ps", "-a")
    assert code == 0 and out.startswith("CONTAINER ID")
    assert apple.all_calls() == []


def test_cli_usage_errors_are_reported_as_mocker_bugs_for_fake_apple_cli(apple: Apple) -> None:
    from mocker.runtime.apple.cli import CLIUsageBug, ContainerCLI

    cli = ContainerCLI(str(apple.bin))
    with pytest.raises(CLIUsageBug, match="rejected the arguments mocker built .*Unknown option '--bogus'"):
        cli.call(["list", "--bogus"])


def test_volumes_through_fake_apple_cli(apple: Apple) -> None:
    assert apple.ok("volume", "create", "--label", "a=b", "data") == "data\n"
    assert apple.last("volume", "create") == ["volume", "create", "--label", "a=b", "data"]
    assert apple.ok("volume", "ls", "-q") == "data\n"
    doc = json.loads(apple.ok("volume", "inspect", "data"))[0]
    assert doc["Name"] == "data" and doc["Labels"] == {"a": "b"} and doc["Driver"] == "local"
    assert apple.ok("volume", "rm", "data") == "data\n"
    code, _, err = apple.mocker("volume", "rm", "data")
    assert code == 1 and "no such volume" in err


def test_networks_through_fake_apple_cli(apple: Apple) -> None:
    assert apple.ok("network", "create", "--internal", "--subnet", "192.168.100.0/24", "backend") == "backend\n"
    assert apple.last("network", "create") == ["network", "create", "--internal", "--subnet", "192.168.100.0/24",
                                               "backend"]
    assert "backend" in apple.ok("network", "ls")
    doc = json.loads(apple.ok("network", "inspect", "backend"))[0]
    assert doc["Internal"] is True and doc["IPAM"]["Config"][0]["Subnet"] == "192.168.100.0/24"
    assert apple.ok("network", "rm", "backend") == "backend\n"
    code, _, err = apple.mocker("network", "create", "--gateway", "1.2.3.4", "x")
    assert code == 125 and "is not supported by the Apple container runtime" in err


def test_login_hands_the_password_to_fake_apple_cli_on_stdin(apple: Apple) -> None:
    code, out, err = apple.mocker("login", "-u", "me", "--password-stdin", "localhost:5000", stdin="secret\n")
    assert (code, out) == (0, "Login Succeeded\n"), err
    assert apple.last("registry", "login") == ["registry", "login", "--username", "me", "--password-stdin",
                                               "localhost:5000"]
    assert "secret" not in json.dumps(apple.all_calls())     # never on a command line
    code, _, err = apple.mocker("login", "-u", "me", "--password-stdin", "localhost:5000", stdin="wrong\n")
    assert code == 1 and "unauthorized" in err
    assert apple.ok("logout", "localhost:5000") == "Removing login credentials for localhost:5000\n"
    assert apple.last("registry", "logout") == ["registry", "logout", "localhost:5000"]


def test_manifest_commands_use_mockers_own_store_not_the_fake_apple_cli(apple: Apple) -> None:
    code, _, err = apple.mocker("manifest", "rm", "localhost:5000/no/list:1")
    assert code == 1
    assert err == "Error: No such manifest: localhost:5000/no/list:1\n"
    assert apple.all_calls() == []


def test_volume_prune_and_system_prune_through_fake_apple_cli(apple: Apple) -> None:
    apple.ok("volume", "create", "named")
    apple.ok("volume", "create", "used")
    apple.fake("volume", "create", "--label", "com.apple.container.resource.anonymous=", "anon1")
    apple.ok("create", "--name", "keeper", "-v", "used:/data", "busybox")
    out = apple.ok("volume", "prune", "-f")
    assert out.startswith("Deleted Volumes:\nanon1\n\n")
    assert sorted(apple.ok("volume", "ls", "-q").split()) == ["named", "used"]
    assert apple.ok("volume", "prune", "-af").startswith("Deleted Volumes:\nnamed\n")
    apple.ok("network", "create", "spare")
    apple.ok("pull", "alpine")
    out = apple.ok("system", "prune", "-a", "-f")
    assert "Deleted Containers:\nkeeper\n" in out
    assert "Deleted Networks:\nspare\n" in out
    assert "Deleted Images:\nuntagged: docker.io/library/alpine:latest\n" in out
    code, out, _ = apple.mocker("system", "prune", stdin="n\n")
    assert code == 0 and "all dangling images" in out and "build cache" not in out


def test_cli_version_is_asked_once_until_the_fake_apple_cli_changes(apple: Apple,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    apple.ok("images")
    apple.ok("create", "alpine")
    assert len(apple.calls("--version")) == 1          # remembered across mocker commands
    # An upgraded CLI is a different file: asked again, and its options follow the new version.
    monkeypatch.setenv("FAKE_CONTAINER_VERSION", "0.4.1")
    apple.bin.write_text(apple.bin.read_text() + "# upgraded\n")
    apple.ok("pull", "alpine")
    assert len(apple.calls("--version")) == 2
    assert apple.calls("images", "pull")                # the 0.4 spelling of the image group
    assert "0.4.1" in apple.ok("info")
    assert len(apple.calls("--version")) == 2
