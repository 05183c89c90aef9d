"""``--change`` instructions (``import``, later ``commit``) applied to an image config.

Docker accepts the Dockerfile instructions CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL,
USER, VOLUME and WORKDIR here; anything else is refused with Docker's message.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from mocker.errors import InvalidArgument

ALLOWED = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR")


def _json_or_shell(rest: str) -> list[str]:
    text = rest.strip()
    if text.startswith("["):
        try:
            val = json.loads(text)
        except ValueError:
            val = None
        if isinstance(val, list) and all(isinstance(x, str) for x in val):
            return val
    return ["/bin/sh", "-c", text]


def _pairs(rest: str, instr: str) -> list[tuple[str, str]]:
    try:
        words = shlex.split(rest)
    except ValueError as e:
        raise InvalidArgument(f"{instr}: {e}") from None
    if len(words) >= 2 and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    out = []
    for w in words:
        k, eq, v = w.partition("=")
        if not eq or not k:
            raise InvalidArgument(f"{instr} names can not be blank" if not k else f"{instr} must have two arguments")
        out.append((k, v))
    return out


def apply_changes(config: dict[str, Any], changes: list[str]) -> dict[str, Any]:
    """Return the ``config`` object (the image config's "config" key) with ``changes`` applied."""
    cfg = dict(config)
    for change in changes:
        line = change.strip()
        if not line:
            continue
        instr, _, rest = line.partition(" ")
        word = instr.upper()
        if word not in ALLOWED:
            raise InvalidArgument(f"{instr.lower()} is not a valid change command")
        if word == "CMD":
            cfg["Cmd"] = _json_or_shell(rest)
        elif word == "ENTRYPOINT":
            cfg["Entrypoint"] = _json_or_shell(rest)
        elif word == "ENV":
            env = [e for e in cfg.get("Env") or []]
            for k, v in _pairs(rest, "ENV"):
                env = [e for e in env if e.split("=", 1)[0] != k] + [f"{k}={v}"]
            cfg["Env"] = env
        elif word == "LABEL":
            labels = dict(cfg.get("Labels") or {})
            labels.update(_pairs(rest, "LABEL"))
            cfg["Labels"] = labels
        elif word == "EXPOSE":
            ports = dict(cfg.get("ExposedPorts") or {})
            for p in rest.split():
                ports[p if "/" in p else f"{p}/tcp"] = {}
            cfg["ExposedPorts"] = ports
        elif word == "VOLUME":
            vols = dict(cfg.get("Volumes") or {})
            for v in _json_or_shell(rest) if rest.strip().startswith("[") else rest.split():
                vols[v] = {}
            cfg["Volumes"] = vols
        elif word == "USER":
            cfg["User"] = rest.strip()
        elif word == "WORKDIR":
            cfg["WorkingDir"] = rest.strip()
        elif word == "STOPSIGNAL":
            cfg["StopSignal"] = rest.strip()
        elif word == "ONBUILD":
            cfg["OnBuild"] = [*(cfg.get("OnBuild") or []), rest.strip()]
    return cfg
