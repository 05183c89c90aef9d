"""A client for one registry's distribution API (``/v2/``), the Docker way.

Transport: HTTPS with the system CAs plus ``certs.d`` (see :mod:`.tls`); for an insecure registry
(loopback, or listed in the mocker config) HTTPS without verification is tried first and plain HTTP
if TLS cannot be set up, as Docker does. The first request pings ``/v2/`` to pick the scheme and learn
the auth challenge. Auth: :class:`.auth.Authenticator`. Idempotent requests (GET, HEAD, manifest PUT)
are retried on network errors and 5xx/429 replies (3 attempts, growing back-off); any request is
retried when the connection could not even be opened.

Foreign errors are translated here, at the seam: httpx errors become :class:`NetworkError` (a
:class:`~mocker.errors.RegistryError`), registry error bodies become mocker errors with Docker's
words (``manifest for x:latest not found: manifest unknown: manifest unknown``).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO, NoReturn

import httpx

from mocker import __version__
from mocker.errors import AuthError, DigestMismatch, ImageNotFound, InvalidArgument, NotFound, RegistryError
from mocker.registry import mediatypes
from mocker.registry.auth import Authenticator, format_errors, repository_scope
from mocker.registry.credentials import Credentials, get_credentials
from mocker.registry.tls import is_insecure_registry, ssl_context

__all__ = ["BlobReader", "ManifestInfo", "NetworkError", "RegistryClient"]

MAX_MANIFEST_SIZE = 4 << 20
"""containerd's limit; a bigger "manifest" is refused before it is read into memory."""

_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_HUB_API_HOST = "registry-1.docker.io"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})
_LINK_NEXT_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_CHUNK = 1 << 20


class NetworkError(RegistryError):
    """The registry could not be reached, or the connection broke (worth retrying later)."""


@dataclass(frozen=True, slots=True)
class ManifestInfo:
    digest: str
    media_type: str
    size: int


def _go_method(method: str) -> str:
    return method[:1].upper() + method[1:].lower()


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _check_sha256(digest: str) -> None:
    algorithm, _, hexpart = digest.partition(":")
    if algorithm != "sha256" or len(hexpart) != 64:
        raise InvalidArgument(f"unsupported digest algorithm: {digest}")


def _is_digest(ref: str) -> bool:
    return ":" in ref and ref.split(":", 1)[0].isalnum() and len(ref.split(":", 1)[1]) >= 32


class BlobReader:
    """A blob download in progress: ``size`` (whole blob, if known), ``offset`` (where it starts).

    ``offset`` is what the registry actually sent: 0 when it ignored the ``Range`` asked for.
    """

    def __init__(self, response: httpx.Response, digest: str, offset: int) -> None:
        self._response = response
        self.digest = digest
        self.offset = offset
        length = response.headers.get("content-length")
        self.size = offset + int(length) if length is not None and length.isdigit() else None

    def iter_chunks(self, chunk_size: int = _CHUNK) -> Iterator[bytes]:
        try:
            yield from self._response.iter_bytes(chunk_size)
        except httpx.HTTPError as exc:
            raise NetworkError(f"error pulling blob {self.digest}: {exc}") from exc

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RegistryClient:
    """Talks to one registry host (``host[:port]``; ``docker.io`` means Docker Hub)."""

    retry_delays: tuple[float, ...] = (0.5, 1.5)
    """Pauses between the attempts of a retried request (its length + 1 is the number of attempts)."""

    def __init__(
        self,
        host: str,
        *,
        credentials: Credentials | None = None,
        insecure: bool | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.host = host
        self.api_host = _HUB_API_HOST if host in _HUB_NAMES else host
        self.insecure = is_insecure_registry(host) if insecure is None else insecure
        context = ssl_context(host, verify=not self.insecure)
        self._http = httpx.Client(
            verify=context,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            headers={"User-Agent": f"mocker/{__version__}"},
            follow_redirects=False,
            trust_env=True,
        )
        self.auth = Authenticator(self._http, credentials)
        self._base: str | None = None
        self._base_lock = threading.Lock()

    @classmethod
    def for_host(cls, host: str, *, insecure: bool | None = None) -> RegistryClient:
        """A client using the credentials docker's config.json (or its helper) holds for ``host``."""
        return cls(host, credentials=get_credentials(host), insecure=insecure)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- names used in messages --------------------------------------------------------------------

    def display_name(self, repo: str) -> str:
        """Docker's familiar name: ``busybox`` for Hub's ``library/busybox``, else ``host/repo``."""
        if self.host in _HUB_NAMES:
            return repo.removeprefix("library/")
        return f"{self.host}/{repo}"

    def display_ref(self, repo: str, ref: str) -> str:
        return self.display_name(repo) + ("@" if _is_digest(ref) else ":") + ref

    # -- transport ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``https://host`` or ``http://host``, chosen by the first ping."""
        return self._endpoint()

    def _endpoint(self) -> str:
        if self._base is not None:
            return self._base
        with self._base_lock:
            if self._base is not None:
                return self._base
            schemes = ("https", "http") if self.insecure else ("https",)
            last: NetworkError | None = None
            for i, scheme in enumerate(schemes):
                url = f"{scheme}://{self.api_host}/v2/"
                fallback = i + 1 < len(schemes)
                try:
                    resp = self._send_retrying("GET", url, attempts=1 if fallback else None)
                except NetworkError as exc:
                    last = exc
                    continue
                if resp.status_code == 401:
                    self.auth.learn(resp.headers.get_list("www-authenticate"))
                self._base = f"{scheme}://{self.api_host}"
                return self._base
            assert last is not None
            raise last

    def _describe(self, exc: httpx.HTTPError) -> str:
        text = str(exc) or type(exc).__name__
        if "Connection refused" in text:
            return f"dial tcp {self.api_host}: connect: connection refused"
        if isinstance(exc, httpx.TimeoutException):
            return f"{text} (timeout)" if "timed out" not in text else text
        return text

    def _send_retrying(
        self,
        method: str,
        url: str,
        *,
        build: Callable[[], httpx.Request] | None = None,
        stream: bool = False,
        follow_redirects: bool = False,
        attempts: int | None = None,
    ) -> httpx.Response:
        """Send (``build()`` makes a fresh request per attempt), retrying what is safe to retry."""
        total = attempts if attempts is not None else len(self.retry_delays) + 1
        idempotent = method in _IDEMPOTENT
        for attempt in range(total):
            last = attempt + 1 >= total
            request = build() if build is not None else self._http.build_request(method, url)
            try:
                resp = self._http.send(request, stream=stream, follow_redirects=follow_redirects)
            except httpx.TransportError as exc:
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                if last or not (idempotent or never_sent):
                    raise NetworkError(f'{_go_method(method)} "{url}": {self._describe(exc)}') from exc
                time.sleep(self.retry_delays[min(attempt, len(self.retry_delays) - 1)])
                continue
            if resp.status_code in _RETRY_STATUSES and idempotent and not last:
                resp.close()
                time.sleep(self.retry_delays[min(attempt, len(self.retry_delays) - 1)])
                continue
            return resp
        raise AssertionError("unreachable")

    def request(
        self,
        method: str,
        path: str,
        *,
        scopes: Sequence[str] = (),
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        content: bytes | Iterator[bytes] | None = None,
        stream: bool = False,
        follow_redirects: bool = False,
        retry: bool = True,
    ) -> httpx.Response:
        """An authorised request to ``path`` (``/v2/…`` or an absolute URL such as an upload Location).

        A 401 is answered by re-authorising for the challenge's scopes (twice at most); a body that is
        an iterator cannot be sent twice, so it is only sent once the scopes are authorised.
        """
        base = self._endpoint()
        url = path if "://" in path else base + path
        replayable = not isinstance(content, Iterator)
        wanted = tuple(scopes)
        for round_ in range(3):
            try:
                sent = self.auth.authorization(wanted)
            except AuthError as exc:
                raise AuthError(f'{_go_method(method)} "{url}": {exc}') from exc

            def build(sent: str | None = sent) -> httpx.Request:
                hdrs = dict(headers or {})
                if sent is not None:
                    hdrs["Authorization"] = sent
                return self._http.build_request(method, url, headers=hdrs, params=params, content=content)

            resp = self._send_retrying(
                method,
                url,
                build=build,
                stream=stream,
                follow_redirects=follow_redirects,
                attempts=None if retry and replayable else 1,
            )
            if resp.status_code != 401 or not replayable or round_ == 2:
                return resp
            retry_scopes = self.auth.on_unauthorized(resp.headers.get_list("www-authenticate"), wanted, sent)
            if retry_scopes is None:
                return resp
            resp.read()
            resp.close()
            wanted = retry_scopes
        raise AssertionError("unreachable")

    def _fail(self, resp: httpx.Response, method: str, *, not_found: str | None = None) -> NoReturn:
        """Raise the mocker error for a failed reply (``not_found``: the name for Docker's 404 texts)."""
        resp.read()
        resp.close()
        codes, text = format_errors(resp.content)
        status = resp.status_code
        if text is None:
            if status == 401:
                text = "unauthorized: authentication required"
            elif status == 404 and not_found is not None and method != "HEAD":
                text = "manifest unknown: manifest unknown"
            else:
                text = f"received unexpected HTTP status: {status} {resp.reason_phrase}"
        if not_found is not None:
            name = not_found.rsplit("@", 1)[0]
            name = name.rsplit(":", 1)[0] if "/" not in name.rsplit(":", 1)[-1] else name
            first = codes[0] if codes else ("MANIFEST_UNKNOWN" if status == 404 else "")
            if first == "MANIFEST_UNKNOWN":
                raise ImageNotFound(f"manifest for {not_found} not found: {text}")
            if first == "NAME_UNKNOWN":
                raise ImageNotFound(f"repository {name} not found: {text}")
            if first == "DENIED":
                raise AuthError(
                    f"pull access denied for {name}, repository does not exist or may require "
                    f"'docker login': {text}"
                )
        if status in (401, 403) or "UNAUTHORIZED" in codes or "DENIED" in codes:
            raise AuthError(text)
        if status == 404 or "BLOB_UNKNOWN" in codes:
            raise NotFound(text)
        raise RegistryError(text)

    # -- API ---------------------------------------------------------------------------------------

    def ping(self) -> None:
        """Check that the registry answers and accepts our credentials (what ``docker login`` does)."""
        url = self._endpoint() + "/v2/"
        try:
            resp = self.request("GET", "/v2/")
        except AuthError as exc:
            message = str(exc)
            raise AuthError(message if message.startswith("Get ") else f'Get "{url}": {message}') from exc
        resp.close()
        if resp.status_code == 200:
            return
        reason = resp.reason_phrase or ""
        error = AuthError if resp.status_code in (401, 403) else RegistryError
        raise error(f"login attempt to {url} failed with status: {resp.status_code} {reason}".rstrip())

    def get_manifest(
        self, repo: str, ref: str, accept: Sequence[str] = mediatypes.ACCEPT_ALL
    ) -> tuple[bytes, str, str]:
        """(body, media type, digest) of a manifest or index, by tag or digest, verified."""
        if _is_digest(ref):
            _check_sha256(ref)
        resp = self.request(
            "GET",
            f"/v2/{repo}/manifests/{ref}",
            scopes=(repository_scope(repo, "pull"),),
            headers={"Accept": ", ".join(accept)},
            stream=True,
        )
        if resp.status_code != 200:
            self._fail(resp, "GET", not_found=self.display_ref(repo, ref))
        try:
            length = resp.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > MAX_MANIFEST_SIZE:
                raise RegistryError(f"manifest {self.display_ref(repo, ref)} is too big ({length} bytes)")
            body = b""
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_MANIFEST_SIZE:
                    raise RegistryError(f"manifest {self.display_ref(repo, ref)} is too big")
        except httpx.HTTPError as exc:
            raise NetworkError(f"error reading manifest {self.display_ref(repo, ref)}: {exc}") from exc
        finally:
            resp.close()
        actual = _sha256(body)
        if _is_digest(ref) and actual != ref:
            raise DigestMismatch(ref, actual)
        header = resp.headers.get("docker-content-digest")
        if header and header.startswith("sha256:") and header != actual:
            raise DigestMismatch(header, actual)
        return body, self._media_type(resp, body), actual

    @staticmethod
    def _media_type(resp: httpx.Response, body: bytes) -> str:
        header = resp.headers.get("content-type", "").split(";", 1)[0].strip()
        if header and header not in ("application/json", "application/octet-stream", "text/plain"):
            return header
        try:
            sniffed = mediatypes.sniff_media_type(json.loads(body))
        except (json.JSONDecodeError, UnicodeDecodeError):
            sniffed = None
        return sniffed or header or "application/octet-stream"

    def head_manifest(
        self, repo: str, ref: str, accept: Sequence[str] = mediatypes.ACCEPT_ALL
    ) -> ManifestInfo | None:
        """Digest, media type and size of a manifest without its body; None when it does not exist."""
        resp = self.request(
            "HEAD",
            f"/v2/{repo}/manifests/{ref}",
            scopes=(repository_scope(repo, "pull"),),
            headers={"Accept": ", ".join(accept)},
        )
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            self._fail(resp, "HEAD", not_found=self.display_ref(repo, ref))
        digest = resp.headers.get("docker-content-digest") or (ref if _is_digest(ref) else "")
        media_type = resp.headers.get("content-type", "").split(";", 1)[0].strip()
        size = int(resp.headers.get("content-length", "0") or 0)
        if not digest:  # a registry that does not say: read the body to know
            body, media_type, digest = self.get_manifest(repo, ref, accept)
            size = len(body)
        return ManifestInfo(digest=digest, media_type=media_type, size=size)

    def open_blob(self, repo: str, digest: str, *, offset: int = 0) -> BlobReader:
        """Stream a blob (redirects followed); from ``offset`` when the registry supports ranges."""
        headers = {"Range": f"bytes={offset}-"} if offset else None
        resp = self.request(
            "GET",
            f"/v2/{repo}/blobs/{digest}",
            scopes=(repository_scope(repo, "pull"),),
            headers=headers,
            stream=True,
            follow_redirects=True,
        )
        if resp.status_code == 206:
            match = re.match(r"bytes (\d+)-", resp.headers.get("content-range", ""))
            start = int(match.group(1)) if match else -1
            if start != offset:
                resp.close()
                raise RegistryError(f"error pulling blob {digest}: registry sent a range we did not ask for")
            return BlobReader(resp, digest, offset)
        if resp.status_code != 200:
            self._fail(resp, "GET")
        return BlobReader(resp, digest, 0)

    def blob_exists(self, repo: str, digest: str, *, for_push: bool = False) -> int | None:
        """Size of the blob in ``repo``, or None when the registry does not have it there."""
        actions = ("pull", "push") if for_push else ("pull",)
        resp = self.request(
            "HEAD",
            f"/v2/{repo}/blobs/{digest}",
            scopes=(repository_scope(repo, *actions),),
            follow_redirects=True,
        )
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            self._fail(resp, "HEAD")
        return int(resp.headers.get("content-length", "0") or 0)

    def mount_blob(self, repo: str, digest: str, from_repo: str) -> bool:
        """Cross-repository mount (no data sent); False when the registry would not mount it."""
        resp = self.request(
            "POST",
            f"/v2/{repo}/blobs/uploads/",
            scopes=(repository_scope(repo, "pull", "push"), repository_scope(from_repo, "pull")),
            params={"mount": digest, "from": from_repo},
            retry=False,
        )
        if resp.status_code == 201:
            return True
        if resp.status_code == 202:  # the registry opened an upload instead: we do not need it
            self._cancel_upload(repo, resp.headers.get("location"))
            return False
        self._fail(resp, "POST")

    def _cancel_upload(self, repo: str, location: str | None) -> None:
        if not location:
            return
        try:
            self.request(
                "DELETE",
                self._resolve(location),
                scopes=(repository_scope(repo, "pull", "push"),),
                retry=False,
            ).close()
        except RegistryError:
            pass

    def _resolve(self, location: str) -> str:
        return str(httpx.URL(self._endpoint() + "/").join(location))

    def upload_blob(
        self,
        repo: str,
        digest: str,
        size: int,
        stream: BinaryIO,
        *,
        chunk_size: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> str:
        """Upload ``size`` bytes from ``stream`` as blob ``digest``: one PUT, or PATCHes of ``chunk_size``.

        ``progress`` is called with the number of bytes sent so far.
        """
        _check_sha256(digest)
        scopes = (repository_scope(repo, "pull", "push"),)
        resp = self.request("POST", f"/v2/{repo}/blobs/uploads/", scopes=scopes, retry=False)
        if resp.status_code != 202:
            self._fail(resp, "POST")
        location = self._location(resp)
        sent = 0
        try:
            if chunk_size:
                while sent < size:
                    data = stream.read(min(chunk_size, size - sent))
                    if not data:
                        raise RegistryError(f"blob {digest} ended after {sent} of {size} bytes")
                    resp = self.request(
                        "PATCH",
                        location,
                        scopes=scopes,
                        headers={
                            "Content-Type": "application/octet-stream",
                            "Content-Range": f"{sent}-{sent + len(data) - 1}",
                        },
                        content=data,
                        retry=False,
                    )
                    if resp.status_code != 202:
                        self._fail(resp, "PATCH")
                    location = self._location(resp)
                    sent += len(data)
                    if progress is not None:
                        progress(sent)
                body: bytes | Iterator[bytes] = b""
                headers = {"Content-Length": "0"}
            else:

                def chunks() -> Iterator[bytes]:
                    nonlocal sent
                    while sent < size:
                        data = stream.read(min(_CHUNK, size - sent))
                        if not data:
                            raise RegistryError(f"blob {digest} ended after {sent} of {size} bytes")
                        sent += len(data)
                        yield data
                        if progress is not None:
                            progress(sent)

                body = chunks()
                headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
            url = str(httpx.URL(location).copy_merge_params({"digest": digest}))
            resp = self.request("PUT", url, scopes=scopes, headers=headers, content=body, retry=False)
            if resp.status_code not in (201, 204):
                self._fail(resp, "PUT")
        except BaseException:
            self._cancel_upload(repo, location)
            raise
        returned = resp.headers.get("docker-content-digest")
        if returned and returned != digest:
            raise DigestMismatch(digest, returned)
        return digest

    def _location(self, resp: httpx.Response) -> str:
        location = resp.headers.get("location")
        if not location:
            raise RegistryError(f"registry {self.host} did not return an upload location")
        return self._resolve(location)

    def put_manifest(self, repo: str, ref: str, data: bytes, media_type: str) -> str:
        """Upload a manifest or index under a tag or its digest; returns its digest."""
        digest = _sha256(data)
        if _is_digest(ref) and ref != digest:
            raise DigestMismatch(ref, digest)
        resp = self.request(
            "PUT",
            f"/v2/{repo}/manifests/{ref}",
            scopes=(repository_scope(repo, "pull", "push"),),
            headers={"Content-Type": media_type},
            content=data,
        )
        if resp.status_code not in (200, 201, 202, 204):
            self._fail(resp, "PUT")
        returned = resp.headers.get("docker-content-digest")
        if returned and returned.startswith("sha256:") and returned != digest:
            raise DigestMismatch(digest, returned)
        return digest

    def list_tags(self, repo: str) -> list[str]:
        """Every tag of ``repo``, following the ``Link: <…>; rel="next"`` pages."""
        tags: list[str] = []
        path: str | None = f"/v2/{repo}/tags/list"
        while path is not None:
            resp = self.request("GET", path, scopes=(repository_scope(repo, "pull"),))
            if resp.status_code != 200:
                self._fail(resp, "GET", not_found=self.display_name(repo))
            try:
                doc = resp.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise RegistryError(f"invalid tag list from {self.host}: {exc}") from exc
            tags.extend(str(t) for t in (doc.get("tags") or []))
            match = _LINK_NEXT_RE.search(resp.headers.get("link", ""))
            path = self._resolve(match.group(1)) if match else None
        return tags
