"""WWW-Authenticate parsing, scopes, error bodies and the Bearer token flow (token realm mocked)."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from mocker.errors import AuthError
from mocker.registry.auth import Authenticator, Challenge, format_errors, merge_scopes, parse_challenges
from mocker.registry.credentials import Credentials

BEARER = 'Bearer realm="https://auth.test/token",service="registry.test",scope="repository:a/b:pull,push"'


def test_parse_bearer_challenge_with_commas_inside_quotes() -> None:
    assert parse_challenges([BEARER]) == [
        Challenge(
            "bearer",
            {"realm": "https://auth.test/token", "service": "registry.test", "scope": "repository:a/b:pull,push"},
        )
    ]


def test_parse_several_challenges_in_one_header_and_odd_spacing() -> None:
    header = 'Basic realm="basic realm", BEARER realm = "https://t/x" , service=svc,error="insufficient_scope"'
    assert parse_challenges([header]) == [
        Challenge("basic", {"realm": "basic realm"}),
        Challenge("bearer", {"realm": "https://t/x", "service": "svc", "error": "insufficient_scope"}),
    ]


def test_parse_escaped_quotes_and_several_headers() -> None:
    got = parse_challenges(['Basic realm="a \\"quoted\\" realm"', 'Bearer realm="r",scope="x:y:pull x:z:push"'])
    assert got[0].realm == 'a "quoted" realm'
    assert got[1].scopes == ("x:y:pull", "x:z:push")


def test_parse_garbage_gives_what_it_can() -> None:
    assert parse_challenges(["", "   "]) == []
    assert parse_challenges(['Bearer realm="unterminated']) == [Challenge("bearer", {"realm": "unterminated"})]


def test_merge_scopes_unions_actions_per_resource() -> None:
    assert merge_scopes(["repository:a:pull"], ["repository:a:push", "repository:b:pull"]) == (
        "repository:a:pull,push",
        "repository:b:pull",
    )
    assert merge_scopes(["registry:catalog:*"], []) == ("registry:catalog:*",)


def test_format_errors_uses_dockers_code_text() -> None:
    body = b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}'
    assert format_errors(body) == (["MANIFEST_UNKNOWN"], "manifest unknown: manifest unknown")
    assert format_errors(b'{"details":"incorrect username or password"}') == (
        ["UNAUTHORIZED"],
        "unauthorized: incorrect username or password",
    )
    assert format_errors(b"<html>oops</html>") == ([], None)


# ---- the token flow ---------------------------------------------------------------------------------


class TokenServer:
    def __init__(self, reply: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.reply is not None:
            return self.reply(request)
        scopes = " ".join(request.url.params.get_list("scope"))
        return httpx.Response(200, json={"token": f"T[{scopes}]", "expires_in": 300})


def authenticator(server: TokenServer, creds: Credentials | None) -> Authenticator:
    auth = Authenticator(httpx.Client(transport=httpx.MockTransport(server)), creds)
    auth.learn([BEARER.replace(',scope="repository:a/b:pull,push"', "")])
    return auth


def test_token_is_fetched_with_basic_auth_and_cached_per_scope() -> None:
    server = TokenServer()
    auth = authenticator(server, Credentials(username="alice", password="pw"))

    first = auth.authorization(["repository:a/b:pull,push"])
    again = auth.authorization(["repository:a/b:pull"])  # covered by the pull,push token
    other = auth.authorization(["repository:c:pull"])

    assert first == again == "Bearer T[repository:a/b:pull,push]"
    assert other == "Bearer T[repository:c:pull]"
    assert len(server.requests) == 2
    request = server.requests[0]
    assert request.url.params.get_list("service") == ["registry.test"]
    assert request.url.params.get("account") == "alice"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"alice:pw").decode()


def test_anonymous_token_request_sends_no_credentials() -> None:
    server = TokenServer()
    auth = authenticator(server, None)
    assert auth.authorization(["repository:a:pull"]) == "Bearer T[repository:a:pull]"
    assert "authorization" not in server.requests[0].headers


def test_access_token_field_is_accepted() -> None:
    server = TokenServer(lambda r: httpx.Response(200, json={"access_token": "AT"}))
    assert authenticator(server, None).authorization([]) == "Bearer AT"


def test_insufficient_scope_challenge_asks_for_the_union() -> None:
    server = TokenServer()
    auth = authenticator(server, Credentials(username="alice", password="pw"))
    sent = auth.authorization(["repository:b:pull,push"])

    challenge = BEARER.replace("a/b:pull,push", "b:pull,push repository:a:pull") + ',error="insufficient_scope"'
    retry = auth.on_unauthorized([challenge], ["repository:b:pull,push"], sent)

    assert retry == ("repository:a:pull", "repository:b:pull,push")
    assert auth.authorization(retry) == "Bearer T[repository:a:pull repository:b:pull,push]"
    assert server.requests[-1].url.params.get_list("scope") == ["repository:a:pull", "repository:b:pull,push"]


def test_token_refusal_reads_the_servers_details() -> None:
    server = TokenServer(lambda r: httpx.Response(401, json={"details": "incorrect username or password"}))
    auth = authenticator(server, Credentials(username="alice", password="wrong"))
    with pytest.raises(AuthError, match="^unauthorized: incorrect username or password$"):
        auth.authorization(["repository:a:pull"])


def test_identity_token_uses_the_oauth2_refresh_grant() -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
        assert form["grant_type"] == "refresh_token" and form["refresh_token"] == "RT"
        assert form["service"] == "registry.test"
        return httpx.Response(200, json={"access_token": "from-refresh"})

    auth = authenticator(TokenServer(reply), Credentials(identity_token="RT"))
    assert auth.authorization(["repository:a:pull"]) == "Bearer from-refresh"


def test_basic_challenge_sends_basic_credentials_or_says_there_are_none() -> None:
    auth = Authenticator(httpx.Client(), Credentials(username="u", password="p"))
    auth.learn(['Basic realm="x"'])
    assert auth.authorization(["repository:a:pull"]) == "Basic " + base64.b64encode(b"u:p").decode()
    assert auth.on_unauthorized(['Basic realm="x"'], [], "Basic dTpw") is None  # refused: do not loop

    anonymous = Authenticator(httpx.Client(), None)
    anonymous.learn(['Basic realm="x"'])
    with pytest.raises(AuthError, match="^no basic auth credentials$"):
        anonymous.authorization([])
