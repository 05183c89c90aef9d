"""Fixtures for the registry client's integration tests.

- ``store``: an empty BlobStore; ``images``: builds real images (gzipped tar layers, config,
  manifest, index) into it.
- ``client_env``: no host configuration leaks in (empty mocker/docker config dirs) and a certs.d
  that trusts the auth registry's test CA.
- ``bearer_registry``: a real docker-registry configured for token auth, on a free 127.0.0.1 port,
  with a token server of our own (JWTs signed by ``openssl``): the shared registries only do Basic.
- ``scripted_registry``: a tiny HTTP server on 127.0.0.1 speaking the read side of the API, that can
  serve corrupt bytes or cut a blob download short.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mocker.store.blobs import BlobStore

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
REGISTRY_BIN = Path(os.environ.get("MOCKER_TEST_REGISTRY_BIN", "/usr/bin/docker-registry"))


# ---- images ----------------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "store" / "blobs", tmp_path / "store" / "tmp")


def layer_bytes(files: dict[str, bytes]) -> tuple[bytes, str]:
    """A gzipped tar layer and its diff_id."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
            tar.addfile(info, io.BytesIO(data))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    return gzip.compress(raw.getvalue(), mtime=0), diff_id


@dataclass
class Images:
    """Builds images into a BlobStore; every image gets unique content unless told otherwise."""

    store: BlobStore
    docker_types: bool = False

    def image(self, arch: str = "amd64", variant: str | None = None, *, layer_sizes: tuple[int, ...] = (1000,),
              layers: list[bytes] | None = None) -> dict[str, Any]:  # fmt: skip
        """Store config, layers and manifest; return the manifest's descriptor (with platform)."""
        if layers is None:
            layers = []
            for i, size in enumerate(layer_sizes):
                # Random bytes do not compress: the layer is about ``size`` bytes.
                data, _ = layer_bytes({f"file{i}": os.urandom(size), "id": uuid.uuid4().bytes})
                layers.append(data)
        diff_ids = ["sha256:" + hashlib.sha256(gzip.decompress(layer)).hexdigest() for layer in layers]
        config: dict[str, Any] = {
            "architecture": arch,
            "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
        if variant:
            config["variant"] = variant
        config_bytes = json.dumps(config).encode()
        manifest = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if self.docker_types else OCI_MANIFEST,
            "config": {
                "mediaType": DOCKER_CONFIG if self.docker_types else OCI_CONFIG,
                "digest": self.store.put(config_bytes),
                "size": len(config_bytes),
            },
            "layers": [
                {
                    "mediaType": DOCKER_LAYER if self.docker_types else OCI_LAYER,
                    "digest": self.store.put(layer),
                    "size": len(layer),
                }
                for layer in layers
            ],
        }
        body = json.dumps(manifest, indent=3).encode()
        platform = {"architecture": arch, "os": "linux", **({"variant": variant} if variant else {})}
        return {
            "mediaType": manifest["mediaType"],
            "digest": self.store.put(body),
            "size": len(body),
            "platform": platform,
        }

    def index(self, *entries: dict[str, Any]) -> str:
        doc = {
            "schemaVersion": 2,
            "mediaType": DOCKER_LIST if self.docker_types else OCI_INDEX,
            "manifests": list(entries),
        }
        return self.store.put(json.dumps(doc).encode())


@pytest.fixture
def images(store: BlobStore) -> Images:
    return Images(store)


@pytest.fixture
def client_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated MOCKER_CONFIG / DOCKER_CONFIG; MOCKER_CERTS_D trusting the auth registry's CA."""
    certs = tmp_path / "certs.d"
    certs.mkdir()
    for name, sub in (("MOCKER_CONFIG", "mocker-config"), ("DOCKER_CONFIG", "docker-config")):
        monkeypatch.setenv(name, str(tmp_path / sub))
    monkeypatch.setenv("MOCKER_CERTS_D", str(certs))
    return certs


def trust_ca(certs_d: Path, host: str, ca: Path) -> None:
    (certs_d / host).mkdir(exist_ok=True)
    shutil.copyfile(ca, certs_d / host / "ca.crt")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- a real registry with Bearer token auth ---------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class BearerRegistry:
    host: str
    user: str
    password: str
    storage: Path
    token_requests: list[dict[str, Any]] = field(default_factory=list)


class _TokenHandler(BaseHTTPRequestHandler):
    registry: BearerRegistry
    key: Path
    cert_der: bytes
    service: str
    issuer: str

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        from urllib.parse import parse_qs, urlsplit

        query = parse_qs(urlsplit(self.path).query)
        scopes = query.get("scope", [])
        user = None
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            name, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if (name, password) != (self.registry.user, self.registry.password):
                self._reply(401, {"details": "incorrect username or password"})
                return
            user = name
        self.registry.token_requests.append({"scopes": scopes, "user": user})
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            allowed = [a for a in actions.split(",") if user is not None or a == "pull"]
            access.append({"type": kind, "name": name, "actions": allowed})
        now = int(time.time())
        header_json = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.cert_der).decode()]}
        claims = {"iss": self.issuer, "sub": user or "", "aud": self.service, "exp": now + 300,
                  "nbf": now - 10, "iat": now - 10, "jti": uuid.uuid4().hex, "access": access}  # fmt: skip
        signing_input = f"{b64url(json.dumps(header_json).encode())}.{b64url(json.dumps(claims).encode())}"
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key)],
            input=signing_input.encode(), capture_output=True, check=True,
        ).stdout  # fmt: skip
        self._reply(200, {"token": f"{signing_input}.{b64url(signature)}", "expires_in": 300})

    def _reply(self, status: int, doc: dict[str, Any]) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _wait_for(url: str, status: int, timeout: float = 15.0) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=1) as response:
                if response.status == status:
                    return True
        except urllib.error.HTTPError as exc:
            if exc.code == status:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def bearer_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BearerRegistry]:
    if not REGISTRY_BIN.is_file() or shutil.which("openssl") is None:
        pytest.skip(f"needs {REGISTRY_BIN} and openssl")
    root = tmp_path_factory.mktemp("bearer-registry")
    key, cert = root / "token.key", root / "token.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mocker token",
         "-addext", "keyUsage=critical,digitalSignature,keyCertSign", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    reg = BearerRegistry(f"127.0.0.1:{free_port()}", "tokenuser", "tokenpassword", root / "data")

    handler = type("TokenHandler", (_TokenHandler,), {
        "registry": reg, "key": key, "cert_der": ssl.PEM_cert_to_DER_cert(cert.read_text()),
        "service": "mocker-bearer-test", "issuer": "mocker-test-issuer",
    })  # fmt: skip
    token_server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=token_server.serve_forever, daemon=True).start()
    config = root / "config.yml"
    config.write_text(
        f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {reg.storage}
  delete:
    enabled: true
http:
  addr: {reg.host}
  secret: mocker-bearer-test
auth:
  token:
    realm: http://127.0.0.1:{token_server.server_address[1]}/token
    service: mocker-bearer-test
    issuer: mocker-test-issuer
    rootcertbundle: {cert}
"""
    )
    log = (root / "registry.log").open("wb")
    proc = subprocess.Popen(
        [str(REGISTRY_BIN), "serve", str(config)],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        stdin=subprocess.DEVNULL, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        if not _wait_for(f"http://{reg.host}/v2/", 401):
            pytest.fail(f"bearer registry did not start: {(root / 'registry.log').read_text()[-2000:]}")
        yield reg
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        token_server.shutdown()
        token_server.server_close()


# ---- a scripted registry that misbehaves on purpose --------------------------------------------------


@dataclass
class ScriptedRegistry:
    host: str = ""
    manifests: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    corrupt: set[str] = field(default_factory=set)
    cut_after: int = 0  # blob downloads longer than this are cut here, ``cuts_left`` times
    cuts_left: int = 0
    blob_requests: list[str | None] = field(default_factory=list)  # their Range headers

    def serve(self, store: BlobStore, tag: str, manifest_digest: str) -> None:
        """Serve what ``manifest_digest`` names in ``store`` (as ``repo:tag``, any repo)."""
        body = store.read(manifest_digest)
        doc = json.loads(body)
        self.manifests[tag] = self.manifests[manifest_digest] = (body, doc["mediaType"])
        for desc in [doc["config"], *doc["layers"]]:
            self.blobs[desc["digest"]] = store.read(desc["digest"])


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: ScriptedRegistry

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        parts = self.path.split("?")[0].split("/")
        if self.path == "/v2/":
            return self._send(200, b"{}", "application/json", head)
        if len(parts) >= 4 and parts[-2] == "manifests" and parts[-1] in self.state.manifests:
            body, media_type = self.state.manifests[parts[-1]]
            return self._send(200, body, media_type, head)
        if len(parts) >= 4 and parts[-2] == "blobs" and parts[-1] in self.state.blobs:
            return self._blob(parts[-1], head)
        self._send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}',
                   "application/json", head)  # fmt: skip

    def _blob(self, digest: str, head: bool) -> None:
        data = self.state.blobs[digest]
        if digest in self.state.corrupt:
            data = bytes(b ^ 0xFF for b in data[:16]) + data[16:]
        if head:
            return self._send(200, data, "application/octet-stream", head)
        range_header = self.headers.get("Range")
        self.state.blob_requests.append(range_header)
        start = int(range_header.split("=")[1].split("-")[0]) if range_header else 0
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if self.state.cuts_left > 0 and len(data) - start > self.state.cut_after:
            self.state.cuts_left -= 1
            self.wfile.write(data[start : start + self.state.cut_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(data[start:])

    def _send(self, status: int, body: bytes, content_type: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Content-Digest", "sha256:" + hashlib.sha256(body).hexdigest())
        self.end_headers()
        if not head:
            self.wfile.write(body)


@pytest.fixture
def scripted_registry() -> Iterator[ScriptedRegistry]:
    state = ScriptedRegistry()
    handler = type("Handler", (_ScriptedHandler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    state.host = f"127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
