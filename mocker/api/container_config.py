"""``POST /containers/create``'s body (``Config`` + ``HostConfig`` + ``NetworkingConfig``) ->
:class:`~mocker.engine.types.containers.ContainerCreateOptions`, the record the CLI's flags fill too.

Clients send every field, mostly as zero values; a field mocker does not implement is refused
(``NotSupported``, 501) only when it carries a non-zero value, so nothing a client asked for is
dropped silently. The engine then validates the options as it does for the CLI.
"""

from __future__ import annotations

from typing import Any, Literal

from mocker.engine.types.containers import (
    ContainerCreateOptions,
    HealthCheck,
    MountSpec,
    NetworkAttachment,
    RestartPolicy,
    VolumeSpec,
    normalize_capabilities,
)
from mocker.errors import InvalidArgument, NotSupported
from mocker.runtime.base import Device, Resources, Security, Ulimit

# Config keys read below, or that carry nothing for mocker to act on.
CONFIG_KEYS = {
    "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
    "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
    "Entrypoint", "NetworkDisabled", "MacAddress", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell",
    "HostConfig", "NetworkingConfig",
}
HOST_KEYS = {
    "Binds", "ContainerIDFile", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove",
    "VolumeDriver", "VolumesFrom", "ConsoleSize", "Annotations", "CapAdd", "CapDrop", "CgroupnsMode", "Dns",
    "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd", "IpcMode", "Cgroup", "Links", "OomScoreAdj", "PidMode",
    "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "StorageOpt", "Tmpfs", "UTSMode",
    "UsernsMode", "ShmSize", "Sysctls", "Runtime", "Isolation", "CpuShares", "Memory", "NanoCpus",
    "CgroupParent", "BlkioWeight", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
    "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "CpuPeriod", "CpuQuota", "CpuRealtimePeriod",
    "CpuRealtimeRuntime", "CpusetCpus", "CpusetMems", "Devices", "DeviceCgroupRules", "DeviceRequests",
    "KernelMemory", "KernelMemoryTCP", "MemoryReservation", "MemorySwap", "MemorySwappiness", "OomKillDisable",
    "PidsLimit", "Ulimits", "CpuCount", "CpuPercent", "IOMaximumIOps", "IOMaximumBandwidth", "Mounts",
    "MaskedPaths", "ReadonlyPaths", "Init",
}
# Non-zero values of these are refused, with the reason.
HOST_UNSUPPORTED = {
    "VolumeDriver": "volume plugins are not implemented (only the local driver)",
    "VolumesFrom": "--volumes-from is not implemented",
    "Links": "legacy container links are not implemented",
    "OomScoreAdj": "--oom-score-adj is not implemented",
    "StorageOpt": "storage options are not implemented",
    "BlkioWeight": "block I/O limits are not implemented",
    "BlkioWeightDevice": "block I/O limits are not implemented",
    "BlkioDeviceReadBps": "block I/O limits are not implemented",
    "BlkioDeviceWriteBps": "block I/O limits are not implemented",
    "BlkioDeviceReadIOps": "block I/O limits are not implemented",
    "BlkioDeviceWriteIOps": "block I/O limits are not implemented",
    "CpuRealtimePeriod": "real-time CPU scheduling is not implemented",
    "CpuRealtimeRuntime": "real-time CPU scheduling is not implemented",
    "CpusetMems": "--cpuset-mems is not implemented",
    "DeviceCgroupRules": "device cgroup rules are not implemented",
    "DeviceRequests": "GPU/device requests are not implemented",
    "KernelMemory": "kernel memory limits are not implemented",
    "KernelMemoryTCP": "kernel memory limits are not implemented",
    "MemorySwappiness": "--memory-swappiness is not implemented",
    "CpuCount": "CpuCount is a Windows option",
    "CpuPercent": "CpuPercent is a Windows option",
    "IOMaximumIOps": "IOMaximumIOps is a Windows option",
    "IOMaximumBandwidth": "IOMaximumBandwidth is a Windows option",
    "Annotations": "OCI annotations are not implemented",
}
# Values clients send to mean "not set" besides zero values.
UNSET = {"MemorySwappiness": -1}
NAMESPACE_MODES = {"IpcMode": ("", "private", "shareable"), "PidMode": ("",), "UTSMode": ("",),
                   "UsernsMode": ("", "host"), "CgroupnsMode": ("", "private", "host"), "Cgroup": ("",)}


def _zero(value: Any) -> bool:
    if value is None or value is False or value == 0 or value == "":
        return True
    if isinstance(value, list | tuple):
        return all(_zero(v) for v in value)
    if isinstance(value, dict):
        return all(_zero(v) for v in value.values())
    return False


def _strs(value: Any, what: str) -> tuple[str, ...] | None:
    """A Go ``StrSlice``: a JSON list of strings or one string; null -> None."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InvalidArgument(f"invalid {what}: expected a list of strings")


def _dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidArgument(f"invalid {what}: expected an object")
    return value


def _int(value: Any, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"invalid {what}: expected an integer")
    return value


def _publish(bindings: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for port, binds in bindings.items():
        for b in binds or [{}]:
            ip, hp = (b or {}).get("HostIp") or "", (b or {}).get("HostPort") or ""
            ip = f"[{ip}]" if ":" in ip else ip
            out.append(f"{ip}:{hp}:{port}" if ip else (f"{hp}:{port}" if hp else port))
    return tuple(out)


def _mount(m: dict[str, Any]) -> MountSpec:
    kind = m.get("Type") or "volume"
    if kind not in ("bind", "volume", "tmpfs"):
        raise NotSupported(f"mount type {kind!r}", "only bind, volume and tmpfs mounts exist in mocker")
    bind = _dict(m.get("BindOptions"), "BindOptions")
    vol = _dict(m.get("VolumeOptions"), "VolumeOptions")
    tmp = _dict(m.get("TmpfsOptions"), "TmpfsOptions")
    driver = _dict(vol.get("DriverConfig"), "DriverConfig")
    if driver.get("Name") not in (None, "", "local"):
        raise NotSupported(f"volume driver {driver['Name']!r}", "only the local volume driver exists")
    recursive: Literal["enabled", "disabled", "writable", "readonly"] | None = None
    if bind.get("NonRecursive"):
        recursive = "disabled"
    elif bind.get("ReadOnlyNonRecursive"):
        recursive = "writable"
    elif bind.get("ReadOnlyForceRecursive"):
        recursive = "readonly"
    if bind.get("CreateMountpoint"):
        raise NotSupported("BindOptions.CreateMountpoint", "bind sources must exist")
    return MountSpec(
        type=kind,  # type: ignore[arg-type]
        source=m.get("Source") or "", target=m.get("Target") or "", read_only=bool(m.get("ReadOnly")),
        consistency=m.get("Consistency") or None, bind_propagation=bind.get("Propagation") or None,
        bind_recursive=recursive, volume_nocopy=bool(vol.get("NoCopy")), volume_subpath=vol.get("Subpath") or None,
        volume_labels=dict(vol.get("Labels") or {}), volume_options=dict(driver.get("Options") or {}),
        tmpfs_size=tmp.get("SizeBytes") or None, tmpfs_mode=tmp.get("Mode") or None,
    )


def _healthcheck(h: dict[str, Any] | None) -> HealthCheck | None:
    if not h:
        return None
    test = _strs(h.get("Test"), "Healthcheck.Test")
    def n(key: str) -> int:
        return _int(h.get(key), key)

    return HealthCheck(test=test or None, interval=n("Interval"), timeout=n("Timeout"),
                       start_period=n("StartPeriod"), start_interval=n("StartInterval"), retries=n("Retries"))


def _security(host: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    from mocker.engine.types.containers import security_fields

    opts = _strs(host.get("SecurityOpt"), "SecurityOpt") or ()
    for o in opts:
        if o.startswith(("seccomp=", "seccomp:")) and o[8:] not in ("unconfined", "builtin"):
            raise NotSupported("SecurityOpt seccomp=<profile>", "custom seccomp profiles are read from a file by "
                                                                "the mocker CLI; the API cannot pass one yet")
    fields: dict[str, Any] = dict(security_fields(opts))
    if host.get("MaskedPaths") is not None:
        fields["masked_paths"] = tuple(host["MaskedPaths"])
    if host.get("ReadonlyPaths") is not None:
        fields["readonly_paths"] = tuple(host["ReadonlyPaths"])
    return fields, tuple(opts)


def _networks(host: dict[str, Any], net_cfg: dict[str, Any], cfg: dict[str, Any]) -> tuple[NetworkAttachment, ...]:
    mode = host.get("NetworkMode") or "default"
    endpoints = _dict(net_cfg.get("EndpointsConfig"), "EndpointsConfig")
    out = []
    if mode not in endpoints:
        out.append(NetworkAttachment(name=mode, mac_address=cfg.get("MacAddress") or None))
    for name, ep in endpoints.items():
        ep = ep or {}
        ipam = ep.get("IPAMConfig") or {}
        out.append(NetworkAttachment(
            name=name, aliases=tuple(ep.get("Aliases") or ()), ipv4_address=ipam.get("IPv4Address") or None,
            ipv6_address=ipam.get("IPv6Address") or None, mac_address=ep.get("MacAddress") or None,
            driver_opts=dict(ep.get("DriverOpts") or {}), gw_priority=int(ep.get("GwPriority") or 0)))
    if mode == "default" and not endpoints:
        return ()
    return tuple(out)


def create_options(body: dict[str, Any], *, name: str | None, platform: str | None) -> ContainerCreateOptions:
    """The create options for a request body; raises InvalidArgument / NotSupported."""
    cfg = body
    host = _dict(cfg.get("HostConfig"), "HostConfig")
    net_cfg = _dict(cfg.get("NetworkingConfig"), "NetworkingConfig")
    image = cfg.get("Image")
    if not image or not isinstance(image, str):
        raise InvalidArgument("Config cannot be empty in order to create a container")
    for key, value in cfg.items():
        if key not in CONFIG_KEYS and not _zero(value):
            raise NotSupported(f"Config.{key}", "this container setting is not implemented")
    if cfg.get("NetworkDisabled"):
        host = dict(host, NetworkMode="none")
    if cfg.get("Shell"):
        raise NotSupported("Config.Shell", "SHELL only affects builds")
    for key, value in host.items():
        if key not in HOST_KEYS and not _zero(value) and UNSET.get(key, 0) != value:
            raise NotSupported(f"HostConfig.{key}", "this container setting is not implemented")
        if key in HOST_UNSUPPORTED and not _zero(value) and UNSET.get(key, 0) != value:
            raise NotSupported(f"HostConfig.{key}", HOST_UNSUPPORTED[key])
    for key, allowed in NAMESPACE_MODES.items():
        if (host.get(key) or "") not in allowed:
            raise NotSupported(f"HostConfig.{key}={host[key]}", "sharing namespaces with the host or other "
                                                                "containers is not implemented")
    if host.get("UsernsMode") == "host":
        host = dict(host, UsernsMode="")
    if (host.get("CgroupnsMode") or "") == "host":
        raise NotSupported("HostConfig.CgroupnsMode=host", "containers always get a private cgroup namespace")

    volumes = [VolumeSpec.parse(b) for b in dict.fromkeys(_strs(host.get("Binds"), "Binds") or ())]
    bound = {v.target for v in volumes}
    mounts = tuple(_mount(m) for m in host.get("Mounts") or [])
    bound |= {m.target for m in mounts}
    for target in _dict(cfg.get("Volumes"), "Volumes"):
        if target not in bound:
            volumes.append(VolumeSpec.parse(target))
    sec_fields, security_opt = _security(host)
    security = Security(
        privileged=bool(host.get("Privileged")), read_only_rootfs=bool(host.get("ReadonlyRootfs")),
        cap_add=normalize_capabilities(_strs(host.get("CapAdd"), "CapAdd") or (), field_name="CapAdd"),
        cap_drop=normalize_capabilities(_strs(host.get("CapDrop"), "CapDrop") or (), field_name="CapDrop"),
        **sec_fields,
    )
    pids = host.get("PidsLimit")

    def n(key: str) -> int | None:
        return _int(host.get(key), key) or None

    resources = Resources(
        memory=n("Memory"), memory_swap=n("MemorySwap"), memory_reservation=n("MemoryReservation"),
        nano_cpus=n("NanoCpus"), cpu_shares=n("CpuShares"), cpu_quota=n("CpuQuota"), cpu_period=n("CpuPeriod"),
        cpuset_cpus=host.get("CpusetCpus") or None, pids_limit=pids if pids not in (None, 0) else None,
        oom_kill_disable=bool(host.get("OomKillDisable")), shm_size=n("ShmSize"),
    )
    ulimits = {u["Name"]: Ulimit(name=u["Name"], soft=int(u["Soft"]), hard=int(u["Hard"]))
               for u in host.get("Ulimits") or []}
    devices = tuple(Device(path_on_host=d["PathOnHost"], path_in_container=d.get("PathInContainer") or d["PathOnHost"],
                           permissions=d.get("CgroupPermissions") or "rwm") for d in host.get("Devices") or [])
    restart = _dict(host.get("RestartPolicy"), "RestartPolicy")
    log = _dict(host.get("LogConfig"), "LogConfig")
    entry = _strs(cfg.get("Entrypoint"), "Entrypoint")
    entrypoint = None if not entry else (() if entry == ("",) else entry)
    cmd = _strs(cfg.get("Cmd"), "Cmd")
    stdin = bool(cfg.get("OpenStdin"))
    opts = ContainerCreateOptions(
        image=image, name=name or None, command=cmd or None, entrypoint=entrypoint,
        env=tuple(_strs(cfg.get("Env"), "Env") or ()), labels={str(k): str(v) for k, v in
                                                              _dict(cfg.get("Labels"), "Labels").items()},
        workdir=cfg.get("WorkingDir") or None, user=cfg.get("User") or None,
        group_add=tuple(_strs(host.get("GroupAdd"), "GroupAdd") or ()), hostname=cfg.get("Hostname") or None,
        domainname=cfg.get("Domainname") or None, tty=bool(cfg.get("Tty")), open_stdin=stdin,
        attach_stdin=bool(cfg.get("AttachStdin")), attach_stdout=bool(cfg.get("AttachStdout")),
        attach_stderr=bool(cfg.get("AttachStderr")), stdin_once=bool(cfg.get("StdinOnce")),
        detach=not (cfg.get("AttachStdin") or cfg.get("AttachStdout") or cfg.get("AttachStderr")),
        auto_remove=bool(host.get("AutoRemove")),
        restart=RestartPolicy(name=restart.get("Name") or "no",
                              maximum_retry_count=_int(restart.get("MaximumRetryCount"), "MaximumRetryCount")),
        volumes=tuple(volumes), mounts=mounts,
        tmpfs={str(k): str(v) for k, v in _dict(host.get("Tmpfs"), "Tmpfs").items()},
        resources=resources, ulimits=tuple(ulimits[k] for k in sorted(ulimits)), devices=devices,
        security=security, security_opt=security_opt, init=host.get("Init"),
        stop_signal=cfg.get("StopSignal") or None, stop_timeout=cfg.get("StopTimeout"),
        healthcheck=_healthcheck(cfg.get("Healthcheck")), platform=platform or None, pull="never",
        runtime=host.get("Runtime") or None, cgroup_parent=host.get("CgroupParent") or None,
        isolation=host.get("Isolation") or None, log_driver=log.get("Type") or None,
        log_opts={str(k): str(v) for k, v in _dict(log.get("Config"), "LogConfig.Config").items()},
        sysctls={str(k): str(v) for k, v in _dict(host.get("Sysctls"), "Sysctls").items()},
        networks=_networks(host, net_cfg, cfg), publish=_publish(_dict(host.get("PortBindings"), "PortBindings")),
        publish_all=bool(host.get("PublishAllPorts")), expose=tuple(_dict(cfg.get("ExposedPorts"), "ExposedPorts")),
        dns=tuple(_strs(host.get("Dns"), "Dns") or ()),
        dns_search=tuple(_strs(host.get("DnsSearch"), "DnsSearch") or ()),
        dns_options=tuple(_strs(host.get("DnsOptions"), "DnsOptions") or ()),
        extra_hosts=tuple(_strs(host.get("ExtraHosts"), "ExtraHosts") or ()),
    )
    from mocker.engine.types.containers import validate_create_options

    validate_create_options(opts)
    return opts
