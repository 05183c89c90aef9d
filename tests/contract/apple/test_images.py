"""Images and build on the apple backend: the CLI's image commands and ``container build``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.apple import Apple

from mocker.image.platform import host_platform

HOST = str(host_platform())


def test_pull_passes_platform_and_quiet_progress_to_fake_apple_cli(apple: Apple) -> None:
    out = apple.ok("pull", "alpine:3")
    assert apple.last("image", "pull") == ["image", "pull", "--progress", "none", "--platform", HOST, "alpine:3"]
    assert out.splitlines()[-1] == "docker.io/library/alpine:3"
    assert "Digest: sha256:" in out
    apple.ok("pull", "--platform", "linux/arm64", "busybox")
    assert apple.last("image", "pull")[-3:] == ["--platform", "linux/arm64", "busybox"]
    code, _, err = apple.mocker("pull", "-a", "busybox")
    assert code == 125 and "--all-tags is not supported by the Apple container runtime (" in err


def test_failed_pull_exits_1_with_the_cli_message_on_fake_apple_cli(apple: Apple) -> None:
    code, out, err = apple.mocker("pull", "missing/thing")
    assert code == 1
    assert err.startswith("Error: failed to pull image docker.io/missing/thing:latest")


@pytest.mark.apple_version("0.6.0")
def test_old_cli_gets_its_own_progress_flag_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("pull", "alpine")
    assert apple.last("image", "pull")[:3] == ["image", "pull", "--disable-progress-updates"]


@pytest.mark.apple_version("0.4.1")
def test_cli_before_0_5_uses_the_images_group_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("pull", "alpine")
    assert apple.calls("images", "pull")
    assert "alpine" in apple.ok("images")


@pytest.mark.parametrize("version", ["1.2.2", "0.12.3", "0.8.0"])
def test_images_and_inspect_map_both_json_shapes_of_fake_apple_cli(apple: Apple, version: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_CONTAINER_VERSION", version)
    apple.ok("pull", "alpine:3")
    apple.ok("pull", "localhost:5000/team/app:v1")
    rows = apple.ok("images", "--format", "{{.Repository}}:{{.Tag}}").split()
    assert sorted(rows) == ["alpine:3", "localhost:5000/team/app:v1"]
    lines = apple.ok("images").splitlines()
    assert lines[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    doc = json.loads(apple.ok("image", "inspect", "alpine:3"))[0]
    assert doc["RepoTags"] == ["alpine:3"]
    assert doc["Id"].startswith("sha256:")
    assert doc["Config"]["Cmd"] == ["sh"]
    assert doc["Os"] == "linux" and doc["Architecture"] == "arm64"
    assert doc["RootFS"]["Layers"][0].startswith("sha256:")
    short = doc["Id"].removeprefix("sha256:")[:12]
    assert json.loads(apple.ok("image", "inspect", short))[0]["Id"] == doc["Id"]
    code, _, err = apple.mocker("image", "inspect", "nope")
    assert code == 1 and "No such image: nope" in err


def test_tag_push_rmi_through_fake_apple_cli(apple: Apple) -> None:
    apple.ok("pull", "alpine")
    apple.ok("tag", "alpine", "localhost:5000/me/alpine:v1")
    assert apple.last("image", "tag") == ["image", "tag", "docker.io/library/alpine:latest",
                                          "localhost:5000/me/alpine:v1"]
    out = apple.ok("push", "localhost:5000/me/alpine:v1")
    assert apple.last("image", "push") == ["image", "push", "--progress", "none", "localhost:5000/me/alpine:v1"]
    assert out.startswith("localhost:5000/me/alpine:v1: digest: sha256:")
    out = apple.ok("rmi", "localhost:5000/me/alpine:v1")
    assert out == "Untagged: localhost:5000/me/alpine:v1\n"       # alpine still holds the digest
    assert apple.last("image", "delete") == ["image", "delete", "localhost:5000/me/alpine:v1"]
    out = apple.ok("rmi", "alpine")
    assert out.startswith("Untagged: alpine:latest\nDeleted: sha256:")
    code, _, err = apple.mocker("rmi", "alpine")
    assert code == 1 and "No such image: alpine" in err


def test_rmi_of_an_image_in_use_needs_force_on_fake_apple_cli(apple: Apple) -> None:
    apple.ok("create", "--name", "user", "alpine")
    code, _, err = apple.mocker("rmi", "alpine")
    assert code == 1
    assert 'unable to remove repository reference "alpine" (must force) - container user is using' in err
    assert apple.calls("image", "delete") == []
    apple.ok("rmi", "-f", "alpine")
    assert apple.calls("image", "delete")


def test_save_and_load_through_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    apple.ok("pull", "alpine")
    archive = tmp_path / "alpine.tar"
    apple.ok("save", "-o", str(archive), "alpine")
    assert apple.last("image", "save") == ["image", "save", "--output", str(archive),
                                           "docker.io/library/alpine:latest"]
    apple.ok("rmi", "alpine")
    out = apple.ok("load", "-i", str(archive))
    assert out == "Loaded image: docker.io/library/alpine:latest\n"
    assert apple.last("image", "load") == ["image", "load", "--input", str(archive)]
    assert "alpine" in apple.ok("images")


def test_save_to_stdout_and_load_from_stdin_via_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    apple.ok("pull", "alpine")
    archive = tmp_path / "a.tar"
    with open(archive, "wb") as out:
        import subprocess

        proc = subprocess.run([*apple.mocker_argv(), "save", "alpine"], stdout=out, stderr=subprocess.PIPE,
                              env=apple.subprocess_env(), check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert apple.last("image", "save") == ["image", "save", "docker.io/library/alpine:latest"]
    apple.ok("rmi", "alpine")
    with open(archive, "rb") as f:
        proc2 = apple.mocker_subprocess("load", stdin=f)
    assert proc2.returncode == 0, proc2.stderr
    assert proc2.stdout == "Loaded image: docker.io/library/alpine:latest\n"


def test_build_runs_container_build_with_translated_flags_on_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile.dev").write_text('FROM busybox\nCMD ["echo", "built"]\n')
    code, out, err = apple.mocker("build", "-t", "app:dev", "-f", str(ctx / "Dockerfile.dev"), "--build-arg", "A=1",
                                  "--target", "final", "--no-cache", "--platform", "linux/arm64", "--label", "x=y",
                                  str(ctx))
    assert code == 0, err
    assert apple.last("build") == ["build", "--tag", "app:dev", "--file", str(ctx / "Dockerfile.dev"),
                                   "--build-arg", "A=1", "--label", "x=y", "--target", "final", "--no-cache",
                                   "--platform", "linux/arm64", str(ctx)]
    assert "load build definition" in err          # the CLI's build output goes to stderr
    assert out == "docker.io/library/app:dev\n"
    doc = json.loads(apple.ok("image", "inspect", "app:dev"))[0]
    assert doc["Config"]["Cmd"] == ["echo", "built"]


@pytest.mark.parametrize("flags", [["--cache-from", "x"], ["--network", "host"], ["-o", "type=local,dest=x"],
                                   ["--progress", "rawjson"]])
def test_build_options_the_cli_lacks_exit_125_on_fake_apple_cli(apple: Apple, tmp_path: Path,
                                                                  flags: list[str]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\n")
    code, _, err = apple.mocker("build", *flags, str(tmp_path))
    assert code == 125 and "is not supported by the Apple container runtime (" in err
    assert apple.calls("build") == []


def test_failed_build_exits_1_on_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    code, _, err = apple.mocker("build", str(tmp_path))
    assert code == 1
    assert "failed to read dockerfile" in err


def test_image_prune_and_system_df_through_fake_apple_cli(apple: Apple) -> None:
    apple.ok("pull", "alpine")
    apple.ok("pull", "busybox")
    apple.ok("create", "busybox")
    df = apple.ok("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Active}}")
    assert df.splitlines()[0] == "Images 2 1"
    assert apple.last("system", "df") == ["system", "df", "--format", "json"]
    out = apple.ok("image", "prune", "-a", "-f")
    assert out.startswith("Deleted Images:\nuntagged: docker.io/library/alpine:latest\ndeleted: sha256:")
    assert apple.last("image", "prune") == ["image", "prune", "--all"]
    assert "alpine" not in apple.ok("images") and "busybox" in apple.ok("images")
