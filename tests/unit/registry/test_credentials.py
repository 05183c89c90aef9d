"""docker config.json credentials and the docker-credential-helpers protocol."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from support.credhelper import HELPER  # noqa: E402

from mocker.errors import InvalidArgument, RegistryError
from mocker.registry.credentials import (
    DOCKER_HUB_KEY,
    Credentials,
    config_key,
    erase_credentials,
    get_credentials,
    store_credentials,
)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "docker"
    monkeypatch.setenv("DOCKER_CONFIG", str(directory))
    return directory


@pytest.fixture
def helper_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "docker-credential-test"
    script.write_text(HELPER.format(python=sys.executable))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    db = tmp_path / "helper-db.json"
    monkeypatch.setenv("FAKE_CRED_DB", str(db))
    monkeypatch.delenv("FAKE_CRED_FAIL", raising=False)
    return db


def write_config(directory: Path, doc: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(doc))


def read_config(directory: Path) -> dict:
    return json.loads((directory / "config.json").read_text())


def helper_calls(db: Path) -> list[list]:
    return [json.loads(line) for line in Path(str(db) + ".log").read_text().splitlines()]


def test_store_writes_base64_auth_with_mode_0600_in_a_new_0700_dir(config_dir: Path) -> None:
    store_credentials("127.0.0.1:5000", "alice", "s3cret:with:colons")

    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((config_dir / "config.json").stat().st_mode) == 0o600
    entry = read_config(config_dir)["auths"]["127.0.0.1:5000"]
    assert base64.b64decode(entry["auth"]).decode() == "alice:s3cret:with:colons"
    assert get_credentials("127.0.0.1:5000") == Credentials(
        username="alice", password="s3cret:with:colons", server_address="127.0.0.1:5000"
    )
    assert list(config_dir.iterdir()) == [config_dir / "config.json"]  # no temp file left behind


def test_store_keeps_unknown_keys_and_other_registries(config_dir: Path) -> None:
    write_config(
        config_dir,
        {"psFormat": "{{.ID}}", "auths": {"other:5000": {"auth": "eDp5"}}, "proxies": {"default": {}}},
    )
    (config_dir / "config.json").chmod(0o644)

    store_credentials("127.0.0.1:5000", "alice", "pw")

    doc = read_config(config_dir)
    assert doc["psFormat"] == "{{.ID}}"
    assert doc["proxies"] == {"default": {}}
    assert doc["auths"]["other:5000"] == {"auth": "eDp5"}
    assert stat.S_IMODE((config_dir / "config.json").stat().st_mode) == 0o600


def test_erase_reports_whether_there_was_anything(config_dir: Path) -> None:
    store_credentials("127.0.0.1:5000", "alice", "pw")
    assert erase_credentials("127.0.0.1:5000") is True
    assert get_credentials("127.0.0.1:5000") is None
    assert "127.0.0.1:5000" not in read_config(config_dir)["auths"]
    assert erase_credentials("127.0.0.1:5000") is False


def test_missing_config_means_no_credentials(config_dir: Path) -> None:
    assert get_credentials("127.0.0.1:5000") is None
    assert erase_credentials("127.0.0.1:5000") is False
    assert not config_dir.exists()


def test_docker_hub_is_filed_under_the_index_v1_url(config_dir: Path) -> None:
    assert config_key("docker.io") == DOCKER_HUB_KEY
    assert config_key("registry-1.docker.io") == DOCKER_HUB_KEY
    assert config_key("https://localhost:5000/v1/") == "localhost:5000"

    store_credentials("docker.io", "alice", "pw")

    assert list(read_config(config_dir)["auths"]) == [DOCKER_HUB_KEY]
    creds = get_credentials("index.docker.io")
    assert creds is not None and creds.username == "alice"


def test_legacy_url_keys_match_their_host(config_dir: Path) -> None:
    auth = base64.b64encode(b"bob:pw").decode()
    write_config(config_dir, {"auths": {"https://myregistry:5000/v1/": {"auth": auth}}})

    creds = get_credentials("myregistry:5000")

    assert creds is not None and (creds.username, creds.password) == ("bob", "pw")
    store_credentials("myregistry:5000", "bob", "new")  # replaces the legacy entry, no duplicate
    assert list(read_config(config_dir)["auths"]) == ["myregistry:5000"]


def test_identity_token_and_plain_fields_are_read(config_dir: Path) -> None:
    write_config(
        config_dir,
        {"auths": {"a:1": {"identitytoken": "refresh-me"}, "b:1": {"username": "u", "password": "p"}}},
    )
    a = get_credentials("a:1")
    assert a is not None and a.identity_token == "refresh-me" and a.username == ""
    b = get_credentials("b:1")
    assert b is not None and (b.username, b.password) == ("u", "p")


def test_corrupt_config_is_an_error_naming_the_file(config_dir: Path) -> None:
    config_dir.mkdir()
    (config_dir / "config.json").write_text("{not json")
    with pytest.raises(InvalidArgument, match="loading config file .*config.json"):
        get_credentials("127.0.0.1:5000")


def test_symlinked_config_is_updated_through_the_link(config_dir: Path, tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "docker.json"
    real.parent.mkdir()
    real.write_text("{}")
    config_dir.mkdir()
    (config_dir / "config.json").symlink_to(real)

    store_credentials("127.0.0.1:5000", "alice", "pw")

    assert (config_dir / "config.json").is_symlink()
    assert "127.0.0.1:5000" in json.loads(real.read_text())["auths"]


def test_repr_never_shows_the_secret() -> None:
    text = repr(Credentials(username="alice", password="hunter2", identity_token="tok"))
    assert "hunter2" not in text and "tok'" not in text


# ---- credential helpers -----------------------------------------------------------------------------


def test_creds_store_helper_gets_the_protocol_and_config_keeps_an_empty_entry(
    config_dir: Path, helper_db: Path
) -> None:
    write_config(config_dir, {"credsStore": "test"})

    store_credentials("127.0.0.1:5000", "alice", "pw")

    assert read_config(config_dir)["auths"] == {"127.0.0.1:5000": {}}
    assert json.loads(helper_db.read_text()) == {"127.0.0.1:5000": ["alice", "pw"]}
    assert get_credentials("127.0.0.1:5000") == Credentials(
        username="alice", password="pw", server_address="127.0.0.1:5000"
    )
    assert erase_credentials("127.0.0.1:5000") is True
    assert get_credentials("127.0.0.1:5000") is None
    assert erase_credentials("127.0.0.1:5000") is False

    calls = helper_calls(helper_db)
    assert calls[0] == [["store"], json.dumps({"ServerURL": "127.0.0.1:5000", "Username": "alice", "Secret": "pw"})]
    assert calls[1] == [["get"], "127.0.0.1:5000"]
    assert calls[2] == [["erase"], "127.0.0.1:5000"]


def test_cred_helpers_entry_wins_over_creds_store(config_dir: Path, helper_db: Path) -> None:
    helper_db.write_text(json.dumps({"127.0.0.1:5000": ["alice", "pw"]}))
    write_config(config_dir, {"credsStore": "absent", "credHelpers": {"127.0.0.1:5000": "test"}})

    creds = get_credentials("127.0.0.1:5000")

    assert creds is not None and creds.username == "alice"
    with pytest.raises(RegistryError) as info:  # other hosts go to the (missing) credsStore
        get_credentials("other:5000")
    assert str(info.value) == (
        'error getting credentials - err: exec: "docker-credential-absent": '
        "executable file not found in $PATH, out: ``"
    )


def test_helper_token_username_means_identity_token(config_dir: Path, helper_db: Path) -> None:
    helper_db.write_text(json.dumps({DOCKER_HUB_KEY: ["<token>", "refresh"]}))
    write_config(config_dir, {"credsStore": "test"})

    creds = get_credentials("docker.io")

    assert creds == Credentials(identity_token="refresh", server_address=DOCKER_HUB_KEY)
    store_credentials("docker.io", "alice", "", identity_token="newtoken")
    assert json.loads(helper_db.read_text())[DOCKER_HUB_KEY] == ["<token>", "newtoken"]


def test_helper_failure_is_reported_like_docker(
    config_dir: Path, helper_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(config_dir, {"credsStore": "test"})
    monkeypatch.setenv("FAKE_CRED_FAIL", "keychain locked")
    expected = r"^error getting credentials - err: exit status 1, out: `keychain locked`$"
    with pytest.raises(RegistryError, match=expected):
        get_credentials("127.0.0.1:5000")
    with pytest.raises(RegistryError, match=r"^error storing credentials - err: exit status 1"):
        store_credentials("127.0.0.1:5000", "a", "b")
