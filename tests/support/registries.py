"""The local test registries (scripts/registries), seen from the tests.

Two docker-registry (distribution 2.8) instances on 127.0.0.1:

- plain: ``http://$MOCKER_TEST_REGISTRY`` (127.0.0.1:5000), no auth, deletes enabled;
- auth: ``https://$MOCKER_TEST_AUTH_REGISTRY`` (127.0.0.1:5443), TLS with a test CA
  (``$MOCKER_TEST_CA``) and htpasswd basic auth (``$MOCKER_TEST_AUTH_USER`` /
  ``$MOCKER_TEST_AUTH_PASSWORD``).

scripts/test starts them and exports the variables. When a variable is missing (``pytest`` run on
its own), the first lookup runs ``scripts/registries start`` and reads ``scripts/registries env``
once; if that fails the test is skipped with the reason (failed under ``CI=true``: there the set-up
must work).

Registries are shared by every test and never cleaned: push to a unique repository name
(:func:`unique_repo`) and check what arrived with :func:`registry_catalog`, :func:`registry_tags`
and :func:`registry_manifest` (plain registry only).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTRIES_SCRIPT = REPO_ROOT / "scripts" / "registries"

ENV_PLAIN = "MOCKER_TEST_REGISTRY"
ENV_AUTH = "MOCKER_TEST_AUTH_REGISTRY"
ENV_USER = "MOCKER_TEST_AUTH_USER"
ENV_PASSWORD = "MOCKER_TEST_AUTH_PASSWORD"
ENV_CA = "MOCKER_TEST_CA"
ALL_ENV = (ENV_PLAIN, ENV_AUTH, ENV_USER, ENV_PASSWORD, ENV_CA)

MANIFEST_MEDIA_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


class AuthRegistry(NamedTuple):
    """The TLS + basic-auth registry: ``host, user, password, ca = auth_registry()``."""

    host: str
    user: str
    password: str
    ca: Path


class Manifest(NamedTuple):
    media_type: str
    digest: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


_start_error: str | None = None
_start_tried = False


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(f"test registries unavailable under CI: {reason}", pytrace=False)
    pytest.skip(f"test registries unavailable: {reason}")


def _start_registries() -> str | None:
    """Run scripts/registries start + env once; export the variables. Returns an error or None."""
    try:
        subprocess.run(
            ["bash", str(REGISTRIES_SCRIPT), "start"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        env = subprocess.run(
            ["bash", str(REGISTRIES_SCRIPT), "env"],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        ).stdout
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or "").strip().splitlines()[-1:] or [f"exit status {exc.returncode}"]
        return f"`scripts/registries {exc.cmd[-1]}` failed: {last[0]}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`scripts/registries` could not run: {exc}"
    for line in env.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            os.environ.setdefault(name, value)
    return None


def _require_env() -> None:
    global _start_error, _start_tried
    if all(os.environ.get(name) for name in ALL_ENV):
        return
    if not _start_tried:
        _start_tried = True
        _start_error = _start_registries()
    missing = [name for name in ALL_ENV if not os.environ.get(name)]
    if missing:
        _unavailable(_start_error or f"{', '.join(missing)} not set (run scripts/test)")


def plain_registry() -> str:
    """``host:port`` of the plain-HTTP registry without auth."""
    _require_env()
    return os.environ[ENV_PLAIN]


def auth_registry() -> AuthRegistry:
    """``(host, user, password, ca)`` of the TLS registry with basic auth."""
    _require_env()
    ca = Path(os.environ[ENV_CA])
    if not ca.is_file():
        _unavailable(f"{ENV_CA}={ca} does not exist")
    return AuthRegistry(os.environ[ENV_AUTH], os.environ[ENV_USER], os.environ[ENV_PASSWORD], ca)


def auth_registry_if_configured() -> AuthRegistry | None:
    """The auth registry if its variables are set, else None; never starts anything or skips."""
    if not all(os.environ.get(name) for name in ALL_ENV):
        return None
    return AuthRegistry(
        os.environ[ENV_AUTH], os.environ[ENV_USER], os.environ[ENV_PASSWORD], Path(os.environ[ENV_CA])
    )


def unique_repo(prefix: str = "test") -> str:
    """A repository name no other test uses, e.g. ``test/3f2a9c0d1e4b``."""
    return f"{prefix}/{uuid.uuid4().hex[:12]}"


# ---- reading the plain registry ------------------------------------------------------------------

# Never through a proxy: the registries are on loopback.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _plain_url(host: str, path: str) -> str:
    if not (host.startswith("127.0.0.1:") or host.startswith("localhost:")):
        raise ValueError(f"only the local plain registry can be read this way, not {host!r}")
    return f"http://{host}/v2/{path}"


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    with _opener.open(request, timeout=30) as response:
        return response.read(), dict(response.headers.items())


def registry_catalog(host: str) -> list[str]:
    """Every repository the plain registry holds (follows the catalog's pagination)."""
    repositories: list[str] = []
    path = "_catalog?n=1000"
    while True:
        body, headers = _get(_plain_url(host, path))
        page = list(json.loads(body).get("repositories") or [])
        repositories.extend(page)
        link = {key.lower(): value for key, value in headers.items()}.get("link", "")
        if not page or 'rel="next"' not in link:
            return repositories
        path = f"_catalog?n=1000&last={urllib.parse.quote(page[-1], safe='')}"


def registry_tags(host: str, repo: str) -> list[str]:
    """Tags of ``repo`` in the plain registry ([] if the repository does not exist)."""
    try:
        body, _ = _get(_plain_url(host, f"{repo}/tags/list"))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise
    return sorted(json.loads(body).get("tags") or [])


def registry_manifest(host: str, repo: str, reference: str) -> Manifest | None:
    """The manifest or index stored under ``repo:reference`` (a tag or digest), None if absent."""
    try:
        body, headers = _get(
            _plain_url(host, f"{repo}/manifests/{reference}"),
            {"Accept": ", ".join(MANIFEST_MEDIA_TYPES)},
        )
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
    lowered = {key.lower(): value for key, value in headers.items()}
    return Manifest(
        media_type=lowered.get("content-type", "").split(";")[0].strip(),
        digest=lowered.get("docker-content-digest", ""),
        body=body,
    )


def registry_blob(host: str, repo: str, digest: str) -> bytes:
    """A blob of the plain registry (raises urllib.error.HTTPError 404 if absent)."""
    body, _ = _get(_plain_url(host, f"{repo}/blobs/{digest}"))
    return body


def registry_delete(host: str, repo: str, kind: str, digest: str) -> None:
    """Delete a manifest (``kind="manifests"``) or blob (``"blobs"``) of the plain registry (deletes are on)."""
    request = urllib.request.Request(_plain_url(host, f"{repo}/{kind}/{digest}"), method="DELETE")
    with _opener.open(request, timeout=30) as response:
        response.read()
