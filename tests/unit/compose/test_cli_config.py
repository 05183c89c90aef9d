"""``mocker compose`` front end in process: help, errors and exit codes, ``config`` variants."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mocker.cli.main import main

FILE = """
services:
  web:
    image: busybox:${TAG:-1}
    depends_on: [db]
    volumes: [data:/d]
  db:
    image: busybox
    profiles: [full]
volumes:
  data: {}
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(""))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for var in ("COMPOSE_PROJECT_NAME", "COMPOSE_FILE", "COMPOSE_PROFILES", "TAG"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "compose.yaml").write_text(FILE)
    return tmp_path


def test_compose_help_lists_subcommands() -> None:
    code, out, _ = run("compose", "--help")
    assert code == 0
    assert "Usage:  mocker compose [OPTIONS] COMMAND" in out
    from mocker.cli.compose_cmds import SUBCOMMANDS

    bare = run("compose")[1]
    for sub in SUBCOMMANDS:
        assert f"\n  {sub} " in out
        assert f"\n  {sub} " in bare


def test_unknown_subcommand_and_bad_flag_exit_like_docker(project: Path) -> None:
    code, _, err = run("compose", "frobnicate")
    assert code == 125 and 'unknown docker command: "compose frobnicate"' in err
    code, _, err = run("compose", "up", "--bogus")
    assert code == 125 and "unknown flag: --bogus" in err
    code, _, err = run("compose", "up", "--dry-run")
    assert code == 125


def test_config_listings_and_quiet(project: Path) -> None:
    assert run("compose", "--profile", "full", "config", "--services") == (0, "db\nweb\n", "")
    assert run("compose", "--profile", "full", "config", "--volumes")[1] == "data\n"
    assert run("compose", "--profile", "full", "config", "-q") == (0, "", "")
    assert run("compose", "--profile", "full", "config", "--profiles")[1] == "full\n"
    code, _, err = run("compose", "config")
    assert code == 1
    assert 'Error: service "web" depends on undefined service "db": invalid compose project' in err


def test_config_json_and_yaml_agree(project: Path) -> None:
    import yaml

    code, out, _ = run("compose", "-p", "demo", "--profile", "full", "config", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["name"] == "demo"
    assert doc["services"]["web"]["image"] == "busybox:1"
    assert doc["volumes"]["data"]["name"] == "demo_data"
    ydoc = yaml.safe_load(run("compose", "-p", "demo", "--profile", "full", "config")[1])
    assert ydoc["services"]["web"]["depends_on"] == doc["services"]["web"]["depends_on"]


def test_env_file_flag_and_file_flag(project: Path) -> None:
    (project / "alt.env").write_text("TAG=7\n")
    (project / "other.yaml").write_text("services:\n  x:\n    image: other:${TAG}\n")
    code, out, _ = run("compose", "--env-file", "alt.env", "-f", "other.yaml", "config", "--images")
    assert (code, out) == (0, "other:7\n")


def test_compose_version() -> None:
    assert run("compose", "version", "--short")[1] == "2.40.3\n"
    assert run("compose", "version")[1].startswith("Docker Compose version v2.40.3")


def test_importing_the_cli_does_not_load_yaml_or_compose() -> None:
    import subprocess
    import sys

    code = ("import sys, mocker.cli.main; "
            "print(any(m == 'yaml' or m.startswith('mocker.compose') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("verb", ["watch", "events", "publish", "bridge", "alpha"])
def test_compose_commands_mocker_lacks_say_so(verb: str, project: Path) -> None:
    code, _, err = run("compose", verb)
    assert code == 125
    assert err.startswith(f"Error: 'mocker compose {verb}' is not supported by mocker (")
