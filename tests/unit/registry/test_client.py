"""RegistryClient against an in-memory registry (httpx.MockTransport): messages, digests, retries."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mocker.errors import AuthError, DigestMismatch, ImageNotFound, NotFound, RegistryError
from mocker.registry.client import NetworkError, RegistryClient
from mocker.registry.credentials import Credentials

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MakeClient = Callable[..., RegistryClient]


def a_manifest(fake: Any, repo: str = "x", tag: str | None = "latest") -> tuple[str, bytes]:
    config = fake.add_blob(b"{}")
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [],
    }
    return fake.add_manifest(repo, tag, doc, OCI_MANIFEST)


def test_get_manifest_by_tag_and_digest(fake: Any, make_client: MakeClient) -> None:
    digest, body = a_manifest(fake)
    client = make_client()
    assert client.get_manifest("x", "latest") == (body, OCI_MANIFEST, digest)
    assert client.get_manifest("x", digest) == (body, OCI_MANIFEST, digest)
    accept = fake.requests[-1].headers["accept"]
    assert "application/vnd.oci.image.index.v1+json" in accept
    assert "application/vnd.docker.distribution.manifest.list.v2+json" in accept


def test_missing_tag_uses_dockers_words(fake: Any, make_client: MakeClient) -> None:
    with pytest.raises(ImageNotFound) as info:
        make_client().get_manifest("x", "latest")
    assert str(info.value) == "manifest for registry.test:5000/x:latest not found: manifest unknown: manifest unknown"


def test_unknown_repository_and_denied(fake: Any, make_client: MakeClient) -> None:
    def hook(request: httpx.Request) -> httpx.Response | None:
        code, message, status = (
            ("NAME_UNKNOWN", "repository name not known to registry", 404)
            if "/nope/" in request.url.path
            else ("DENIED", "requested access to the resource is denied", 403)
        )
        return httpx.Response(status, content=fake.error_body(code, message))

    fake.hook = hook
    client = make_client()
    with pytest.raises(ImageNotFound) as missing:
        client.get_manifest("nope", "1.0")
    assert str(missing.value) == (
        "repository registry.test:5000/nope not found: name unknown: repository name not known to registry"
    )
    with pytest.raises(AuthError) as denied:
        client.get_manifest("secret", "1.0")
    assert str(denied.value) == (
        "pull access denied for registry.test:5000/secret, repository does not exist or may require "
        "'docker login': denied: requested access to the resource is denied"
    )


def test_manifest_body_must_match_docker_content_digest(fake: Any, make_client: MakeClient) -> None:
    a_manifest(fake)
    fake.send_digest_header = "sha256:" + "1" * 64
    with pytest.raises(DigestMismatch, match="expected sha256:1111"):
        make_client().get_manifest("x", "latest")


def test_manifest_pulled_by_digest_must_have_that_digest(fake: Any, make_client: MakeClient) -> None:
    digest, body = a_manifest(fake)
    wrong = "sha256:" + "2" * 64
    fake.manifests[("x", wrong)] = (body, OCI_MANIFEST)
    fake.send_digest_header = wrong  # a lying header does not help
    with pytest.raises(DigestMismatch) as info:
        make_client().get_manifest("x", wrong)
    assert (info.value.expected, info.value.actual) == (wrong, digest)


def test_vague_content_type_is_sniffed_from_the_body(fake: Any, make_client: MakeClient) -> None:
    a_manifest(fake)
    fake.vague_content_type = True
    assert make_client().get_manifest("x", "latest")[1] == OCI_MANIFEST


def test_head_manifest(fake: Any, make_client: MakeClient) -> None:
    digest, body = a_manifest(fake)
    client = make_client()
    info = client.head_manifest("x", "latest")
    assert info is not None and (info.digest, info.media_type) == (digest, OCI_MANIFEST)
    assert client.head_manifest("x", "other") is None


def test_list_tags_follows_link_pages(fake: Any, make_client: MakeClient) -> None:
    for tag in ("a", "b", "c", "d", "e"):
        a_manifest(fake, tag=tag)
    assert make_client().list_tags("x") == ["a", "b", "c", "d", "e"]
    assert sum(1 for r in fake.requests if r.url.path.endswith("/tags/list")) == 3


def test_blob_exists_and_open(fake: Any, make_client: MakeClient) -> None:
    digest = fake.add_blob(b"hello world")
    client = make_client()
    assert client.blob_exists("x", digest) == 11
    assert client.blob_exists("x", "sha256:" + "0" * 64) is None
    with client.open_blob("x", digest) as reader:
        assert reader.size == 11 and b"".join(reader.iter_chunks()) == b"hello world"
    with pytest.raises(NotFound, match="blob unknown"):
        client.open_blob("x", "sha256:" + "0" * 64)


def test_get_is_retried_on_5xx_and_network_errors_post_is_not(fake: Any, make_client: MakeClient) -> None:
    a_manifest(fake)
    failures = {"GET": [httpx.Response(503), httpx.ReadError("reset")], "POST": [httpx.Response(503)]}

    def hook(request: httpx.Request) -> httpx.Response | None:
        pending = failures.get(request.method)
        if request.url.path != "/v2/" and pending:
            outcome = pending.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return None

    fake.hook = hook
    client = make_client()
    assert client.get_manifest("x", "latest")[1] == OCI_MANIFEST
    with pytest.raises(RegistryError, match="received unexpected HTTP status: 503"):
        client.upload_blob("x", fake.digest_of(b"abc"), 3, io.BytesIO(b"abc"))


def test_get_gives_up_after_three_attempts(fake: Any, make_client: MakeClient) -> None:
    calls = []

    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/v2/":
            return None
        calls.append(request)
        raise httpx.ReadTimeout("timed out")

    fake.hook = hook
    with pytest.raises(NetworkError, match='^Get "https://registry.test:5000/v2/x/manifests/latest": timed out'):
        make_client().get_manifest("x", "latest")
    assert len(calls) == 3


def test_insecure_registry_falls_back_to_http_when_tls_fails(fake: Any, make_client: MakeClient) -> None:
    def hook(request: httpx.Request) -> httpx.Response | None:
        if request.url.scheme == "https":
            raise httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
        return None

    fake.hook = hook
    a_manifest(fake)
    insecure = make_client(insecure=True)
    assert insecure.get_manifest("x", "latest")[1] == OCI_MANIFEST
    assert insecure.base_url == "http://registry.test:5000"

    with pytest.raises(NetworkError) as info:
        make_client(insecure=False).ping()
    assert str(info.value) == 'Get "https://registry.test:5000/v2/": http: server gave HTTP response to HTTPS client'


def test_hub_names() -> None:
    client = RegistryClient("docker.io", insecure=False)
    assert client.api_host == "registry-1.docker.io"
    assert client.display_ref("library/busybox", "latest") == "busybox:latest"
    assert client.display_ref("me/app", "sha256:" + "a" * 64) == "me/app@sha256:" + "a" * 64
    client.close()


# ---- auth -------------------------------------------------------------------------------------------


def test_ping_with_basic_auth(fake: Any, make_client: MakeClient) -> None:
    fake.auth = "basic"
    make_client(credentials=Credentials(username="alice", password="secret")).ping()
    with pytest.raises(AuthError) as info:
        make_client(credentials=Credentials(username="alice", password="wrong")).ping()
    assert str(info.value) == "login attempt to https://registry.test:5000/v2/ failed with status: 401 Unauthorized"


def test_ping_with_bearer_token_failure_reads_like_docker(fake: Any, make_client: MakeClient) -> None:
    fake.auth = "bearer"
    make_client(credentials=Credentials(username="alice", password="secret")).ping()
    with pytest.raises(AuthError) as info:
        make_client(credentials=Credentials(username="alice", password="wrong")).ping()
    assert str(info.value) == 'Get "https://registry.test:5000/v2/": unauthorized: incorrect username or password'


def test_bearer_mount_re_challenges_for_both_repositories(fake: Any, make_client: MakeClient) -> None:
    fake.auth = "bearer"
    digest = fake.add_blob(b"layer")
    client = make_client(credentials=Credentials(username="alice", password="secret"))

    assert client.blob_exists("b", digest, for_push=True) == 5
    assert client.mount_blob("b", digest, "a") is True

    scopes = [r.url.params.get_list("scope") for r in fake.token_requests]
    assert ["repository:b:pull,push"] in scopes
    assert ["repository:a:pull", "repository:b:pull,push"] in scopes
    # The push token is reused for every later request on "b" (no new token request).
    count = len(fake.token_requests)
    client.blob_exists("b", digest)
    assert len(fake.token_requests) == count


def test_mount_refused_cancels_the_upload_it_opened(fake: Any, make_client: MakeClient) -> None:
    assert make_client().mount_blob("b", "sha256:" + "3" * 64, "a") is False
    assert fake.uploads == {}
    assert [r.method for r in fake.requests][-2:] == ["POST", "DELETE"]


# ---- uploads ----------------------------------------------------------------------------------------


def test_monolithic_upload_is_post_then_one_put(fake: Any, make_client: MakeClient) -> None:
    data = b"x" * 5000
    digest = fake.digest_of(data)
    seen: list[int] = []

    assert make_client().upload_blob("r", digest, len(data), io.BytesIO(data), progress=seen.append) == digest

    assert fake.blobs[digest] == data
    put = fake.requests[-1]
    assert [r.method for r in fake.requests if "/uploads/" in r.url.path] == ["POST", "PUT"]
    assert put.headers["content-length"] == "5000"
    assert put.url.params["digest"] == digest and put.url.params["_state"] == "x"
    assert seen[-1] == 5000


def test_chunked_upload_sends_content_ranges(fake: Any, make_client: MakeClient) -> None:
    data = bytes(range(256)) * 10
    digest = fake.digest_of(data)

    make_client().upload_blob("r", digest, len(data), io.BytesIO(data), chunk_size=1000)

    patches = [r for r in fake.requests if r.method == "PATCH"]
    assert [r.headers["content-range"] for r in patches] == ["0-999", "1000-1999", "2000-2559"]
    put = fake.requests[-1]
    assert put.method == "PUT" and put.headers["content-length"] == "0" and put.url.params["_state"] == "y"
    assert fake.blobs[digest] == data


def test_upload_with_wrong_digest_fails_and_cancels(fake: Any, make_client: MakeClient) -> None:
    with pytest.raises(RegistryError, match="digest invalid"):
        make_client().upload_blob("r", "sha256:" + "4" * 64, 3, io.BytesIO(b"abc"))
    assert fake.uploads == {}


def test_put_manifest_returns_its_digest(fake: Any, make_client: MakeClient) -> None:
    body = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": {}, "layers": []}).encode()
    digest = make_client().put_manifest("r", "v1", body, OCI_MANIFEST)
    assert digest == fake.digest_of(body)
    assert fake.manifests[("r", "v1")] == (body, OCI_MANIFEST)
    with pytest.raises(DigestMismatch):
        make_client().put_manifest("r", "sha256:" + "5" * 64, body, OCI_MANIFEST)
