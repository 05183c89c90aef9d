"""Docker's ``run``/``create`` options -> ``container create`` argv, by the CLI's rules.

The rules (../shared/docs/APPLE-CONTAINER.md §2.1, §6): every option comes before the image (the CLI
passes everything after it to the process, ``--`` included, so none is emitted); each value is a
separate token (no joined short values); ``--cpus`` is a whole number (Docker's fractions are rounded
up, never passed through); ``--memory`` always carries a unit (a bare number means bytes);
``--platform`` is always given (``CONTAINER_DEFAULT_PLATFORM`` would otherwise win over the default);
``--tmpfs`` options move to ``--mount type=tmpfs``; a label value must not contain ``=``. Anything the
runtime cannot honour raises ``NotSupported`` (exit 125) before anything runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection

from mocker.engine.types.containers import ContainerCreateOptions
from mocker.errors import InvalidArgument, UsageError
from mocker.runtime.apple.support import CREATE_FLAGS, flag_name, refuse

MIB = 1024 * 1024
NAME_MAX = 63               # 1.2.0+: container IDs are at most 63 characters
_KEEP_BIND_MODES = {"ro", "rw"}
_DROP_BIND_MODES = {"z", "Z"}   # SELinux relabelling: nothing to relabel in a VM's virtiofs share


def cpus_arg(nano_cpus: int) -> str:
    """Docker's ``--cpus 1.5`` (1.5e9 nano CPUs) -> ``2``: a VM has whole vCPUs, so round up."""
    whole = -(-nano_cpus // 1_000_000_000)
    return str(max(1, whole))


def memory_arg(memory: int) -> str:
    """Bytes -> ``<n>m``. The CLI truncates to MiB; mocker refuses a size that would be truncated."""
    if memory % MIB:
        raise refuse(f"--memory {memory}b", "VM memory is sized in whole MiB; give a multiple of 1m")
    return f"{memory // MIB}m"


def size_arg(size: int) -> str:
    return f"{size // MIB}m" if size % MIB == 0 else f"{size}b"


def _given(given: Collection[str], opts: ContainerCreateOptions) -> None:
    """Flags the runtime has no equivalent for: refuse them when they ask for anything."""
    for dest, reason in CREATE_FLAGS.items():
        if dest not in given:
            continue
        if dest == "restart" and opts.restart.is_none:
            continue
        if dest == "attach" and opts.attach_stdout and opts.attach_stderr:
            continue
        if dest == "privileged" and not opts.security.privileged:
            continue
        if dest == "oom_kill_disable" and not opts.resources.oom_kill_disable:
            continue
        if dest == "publish_all" and not opts.publish_all:
            continue
        raise refuse(flag_name(dest), reason)
    if opts.healthcheck is not None and opts.healthcheck.test != ("NONE",):
        raise refuse("--health-*", CREATE_FLAGS["health_cmd"])
    if not opts.sig_proxy:
        raise refuse("--sig-proxy=false", "the CLI always forwards signals to an attached process")


def _networks(opts: ContainerCreateOptions, at_least: Callable[..., bool]) -> list[str]:
    out: list[str] = []
    for n in opts.networks:
        name = n.name
        if name in ("host",) or name.startswith("container:"):
            raise refuse(f"--network {name}", "every container is its own VM with its own network stack")
        if n.aliases:
            raise refuse("--network-alias", CREATE_FLAGS["network_alias"])
        if n.ipv4_address or n.ipv6_address:
            raise refuse("--ip/--ip6", CREATE_FLAGS["ip"])
        if n.driver_opts:
            raise refuse("--network driver-opt", "the CLI takes only mac= and mtu= per network")
        if name == "none" and not at_least(0, 6):
            raise refuse("--network none", "needs container 0.6 or newer")
        value = "default" if name in ("bridge", "default") else name
        if n.mac_address:
            value += f",mac={n.mac_address}"
        if value != "default" or n.mac_address or len(opts.networks) > 1:
            out += ["--network", value]
    return out


def _mounts(opts: ContainerCreateOptions) -> list[str]:
    out: list[str] = []
    for v in opts.volumes:
        modes = [m for m in v.mode.split(",") if m] if v.mode else []
        if v.propagation or v.nocopy:
            raise refuse(f"-v {v.raw}", "virtiofs shares and ext4 volumes have no propagation/nocopy modes")
        unknown = [m for m in modes if m not in _KEEP_BIND_MODES | _DROP_BIND_MODES]
        if unknown:
            raise refuse(f"-v {v.raw}", f"unknown mount mode {unknown[0]!r} for a VM mount")
        suffix = ":ro" if v.read_only else ""
        if v.type == "bind":
            # Docker creates a missing host directory for -v; the CLI requires it to exist.
            os.makedirs(v.source, exist_ok=True)
            out += ["--volume", f"{v.source}:{v.target}{suffix}"]
        elif v.source:
            out += ["--volume", f"{v.source}:{v.target}{suffix}"]
        else:
            out += ["--volume", v.target]
    for m in opts.mounts:
        if m.bind_propagation or m.bind_recursive not in (None, "enabled") or m.volume_subpath:
            raise refuse("--mount bind-propagation/bind-recursive/volume-subpath", "virtiofs shares have no such modes")
        if m.volume_labels or m.volume_options or m.volume_nocopy:
            raise refuse("--mount volume-label/volume-opt/volume-nocopy", "create the volume with `mocker volume "
                         "create` first")
        ro = ",readonly" if m.read_only else ""
        if m.type == "bind":
            if not os.path.exists(m.source):
                raise InvalidArgument(f"invalid mount config for type \"bind\": bind source path does not exist: "
                                      f"{m.source}")
            if os.path.isdir(m.source):
                out += ["--mount", f"type=bind,source={m.source},target={m.target}{ro}"]
            else:   # the CLI's --mount binds directories only; its -v also binds single files (0.9+)
                out += ["--volume", f"{m.source}:{m.target}{':ro' if m.read_only else ''}"]
        elif m.type == "volume":
            src = f"source={m.source}," if m.source else ""
            out += ["--mount", f"type=volume,{src}target={m.target}{ro}"]
        else:
            tmp = ""
            if m.tmpfs_size:
                tmp += f",size={size_arg(m.tmpfs_size)}"
            if m.tmpfs_mode is not None:
                tmp += f",mode={m.tmpfs_mode:o}"
            out += ["--mount", f"type=tmpfs,target={m.target}{tmp}{ro}"]
    for path, text in opts.tmpfs.items():
        opts_text = ""
        for o in (x for x in text.split(",") if x):
            key, _, value = o.partition("=")
            if key in ("size", "mode"):
                opts_text += f",{key}={value}"
            else:
                raise refuse(f"--tmpfs {path}:{text}", f"the CLI's tmpfs takes size= and mode= only, not {o!r}")
        out += ["--mount", f"type=tmpfs,target={path}{opts_text}"]
    return out


def _ports(opts: ContainerCreateOptions) -> list[str]:
    """``-p [ip:][host:]ctr[/proto]`` (as typed; already checked by the CLI layer)."""
    out: list[str] = []
    for spec in opts.publish:
        parts = spec.split(":")
        ip, host, ctr = (":".join(parts[:-2]), parts[-2], parts[-1]) if len(parts) > 2 else \
            ("", parts[0], parts[1]) if len(parts) == 2 else ("", "", parts[0])
        port, _, proto = ctr.partition("/")
        proto = (proto or "tcp").lower()
        if not host:
            raise refuse(f"-p {spec}", "there are no random host ports; give -p HOST:CONTAINER")
        if proto == "sctp":
            raise refuse(f"-p {spec}", "only tcp and udp ports can be published")
        value = f"{ip}:{host}:{port}" if ip else f"{host}:{port}"
        if proto != "tcp":
            value += f"/{proto}"
        out += ["--publish", value]
    return out


def create_argv(opts: ContainerCreateOptions, *, given: Collection[str], platform: str,
                at_least: Callable[..., bool]) -> list[str]:
    """The full ``container create ...`` argument list (without the executable)."""
    _given(given, opts)
    argv: list[str] = ["create"]
    if opts.name:
        if len(opts.name) > NAME_MAX:
            raise InvalidArgument(f"Invalid container name ({opts.name}): the apple backend allows at most "
                                  f"{NAME_MAX} characters")
        argv += ["--name", opts.name]
    if at_least(0, 4):
        argv += ["--platform", platform]
    else:                       # --platform arrived in 0.4; before, --os and --arch
        os_, _, arch = platform.partition("/")
        argv += ["--os", os_, "--arch", arch.partition("/")[0]]
    if opts.open_stdin:
        argv.append("--interactive")
    if opts.tty:
        argv.append("--tty")
    for e in opts.env:
        if "=" not in e:
            raise refuse(f"-e {e}", "the CLI cannot unset an image variable (and the host has no value for it)")
        argv += ["--env", e]
    for k, v in opts.labels.items():
        if "=" in v:
            raise refuse(f"--label {k}={v}", "the CLI rejects label values containing '='")
        argv += ["--label", f"{k}={v}"]
    if opts.user:
        argv += ["--user", opts.user]
    if opts.workdir:
        argv += ["--workdir", opts.workdir]
    command = list(opts.command or ())
    if opts.entrypoint is not None:
        if not opts.entrypoint:
            raise refuse('--entrypoint ""', "the CLI cannot clear the image's entrypoint")
        argv += ["--entrypoint", opts.entrypoint[0]]
        command = [*opts.entrypoint[1:], *command]
    if opts.auto_remove:
        argv.append("--rm")
    if opts.resources.nano_cpus:
        argv += ["--cpus", cpus_arg(opts.resources.nano_cpus)]
    if opts.resources.memory:
        argv += ["--memory", memory_arg(opts.resources.memory)]
    if opts.resources.shm_size:
        _need(at_least, (1, 0), "--shm-size")
        argv += ["--shm-size", size_arg(opts.resources.shm_size)]
    if opts.security.read_only_rootfs:
        _need(at_least, (0, 8), "--read-only")
        argv.append("--read-only")
    for c in opts.security.cap_add:
        _need(at_least, (0, 12), "--cap-add")
        argv += ["--cap-add", c]
    for c in opts.security.cap_drop:
        _need(at_least, (0, 12), "--cap-drop")
        argv += ["--cap-drop", c]
    if opts.init:
        _need(at_least, (0, 10), "--init")
        argv.append("--init")
    for u in opts.ulimits:
        _need(at_least, (0, 9), "--ulimit")
        argv += ["--ulimit", f"{u.name}={u.soft}:{u.hard}"]
    for d in opts.dns:
        argv += ["--dns", d]
    for d in opts.dns_search:
        argv += ["--dns-search", d]
    for d in opts.dns_options:
        argv += ["--dns-option", d]
    if opts.cidfile:
        if os.path.exists(opts.cidfile):   # Docker refuses; the CLI would overwrite it
            raise InvalidArgument(f"Container ID file found, make sure the other container isn't running or "
                                  f"delete {opts.cidfile}")
        argv += ["--cidfile", opts.cidfile]
    argv += _networks(opts, at_least)
    argv += _ports(opts)
    argv += _mounts(opts)
    if opts.image.startswith("-"):
        raise UsageError(f"invalid reference format: {opts.image}")
    return [*argv, opts.image, *command]


def _need(at_least: Callable[..., bool], version: tuple[int, int], what: str) -> None:
    if not at_least(*version):
        raise refuse(what, f"needs container {version[0]}.{version[1]} or newer")
