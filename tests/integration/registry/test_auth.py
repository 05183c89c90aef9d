"""Authentication against real registries: Basic (TLS + htpasswd, shared) and Bearer (token auth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.registries import AuthRegistry, unique_repo

from mocker.errors import AuthError
from mocker.registry.client import NetworkError, RegistryClient
from mocker.registry.credentials import Credentials, store_credentials
from mocker.registry.progress import ProgressEvent
from mocker.registry.pull import fetch_image
from mocker.registry.push import push_image
from mocker.store.blobs import BlobStore

pytestmark = pytest.mark.registry


def creds(user: str, password: str) -> Credentials:
    return Credentials(username=user, password=password)


# ---- Basic: the shared TLS + htpasswd registry -------------------------------------------------------


@pytest.fixture
def trusted(auth_registry: AuthRegistry, client_env: Path) -> AuthRegistry:
    trust_dir = client_env / auth_registry.host
    trust_dir.mkdir()
    (trust_dir / "ca.crt").write_bytes(auth_registry.ca.read_bytes())
    return auth_registry


def test_basic_login_push_and_pull(trusted: AuthRegistry, images: Any, store: BlobStore, tmp_path: Path) -> None:
    good = creds(trusted.user, trusted.password)
    with RegistryClient(trusted.host, credentials=good, insecure=False) as client:
        client.ping()
        assert client.base_url == f"https://{trusted.host}"
        repo = unique_repo()
        desc = images.image(layer_sizes=(5000,))
        push_image(client, repo, "v1", desc["digest"], blobs=store)
        got = fetch_image(client, repo, "v1", blobs=BlobStore(tmp_path / "b", tmp_path / "t"))
        assert got.manifest_digest == desc["digest"]


def test_basic_wrong_password_fails_like_docker_login(trusted: AuthRegistry) -> None:
    with RegistryClient(trusted.host, credentials=creds(trusted.user, "wrong"), insecure=False) as client:
        with pytest.raises(AuthError) as info:
            client.ping()
    assert str(info.value) == f"login attempt to https://{trusted.host}/v2/ failed with status: 401 Unauthorized"


def test_basic_without_credentials(trusted: AuthRegistry, store: BlobStore) -> None:
    repo = unique_repo()
    with RegistryClient(trusted.host, insecure=False) as client:
        with pytest.raises(AuthError) as info:
            fetch_image(client, repo, "latest", blobs=store)
    assert str(info.value) == f'Get "https://{trusted.host}/v2/{repo}/manifests/latest": no basic auth credentials'
    assert list(store.all()) == []


def test_credentials_come_from_docker_config(trusted: AuthRegistry) -> None:
    store_credentials(trusted.host, trusted.user, trusted.password)
    with RegistryClient.for_host(trusted.host, insecure=False) as client:
        client.ping()


def test_unknown_ca_is_refused_unless_the_registry_is_insecure(auth_registry: AuthRegistry, client_env: Path) -> None:
    good = creds(auth_registry.user, auth_registry.password)
    with RegistryClient(auth_registry.host, credentials=good, insecure=False) as client:
        with pytest.raises(NetworkError) as info:
            client.ping()
    assert str(info.value) == (
        f'Get "https://{auth_registry.host}/v2/": '
        "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    )
    # 127.0.0.1 is insecure by Docker's rule: HTTPS without verification, as dockerd does.
    with RegistryClient(auth_registry.host, credentials=good) as client:
        client.ping()
        assert client.insecure and client.base_url == f"https://{auth_registry.host}"


# ---- Bearer: a real registry with token auth --------------------------------------------------------


def test_bearer_login_push_pull_and_scopes(
    bearer_registry: Any, client_env: Path, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    reg = bearer_registry
    with RegistryClient(reg.host, credentials=creds(reg.user, reg.password)) as client:
        client.ping()
        repo = unique_repo()
        desc = images.image(layer_sizes=(3000,))
        push_image(client, repo, "v1", desc["digest"], blobs=store)
        got = fetch_image(client, repo, "v1", blobs=BlobStore(tmp_path / "b", tmp_path / "t"))
        assert got.manifest_digest == desc["digest"]

        requested = [r["scopes"] for r in reg.token_requests if r["user"] == reg.user]
        assert [] in requested  # the login ping
        assert [f"repository:{repo}:pull,push"] in requested

        # Cross-repository mount: one token for both repositories, as the registry asks.
        target = unique_repo("dst")
        events: list[ProgressEvent] = []
        push_image(client, target, "v1", desc["digest"], blobs=store, mount_from=[repo], progress=events.append)
        assert {e.status for e in events} == {"Preparing", f"Mounted from {repo}"}
        scopes = [sorted(r["scopes"]) for r in reg.token_requests]
        assert sorted([f"repository:{repo}:pull", f"repository:{target}:pull,push"]) in scopes


def test_bearer_wrong_password(bearer_registry: Any, client_env: Path) -> None:
    reg = bearer_registry
    with RegistryClient(reg.host, credentials=creds(reg.user, "wrong")) as client:
        with pytest.raises(AuthError) as info:
            client.ping()
    assert str(info.value) == f'Get "http://{reg.host}/v2/": unauthorized: incorrect username or password'


def test_bearer_anonymous_may_pull_but_not_push(
    bearer_registry: Any, client_env: Path, images: Any, store: BlobStore, tmp_path: Path
) -> None:
    reg = bearer_registry
    repo = unique_repo()
    desc = images.image()
    with RegistryClient(reg.host, credentials=creds(reg.user, reg.password)) as client:
        push_image(client, repo, "v1", desc["digest"], blobs=store)
    with RegistryClient(reg.host) as anonymous:
        got = fetch_image(anonymous, repo, "v1", blobs=BlobStore(tmp_path / "b", tmp_path / "t"))
        assert got.manifest_digest == desc["digest"]
        with pytest.raises(AuthError, match="authentication required"):
            push_image(anonymous, unique_repo(), "v1", images.image()["digest"], blobs=store)
