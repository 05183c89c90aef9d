"""Merging compose files (``-f a -f b``), ``extends`` and ``include``, as compose-go's ``override`` does.

Before merging, shorthand forms that merge as mappings become mappings (``environment: [A=1]`` ->
``{A: "1"}``, ``depends_on: [db]`` -> ``{db: {condition: service_started, required: true}}``), so
an override file changes single keys. Then mappings merge key by key; ``command``, ``entrypoint`` and
``healthcheck.test`` are replaced; ``volumes`` merge by target, ``secrets``/``configs`` by source;
other sequences are appended without duplicates. ``!reset`` removes a value, ``!override``
replaces it whole.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from mocker.errors import InvalidArgument


class Reset:
    """``!reset``: drop the value inherited from earlier files."""

    def __repr__(self) -> str:
        return "!reset"


class Override:
    """``!override value``: replace the earlier value instead of merging into it."""

    def __init__(self, value: Any) -> None:
        self.value = value


_REPLACE = {"command", "entrypoint"}
_TO_MAP = ("environment", "labels", "annotations", "sysctls")


def shell_split(text: str, where: str) -> list[str]:
    """go-shellwords as compose-go uses it for string ``command``/``entrypoint``."""
    try:
        return shlex.split(text)
    except ValueError as e:
        raise InvalidArgument(f"{where}: invalid command line string: {e}") from None


def _scalar_str(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def list_to_map(value: Any, sep: str = "=") -> dict[str, Any]:
    if isinstance(value, dict):
        return {str(k): (v if isinstance(v, Reset | Override) else _scalar_str(v)) for k, v in value.items()}
    out: dict[str, Any] = {}
    for item in value or []:
        key, eq, val = str(item).partition(sep)
        out[key] = val if eq else None
    return out


def shorthand(name: str, svc: dict[str, Any]) -> dict[str, Any]:
    """Per-file normalisation of one service so that files merge key by key."""
    svc = dict(svc)
    where = f"services.{name}"
    for key in _TO_MAP:
        if key in svc and not isinstance(svc[key], Reset | Override):
            svc[key] = list_to_map(svc[key])
    for key in ("command", "entrypoint"):
        if isinstance(svc.get(key), str):
            svc[key] = shell_split(svc[key], f"{where}.{key}")
    if isinstance(svc.get("build"), str):
        svc["build"] = {"context": svc["build"]}
    if isinstance(svc.get("extends"), str):
        svc["extends"] = {"service": svc["extends"]}
    if isinstance(svc.get("build"), dict) and isinstance(svc["build"].get("args"), list):
        svc["build"] = {**svc["build"], "args": list_to_map(svc["build"]["args"])}
    for key in ("dns", "dns_search", "tmpfs", "env_file", "label_file"):
        if isinstance(svc.get(key), str):
            svc[key] = [svc[key]]
    if "depends_on" in svc and not isinstance(svc["depends_on"], Reset | Override):
        deps = svc["depends_on"]
        if isinstance(deps, list):
            deps = {d: None for d in deps}
        out = {}
        for dep, spec in (deps or {}).items():
            spec = dict(spec or {})
            spec.setdefault("condition", "service_started")
            spec.setdefault("required", True)
            out[dep] = spec
        svc["depends_on"] = out
    if isinstance(svc.get("networks"), list):
        svc["networks"] = {n: None for n in svc["networks"]}
    hc = svc.get("healthcheck")
    if isinstance(hc, dict) and isinstance(hc.get("test"), str):
        svc["healthcheck"] = {**hc, "test": ["CMD-SHELL", hc["test"]]}
    if isinstance(svc.get("extra_hosts"), dict):
        hosts = []
        for host, ips in svc["extra_hosts"].items():
            for ip in ips if isinstance(ips, list) else [ips]:
                hosts.append(f"{host}={ip}")
        svc["extra_hosts"] = hosts
    elif isinstance(svc.get("extra_hosts"), list):
        svc["extra_hosts"] = [_host_entry(h) for h in svc["extra_hosts"]]
    return svc


def _host_entry(text: Any) -> str:
    """``host:ip`` and ``host=ip`` both become ``host=ip`` (IPv6 addresses keep their colons)."""
    s = str(text)
    if "=" in s:
        return s
    host, _, ip = s.partition(":")
    return f"{host}={ip}"


def _key(item: Any, field: str) -> Any:
    if isinstance(item, dict):
        return item.get(field) or item.get("source")
    text = str(item)
    if field == "target":
        parts = text.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    return text


def _merge_list(path: tuple[str, ...], base: list[Any], over: list[Any]) -> list[Any]:
    last = path[-1] if path else ""
    if len(path) == 3 and path[0] == "services" and last == "volumes":
        return _keyed(base, over, "target")
    if len(path) == 3 and path[0] == "services" and last in ("secrets", "configs"):
        return _keyed(base, over, "source")
    out = list(base)
    seen = {json.dumps(x, sort_keys=True, default=str) for x in out}
    for item in over:
        k = json.dumps(item, sort_keys=True, default=str)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def _keyed(base: list[Any], over: list[Any], field: str) -> list[Any]:
    out = list(base)
    for item in over:
        k = _key(item, field)
        idx = next((i for i, x in enumerate(out) if _key(x, field) == k), None)
        if idx is None:
            out.append(item)
        else:
            out[idx] = item
    return out


def merge(base: Any, over: Any, path: tuple[str, ...] = ()) -> Any:
    """``over`` on top of ``base``; both already passed through :func:`shorthand`."""
    if isinstance(over, Reset):
        return over
    if isinstance(over, Override):
        return over.value
    if isinstance(base, dict) and isinstance(over, dict):
        if len(path) == 2 and path[0] == "services" and _logging_driver_changed(base, over):
            base = {k: v for k, v in base.items() if k != "logging"}
        out = dict(base)
        for k, v in over.items():
            sub = (*path, str(k))
            if k in out and not (len(sub) == 3 and sub[0] == "services" and k in _REPLACE) \
                    and not (len(sub) == 4 and sub[2] == "healthcheck" and k == "test"):
                out[k] = merge(out[k], v, sub)
            else:
                out[k] = merge(None, v, sub) if isinstance(v, Override | Reset) else v
        return out
    if isinstance(base, list) and isinstance(over, list):
        return _merge_list(path, base, over)
    return over


def _logging_driver_changed(base: dict[str, Any], over: dict[str, Any]) -> bool:
    b, o = base.get("logging"), over.get("logging")
    return isinstance(b, dict) and isinstance(o, dict) and "driver" in o and o.get("driver") != b.get("driver")


def strip_resets(node: Any) -> Any:
    """After all merges: ``!reset`` keys vanish, ``!override`` wrappers give their value."""
    if isinstance(node, Override):
        return strip_resets(node.value)
    if isinstance(node, dict):
        return {k: strip_resets(v) for k, v in node.items() if not isinstance(v, Reset)}
    if isinstance(node, list):
        return [strip_resets(v) for v in node if not isinstance(v, Reset)]
    return node
