"""A compact form of the compose-spec JSON schema: known keys and their types.

Errors read as Docker Compose v2's (``validating FILE: services.web additional properties 'foo' not
allowed``, ``... services.web.image must be a string``), so a typo names its key and file. Keys that the
spec knows but mocker cannot run are accepted here (``config`` prints them) and refused by the
orchestrator with ``NotSupported`` naming the key.
"""

from __future__ import annotations

from typing import Any

from mocker.errors import InvalidArgument

# Type codes: s string, b bool-or-string, n number-or-string, a array, m mapping, am array-or-mapping,
# sa string-or-array, sm string-or-mapping, sam string/array/mapping, * anything.
_HEALTH = {"disable": "b", "interval": "s", "retries": "n", "test": "sa", "timeout": "s", "start_period": "s",
           "start_interval": "s"}
_BUILD = {"context": "s", "dockerfile": "s", "dockerfile_inline": "s", "entitlements": "a", "args": "am",
          "ssh": "am", "labels": "am", "cache_from": "a", "cache_to": "a", "no_cache": "b", "additional_contexts": "am",
          "network": "s", "provenance": "*", "sbom": "*", "pull": "b", "target": "s", "shm_size": "n",
          "extra_hosts": "am", "isolation": "s", "privileged": "b", "secrets": "a", "tags": "a", "ulimits": "m",
          "platforms": "a"}
_RESOURCE = {"cpus": "n", "memory": "n", "pids": "n", "devices": "a", "generic_resources": "a"}
_DEPLOY = {"mode": "s", "endpoint_mode": "s", "replicas": "n", "labels": "am", "rollback_config": "m",
           "update_config": "m", "resources": {"limits": _RESOURCE, "reservations": _RESOURCE},
           "restart_policy": {"condition": "s", "delay": "s", "max_attempts": "n", "window": "s"},
           "placement": "m"}
SERVICE: dict[str, Any] = {
    "annotations": "am", "attach": "b", "build": ("sm", _BUILD), "blkio_config": "m", "cap_add": "a",
    "cap_drop": "a", "cgroup": "s", "cgroup_parent": "s", "command": "sa", "configs": "a", "container_name": "s",
    "cpu_count": "n", "cpu_percent": "n", "cpu_shares": "n", "cpu_quota": "n", "cpu_period": "n",
    "cpu_rt_period": "n", "cpu_rt_runtime": "n", "cpus": "n", "cpuset": "s", "credential_spec": "m",
    "depends_on": "am", "deploy": _DEPLOY, "develop": "m", "device_cgroup_rules": "a", "devices": "a",
    "dns": "sa", "dns_opt": "a", "dns_search": "sa", "domainname": "s", "entrypoint": "sa", "env_file": "sa",
    "label_file": "sa", "environment": "am", "expose": "a", "extends": ("sm", {"service": "s", "file": "s"}),
    "external_links": "a", "extra_hosts": "am", "gpus": "*", "group_add": "a", "healthcheck": _HEALTH,
    "hostname": "s", "image": "s", "init": "b", "ipc": "s", "isolation": "s", "labels": "am", "links": "a",
    "logging": {"driver": "s", "options": "m"}, "mac_address": "s", "mem_limit": "n", "mem_reservation": "n",
    "mem_swappiness": "n", "memswap_limit": "n", "models": "am", "network_mode": "s", "networks": "am",
    "oom_kill_disable": "b", "oom_score_adj": "n", "pid": "s", "pids_limit": "n", "platform": "s", "ports": "a",
    "post_start": "a", "pre_stop": "a", "privileged": "b", "profiles": "a", "provider": "m", "pull_policy": "s",
    "pull_refresh_after": "s", "read_only": "b", "restart": "s", "runtime": "s", "scale": "n", "security_opt": "a",
    "shm_size": "n", "secrets": "a", "sysctls": "am", "stdin_open": "b", "stop_grace_period": "s",
    "stop_signal": "s", "storage_opt": "m", "tmpfs": "sa", "tty": "b", "ulimits": "m", "use_api_socket": "b",
    "user": "s", "uts": "s", "userns_mode": "s", "volumes": "a", "volumes_from": "a", "working_dir": "s",
}
NETWORK = {"name": "s", "driver": "s", "driver_opts": "m", "ipam": "m", "external": "*", "internal": "b",
           "enable_ipv4": "b", "enable_ipv6": "b", "attachable": "b", "labels": "am"}
VOLUME = {"name": "s", "driver": "s", "driver_opts": "m", "external": "*", "labels": "am"}
SECRET = {"name": "s", "environment": "s", "file": "s", "external": "*", "labels": "am", "driver": "s",
          "driver_opts": "m", "template_driver": "s", "content": "s"}
TOP = {"version": "*", "name": "s", "include": "a", "services": "m", "networks": "m", "volumes": "m",
       "secrets": "m", "configs": "m", "models": "m"}

_NAMES = {"s": "string", "b": "boolean or string", "n": "number or string", "a": "array", "m": "mapping",
          "am": "mapping", "sa": "string or array", "sm": "string or mapping"}


def _type_ok(code: str, v: Any) -> bool:
    from mocker.compose.merge import Override, Reset

    if isinstance(v, Override):
        v = v.value
    if code == "*" or v is None or isinstance(v, Reset):
        return True
    is_str = isinstance(v, str)
    if code == "s":
        return is_str
    if code == "b":
        return isinstance(v, bool) or is_str
    if code == "n":
        return (isinstance(v, int | float) and not isinstance(v, bool)) or is_str
    if code == "a":
        return isinstance(v, list)
    if code == "m":
        return isinstance(v, dict)
    if code == "am":
        return isinstance(v, list | dict)
    if code == "sa":
        return is_str or isinstance(v, list)
    if code == "sm":
        return is_str or isinstance(v, dict)
    return True


def _check_map(node: Any, spec: dict[str, Any], path: str, fail: Any) -> None:
    from mocker.compose.merge import Override, Reset

    if isinstance(node, Override):
        node = node.value
    if node is None or isinstance(node, Reset):
        return
    if not isinstance(node, dict):
        fail(f"{path} must be a mapping")
    for k, v in node.items():
        if not isinstance(k, str):
            fail(f"{path} property name must be a string")
        sub = f"{path}.{k}" if path else k
        if k.startswith("x-"):
            continue
        if k not in spec:
            fail(f"{path} additional properties '{k}' not allowed")
        _check(v, spec[k], sub, fail)


def _check(v: Any, rule: Any, path: str, fail: Any) -> None:
    if isinstance(rule, dict):
        _check_map(v, rule, path, fail)
    elif isinstance(rule, tuple):
        code, sub = rule
        if not _type_ok(code, v):
            fail(f"{path} must be a {_NAMES[code]}")
        if isinstance(v, dict):
            _check_map(v, sub, path, fail)
    elif not _type_ok(rule, v):
        fail(f"{path} must be a {_NAMES[rule]}")


def _list(svc: dict[str, Any], key: str) -> list[Any]:
    v = svc.get(key)
    return v if isinstance(v, list) else []


def validate(doc: dict[str, Any], filename: str) -> None:
    """Raise InvalidArgument naming the file and the key path of the first problem."""
    def fail(msg: str) -> None:
        raise InvalidArgument(f"validating {filename}: {msg}")

    for k in doc:
        if not isinstance(k, str) or (k not in TOP and not k.startswith("x-")):
            fail(f" additional properties '{k}' not allowed")
    services = doc.get("services")
    if services is not None and not isinstance(services, dict):
        raise InvalidArgument("services must be a mapping")
    for name, svc in (services or {}).items():
        if not isinstance(svc, dict):
            raise InvalidArgument(f"services.{name} must be a mapping")
        _check_map(svc, SERVICE, f"services.{name}", fail)
        for i, item in enumerate(_list(svc, "volumes")):
            if not isinstance(item, str | dict):
                fail(f"services.{name}.volumes.{i} must be a string")
        for i, item in enumerate(_list(svc, "ports")):
            if not isinstance(item, str | int | dict):
                fail(f"services.{name}.ports.{i} must be a number, string or mapping")
        env = svc.get("environment")
        if isinstance(env, dict):
            for key, value in env.items():
                if isinstance(value, list | dict):
                    fail(f"services.{name}.environment.{key} must be a boolean, null, number or string")
    for section, spec in (("networks", NETWORK), ("volumes", VOLUME), ("secrets", SECRET), ("configs", SECRET)):
        node = doc.get(section)
        if node is None:
            continue
        if not isinstance(node, dict):
            fail(f"{section} must be a mapping")
        for name, item in node.items():
            _check_map(item, spec, f"{section}.{name}", fail)
