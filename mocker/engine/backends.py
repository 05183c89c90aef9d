"""Which backend runs containers: ``linux`` (crun/runc + conmon) or ``apple`` (Apple's ``container``).

Rules, first match wins:
1. ``MOCKER_BACKEND=apple|linux``;
2. ``"backend": "apple"|"linux"`` in mocker's config file (``$MOCKER_CONFIG/config.json``);
3. automatic: ``apple`` on macOS when the ``container`` executable is found, ``linux`` elsewhere.
The executable is ``MOCKER_CONTAINER_CLI``, else ``"container_cli"`` in the config file, else
``container`` on PATH.

Start-up cost: every command asks this, so it reads the environment first and opens the config file
(and imports ``json``) only when the file exists and mentions one of its keys.
"""

from __future__ import annotations

import os
import sys

from mocker.errors import MockerError

BACKENDS = ("linux", "apple")


class Selection:
    __slots__ = ("name", "cli_path", "source")

    def __init__(self, name: str, cli_path: str | None, source: str) -> None:
        self.name = name
        self.cli_path = cli_path      # the `container` executable (apple), None when not found
        self.source = source          # "MOCKER_BACKEND", "config file", "automatic"


def _config_dir() -> str:
    env = os.environ.get("MOCKER_CONFIG")
    if env:
        return env
    if os.geteuid() == 0:
        return "/etc/mocker"
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(xdg, "mocker")


def _config_values() -> dict[str, str]:
    path = os.path.join(_config_dir(), "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return {}
    if '"backend"' not in text and '"container_cli"' not in text:
        return {}
    from mocker.registry.settings import load_mocker_config

    cfg = load_mocker_config()
    out = {}
    for key in ("backend", "container_cli"):
        value = cfg.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise MockerError(f"{key} in mocker's config file {path} must be a string")
            out[key] = value
    return out


def _find_cli(explicit: str | None) -> str | None:
    """``shutil.which`` without importing shutil (~20 ms: every command asks this)."""
    name = explicit or "container"
    if os.sep in name:
        return name
    for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(d or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def select() -> Selection:
    env = os.environ.get("MOCKER_BACKEND", "")
    cfg: dict[str, str] | None = None
    if env:
        name, source = env, "MOCKER_BACKEND"
    else:
        cfg = _config_values()
        if "backend" in cfg:
            name, source = cfg["backend"], "config file"
        else:
            name, source = "", "automatic"
    if name and name not in BACKENDS:
        raise MockerError(f"invalid backend {name!r} ({source}): choose one of {', '.join(BACKENDS)}")
    if name == "linux" or (not name and sys.platform != "darwin"):
        return Selection("linux", None, source)
    if cfg is None:
        cfg = _config_values()
    explicit = os.environ.get("MOCKER_CONTAINER_CLI") or cfg.get("container_cli")
    path = _find_cli(explicit)
    if not name:            # automatic on macOS: Apple's runtime when it is installed
        return Selection("apple" if path else "linux", path, source)
    return Selection("apple", path, source)


def apple_cli_path(sel: Selection) -> str:
    if sel.cli_path is None or not os.path.exists(sel.cli_path):
        where = os.environ.get("MOCKER_CONTAINER_CLI") or "`container` on PATH"
        raise MockerError(f"the apple backend needs Apple's container CLI, which was not found ({where}); install "
                          "it from github.com/apple/container or set MOCKER_CONTAINER_CLI")
    return sel.cli_path
