"""The transport under :class:`~mocker.registry.client.RegistryClient`: one registry host's connection.

Scheme: HTTPS with the system CAs plus ``certs.d`` (see :mod:`.tls`); for an insecure registry
(loopback, or listed in the mocker config) HTTPS without verification is tried first and plain HTTP
if TLS cannot be set up, as Docker does. The first request pings ``/v2/`` to pick the scheme and learn
the auth challenge. Auth: :class:`.auth.Authenticator`. Idempotent requests (GET, HEAD, PUT) are
retried on network errors and 5xx/429 replies (3 attempts, growing back-off); any request is retried
when its connection could not be opened (but not when it was refused or TLS failed).

Foreign errors are translated here, at the seam: httpx errors become :class:`NetworkError` (a
:class:`~mocker.errors.RegistryError`), registry error bodies become mocker errors with Docker's
words (``manifest for x:latest not found: manifest unknown: manifest unknown``).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn, Self

import httpx

from mocker import __version__
from mocker.errors import AuthError, ImageNotFound, InvalidArgument, NotFound, RegistryError
from mocker.registry.auth import Authenticator, format_errors
from mocker.registry.credentials import Credentials
from mocker.registry.tls import is_insecure_registry, is_loopback, ssl_context

__all__ = ["NetworkError", "RegistryTransport", "check_sha256", "go_method", "is_digest", "sha256_digest"]

_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_HUB_API_HOST = "registry-1.docker.io"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


class NetworkError(RegistryError):
    """The registry could not be reached, or the connection broke (worth retrying later)."""


def go_method(method: str) -> str:
    return method[:1].upper() + method[1:].lower()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def check_sha256(digest: str) -> None:
    if not re.fullmatch(r"sha256:[a-f0-9]{64}", digest):
        raise InvalidArgument(f"unsupported digest algorithm: {digest}")


def is_digest(ref: str) -> bool:
    return ":" in ref and ref.split(":", 1)[0].isalnum() and len(ref.split(":", 1)[1]) >= 32


class RegistryTransport:
    """Connection, scheme, retries, auth and error mapping for one registry host."""

    retry_delays: tuple[float, ...] = (0.5, 1.5)
    """Pauses between the attempts of a retried request (its length + 1 is the number of attempts)."""

    def __init__(
        self,
        host: str,
        *,
        credentials: Credentials | None = None,
        insecure: bool | None = None,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``transport`` replaces the network (tests pass an ``httpx.MockTransport``)."""
        self.host = host
        self.api_host = _HUB_API_HOST if host in _HUB_NAMES else host
        self.insecure = is_insecure_registry(host) if insecure is None else insecure
        context = ssl_context(host, verify=not self.insecure)
        self._http = httpx.Client(
            verify=context,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            headers={"User-Agent": f"mocker/{__version__}"},
            follow_redirects=False,
            # Proxies from the environment, except for loopback registries (as Go/Docker do).
            trust_env=not is_loopback(self.api_host),
            transport=transport,
        )
        self.auth = Authenticator(self._http, credentials)
        self._base: str | None = None
        self._base_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
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
        return self.display_name(repo) + ("@" if is_digest(ref) else ":") + ref

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
        if "WRONG_VERSION_NUMBER" in text or "wrong version number" in text:
            return "http: server gave HTTP response to HTTPS client"
        if "CERTIFICATE_VERIFY_FAILED" in text:
            detail = text.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0].strip()
            if "local issuer" in detail or "self-signed" in detail or "self signed" in detail:
                return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
            return f"tls: failed to verify certificate: {detail}"
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
                # Nothing listens, or TLS cannot be set up: retrying cannot help.
                hopeless = "Connection refused" in str(exc) or "[SSL" in str(exc)
                if last or hopeless or not (idempotent or never_sent):
                    raise NetworkError(f'{go_method(method)} "{url}": {self._describe(exc)}') from exc
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
                raise AuthError(f'{go_method(method)} "{url}": {exc}') from exc

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

    def _fail(
        self, resp: httpx.Response, method: str, *, repo: str | None = None, ref: str | None = None
    ) -> NoReturn:
        """Raise the mocker error for a failed reply.

        With ``repo`` (and ``ref`` for manifests) a missing name gets Docker's pull wording
        (moby ``distribution/errors.go``: ``manifest for … not found``, ``repository … not found``,
        ``pull access denied for …``).
        """
        resp.read()
        resp.close()
        codes, text = format_errors(resp.content)
        status = resp.status_code
        if text is None:
            if status == 401:
                text = "unauthorized: authentication required"
            elif status == 404 and repo is not None:
                if ref is not None:
                    codes, text = ["MANIFEST_UNKNOWN"], "manifest unknown: manifest unknown"
                else:
                    codes, text = ["NAME_UNKNOWN"], "name unknown: repository name not known to registry"
            else:
                text = f"received unexpected HTTP status: {status} {resp.reason_phrase}"
        if repo is not None and codes:
            name = self.display_name(repo)
            if codes[0] == "MANIFEST_UNKNOWN":
                shown = self.display_ref(repo, ref or "latest")
                raise ImageNotFound(f"manifest for {shown} not found: {text}")
            if codes[0] == "NAME_UNKNOWN":
                raise ImageNotFound(f"repository {name} not found: {text}")
            if codes[0] == "DENIED":
                raise AuthError(
                    f"pull access denied for {name}, repository does not exist or may require "
                    f"'docker login': {text}"
                )
        if status in (401, 403) or "UNAUTHORIZED" in codes or "DENIED" in codes:
            raise AuthError(text)
        if status == 404 or "BLOB_UNKNOWN" in codes:
            raise NotFound(text)
        raise RegistryError(text)

    def _resolve(self, location: str) -> str:
        return str(httpx.URL(self._endpoint() + "/").join(location))

    def _location(self, resp: httpx.Response) -> str:
        location = resp.headers.get("location")
        if not location:
            raise RegistryError(f"registry {self.host} did not return an upload location")
        return self._resolve(location)
