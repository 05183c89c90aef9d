"""An in-memory distribution API behind ``httpx.MockTransport`` for the registry client's unit tests.

It speaks just enough of the protocol (``/v2/``, manifests, blobs, uploads, tags, a Bearer token
realm) for the client to be exercised without a network; the real registries are for
tests/integration/registry.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from mocker.registry.client import RegistryClient

HOST = "registry.test:5000"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


def _actions(scopes: set[str] | list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for scope in scopes:
        resource, _, actions = scope.rpartition(":")
        out.setdefault(resource, set()).update(actions.split(","))
    return out


def _allows(granted: set[str], needed: list[str]) -> bool:
    have = _actions(granted)
    return all(actions <= have.get(resource, set()) for resource, actions in _actions(needed).items())


@dataclass
class FakeRegistry:
    """``auth``: None, ``"basic"`` or ``"bearer"``; ``hook(request)`` may answer a request first."""

    host: str = HOST
    auth: str | None = None
    user: str = "alice"
    password: str = "secret"
    manifests: dict[tuple[str, str], tuple[bytes, str]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, bytearray] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    token_requests: list[httpx.Request] = field(default_factory=list)
    hook: Callable[[httpx.Request], httpx.Response | None] | None = None
    vague_content_type: bool = False
    send_digest_header: str | None = None

    digest_of = staticmethod(digest_of)
    error_body = staticmethod(error_body)

    # -- content -----------------------------------------------------------------------------------

    def add_blob(self, data: bytes) -> str:
        digest = digest_of(data)
        self.blobs[digest] = data
        return digest

    def add_manifest(self, repo: str, tag: str | None, doc: dict, media_type: str) -> tuple[str, bytes]:
        body = json.dumps(doc).encode()
        digest = digest_of(body)
        self.manifests[(repo, digest)] = (body, media_type)
        if tag:
            self.manifests[(repo, tag)] = (body, media_type)
        return digest, body

    # -- auth --------------------------------------------------------------------------------------

    def _token_for(self, scopes: list[str]) -> str:
        return "tok-" + base64.urlsafe_b64encode(" ".join(sorted(scopes)).encode()).decode()

    def _granted(self, header: str) -> set[str] | None:
        if not header.startswith("Bearer tok-"):
            return None
        text = base64.urlsafe_b64decode(header[len("Bearer tok-") :]).decode()
        return set(text.split()) if text else set()

    def _token_endpoint(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        header = request.headers.get("authorization", "")
        if header:
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if header != f"Basic {expected}":
                return httpx.Response(401, json={"details": "incorrect username or password"})
        scopes = request.url.params.get_list("scope")
        return httpx.Response(200, json={"access_token": self._token_for(scopes), "expires_in": 300})

    def _check_auth(self, request: httpx.Request, needed: list[str]) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if self.auth == "basic":
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if header == f"Basic {expected}":
                return None
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": 'Basic realm="fake"'},
                content=error_body("UNAUTHORIZED", "authentication required"),
            )
        if self.auth == "bearer":
            granted = self._granted(header)
            if granted is not None and _allows(granted, needed):
                return None
            challenge = 'Bearer realm="https://auth.test/token",service="fake"'
            if needed:
                challenge += f',scope="{" ".join(needed)}"'
            if granted is not None:
                challenge += ',error="insufficient_scope"'
            return httpx.Response(
                401,
                headers={"WWW-Authenticate": challenge},
                content=error_body("UNAUTHORIZED", "authentication required"),
            )
        return None

    # -- the API -----------------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "auth.test":
            return self._token_endpoint(request)
        if self.hook is not None:
            answer = self.hook(request)
            if answer is not None:
                return answer
        path = request.url.path
        if path == "/v2/":
            denied = self._check_auth(request, [])
            return denied or httpx.Response(200, json={})
        m = re.fullmatch(r"/v2/(.+)/(manifests|blobs|tags)/(.*)", path)
        if m is None:
            return httpx.Response(404)
        repo, kind, rest = m.groups()
        needed = [f"repository:{repo}:pull"]
        if request.method in ("POST", "PUT", "PATCH"):
            needed = [f"repository:{repo}:pull,push"]
            if "from" in request.url.params:
                needed.append(f"repository:{request.url.params['from']}:pull")
        denied = self._check_auth(request, needed)
        if denied is not None:
            return denied
        if kind == "manifests":
            return self._manifests(request, repo, rest)
        if kind == "tags":
            return self._tags(request, repo)
        return self._blobs(request, repo, rest)

    def _manifests(self, request: httpx.Request, repo: str, ref: str) -> httpx.Response:
        if request.method == "PUT":
            body = request.read()
            self.manifests[(repo, ref)] = (body, request.headers["content-type"])
            self.manifests[(repo, digest_of(body))] = (body, request.headers["content-type"])
            return httpx.Response(201, headers={"Docker-Content-Digest": digest_of(body)})
        found = self.manifests.get((repo, ref))
        if found is None:
            return httpx.Response(404, content=error_body("MANIFEST_UNKNOWN", "manifest unknown"))
        body, media_type = found
        headers = {
            "Content-Type": "application/json" if self.vague_content_type else media_type,
            "Docker-Content-Digest": self.send_digest_header or digest_of(body),
        }
        return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else body)

    def _tags(self, request: httpx.Request, repo: str) -> httpx.Response:
        tags = sorted({ref for (r, ref) in self.manifests if r == repo and ":" not in ref})
        if not tags:
            return httpx.Response(404, content=error_body("NAME_UNKNOWN", "repository name not known to registry"))
        n = int(request.url.params.get("n", "2"))
        last = request.url.params.get("last")
        rest = [t for t in tags if last is None or t > last]
        page = rest[:n]
        headers = {}
        if len(rest) > n:
            headers["Link"] = f'</v2/{repo}/tags/list?n={n}&last={page[-1]}>; rel="next"'
        return httpx.Response(200, headers=headers, json={"name": repo, "tags": page})

    def _blobs(self, request: httpx.Request, repo: str, rest: str) -> httpx.Response:
        if rest.startswith("uploads/"):
            return self._uploads(request, repo, rest[len("uploads/") :])
        data = self.blobs.get(rest)
        if data is None:
            return httpx.Response(404, content=error_body("BLOB_UNKNOWN", "blob unknown to registry"))
        headers = {"Content-Length": str(len(data)), "Docker-Content-Digest": rest}
        return httpx.Response(200, headers=headers, content=b"" if request.method == "HEAD" else data)

    def _uploads(self, request: httpx.Request, repo: str, upload_id: str) -> httpx.Response:
        if request.method == "POST":
            mount = request.url.params.get("mount")
            if mount and mount in self.blobs:
                return httpx.Response(201, headers={"Location": f"/v2/{repo}/blobs/{mount}"})
            uid = f"u{len(self.uploads)}"
            self.uploads[uid] = bytearray()
            return httpx.Response(202, headers={"Location": f"/v2/{repo}/blobs/uploads/{uid}?_state=x"})
        buf = self.uploads[upload_id]
        if request.method == "PATCH":
            buf += request.read()
            return httpx.Response(202, headers={"Location": f"/v2/{repo}/blobs/uploads/{upload_id}?_state=y"})
        if request.method == "PUT":
            buf += request.read()
            digest = request.url.params["digest"]
            if digest_of(bytes(buf)) != digest:
                return httpx.Response(400, content=error_body("DIGEST_INVALID", "provided digest did not match"))
            self.blobs[digest] = bytes(buf)
            return httpx.Response(201, headers={"Docker-Content-Digest": digest})
        if request.method == "DELETE":
            del self.uploads[upload_id]
            return httpx.Response(204)
        return httpx.Response(405)


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No host configuration leaks in: empty mocker config, docker config and certs.d."""
    for name, sub in (("MOCKER_CONFIG", "mocker-config"), ("DOCKER_CONFIG", "docker-config"),
                      ("MOCKER_CERTS_D", "certs.d")):  # fmt: skip
        monkeypatch.setenv(name, str(tmp_path / sub))


@pytest.fixture
def fake() -> FakeRegistry:
    return FakeRegistry()


@pytest.fixture
def make_client(fake: FakeRegistry) -> Iterator[Callable[..., RegistryClient]]:
    clients: list[RegistryClient] = []

    def make(**kwargs: object) -> RegistryClient:
        kwargs.setdefault("insecure", False)
        client = RegistryClient(HOST, transport=httpx.MockTransport(fake), **kwargs)  # type: ignore[arg-type]
        client.retry_delays = (0.0, 0.0)
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.close()
