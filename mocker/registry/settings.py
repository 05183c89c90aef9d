"""mocker's own configuration file, ``$MOCKER_CONFIG/config.json``.

The directory is ``$MOCKER_CONFIG`` when set, else ``/etc/mocker`` for root and
``$XDG_CONFIG_HOME/mocker`` (``~/.config/mocker``) for everybody else. A missing file is an empty
configuration. The registry layer reads ``insecure_registries`` from it (Docker's daemon.json key
``insecure-registries`` is accepted too, so a daemon.json can be copied over).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mocker.errors import InvalidArgument

__all__ = ["config_dir", "insecure_registries", "load_mocker_config"]


def config_dir() -> Path:
    env = os.environ.get("MOCKER_CONFIG")
    if env:
        return Path(env)
    if os.geteuid() == 0:
        return Path("/etc/mocker")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(xdg) / "mocker"


def load_mocker_config() -> dict[str, Any]:
    path = config_dir() / "config.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidArgument(f"loading config file {path}: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"loading config file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidArgument(f"loading config file {path}: top level must be a JSON object")
    return data


def insecure_registries(config: dict[str, Any] | None = None) -> tuple[str, ...]:
    cfg = load_mocker_config() if config is None else config
    entries = cfg.get("insecure_registries", cfg.get("insecure-registries", []))
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
        raise InvalidArgument("insecure_registries in the mocker config must be a list of strings")
    return tuple(entries)
