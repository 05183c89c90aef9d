"""The local registries that scripts/test starts really answer, as the tests expect them to."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from typing import Any

import pytest
from support.registries import AuthRegistry, registry_catalog, registry_tags

pytestmark = pytest.mark.registry


def _get(url: str, context: ssl.SSLContext | None = None, headers: dict[str, str] | None = None) -> Any:
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    return opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10)


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_plain_registry_answers_v2_without_auth(registry: str) -> None:
    assert registry == "127.0.0.1:5000"
    with _get(f"http://{registry}/v2/") as response:
        assert response.status == 200
        assert response.headers["Docker-Distribution-Api-Version"] == "registry/2.0"
        assert json.loads(response.read()) == {}


def test_plain_registry_catalog_and_tags_are_readable(registry: str) -> None:
    assert isinstance(registry_catalog(registry), list)
    assert registry_tags(registry, "test/does-not-exist") == []


def test_auth_registry_asks_for_basic_credentials(auth_registry: AuthRegistry) -> None:
    context = ssl.create_default_context(cafile=str(auth_registry.ca))
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(f"https://{auth_registry.host}/v2/", context)
    assert info.value.code == 401
    assert info.value.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_auth_registry_rejects_a_wrong_password(auth_registry: AuthRegistry) -> None:
    context = ssl.create_default_context(cafile=str(auth_registry.ca))
    with pytest.raises(urllib.error.HTTPError) as info:
        _get(f"https://{auth_registry.host}/v2/", context, _basic(auth_registry.user, "wrong"))
    assert info.value.code == 401


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_auth_registry_accepts_credentials_over_verified_tls(auth_registry: AuthRegistry, name: str) -> None:
    context = ssl.create_default_context(cafile=str(auth_registry.ca))
    port = auth_registry.host.rpartition(":")[2]
    url = f"https://{name}:{port}/v2/"
    with _get(url, context, _basic(auth_registry.user, auth_registry.password)) as response:
        assert response.status == 200


def test_auth_registry_certificate_is_not_trusted_without_the_test_ca(auth_registry: AuthRegistry) -> None:
    context = ssl.create_default_context()
    with pytest.raises(urllib.error.URLError) as info:
        _get(f"https://{auth_registry.host}/v2/", context)
    assert isinstance(info.value.reason, ssl.SSLCertVerificationError)
