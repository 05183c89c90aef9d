"""Version prefixes and the route table: ``(method, path pattern) -> "module:function"``.

Docker serves every path with and without a ``/v1.NN`` prefix; a version above the newest one
implemented or below the minimum is a 400 with moby's wording. Endpoint modules are imported when
a route first needs them, as the CLI's command table does.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from mocker.api.errors import HTTPError

MIN_VERSION = (1, 24)
MAX_VERSION = (1, 41)
_VERSIONED = re.compile(r"^/v(\d+)\.(\d+)(/.*)$")

# Path parts: {name} matches one segment; {name:path} the rest (image names contain slashes).
ROUTES: list[tuple[str, str, str]] = [
    # system
    ("GET", "/_ping", "system:ping"),
    ("HEAD", "/_ping", "system:ping"),
    ("GET", "/version", "system:version"),
    ("GET", "/info", "system:info"),
    ("GET", "/system/df", "system:df"),
    ("GET", "/events", "system:events"),
    ("POST", "/auth", "system:auth"),
    # containers
    ("POST", "/containers/create", "containers:create"),
    ("GET", "/containers/json", "containers:list_"),
    ("POST", "/containers/prune", "containers:prune"),
    ("GET", "/containers/{id}/json", "containers:inspect"),
    ("POST", "/containers/{id}/start", "containers:start"),
    ("POST", "/containers/{id}/stop", "containers:stop"),
    ("POST", "/containers/{id}/restart", "containers:restart"),
    ("POST", "/containers/{id}/kill", "containers:kill"),
    ("POST", "/containers/{id}/wait", "containers:wait"),
    ("POST", "/containers/{id}/rename", "containers:rename"),
    ("POST", "/containers/{id}/pause", "containers:pause"),
    ("POST", "/containers/{id}/unpause", "containers:unpause"),
    ("POST", "/containers/{id}/resize", "container_streams:resize"),
    ("POST", "/containers/{id}/attach", "container_streams:attach"),
    ("GET", "/containers/{id}/logs", "container_streams:logs"),
    ("GET", "/containers/{id}/top", "container_info:top"),
    ("GET", "/containers/{id}/changes", "container_info:changes"),
    ("GET", "/containers/{id}/export", "container_info:export"),
    ("GET", "/containers/{id}/stats", "container_info:stats"),
    ("POST", "/containers/{id}/update", "container_info:update"),
    ("GET", "/containers/{id}/archive", "container_info:archive_get"),
    ("HEAD", "/containers/{id}/archive", "container_info:archive_head"),
    ("PUT", "/containers/{id}/archive", "container_info:archive_put"),
    ("DELETE", "/containers/{id}", "containers:delete"),
    ("POST", "/commit", "container_info:commit"),
    # exec
    ("POST", "/containers/{id}/exec", "execs:create"),
    ("POST", "/exec/{id}/start", "execs:start"),
    ("POST", "/exec/{id}/resize", "execs:resize"),
    ("GET", "/exec/{id}/json", "execs:inspect"),
    # images
    ("GET", "/images/json", "images:list_"),
    ("POST", "/images/create", "images:create"),
    ("POST", "/images/load", "images:load"),
    ("GET", "/images/get", "images:get_many"),
    ("POST", "/images/prune", "images:prune"),
    ("GET", "/images/search", "unsupported:search"),
    ("GET", "/images/{name:path}/json", "images:inspect"),
    ("GET", "/images/{name:path}/history", "images:history"),
    ("GET", "/images/{name:path}/get", "images:get_one"),
    ("POST", "/images/{name:path}/push", "images:push"),
    ("POST", "/images/{name:path}/tag", "images:tag"),
    ("DELETE", "/images/{name:path}", "images:delete"),
    ("GET", "/distribution/{name:path}/json", "images:distribution"),
    ("POST", "/build", "build:build"),
    ("POST", "/build/prune", "build:prune"),
    # volumes
    ("GET", "/volumes", "volumes:list_"),
    ("POST", "/volumes/create", "volumes:create"),
    ("POST", "/volumes/prune", "volumes:prune"),
    ("GET", "/volumes/{name}", "volumes:inspect"),
    ("DELETE", "/volumes/{name}", "volumes:delete"),
    # networks (issue #4)
    ("GET", "/networks", "networks:list_"),
    ("POST", "/networks/create", "networks:create"),
    ("POST", "/networks/prune", "networks:prune"),
    ("GET", "/networks/{id}", "networks:inspect"),
    ("DELETE", "/networks/{id}", "networks:delete"),
    ("POST", "/networks/{id}/connect", "networks:connect"),
    ("POST", "/networks/{id}/disconnect", "networks:disconnect"),
    # swarm and plugins: a daemonless tool has none
    ("GET", "/swarm", "unsupported:swarm"),
    ("GET", "/services", "unsupported:swarm"),
    ("GET", "/nodes", "unsupported:swarm"),
    ("GET", "/tasks", "unsupported:swarm"),
    ("GET", "/secrets", "unsupported:swarm"),
    ("GET", "/configs", "unsupported:swarm"),
    ("GET", "/plugins", "unsupported:plugins"),
    ("GET", "/session", "unsupported:session"),
    ("POST", "/session", "unsupported:session"),
]


def _compile(pattern: str) -> re.Pattern[str]:
    out = "^"
    for part in re.split(r"(\{[a-z]+(?::path)?\})", pattern):
        if part.startswith("{"):
            name, _, kind = part[1:-1].partition(":")
            out += f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)"
        else:
            out += re.escape(part)
    return re.compile(out + "$")


_TABLE = [(m, _compile(p), target) for m, p, target in ROUTES]
_LOADED: dict[str, Callable[..., Any]] = {}


def split_version(path: str) -> tuple[tuple[int, int] | None, str]:
    """``/v1.41/containers/json`` -> ((1, 41), "/containers/json"); unversioned paths -> (None, path)."""
    m = _VERSIONED.match(path)
    if not m:
        return None, path
    return (int(m.group(1)), int(m.group(2))), m.group(3)


def check_version(version: tuple[int, int] | None) -> tuple[int, int]:
    if version is None:
        return MAX_VERSION
    text = f"{version[0]}.{version[1]}"
    if version > MAX_VERSION:
        raise HTTPError(400, f"client version {text} is too new. Maximum supported API version is "
                             f"{MAX_VERSION[0]}.{MAX_VERSION[1]}")
    if version < MIN_VERSION:
        raise HTTPError(400, f"client version {text} is too old. Minimum supported API version is "
                             f"{MIN_VERSION[0]}.{MIN_VERSION[1]}, please upgrade your client to a newer version")
    return version


def resolve(method: str, path: str) -> tuple[Callable[..., Any], dict[str, str]]:
    """The handler for a request and its path parameters; 404 for unknown paths, 405 for methods."""
    seen_path = False
    for m, rx, target in _TABLE:
        match = rx.match(path)
        if match is None:
            continue
        seen_path = True
        if m != method:
            continue
        fn = _LOADED.get(target)
        if fn is None:
            module, _, attr = target.partition(":")
            fn = getattr(importlib.import_module(f"mocker.api.{module}"), attr)
            _LOADED[target] = fn
        from urllib.parse import unquote

        return fn, {k: unquote(v) for k, v in match.groupdict().items()}
    if seen_path:
        raise HTTPError(405, f"method {method} not allowed for {path}")
    raise HTTPError(404, "page not found")
