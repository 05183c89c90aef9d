"""A canonical compose service -> the engine's :class:`ContainerCreateOptions` (one container).

The same options ``mocker run`` fills, so a compose container is created by the engine's one
``create``. Keys the engine cannot honour raise ``NotSupported`` naming the key; none is dropped.
"""

from __future__ import annotations

from typing import Any

from mocker.compose import durations
from mocker.compose.model import Project
from mocker.engine.types.containers import (
    ContainerCreateOptions,
    HealthCheck,
    MountSpec,
    RestartPolicy,
    normalize_capabilities,
)
from mocker.errors import InvalidArgument, NotSupported
from mocker.runtime.base import Resources, Security, Ulimit

# Keys the canonical model may hold that the engine cannot honour (yet); each is refused by name.
_UNSUPPORTED = {
    "annotations": "container annotations are not implemented",
    "blkio_config": "block IO weights are not implemented",
    "cgroup": "cgroup namespaces modes are not implemented",
    "cpu_count": "Windows-only setting", "cpu_percent": "Windows-only setting",
    "cpu_rt_period": "realtime CPU scheduling is not implemented",
    "cpu_rt_runtime": "realtime CPU scheduling is not implemented",
    "credential_spec": "Windows-only setting",
    "develop": "compose watch is not implemented",
    "device_cgroup_rules": "device cgroup rules are not implemented",
    "external_links": "legacy links are not implemented", "links": "legacy links are not implemented",
    "gpus": "there are no GPUs to assign", "ipc": "IPC namespace modes are not implemented",
    "mac_address": "a service-level mac_address is not passed to the engine yet",
    "mem_swappiness": "memory swappiness is not implemented",
    "models": "AI models are a Docker Desktop feature", "oom_score_adj": "OOM score adjustment is not implemented",
    "pid": "PID namespace modes are not implemented", "post_start": "lifecycle hooks are not implemented",
    "pre_stop": "lifecycle hooks are not implemented", "provider": "service providers are not implemented",
    "storage_opt": "storage options are not implemented", "use_api_socket": "there is no engine API socket",
    "userns_mode": "user namespaces are not implemented", "uts": "UTS namespace modes are not implemented",
    "volume_driver": "mocker has only the local volume driver", "volumes_from": "volumes_from is not implemented",
    "isolation": "isolation technologies are Windows-only",
}


def _ns(value: Any) -> int:
    return durations.parse(value) if value is not None else 0


def _restart(text: str | None) -> RestartPolicy:
    if not text:
        return RestartPolicy()
    name, _, count = text.partition(":")
    if name not in ("no", "always", "on-failure", "unless-stopped"):
        raise InvalidArgument(f"invalid restart policy: unknown policy '{name}'")
    return RestartPolicy(name=name, maximum_retry_count=int(count) if count else 0)


def _mount(m: dict[str, Any], project: Project, where: str, anon: dict[str, str] | None = None) -> MountSpec:
    kind = m.get("type")
    target = m.get("target") or ""
    ro = bool(m.get("read_only"))
    if kind == "bind":
        bind = m.get("bind") or {}
        source = m.get("source") or ""
        if bind.get("create_host_path"):
            import os

            os.makedirs(source, exist_ok=True)
        return MountSpec(type="bind", source=source, target=target, read_only=ro,
                         bind_propagation=bind.get("propagation"))
    if kind == "volume":
        src = m.get("source") or ""
        name = project.volume_name(src) if src else (anon or {}).get(target, "")
        return MountSpec(type="volume", source=name, target=target, read_only=ro,
                         volume_nocopy=bool((m.get("volume") or {}).get("nocopy")),
                         volume_subpath=(m.get("volume") or {}).get("subpath"))
    if kind == "tmpfs":
        t = m.get("tmpfs") or {}
        size = t.get("size")
        from mocker.compose.normalize import ram_in_bytes

        return MountSpec(type="tmpfs", target=target, read_only=ro,
                         tmpfs_size=ram_in_bytes(size, where) if size is not None else None,
                         tmpfs_mode=int(str(t["mode"]), 8) if t.get("mode") is not None else None)
    raise NotSupported(f"{where} type {kind}", "only bind, volume and tmpfs mounts are implemented")


def _mounts(project: Project, svc: dict[str, Any], where: str, anon: dict[str, str]) -> tuple[MountSpec, ...]:
    mounts = [_mount(m, project, f"{where}.volumes", anon) for m in svc.get("volumes") or ()]
    mounts += _file_mounts(project, svc, where)
    covered = {m.target for m in mounts} | {p.split(":", 1)[0] for p in svc.get("tmpfs") or ()}
    # Anonymous volumes the image declared (VOLUME) come back at their paths, too.
    mounts += [MountSpec(type="volume", source=name, target=t) for t, name in sorted(anon.items()) if t not in covered]
    return tuple(mounts)


def _file_mounts(project: Project, svc: dict[str, Any], where: str) -> list[MountSpec]:
    """``secrets``/``configs`` from files: read-only bind mounts, as Docker Compose does without swarm
    (secrets at ``/run/secrets/<target>``, configs at ``/<source>`` unless a target is given)."""
    out = []
    for kind in ("secrets", "configs"):
        defs = project.model.get(kind) or {}
        for entry in svc.get(kind) or ():
            src = entry["source"]
            spec = defs.get(src) or {}
            if not spec.get("file"):
                raise NotSupported(f"{where}.{kind}: {src}", f"only {kind} from files are implemented")
            if entry.get("uid") or entry.get("gid") or entry.get("mode") is not None:
                raise NotSupported(f"{where}.{kind}: {src} uid/gid/mode", "ownership and mode of bind-mounted "
                                                                        f"{kind} cannot be changed")
            target = entry.get("target") or (f"/run/secrets/{src}" if kind == "secrets" else f"/{src}")
            if kind == "secrets" and not target.startswith("/"):
                target = f"/run/secrets/{target}"
            out.append(MountSpec(type="bind", source=str(spec["file"]), target=target, read_only=True))
    return out


_DEPLOY_OK = {"replicas", "resources", "restart_policy"}


def _check_deploy(svc: dict[str, Any], where: str) -> None:
    """``deploy`` keys that mean something without swarm are honoured; the others are refused by name."""
    deploy = svc.get("deploy") or {}
    for key, value in deploy.items():
        if key == "mode" and value in ("replicated", None):
            continue
        if key not in _DEPLOY_OK and value not in (None, {}, []):
            raise NotSupported(f"{where}.deploy.{key}", "swarm deployment settings need a cluster")
    res = deploy.get("resources") or {}
    for key in res.get("limits") or {}:
        if key not in ("cpus", "memory", "pids"):
            raise NotSupported(f"{where}.deploy.resources.limits.{key}", "only cpus, memory and pids limits are "
                                                                        "implemented")
    for key in res.get("reservations") or {}:
        if key != "memory":
            raise NotSupported(f"{where}.deploy.resources.reservations.{key}", "only memory reservations are "
                                                                              "implemented")
    rp = deploy.get("restart_policy") or {}
    for key in rp:
        if key not in ("condition", "max_attempts"):
            raise NotSupported(f"{where}.deploy.restart_policy.{key}", "restart delays and windows are not "
                                                                       "implemented")


def _deploy_restart(svc: dict[str, Any]) -> str | None:
    """``deploy.restart_policy`` as a container restart policy (Docker Compose maps it the same way)."""
    rp = (svc.get("deploy") or {}).get("restart_policy")
    if not rp:
        return None
    cond = rp.get("condition") or "any"
    if cond == "none":
        return "no"
    if cond == "on-failure":
        return f"on-failure:{rp['max_attempts']}" if rp.get("max_attempts") else "on-failure"
    return "always"


def _resources(svc: dict[str, Any]) -> Resources:
    limits = (((svc.get("deploy") or {}).get("resources") or {}).get("limits")) or {}
    reservations = (((svc.get("deploy") or {}).get("resources") or {}).get("reservations")) or {}
    memory = limits.get("memory") or svc.get("mem_limit")
    cpus = limits.get("cpus") if limits.get("cpus") is not None else svc.get("cpus")
    pids = limits.get("pids") if limits.get("pids") is not None else svc.get("pids_limit")
    return Resources(
        memory=int(memory) if memory else None,
        memory_swap=int(svc["memswap_limit"]) if svc.get("memswap_limit") else None,
        memory_reservation=int(reservations.get("memory") or svc.get("mem_reservation") or 0) or None,
        nano_cpus=int(float(cpus) * 1e9) if cpus else None,
        cpu_shares=int(svc["cpu_shares"]) if svc.get("cpu_shares") else None,
        cpu_quota=int(svc["cpu_quota"]) if svc.get("cpu_quota") else None,
        cpu_period=int(svc["cpu_period"]) if svc.get("cpu_period") else None,
        cpuset_cpus=str(svc["cpuset"]) if svc.get("cpuset") else None,
        pids_limit=int(pids) if pids else None,
        oom_kill_disable=bool(svc.get("oom_kill_disable")),
        shm_size=int(svc["shm_size"]) if svc.get("shm_size") else None,
    )


def _health(hc: dict[str, Any] | None) -> HealthCheck | None:
    if not hc:
        return None
    if hc.get("disable") in (True, "true"):
        return HealthCheck(test=("NONE",))
    test = hc.get("test")
    return HealthCheck(test=tuple(test) if test else None, interval=_ns(hc.get("interval")),
                       timeout=_ns(hc.get("timeout")), start_period=_ns(hc.get("start_period")),
                       start_interval=_ns(hc.get("start_interval")), retries=int(hc.get("retries") or 0))


def create_options(project: Project, name: str, svc: dict[str, Any], *, container_name: str,
                   labels: dict[str, str], command: tuple[str, ...] | None = None,
                   entrypoint: tuple[str, ...] | None = None, extra_env: tuple[str, ...] = (),
                   tty: bool | None = None, stdin_open: bool | None = None, workdir: str | None = None,
                   user: str | None = None, auto_remove: bool = False, oneoff: bool = False,
                   anon_volumes: dict[str, str] | None = None, use_aliases: bool = True) -> ContainerCreateOptions:
    """``anon_volumes`` (target -> volume name): the anonymous volumes of the container this one
    replaces; Docker Compose carries them over on recreation, so their data survives."""
    where = f"services.{name}"
    for key, reason in _UNSUPPORTED.items():
        if svc.get(key):
            raise NotSupported(f"{where}.{key}", reason)
    logging = svc.get("logging") or {}
    env = tuple(f"{k}={v}" for k, v in (svc.get("environment") or {}).items() if v is not None) + extra_env
    sec_opts = tuple(svc.get("security_opt") or ())
    if sec_opts:
        raise NotSupported(f"{where}.security_opt", "security options from compose files are not implemented")
    from mocker.compose.networking import service_networking

    networks, publish = service_networking(project, name, svc, use_aliases=use_aliases)
    _check_deploy(svc, where)
    restart = RestartPolicy() if oneoff else _restart(svc.get("restart") or _deploy_restart(svc))
    return ContainerCreateOptions(
        image=str(svc.get("image") or f"{project.name}-{name}"),
        name=container_name,
        command=command if command is not None else (tuple(svc["command"]) if svc.get("command") is not None
                                                       else None),
        entrypoint=entrypoint if entrypoint is not None else (
            tuple(svc["entrypoint"]) if svc.get("entrypoint") is not None else None),
        env=env,
        labels={**(svc.get("labels") or {}), **labels},
        workdir=workdir or svc.get("working_dir"),
        user=user or svc.get("user"),
        group_add=tuple(str(g) for g in svc.get("group_add") or ()),
        hostname=svc.get("hostname"),
        domainname=svc.get("domainname"),
        tty=bool(svc.get("tty")) if tty is None else tty,
        open_stdin=bool(svc.get("stdin_open")) if stdin_open is None else stdin_open,
        auto_remove=auto_remove,
        restart=restart,
        mounts=_mounts(project, svc, where, anon_volumes or {}),
        tmpfs={p.split(":", 1)[0]: (p.split(":", 1)[1] if ":" in p else "") for p in svc.get("tmpfs") or ()},
        resources=_resources(svc),
        ulimits=tuple(Ulimit(name=k, soft=v["soft"], hard=v["hard"]) if isinstance(v, dict) else
                      Ulimit(name=k, soft=v, hard=v) for k, v in sorted((svc.get("ulimits") or {}).items())),
        security=Security(privileged=bool(svc.get("privileged")),
                          cap_add=normalize_capabilities(tuple(svc.get("cap_add") or ()), field_name="CapAdd"),
                          cap_drop=normalize_capabilities(tuple(svc.get("cap_drop") or ()), field_name="CapDrop"),
                          read_only_rootfs=bool(svc.get("read_only"))),
        init=True if svc.get("init") else None,
        stop_signal=svc.get("stop_signal"),
        stop_timeout=(_ns(svc["stop_grace_period"]) // 1_000_000_000) if svc.get("stop_grace_period") else None,
        healthcheck=_health(svc.get("healthcheck")),
        platform=svc.get("platform"),
        runtime=svc.get("runtime"),
        cgroup_parent=svc.get("cgroup_parent"),
        log_driver=logging.get("driver"),
        log_opts={str(k): str(v) for k, v in (logging.get("options") or {}).items()},
        sysctls={str(k): str(v) for k, v in (svc.get("sysctls") or {}).items()},
        networks=networks,
        publish=publish,
        expose=tuple(_expose(svc.get("expose") or ())),
        dns=tuple(svc.get("dns") or ()),
        dns_search=tuple(svc.get("dns_search") or ()),
        dns_options=tuple(svc.get("dns_opt") or ()),
        extra_hosts=tuple(h.replace("=", ":", 1) for h in svc.get("extra_hosts") or ()),
        devices=_devices(svc.get("devices") or (), where),
    )


def _expose(items: Any) -> list[str]:
    out = []
    for e in items:
        port, _, proto = str(e).partition("/")
        lo, _, hi = port.partition("-")
        for p in range(int(lo), int(hi or lo) + 1):
            out.append(f"{p}/{proto or 'tcp'}")
    return out


def _devices(items: Any, where: str) -> tuple[Any, ...]:
    from mocker.runtime.base import Device

    out = []
    for d in items:
        if isinstance(d, dict):
            raise NotSupported(f"{where}.devices (long syntax)", "only host:container[:permissions] is implemented")
        parts = str(d).split(":")
        host = parts[0]
        ctr = parts[1] if len(parts) > 1 else host
        perms = parts[2] if len(parts) > 2 else "rwm"
        out.append(Device(path_on_host=host, path_in_container=ctr, permissions=perms))
    return tuple(out)
