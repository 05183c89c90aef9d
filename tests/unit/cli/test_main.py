"""The command line's contract: exit codes, Docker's wording, honesty about what is not supported."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from mocker.cli.main import main


def run(*argv: str, root: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = (["--root", root] if root else []) + list(argv)
    code = main(args, stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


def test_version_flag():
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("mocker version ")


def test_unknown_command_exits_1_like_docker():
    code, _, err = run("frobnicate")
    assert code == 1
    assert err.splitlines()[0] == "mocker: 'frobnicate' is not a mocker command."


@pytest.mark.parametrize("command", ["swarm", "stack", "plugin", "trust", "context", "search"])
def test_docker_commands_mocker_lacks_say_so_with_125(command):
    code, _, err = run(command, "ls")
    assert code == 125
    assert err.startswith(f"Error: 'mocker {command}' is not supported by mocker (")


@pytest.mark.parametrize("command", ["container"])
def test_later_milestones_error_honestly(command):
    code, _, err = run(command)
    assert code == 125
    assert "is not supported by mocker (not implemented yet" in err


def test_unknown_flag_exits_125_with_pflag_wording(tmp_path):
    code, _, err = run("images", "--bogus", root=str(tmp_path))
    assert code == 125
    assert err == "unknown flag: --bogus\nSee 'mocker images --help'.\n"


def test_unsupported_flag_exits_125(tmp_path):
    code, _, err = run("images", "--tree", root=str(tmp_path))
    assert code == 125
    assert err.startswith("Error: --tree is not supported by mocker (")


def test_global_daemon_flags_are_refused():
    code, _, err = run("-H", "tcp://1.2.3.4:2375", "images")
    assert code == 125 and "--host is not supported by mocker" in err


def test_argument_count_error_exits_1_with_usage(tmp_path):
    code, _, err = run("tag", "only-one", root=str(tmp_path))
    assert code == 1
    assert err.startswith('"mocker tag" requires exactly 2 arguments.\nSee \'mocker tag --help\'.')
    assert "Usage:  mocker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]" in err


def test_help_lists_flags():
    code, out, _ = run("pull", "--help")
    assert code == 0 and "--platform" in out and "Usage:  mocker pull" in out


def test_group_without_subcommand_prints_its_help():
    code, out, _ = run("image")
    assert code == 0 and "inspect" in out and "prune" in out


def test_missing_image_exits_1_with_docker_message(tmp_path):
    code, _, err = run("image", "inspect", "nosuch", root=str(tmp_path))
    assert code == 1
    assert err == "Error: No such image: nosuch\n"


def test_malformed_reference_is_one_line(tmp_path):
    code, _, err = run("pull", "Not/Valid::ref", root=str(tmp_path))
    assert code == 1
    assert err.startswith("Error: invalid reference format") and err.count("\n") == 1


def test_cli_start_leaves_heavy_modules_unloaded():
    code = ("import sys, mocker.cli.main as m, mocker.cli.images, mocker.cli.registry;"
            "print(sorted(x for x in ('httpx', 'yaml', 'zstandard', 'sqlite3', 'dataclasses') if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
