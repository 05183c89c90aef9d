"""The canonical model, as ``docker compose config`` prints it (compose-go's types, yaml order).

Short syntax becomes long syntax (ports, volumes, depends_on, secrets), ``env_file`` is read into
``environment``, durations and sizes take Go's canonical text, names get their project prefix, and
only the networks and volumes some service uses stay. Keys keep compose-go's struct order.
"""

from __future__ import annotations

import os
from typing import Any

from mocker.compose import dotenv, durations
from mocker.compose.merge import list_to_map
from mocker.compose.model import Project
from mocker.errors import InvalidArgument

SERVICE_ORDER = (
    "profiles", "annotations", "attach", "build", "develop", "blkio_config", "cap_add", "cap_drop", "cgroup_parent",
    "cgroup", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpus",
    "cpuset", "cpu_shares", "command", "configs", "container_name", "credential_spec", "depends_on", "deploy",
    "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "dockerfile", "domainname", "entrypoint",
    "provider", "environment", "env_file", "expose", "extends", "external_links", "extra_hosts", "group_add", "gpus",
    "hostname", "healthcheck", "image", "init", "ipc", "isolation", "labels", "label_file", "links", "logging",
    "mem_limit", "mem_reservation", "memswap_limit", "mem_swappiness", "mac_address", "models", "network_mode",
    "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "privileged",
    "pull_policy", "read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open",
    "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user",
    "userns_mode", "uts", "volumes", "volumes_from", "working_dir", "post_start", "pre_stop",
)
HEALTH_ORDER = ("test", "timeout", "interval", "retries", "start_period", "start_interval", "disable")
PORT_ORDER = ("name", "mode", "host_ip", "target", "published", "protocol", "app_protocol")
MOUNT_ORDER = ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image")
NETWORK_ORDER = ("name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels",
                 "enable_ipv4", "enable_ipv6")
VOLUME_ORDER = ("name", "driver", "driver_opts", "external", "labels")
SECRET_ORDER = ("name", "file", "environment", "content", "external", "labels", "driver", "driver_opts",
                "template_driver")
DEPENDS_ORDER = ("condition", "restart", "required")
DEPLOY_ORDER = ("mode", "replicas", "labels", "update_config", "rollback_config", "resources", "restart_policy",
                "placement", "endpoint_mode")
_SIZE_KEYS = ("mem_limit", "mem_reservation", "memswap_limit", "shm_size")


def ordered(d: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {k: d[k] for k in order if k in d}
    out.update({k: d[k] for k in sorted(d) if k not in out})
    return out


def ram_in_bytes(value: Any, where: str) -> int:
    """go-units ``RAMInBytes`` (binary units); numbers are bytes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    from mocker.format.units import ram_in_bytes as parse

    try:
        return parse(str(value))
    except Exception:
        raise InvalidArgument(f"{where}: invalid size: '{value}'") from None


def _int(value: Any, where: str) -> int:
    try:
        return int(str(value), 10)
    except ValueError:
        raise InvalidArgument(f"error while interpolating {where}: failed to cast to expected type: "
                              f'strconv.Atoi: parsing "{value}": invalid syntax') from None


def _port_range(text: str, where: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    try:
        a = int(lo)
        b = int(hi) if hi else a
    except ValueError:
        raise InvalidArgument(f"{where}: invalid port specification: {text!r}") from None
    if not (0 <= a <= 65535 and 0 <= b <= 65535) or b < a:
        raise InvalidArgument(f"{where}: invalid port range: {text}")
    return a, b


def parse_port(item: Any, where: str) -> list[dict[str, Any]]:
    """Short port syntax (``[ip:][host[-host]:]ctr[-ctr][/proto]``) or long syntax -> long entries."""
    if isinstance(item, dict):
        out = dict(item)
        out.setdefault("mode", "ingress")
        out["target"] = _int(out.get("target", 0), where)
        if out.get("published") is not None:
            out["published"] = str(out["published"])
        out.setdefault("protocol", "tcp")
        return [ordered(out, PORT_ORDER)]
    text = str(item)
    proto = "tcp"
    if "/" in text:
        text, proto = text.rsplit("/", 1)
    ip = ""
    published = ""
    if text.startswith("[") and "]:" in text:           # [::1]:8080:80
        ip, text = text[1:].split("]:", 1)
        published, _, target = text.rpartition(":")
    else:
        parts = text.split(":")
        if len(parts) == 1:
            target = parts[0]
        elif len(parts) == 2:
            published, target = parts
        else:
            target = parts[-1]
            published = parts[-2]
            ip = ":".join(parts[:-2])
    t0, t1 = _port_range(target, where)
    if published:
        p0, p1 = _port_range(published, where)
        if (p1 - p0) not in (0, t1 - t0) and t0 != t1:
            raise InvalidArgument(f"{where}: port ranges don't match in size: {item}")
    entries = []
    for i, t in enumerate(range(t0, t1 + 1)):
        e: dict[str, Any] = {"mode": "ingress"}
        if ip:
            e["host_ip"] = ip
        e["target"] = t
        if published:
            if t0 == t1 and p1 != p0:
                e["published"] = f"{p0}-{p1}"
            else:
                e["published"] = str(p0 + i)
        e["protocol"] = proto
        entries.append(e)
    return entries


def parse_volume(item: Any, where: str) -> dict[str, Any]:
    """Short volume syntax (``src:dst[:mode]``, ``/anon``) or long syntax -> a long entry."""
    if isinstance(item, dict):
        out = dict(item)
        if out.get("type") == "volume" and "volume" not in out:
            out["volume"] = {}
        if out.get("type") == "bind" and "bind" not in out:
            out["bind"] = {"create_host_path": True}
        return ordered(out, MOUNT_ORDER)
    parts = str(item).split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0], "volume": {}}
    if len(parts) > 3:
        raise InvalidArgument(f"{where}: invalid spec: {item}: too many colons")
    src, dst = parts[0], parts[1]
    modes = parts[2].split(",") if len(parts) == 3 else []
    is_bind = src.startswith(("/", ".", "~"))
    e: dict[str, Any] = {"type": "bind" if is_bind else "volume", "source": src, "target": dst}
    if "ro" in modes:
        e["read_only"] = True
    if is_bind:
        bind: dict[str, Any] = {}
        prop = next((m for m in modes if m in ("rprivate", "private", "rshared", "shared", "rslave", "slave")), None)
        if prop:
            bind["propagation"] = prop
        bind["create_host_path"] = True
        sel = next((m for m in modes if m in ("z", "Z")), None)
        if sel:
            bind["selinux"] = sel
        e["bind"] = bind
    else:
        e["volume"] = {"nocopy": True} if "nocopy" in modes else {}
    return e


def _service(name: str, svc: dict[str, Any], project: Project) -> dict[str, Any]:
    where = f"services.{name}"
    s = dict(svc)
    if not s.get("image") and not s.get("build"):
        raise InvalidArgument(f'service "{name}" has neither an image nor a build context specified: '
                              "invalid compose project")
    env: dict[str, Any] = {}
    for ef in s.pop("env_file", None) or []:
        path, required = (ef.get("path"), ef.get("required", True)) if isinstance(ef, dict) else (ef, True)
        if not os.path.exists(str(path)):
            if required:
                raise InvalidArgument(f"env file {path} not found: stat {path}: no such file or directory")
            continue
        env.update(dotenv.read(str(path), project.environment))
    labels_from_files: dict[str, Any] = {}
    for lf in s.pop("label_file", None) or []:
        labels_from_files.update(dotenv.read(str(lf), {}))
    env.update(s.get("environment") or {})
    if env or "environment" in s:
        s["environment"] = {k: (project.environment.get(k) if v is None else v) for k, v in env.items()}
    if labels_from_files:
        s["labels"] = {**labels_from_files, **(s.get("labels") or {})}
    if "build" in s and isinstance(s["build"], dict):
        b = dict(s["build"])
        if "dockerfile" not in b and "dockerfile_inline" not in b:
            b["dockerfile"] = "Dockerfile"
        s["build"] = ordered(b, ("context", "dockerfile", "dockerfile_inline", "args", "ssh", "labels", "cache_from",
                                 "cache_to", "no_cache", "additional_contexts", "network", "pull", "target",
                                 "shm_size", "extra_hosts", "isolation", "privileged", "secrets", "tags",
                                 "ulimits", "platforms"))
    if "ports" in s:
        s["ports"] = [e for p in s["ports"] for e in parse_port(p, f"{where}.ports")]
    if "expose" in s:
        s["expose"] = [str(x) for x in s["expose"]]
    if "volumes" in s:
        s["volumes"] = [parse_volume(v, f"{where}.volumes") for v in s["volumes"]]
    for key in _SIZE_KEYS:
        if key in s and s[key] is not None:
            s[key] = str(ram_in_bytes(s[key], f"{where}.{key}"))
    for key in ("stop_grace_period",):
        if key in s and s[key] is not None:
            s[key] = durations.normalize(s[key])
    hc = s.get("healthcheck")
    if isinstance(hc, dict):
        hc = dict(hc)
        for k in ("interval", "timeout", "start_period", "start_interval"):
            if hc.get(k) is not None:
                hc[k] = durations.normalize(hc[k])
        if hc.get("retries") is not None:
            hc["retries"] = _int(hc["retries"], f"{where}.healthcheck.retries")
        s["healthcheck"] = ordered(hc, HEALTH_ORDER)
    if "depends_on" in s:
        s["depends_on"] = {d: ordered(spec, DEPENDS_ORDER) for d, spec in s["depends_on"].items()}
    deploy = s.get("deploy")
    if isinstance(deploy, dict):
        deploy = dict(deploy)
        if deploy.get("replicas") is not None:
            deploy["replicas"] = _int(deploy["replicas"], f"{where}.deploy.replicas")
        res = deploy.get("resources")
        if isinstance(res, dict):
            res = dict(res)
            for part in ("limits", "reservations"):
                lim = res.get(part)
                if isinstance(lim, dict):
                    lim = dict(lim)
                    if lim.get("memory") is not None:
                        lim["memory"] = str(ram_in_bytes(lim["memory"], f"{where}.deploy.resources.{part}.memory"))
                    if lim.get("cpus") is not None:
                        lim["cpus"] = float(lim["cpus"])
                    if lim.get("pids") is not None:
                        lim["pids"] = _int(lim["pids"], f"{where}.deploy.resources.{part}.pids")
                    res[part] = ordered(lim, ("cpus", "memory", "pids", "devices", "generic_resources"))
            deploy["resources"] = res
        s["deploy"] = ordered(deploy, DEPLOY_ORDER)
    if "scale" in s:
        s["scale"] = _int(s["scale"], f"{where}.scale")
    ul = s.get("ulimits")
    if isinstance(ul, dict):
        s["ulimits"] = {k: (_int(v, f"{where}.ulimits.{k}") if not isinstance(v, dict) else
                            ordered({kk: _int(vv, f"{where}.ulimits.{k}.{kk}") for kk, vv in v.items()},
                                    ("soft", "hard")))
                        for k, v in ul.items()}
    if "secrets" in s or "configs" in s:
        for kind in ("secrets", "configs"):
            if kind in s:
                out = []
                for item in s[kind]:
                    e = {"source": item} if isinstance(item, str) else dict(item)
                    if kind == "secrets":
                        e.setdefault("target", f"/run/secrets/{e['source']}")
                    out.append(ordered(e, ("source", "target", "uid", "gid", "mode")))
                s[kind] = out
    for key in ("labels", "annotations", "sysctls", "environment"):
        if key in s and isinstance(s[key], dict):
            s[key] = dict(sorted(list_to_map(s[key]).items()))
    for key in ("depends_on", "networks", "ulimits", "storage_opt"):
        if isinstance(s.get(key), dict):
            s[key] = dict(sorted(s[key].items()))
    if isinstance(s.get("build"), dict) and isinstance(s["build"].get("args"), dict):
        s["build"]["args"] = dict(sorted(s["build"]["args"].items()))
    if s.get("user") is not None:
        s["user"] = str(s["user"])
    if s.get("network_mode") and s.get("networks"):
        raise InvalidArgument(f"service {name} declares mutually exclusive `network_mode` and `networks`: "
                              "invalid compose project")
    if not s.get("network_mode") and not s.get("networks"):
        s["networks"] = {"default": None}
    if "restart" in s and s["restart"] is not None:
        s["restart"] = str(s["restart"])
    for k in list(s):
        if k.startswith("x-"):
            s[k] = _sorted_deep(s[k])
    return ordered(s, SERVICE_ORDER)


def _enabled(svc: dict[str, Any], name: str, active: set[str], wanted: tuple[str, ...]) -> bool:
    profiles = svc.get("profiles") or []
    return not profiles or "*" in active or bool(active.intersection(profiles)) or name in wanted


def normalize(project: Project, *, services: tuple[str, ...] = ()) -> Project:
    model = project.model
    raw = model.get("services") or {}
    active = set(project.profiles)
    enabled = {n: s for n, s in raw.items() if _enabled(s, n, active, services)}
    disabled = {n: s for n, s in raw.items() if n not in enabled}
    out_services = {}
    for name in sorted(enabled):
        svc = _service(name, enabled[name], project)
        for dep, spec in (svc.get("depends_on") or {}).items():
            if dep not in enabled:
                if spec.get("required", True) is False:
                    continue
                raise InvalidArgument(f'service "{name}" depends on undefined service "{dep}": '
                                      "invalid compose project")
        out_services[name] = svc
    for name in services:
        if name not in raw:
            raise InvalidArgument(f"no such service: {name}")
    out: dict[str, Any] = {"name": project.name, "services": out_services}
    used_nets = {n for s in out_services.values() for n in (s.get("networks") or {})}
    nets = dict(model.get("networks") or {})
    if "default" in used_nets:
        nets.setdefault("default", {})
    net_out = {}
    for key in sorted(nets):
        if key not in used_nets:
            continue
        net_out[key] = _resource(key, nets[key], project.name, NETWORK_ORDER)
    for key in used_nets:
        if key not in nets:
            raise InvalidArgument(f"service refers to undefined network {key}: invalid compose project")
    if net_out:
        out["networks"] = net_out
    vols = model.get("volumes") or {}
    used_vols = {m.get("source") for s in out_services.values() for m in s.get("volumes") or []
                 if m.get("type") == "volume" and m.get("source")}
    for v in used_vols:
        if v not in vols:
            raise InvalidArgument(f"service uses undefined volume {v}: invalid compose project")
    vol_out = {k: _resource(k, vols[k], project.name, VOLUME_ORDER) for k in sorted(vols) if k in used_vols}
    if vol_out:
        out["volumes"] = vol_out
    for kind in ("secrets", "configs"):
        items = model.get(kind) or {}
        used = {e["source"] for s in out_services.values() for e in s.get(kind) or []}
        for u in used:
            if u not in items:
                raise InvalidArgument(f'service "{kind[:-1]}" refers to undefined {kind[:-1]} {u}: '
                                      "invalid compose project")
        res = {k: _resource(k, items[k], project.name, SECRET_ORDER) for k in sorted(items) if k in used}
        if res:
            out[kind] = res
    for k in sorted(model):
        if k.startswith("x-"):
            out[k] = _sorted_deep(model[k])
    project.model = out
    project.disabled = disabled
    return project


def _sorted_deep(v: Any) -> Any:
    """Extensions are plain maps in compose-go: Go's encoder writes their keys sorted."""
    if isinstance(v, dict):
        return {k: _sorted_deep(v[k]) for k in sorted(v, key=str)}
    if isinstance(v, list):
        return [_sorted_deep(x) for x in v]
    return v


def _resource(key: str, spec: Any, project: str, order: tuple[str, ...]) -> dict[str, Any]:
    d = dict(spec or {})
    ext = d.get("external")
    if isinstance(ext, dict):          # legacy "external: {name: x}"
        d["name"] = ext.get("name") or d.get("name")
        d["external"] = True
        ext = True
    if ext:
        d.setdefault("name", key)
        d["external"] = True
    else:
        d.pop("external", None)
        d.setdefault("name", f"{project}_{key}")
    if "labels" in d:
        d["labels"] = list_to_map(d["labels"])
    return ordered(d, order)
