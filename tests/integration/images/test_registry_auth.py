"""login/logout against the TLS + htpasswd registry, credentials in Docker's config.json."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from support.registries import unique_repo

pytestmark = pytest.mark.registry


def _config(env: dict[str, str]) -> Path:
    return Path(env["DOCKER_CONFIG"]) / "config.json"


def test_login_with_wrong_password_fails_and_stores_nothing(cli, auth_registry, mocker_env):
    r = cli("login", "-u", auth_registry.user, "--password-stdin", auth_registry.host, stdin="wrong\n")
    assert r.code == 1
    assert "unauthorized" in r.err.lower() or "401" in r.err
    assert len(r.err.strip().splitlines()) == 1
    assert not _config(mocker_env).exists() or auth_registry.host not in _config(mocker_env).read_text()


def test_login_push_pull_logout(cli, auth_registry, mocker_env, busybox_image):
    ref = f"{auth_registry.host}/{unique_repo()}:v1"
    assert cli("tag", "busybox", ref).code == 0
    denied = cli("push", ref)
    assert denied.code == 1
    assert "no basic auth credentials" in denied.err  # Docker's words for a push without login

    r = cli("login", "-u", auth_registry.user, "--password-stdin", auth_registry.host,
            stdin=auth_registry.password + "\n")
    assert r.code == 0, r.err
    assert r.out.strip().endswith("Login Succeeded")
    cfg = _config(mocker_env)
    assert stat.S_IMODE(os.stat(cfg).st_mode) == 0o600
    entry = json.loads(cfg.read_text())["auths"][auth_registry.host]
    assert "auth" in entry and auth_registry.password not in cfg.read_text()

    pushed = cli("push", ref)
    assert pushed.code == 0, pushed.err
    assert "v1: digest: sha256:" in pushed.out
    assert cli("rmi", ref).code == 0
    pulled = cli("pull", ref)
    assert pulled.code == 0, pulled.err
    assert pulled.out.strip().splitlines()[-1] == ref

    out = cli("logout", auth_registry.host)
    assert out.code == 0 and f"Removing login credentials for {auth_registry.host}" in out.out
    assert auth_registry.host not in json.loads(cfg.read_text()).get("auths", {})
    assert cli("pull", ref).code == 1


def test_password_flag_warns_and_both_password_sources_conflict(cli, auth_registry):
    r = cli("login", "-u", auth_registry.user, "-p", auth_registry.password, auth_registry.host)
    assert r.code == 0, r.err
    assert "--password-stdin" in r.err
    both = cli("login", "-u", "x", "-p", "y", "--password-stdin", auth_registry.host, stdin="z")
    assert both.code == 125


def test_interactive_login_without_tty_is_refused(cli, auth_registry):
    r = cli("login", auth_registry.host)
    assert r.code == 1
    assert "non TTY" in r.err


def test_login_through_credential_helper_keeps_secret_out_of_config(cli, auth_registry, mocker_env, tmp_path,
                                                                   monkeypatch, busybox_image):
    import sys

    from support.credhelper import install

    bindir = tmp_path / "bin"
    bindir.mkdir()
    db = tmp_path / "helper.json"
    install(bindir, db, sys.executable)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_CRED_DB", str(db))
    cfg = _config(mocker_env)
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(json.dumps({"credsStore": "test"}))

    r = cli("login", "-u", auth_registry.user, "--password-stdin", auth_registry.host,
            stdin=auth_registry.password)
    assert r.code == 0, r.err
    assert auth_registry.password not in cfg.read_text()
    assert json.loads(db.read_text())[auth_registry.host] == [auth_registry.user, auth_registry.password]

    ref = f"{auth_registry.host}/{unique_repo()}:helper"
    assert cli("tag", "busybox", ref).code == 0
    assert cli("push", ref).code == 0  # credentials come from the helper's "get"
    assert cli("logout", auth_registry.host).code == 0
    assert auth_registry.host not in json.loads(db.read_text())
