"""Registry credentials the way the docker CLI keeps them.

``config.json`` lives in ``$DOCKER_CONFIG`` (default ``~/.docker``). For a registry, the helper named in
``credHelpers[<key>]`` wins, then ``credsStore``, then the ``auths`` section of the file itself
(``auth`` = base64 ``user:password``, or ``identitytoken``). The key is ``https://index.docker.io/v1/``
for Docker Hub and ``host[:port]`` for every other registry; legacy keys such as
``https://host:5000/v1/`` still match on their host, as in docker/cli's ``ConvertToHostname``.

Credential helpers are ``docker-credential-<name>`` programs speaking docker/docker-credential-helpers'
protocol: argv ``[program, "get"|"store"|"erase"]`` (never a shell), the server URL (get, erase) or a
``{"ServerURL", "Username", "Secret"}`` JSON object (store) on stdin, a JSON object on stdout for get.
A username of ``<token>`` means the secret is an identity token.

The file is rewritten atomically (temp file in the same directory, fsync, rename) with mode 0600,
keeping every key mocker does not know about; a missing directory is created with mode 0700.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mocker.errors import InvalidArgument, RegistryError

__all__ = [
    "DOCKER_HUB_KEY",
    "Credentials",
    "config_key",
    "docker_config_dir",
    "erase_credentials",
    "get_credentials",
    "store_credentials",
]

DOCKER_HUB_KEY = "https://index.docker.io/v1/"
_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", DOCKER_HUB_KEY})
_TOKEN_USERNAME = "<token>"  # noqa: S105 - the protocol's marker, not a secret
_NOT_FOUND_MESSAGE = "credentials not found in native keychain"
_HELPER_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """What a registry is sent: a username/password pair, or an identity (OAuth2 refresh) token."""

    username: str = ""
    password: str = ""
    identity_token: str = ""
    server_address: str = ""

    def __repr__(self) -> str:  # never leak a secret into a log or traceback
        return f"Credentials(username={self.username!r}, server_address={self.server_address!r})"

    @property
    def empty(self) -> bool:
        return not (self.username or self.password or self.identity_token)


def docker_config_dir() -> Path:
    env = os.environ.get("DOCKER_CONFIG")
    if env:
        return Path(env)
    return Path(os.path.expanduser("~")) / ".docker"


def _convert_to_hostname(address: str) -> str:
    stripped = address
    for prefix in ("http://", "https://"):
        if stripped.startswith(prefix):
            stripped = stripped[len(prefix) :]
            break
    return stripped.split("/", 1)[0]


def config_key(host: str) -> str:
    """The key a registry's credentials are filed under in config.json (and handed to helpers)."""
    if host in _HUB_NAMES or _convert_to_hostname(host) in _HUB_NAMES:
        return DOCKER_HUB_KEY
    return _convert_to_hostname(host)


# --- config.json ---------------------------------------------------------------------------------


def _config_path() -> Path:
    return docker_config_dir() / "config.json"


def _load_config() -> dict[str, Any]:
    path = _config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidArgument(f"loading config file {path}: {exc.strerror or exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"loading config file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidArgument(f"loading config file {path}: top level must be a JSON object")
    return data


def _save_config(data: dict[str, Any]) -> None:
    path = _config_path()
    if path.is_symlink():  # docker/cli follows a symlinked config.json and replaces its target
        path = path.resolve()
    directory = path.parent
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
    fd, tmp = tempfile.mkstemp(prefix=".config.json.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            json.dump(data, f, indent="\t")
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _auths(data: dict[str, Any]) -> dict[str, Any]:
    auths = data.get("auths")
    if not isinstance(auths, dict):
        auths = {}
        data["auths"] = auths
    return auths


def _find_entry(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    auths = data.get("auths")
    if not isinstance(auths, dict):
        return None
    entry = auths.get(key)
    if entry is None:
        for k, v in auths.items():
            if config_key(k) == key:
                entry = v
                break
    return entry if isinstance(entry, dict) else None


def _decode_entry(key: str, entry: dict[str, Any]) -> Credentials | None:
    username = str(entry.get("username") or "")
    password = str(entry.get("password") or "")
    encoded = entry.get("auth")
    if encoded:
        try:
            decoded = base64.b64decode(str(encoded), validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidArgument(f"invalid auth configuration file: {exc}") from exc
        if ":" not in decoded:
            raise InvalidArgument("invalid auth configuration file")
        username, password = decoded.split(":", 1)
        password = password.strip("\x00")
    creds = Credentials(
        username=username,
        password=password,
        identity_token=str(entry.get("identitytoken") or ""),
        server_address=key,
    )
    return None if creds.empty else creds


def _helper_for(data: dict[str, Any], key: str) -> str | None:
    helpers = data.get("credHelpers")
    if isinstance(helpers, dict) and helpers.get(key):
        return str(helpers[key])
    store = data.get("credsStore")
    return str(store) if store else None


# --- credential helpers ---------------------------------------------------------------------------


def _run_helper(helper: str, action: str, stdin: str, verb: str) -> tuple[bool, str]:
    """Run ``docker-credential-<helper> <action>``; (ok, stdout). Raise on anything but "not found"."""
    program = f"docker-credential-{helper}"
    try:
        proc = subprocess.run(  # noqa: S603 - docker-credential-<name> from config.json, argv list, no shell
            [program, action],
            input=stdin.encode("utf-8"),
            capture_output=True,
            timeout=_HELPER_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise RegistryError(
            f'error {verb} credentials - err: exec: "{program}": executable file not found in $PATH, out: ``'
        ) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RegistryError(f"error {verb} credentials - err: {exc}, out: ``") from exc
    out = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        if out == _NOT_FOUND_MESSAGE:
            return False, out
        err = proc.stderr.decode("utf-8", "replace").strip()
        detail = out or err
        raise RegistryError(f"error {verb} credentials - err: exit status {proc.returncode}, out: `{detail}`")
    return True, out


def _helper_get(helper: str, key: str) -> Credentials | None:
    ok, out = _run_helper(helper, "get", key, "getting")
    if not ok:
        return None
    try:
        reply = json.loads(out)
    except json.JSONDecodeError as exc:
        raise RegistryError(f"error getting credentials - err: {exc}, out: `{out}`") from exc
    if not isinstance(reply, dict):
        raise RegistryError(f"error getting credentials - err: unexpected reply, out: `{out}`")
    username = str(reply.get("Username") or "")
    secret = str(reply.get("Secret") or "")
    if username == _TOKEN_USERNAME:
        creds = Credentials(identity_token=secret, server_address=key)
    else:
        creds = Credentials(username=username, password=secret, server_address=key)
    return None if creds.empty else creds


# --- public API ------------------------------------------------------------------------------------


def get_credentials(host: str) -> Credentials | None:
    """Credentials for registry ``host`` (``host[:port]``, ``docker.io`` for Hub), or None."""
    key = config_key(host)
    data = _load_config()
    helper = _helper_for(data, key)
    if helper:
        return _helper_get(helper, key)
    entry = _find_entry(data, key)
    return _decode_entry(key, entry) if entry is not None else None


def store_credentials(host: str, user: str, secret: str, *, identity_token: str | None = None) -> None:
    """Save credentials for ``host``: into its credential helper when one is configured, else config.json.

    With a helper, config.json still gets an empty ``auths`` entry, as docker/cli's native store writes.
    """
    key = config_key(host)
    data = _load_config()
    auths = _auths(data)
    previous = _find_entry(data, key) or {}
    helper = _helper_for(data, key)
    entry: dict[str, Any] = {}
    if previous.get("email"):
        entry["email"] = previous["email"]
    if helper:
        payload = {
            "ServerURL": key,
            "Username": _TOKEN_USERNAME if identity_token else user,
            "Secret": identity_token or secret,
        }
        _run_helper(helper, "store", json.dumps(payload), "storing")
    else:
        if user or secret:
            entry["auth"] = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        if identity_token:
            entry["identitytoken"] = identity_token
    for k in [k for k in auths if k != key and config_key(k) == key]:
        del auths[k]
    auths[key] = entry
    _save_config(data)


def erase_credentials(host: str) -> bool:
    """Forget the credentials for ``host``; True when there were some (docker logout's two messages)."""
    key = config_key(host)
    data = _load_config()
    helper = _helper_for(data, key)
    found = False
    if helper:
        found, _ = _run_helper(helper, "erase", key, "erasing")
    auths = data.get("auths")
    if isinstance(auths, dict):
        stale = [k for k in auths if k == key or config_key(k) == key]
        for k in stale:
            entry = auths.pop(k)
            if not helper and isinstance(entry, dict) and (entry.get("auth") or entry.get("identitytoken")):
                found = True
        if stale:
            _save_config(data)
    return found
