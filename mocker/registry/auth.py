"""Registry authentication: WWW-Authenticate challenges, Basic, and Bearer tokens per scope.

The flow is distribution's ``registry/client/auth`` (what Docker uses): the registry answers 401 with
``WWW-Authenticate: Bearer realm="…",service="…",scope="…"`` (or ``Basic realm="…"``); for Bearer the
client asks the realm for a token for the scopes it needs (``GET realm?service=…&scope=…`` with HTTP
Basic credentials when it has a password, or an OAuth2 ``refresh_token`` POST when it has an identity
token), reads ``token`` or ``access_token`` from the JSON reply and retries with
``Authorization: Bearer …``. Tokens are cached per set of scopes until they expire. A later 401 whose
challenge names more scopes (``error="insufficient_scope"``, e.g. a cross-repository mount needing
``repository:a:pull`` besides ``repository:b:pull,push``) makes the client fetch a token for the union.

This module speaks HTTP only through the ``httpx.Client`` it is given; :mod:`.client` owns that.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mocker.errors import AuthError, RegistryError
from mocker.registry.credentials import Credentials

if TYPE_CHECKING:
    import httpx

__all__ = [
    "Authenticator",
    "Challenge",
    "format_errors",
    "merge_scopes",
    "parse_challenges",
    "repository_scope",
]

_MIN_TOKEN_LIFETIME = 60.0


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lower case: "bearer", "basic"
    params: dict[str, str] = field(default_factory=dict)

    @property
    def realm(self) -> str:
        return self.params.get("realm", "")

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(self.params.get("scope", "").split())


_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def parse_challenges(headers: Iterable[str]) -> list[Challenge]:
    """Parse ``WWW-Authenticate`` header values (RFC 7235; several challenges may share one value)."""
    result: list[Challenge] = []
    for header in headers:
        result.extend(_parse_one_header(header))
    return result


def _parse_one_header(text: str) -> list[Challenge]:
    challenges: list[Challenge] = []
    pos, n = 0, len(text)
    current: Challenge | None = None

    def skip(chars: str) -> None:
        nonlocal pos
        while pos < n and text[pos] in chars:
            pos += 1

    while True:
        skip(" \t,")
        if pos >= n:
            break
        m = _TOKEN_RE.match(text, pos)
        if m is None:  # garbage: stop rather than guess
            break
        token, pos = m.group(0), m.end()
        skip(" \t")
        if pos < n and text[pos] == "=" and current is not None:
            pos += 1
            skip(" \t")
            value, pos = _parse_value(text, pos)
            current.params[token.lower()] = value
        else:
            current = Challenge(token.lower(), {})
            challenges.append(current)
    return challenges


def _parse_value(text: str, pos: int) -> tuple[str, int]:
    if pos < len(text) and text[pos] == '"':
        out: list[str] = []
        pos += 1
        while pos < len(text):
            c = text[pos]
            if c == "\\" and pos + 1 < len(text):
                out.append(text[pos + 1])
                pos += 2
                continue
            if c == '"':
                return "".join(out), pos + 1
            out.append(c)
            pos += 1
        return "".join(out), pos
    m = _TOKEN_RE.match(text, pos)
    if m is None:
        end = text.find(",", pos)
        end = len(text) if end < 0 else end
        return text[pos:end].strip(), end
    return m.group(0), m.end()


# --- scopes ------------------------------------------------------------------------------------------


def repository_scope(repo: str, *actions: str) -> str:
    return f"repository:{repo}:{','.join(actions)}"


def merge_scopes(*groups: Iterable[str]) -> tuple[str, ...]:
    """Union of scopes, actions merged per resource: ``repository:a:pull`` + ``repository:a:push``."""
    resources: dict[str, list[str]] = {}
    for group in groups:
        for scope in group:
            resource, sep, actions = scope.rpartition(":")
            if not sep or not resource:
                resource, actions = scope, ""
            known = resources.setdefault(resource, [])
            for action in actions.split(","):
                if action and action not in known:
                    known.append(action)
    return tuple(f"{r}:{','.join(sorted(a))}" if a else r for r, a in sorted(resources.items()))


def _covers(have: Sequence[str], want: Sequence[str]) -> bool:
    return merge_scopes(have, want) == merge_scopes(have)


# --- error bodies -----------------------------------------------------------------------------------


def format_errors(body: bytes) -> tuple[list[str], str | None]:
    """(codes, text) of a distribution error body, text as Docker prints it: ``manifest unknown: …``.

    Also reads token servers' ``{"details": …}`` replies (as an ``UNAUTHORIZED`` error).
    """
    try:
        doc = json.loads(body) if body else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return [], None
    if not isinstance(doc, dict):
        return [], None
    errors = doc.get("errors")
    if isinstance(errors, list) and errors:
        codes, texts = [], []
        for e in errors:
            if not isinstance(e, dict):
                continue
            code = str(e.get("code") or "UNKNOWN")
            codes.append(code)
            message = str(e.get("message") or "")
            texts.append(f"{code.lower().replace('_', ' ')}: {message}" if message else code.lower())
        return codes, "; ".join(texts) if texts else None
    if isinstance(doc.get("details"), str):
        return ["UNAUTHORIZED"], f"unauthorized: {doc['details']}"
    return [], None


# --- the authenticator -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Token:
    value: str
    expires: float


class Authenticator:
    """Holds a registry's challenge, credentials and tokens; thread-safe (pulls run in parallel)."""

    def __init__(self, http: httpx.Client, credentials: Credentials | None) -> None:
        self._http = http
        self.credentials = credentials if credentials is not None and not credentials.empty else None
        self._lock = threading.Lock()
        self._challenge: Challenge | None = None
        self._tokens: dict[tuple[str, ...], _Token] = {}

    @property
    def scheme(self) -> str | None:
        return self._challenge.scheme if self._challenge else None

    def learn(self, www_authenticate: Sequence[str]) -> Challenge | None:
        """Record the challenge of a 401 (Bearer preferred over Basic); return it."""
        chosen = None
        for c in parse_challenges(www_authenticate):
            if c.scheme == "bearer" and c.realm:
                chosen = c
                break
            if c.scheme == "basic" and chosen is None:
                chosen = c
        if chosen is not None:
            with self._lock:
                self._challenge = chosen
        return chosen

    def authorization(self, scopes: Sequence[str]) -> str | None:
        """The ``Authorization`` value for a request needing ``scopes`` (fetching a token if needed)."""
        challenge = self._challenge
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            creds = self.credentials
            if creds is None or not (creds.username or creds.password):
                raise AuthError("no basic auth credentials")
            raw = f"{creds.username}:{creds.password}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if challenge.scheme != "bearer":
            raise AuthError(f"unsupported authentication scheme {challenge.scheme!r}")
        key = merge_scopes(scopes)
        with self._lock:
            now = time.monotonic()
            for have, token in self._tokens.items():
                if token.expires > now and _covers(have, key):
                    return "Bearer " + token.value
            token = self._fetch_token(challenge, key)
            self._tokens[key] = token
            return "Bearer " + token.value

    def on_unauthorized(
        self, www_authenticate: Sequence[str], scopes: Sequence[str], sent: str | None
    ) -> tuple[str, ...] | None:
        """After a 401: the scopes to retry with, or None when retrying cannot help."""
        challenge = self.learn(www_authenticate)
        if challenge is None:
            return None
        wanted = merge_scopes(scopes, challenge.scopes)
        if challenge.scheme == "basic":
            return wanted if sent is None or not sent.startswith("Basic ") else None
        # Drop the refused token: the next try fetches one for ``wanted`` (the union, when the
        # registry asked for more, e.g. error="insufficient_scope"). The caller bounds the retries.
        with self._lock:
            for k in [k for k, t in self._tokens.items() if sent == "Bearer " + t.value]:
                del self._tokens[k]
        return wanted

    # -- token endpoint ------------------------------------------------------------------------------

    def _fetch_token(self, challenge: Challenge, scopes: tuple[str, ...]) -> _Token:
        import httpx

        realm = challenge.realm
        service = challenge.params.get("service")
        creds = self.credentials
        try:
            if creds is not None and creds.identity_token:
                form = {
                    "grant_type": "refresh_token",
                    "refresh_token": creds.identity_token,
                    "client_id": "mocker",
                }
                if service:
                    form["service"] = service
                if scopes:
                    form["scope"] = " ".join(scopes)
                resp = self._http.post(realm, data=form)
                if resp.status_code not in (404, 405):
                    return self._token_from(resp, realm)
            params: list[tuple[str, str | int | float | bool | None]] = []
            if service:
                params.append(("service", service))
            params.extend(("scope", s) for s in scopes)
            auth = None
            if creds is not None and creds.username and creds.password:
                params.append(("account", creds.username))
                auth = httpx.BasicAuth(creds.username, creds.password)
            resp = self._http.get(realm, params=params, auth=auth)
            return self._token_from(resp, realm)
        except httpx.HTTPError as exc:
            raise RegistryError(f'Get "{realm}": {exc}') from exc

    def _token_from(self, resp: httpx.Response, realm: str) -> _Token:
        if resp.status_code in (401, 403):
            _, text = format_errors(resp.content)
            if text is None:
                text = (
                    "unauthorized: incorrect username or password"
                    if self.credentials is not None
                    else "unauthorized: authentication required"
                )
            raise AuthError(text)
        if resp.status_code != 200:
            _, text = format_errors(resp.content)
            raise AuthError(
                f"token auth attempt for registry: {realm} request failed with status: "
                f"{resp.status_code} {resp.reason_phrase}" + (f": {text}" if text else "")
            )
        try:
            doc = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise AuthError(f"unable to decode token response: {exc}") from exc
        value = (doc.get("token") or doc.get("access_token")) if isinstance(doc, dict) else None
        if not value:
            raise AuthError("authorization server did not include a token in the response")
        lifetime = doc.get("expires_in") or _MIN_TOKEN_LIFETIME
        try:
            lifetime = max(float(lifetime), _MIN_TOKEN_LIFETIME)
        except (TypeError, ValueError):
            lifetime = _MIN_TOKEN_LIFETIME
        # Renew a little early, so a token never expires between our check and the registry's.
        return _Token(str(value), time.monotonic() + lifetime - 10.0)
