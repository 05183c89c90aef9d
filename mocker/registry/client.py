"""A client for one registry's distribution API (``/v2/``): manifests, blobs, uploads, tags.

Method by method what Docker's pull and push do; the connection, scheme choice, retries, auth and
error mapping live in :class:`~mocker.registry.transport.RegistryTransport`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import httpx

from mocker.errors import AuthError, DigestMismatch, RegistryError
from mocker.registry import mediatypes
from mocker.registry.auth import repository_scope
from mocker.registry.credentials import get_credentials
from mocker.registry.transport import (
    NetworkError,
    RegistryTransport,
    check_sha256,
    is_digest,
    sha256_digest,
)

__all__ = ["BlobReader", "ManifestInfo", "NetworkError", "RegistryClient"]

MAX_MANIFEST_SIZE = 4 << 20
"""containerd's limit; a bigger "manifest" is refused before it is read into memory."""

_LINK_NEXT_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class ManifestInfo:
    digest: str
    media_type: str
    size: int


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

    def iter_chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The bytes as they arrive (``chunk_size`` would hold them back until that many came:
        bytes received before a broken connection would then be lost to a resumed download)."""
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


class RegistryClient(RegistryTransport):
    """Talks to one registry host (``host[:port]``; ``docker.io`` means Docker Hub)."""

    @classmethod
    def for_host(cls, host: str, *, insecure: bool | None = None) -> RegistryClient:
        """A client using the credentials docker's config.json (or its helper) holds for ``host``."""
        return cls(host, credentials=get_credentials(host), insecure=insecure)

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
        if is_digest(ref):
            check_sha256(ref)
        resp = self.request(
            "GET",
            f"/v2/{repo}/manifests/{ref}",
            scopes=(repository_scope(repo, "pull"),),
            headers={"Accept": ", ".join(accept)},
            stream=True,
        )
        if resp.status_code != 200:
            self._fail(resp, "GET", repo=repo, ref=ref)
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
        actual = sha256_digest(body)
        if is_digest(ref) and actual != ref:
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
            self._fail(resp, "HEAD", repo=repo, ref=ref)
        digest = resp.headers.get("docker-content-digest") or (ref if is_digest(ref) else "")
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
        check_sha256(digest)
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

    def put_manifest(self, repo: str, ref: str, data: bytes, media_type: str) -> str:
        """Upload a manifest or index under a tag or its digest; returns its digest."""
        digest = sha256_digest(data)
        if is_digest(ref) and ref != digest:
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
                self._fail(resp, "GET", repo=repo)
            try:
                doc = resp.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise RegistryError(f"invalid tag list from {self.host}: {exc}") from exc
            tags.extend(str(t) for t in (doc.get("tags") or []))
            match = _LINK_NEXT_RE.search(resp.headers.get("link", ""))
            path = self._resolve(match.group(1)) if match else None
        return tags
