"""Which registries may use plain HTTP (Docker's rule), certs.d lookup and the SSL context."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import pytest

from mocker.errors import InvalidArgument
from mocker.registry.settings import insecure_registries, load_mocker_config
from mocker.registry.tls import (
    find_tls_files,
    is_insecure_registry,
    is_loopback,
    split_host_port,
    ssl_context,
)


def no_dns(name: str) -> list[str]:
    raise AssertionError(f"unexpected lookup of {name}")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("registry:5000", ("registry", 5000)),
        ("registry", ("registry", None)),
        ("[::1]:5000", ("::1", 5000)),
        ("[::1]", ("::1", None)),
        ("::1", ("::1", None)),
        ("127.0.0.1:5443", ("127.0.0.1", 5443)),
    ],
)
def test_split_host_port(host: str, expected: tuple[str, int | None]) -> None:
    assert split_host_port(host) == expected


@pytest.mark.parametrize(
    "host", ["127.0.0.1:5000", "127.0.0.1", "127.9.8.7:80", "localhost:5000", "LOCALHOST", "[::1]:5000", "::1"]
)
def test_loopback_registries_are_insecure(host: str) -> None:
    assert is_insecure_registry(host, insecure_registries=(), resolve=no_dns)
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["10.1.2.3:5000", "192.168.0.1", "[2001:db8::1]:5000"])
def test_other_addresses_are_secure_by_default(host: str) -> None:
    assert not is_insecure_registry(host, insecure_registries=(), resolve=no_dns)
    assert not is_loopback(host)


def test_listed_host_matches_exactly_as_docker_index_names_do() -> None:
    entries = ["myregistry:5000", "http://other.example:8080/"]
    assert is_insecure_registry("myregistry:5000", insecure_registries=entries, resolve=None)
    assert is_insecure_registry("other.example:8080", insecure_registries=entries, resolve=None)
    assert not is_insecure_registry("myregistry:5001", insecure_registries=entries, resolve=None)
    assert not is_insecure_registry("myregistry", insecure_registries=entries, resolve=None)


def test_cidr_entries_match_addresses_and_resolved_names() -> None:
    entries = ["10.0.0.0/8"]
    assert is_insecure_registry("10.20.30.40:5000", insecure_registries=entries, resolve=no_dns)
    assert is_insecure_registry("reg.lan:5000", insecure_registries=entries, resolve=lambda n: ["10.0.0.7"])
    assert not is_insecure_registry("reg.lan:5000", insecure_registries=entries, resolve=lambda n: ["192.0.2.1"])
    # A name that resolves to loopback is insecure, as Docker's 127.0.0.0/8 default makes it.
    assert is_insecure_registry("myhost:5000", insecure_registries=(), resolve=lambda n: ["127.0.1.1"])


def test_bad_cidr_is_an_error() -> None:
    with pytest.raises(InvalidArgument, match="invalid insecure registry CIDR"):
        is_insecure_registry("x:1", insecure_registries=["10.0.0.300/8"], resolve=None)


def test_insecure_registries_come_from_mocker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKER_CONFIG", str(tmp_path))
    assert load_mocker_config() == {}
    (tmp_path / "config.json").write_text(json.dumps({"insecure_registries": ["reg.lan:5000"], "x": 1}))

    assert insecure_registries() == ("reg.lan:5000",)
    assert is_insecure_registry("reg.lan:5000", resolve=None)
    assert not is_insecure_registry("reg.lan:5001", resolve=None)


def test_malformed_mocker_config_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text('{"insecure_registries": "reg:5000"}')
    with pytest.raises(InvalidArgument, match="must be a list of strings"):
        insecure_registries()
    (tmp_path / "config.json").write_text("[")
    with pytest.raises(InvalidArgument, match="loading config file"):
        load_mocker_config()


# ---- certs.d ----------------------------------------------------------------------------------------


def test_certs_d_files_are_collected_from_every_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for base in (first, second):
        (base / "reg:5000").mkdir(parents=True)
    (first / "reg:5000" / "ca.crt").write_text("x")
    (second / "reg:5000" / "extra.crt").write_text("x")
    (second / "reg:5000" / "client.cert").write_text("x")
    (second / "reg:5000" / "client.key").write_text("x")
    (second / "reg:5000" / "README").write_text("ignored")
    monkeypatch.setenv("MOCKER_CERTS_D", f"{first}:{second}")

    files = find_tls_files("reg:5000")

    assert files.ca_files == (first / "reg:5000" / "ca.crt", second / "reg:5000" / "extra.crt")
    assert files.client_cert == (second / "reg:5000" / "client.cert", second / "reg:5000" / "client.key")
    assert find_tls_files("other:5000").ca_files == ()


def test_client_cert_without_key_is_refused_with_dockers_message(tmp_path: Path) -> None:
    (tmp_path / "reg").mkdir()
    (tmp_path / "reg" / "client.cert").write_text("x")
    with pytest.raises(InvalidArgument, match="missing key client.key for client certificate client.cert"):
        find_tls_files("reg", [tmp_path])
    (tmp_path / "reg" / "client.cert").unlink()
    (tmp_path / "reg" / "lonely.key").write_text("x")
    with pytest.raises(InvalidArgument, match="missing client certificate lonely.cert for key lonely.key"):
        find_tls_files("reg", [tmp_path])


@pytest.fixture
def test_ca(tmp_path: Path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert = tmp_path / "ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=mocker unit CA",
         "-keyout", str(tmp_path / "ca.key"), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def test_ssl_context_trusts_the_certs_d_ca(tmp_path: Path, test_ca: Path) -> None:
    (tmp_path / "certs" / "reg:5443").mkdir(parents=True)
    shutil.copyfile(test_ca, tmp_path / "certs" / "reg:5443" / "ca.crt")

    ctx = ssl_context("reg:5443", dirs=[tmp_path / "certs"])

    subjects = [dict(x[0] for x in c["subject"]).get("commonName") for c in ctx.get_ca_certs()]
    assert "mocker unit CA" in subjects
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_ssl_context_for_insecure_hosts_skips_verification(tmp_path: Path) -> None:
    ctx = ssl_context("127.0.0.1:5000", verify=False, dirs=[tmp_path])
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname


def test_unreadable_ca_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "reg").mkdir()
    (tmp_path / "reg" / "ca.crt").write_text("not a certificate")
    with pytest.raises(InvalidArgument, match="loading TLS certificates for reg"):
        ssl_context("reg", dirs=[tmp_path])


def test_credentials_and_tls_modules_do_not_import_httpx() -> None:
    # `mocker login`/`logout` bookkeeping and the insecure rule must not pay for httpx at start-up.
    code = (
        "import sys, mocker.registry.credentials, mocker.registry.tls, mocker.registry.settings; "
        "mocker.registry.tls.is_insecure_registry('127.0.0.1:5000', insecure_registries=()); "
        "sys.exit('httpx' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[3]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0
