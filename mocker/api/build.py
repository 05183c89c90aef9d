"""``POST /build``: a tar context in the body -> the engine's build (the one ``mocker build`` runs),
its progress as Docker's JSON messages (``{"stream"}``, ``{"aux": {"ID"}}``, and after the body
started, ``{"errorDetail", "error"}``); ``POST /build/prune`` -> the engine's cache prune.

Query parameters are the classic builder's. The ones that ask for something mocker's builder cannot
do (per-build resource limits, squash, a remote context, BuildKit outputs) are refused
with 501 before the context is even unpacked, never ignored.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from typing import TYPE_CHECKING, Any

from mocker.errors import InvalidArgument, MockerError, NotSupported

if TYPE_CHECKING:
    from mocker.api.http import ChunkedWriter, Request

_RESOURCES = "build containers run with the default resources; per-build limits are not implemented"
# parameter -> the value that means "not asked for" (what the docker CLI sends by default)
_REFUSED = {
    "memory": ("0", _RESOURCES), "memswap": ("0", _RESOURCES), "cpushares": ("0", _RESOURCES),
    "cpusetcpus": ("", _RESOURCES), "cpusetmems": ("", _RESOURCES), "cpuperiod": ("0", _RESOURCES),
    "cpuquota": ("0", _RESOURCES), "shmsize": ("0", _RESOURCES), "cgroupparent": ("", _RESOURCES),
    "ulimits": ("", _RESOURCES), "squash": ("0", "squashing is an experimental daemon feature"),
    "isolation": ("", "Linux has only the default isolation"),
    "outputs": ("", "builds always go to the local store"),
    "session": ("", "BuildKit sessions are not implemented"),
    "remote": ("", "only a tar context in the request body is implemented"),
}
_EMPTY_JSON = ("", "null", "{}", "[]")


class JSONSink:
    """A text stream for the engine's build output: each write becomes a ``{"stream": ...}`` message.

    The HTTP body (status 200) starts with the first message, so an error before any output is
    still an HTTP error status, as the daemon answers it.
    """

    def __init__(self, req: Request) -> None:
        self.req = req
        self.out: ChunkedWriter | None = None
        self.lock = threading.Lock()

    def send(self, msg: dict[str, Any]) -> None:
        with self.lock:
            if self.out is None:
                self.out = self.req.stream()
            self.out.json(msg)

    def write(self, text: str) -> int:
        if text:
            self.send({"stream": text})
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        with self.lock:
            if self.out is None:
                self.out = self.req.stream()
            self.out.close()


def _flag(req: Request, name: str) -> bool:
    return req.q_bool(name)


def _json_map(req: Request, name: str) -> dict[str, str]:
    text = req.q(name) or ""
    if text in _EMPTY_JSON:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        raise InvalidArgument(f"invalid {name}: not a JSON object") from None
    if not isinstance(doc, dict):
        raise InvalidArgument(f"invalid {name}: not a JSON object")
    # buildargs: {"X": null} means "X without a value", which the daemon leaves unset
    return {str(k): str(v) for k, v in doc.items() if v is not None}


def _json_list(req: Request, name: str) -> list[str]:
    text = req.q(name) or ""
    if text in _EMPTY_JSON:
        return []
    try:
        doc = json.loads(text)
    except ValueError:
        raise InvalidArgument(f"invalid {name}: not a JSON array") from None
    if not isinstance(doc, list):
        raise InvalidArgument(f"invalid {name}: not a JSON array")
    return [str(x) for x in doc]


def registry_config(req: Request) -> dict[str, Any]:
    """``X-Registry-Config``: base64url JSON ``{server: AuthConfig}`` -> {registry host: Credentials}.

    Without the header FROM pulls go without credentials: config.json is the client's, not the
    service's, and the daemon too only knows what the client sends.
    """
    from mocker.image.reference import DOCKER_HUB_REGISTRY
    from mocker.registry.credentials import Credentials

    text = req.headers.get("X-Registry-Config")
    out: dict[str, Any] = {}
    if not text:
        return out
    try:
        doc = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)) or b"{}")
    except (ValueError, TypeError):
        raise InvalidArgument("invalid X-Registry-Config header: not base64url-encoded JSON") from None
    if not isinstance(doc, dict):
        raise InvalidArgument("invalid X-Registry-Config header")
    for server, auth in doc.items():
        if not isinstance(auth, dict):
            continue
        host = str(server).split("://", 1)[-1].split("/", 1)[0]
        if host in ("docker.io", "index.docker.io", "registry-1.docker.io"):
            host = DOCKER_HUB_REGISTRY
        creds = Credentials(username=auth.get("username") or "", password=auth.get("password") or "",
                            identity_token=auth.get("identitytoken") or "",
                            server_address=auth.get("serveraddress") or str(server))
        if not creds.empty:
            out[host] = creds
    return out


def _network(req: Request) -> str:
    """As ``mocker build --network``: default (the bridge), host, none or a user network, which the
    engine checks."""
    return req.q("networkmode") or "default"


def _check_refused(req: Request) -> None:
    for name, (default, reason) in _REFUSED.items():
        value = req.q(name)
        if value is None or value == default or (value in _EMPTY_JSON and default in _EMPTY_JSON):
            continue
        if name == "squash" and not req.q_bool(name):
            continue
        raise NotSupported(f"build parameter {name}={value}", reason)
    version = req.q("version") or "1"
    if version != "1":
        raise NotSupported(f"builder version {version}", "mocker's builder is the classic one (version 1)")


def _dockerfile_path(name: str) -> str:
    import posixpath

    cleaned = posixpath.normpath("/" + name).lstrip("/")
    if not cleaned or cleaned == ".":
        raise InvalidArgument(f"invalid dockerfile path: {name}")
    return cleaned


def build(req: Request) -> None:
    from mocker.build.context import context_from_tar
    from mocker.build.options import BuildOptions
    from mocker.engine.build import build as engine_build

    _check_refused(req)
    tags = [t for t in req.q_all("t") if t]
    df_name = req.q("dockerfile") or "Dockerfile"
    extra_hosts = [h for v in req.q_all("extrahosts") for h in v.split(",") if h]
    platforms = tuple(x.strip() for v in req.q_all("platform") for x in v.split(",") if x.strip())
    network = _network(req)
    build_args = _json_map(req, "buildargs")
    labels = _json_map(req, "labels")
    cache_from = _json_list(req, "cachefrom")
    auth = registry_config(req)
    store = req.store
    context = context_from_tar(req.body_stream(), store.paths.text("build", "contexts"),  # type: ignore[arg-type]
                               source="the request body")
    try:
        rel = _dockerfile_path(df_name)
        path = os.path.join(context.root, rel)
        try:
            with open(path, errors="replace") as f:
                dockerfile = f.read()
        except OSError:
            raise InvalidArgument(f"Cannot locate specified Dockerfile: {df_name}") from None
        opts = BuildOptions(
            dockerfile=dockerfile, dockerfile_name=os.path.basename(path), tags=tuple(tags), build_args=build_args,
            labels=labels, target=req.q("target") or None, no_cache=_flag(req, "nocache"),
            pull=_flag(req, "pull"), network=network, cache_from=tuple(cache_from), extra_hosts=tuple(extra_hosts),
            platforms=platforms, quiet=_flag(req, "q"), registry_auth=auth,
            # rm (default true) keeps nothing; rm=0 keeps the step containers that succeeded; forcerm
            # removes them all. A failed step's container is always removed (as with forcerm).
            keep_containers=not req.q_bool("rm", True) and not _flag(req, "forcerm"),
        )
        sink = JSONSink(req)
        try:
            engine_build(store, opts, context, sink,  # type: ignore[arg-type]
                         on_image=lambda image_id: sink.send({"aux": {"ID": image_id}}))
        except MockerError as e:
            if sink.out is None:
                raise
            sink.send({"errorDetail": {"message": str(e)}, "error": str(e)})
        sink.close()
    finally:
        context.close()


def prune(req: Request) -> None:
    from mocker.engine.build import prune_cache

    until = None
    filters = req.filters()
    for key, values in filters.items():
        if key != "until":
            raise InvalidArgument(f"invalid filter '{key}'")
        from mocker.image.changes import parse_go_duration

        until = parse_go_duration(values[-1]) / 1e9
    if req.q("keep-storage") not in (None, "0"):
        raise NotSupported("keep-storage", "the build cache is pruned whole or by age (until)")
    freed = prune_cache(req.store, all_=req.q_bool("all"), until=until)
    req.send_json({"CachesDeleted": None, "SpaceReclaimed": freed})
