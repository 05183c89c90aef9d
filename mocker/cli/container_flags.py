"""The ``run``/``create`` flag tables (Docker 28's, every one) and their translation into options.

:data:`CREATE_FLAGS` is ``docker create --help``; :data:`RUN_FLAGS` adds ``-d``, ``--sig-proxy`` and
``--detach-keys``. A flag mocker cannot honour is declared ``unsupported=`` and using it raises
:class:`NotSupported` (exit 125). The commands parse with ``interspersed=False``: flags stop at the
image name. :func:`parse_run` turns the parsed flags into :class:`ContainerCreateOptions`, with
docker/cli's checks and words (``cli/command/container/opts.go``, ``run.go``, ``create.go``), then
the daemon's (:func:`validate_create_options`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mocker.cli import container_flag_parsers as P
from mocker.cli.flags import Flag, Parsed
from mocker.engine.types.containers import (
    ContainerCreateOptions,
    HealthCheck,
    NetworkAttachment,
    RestartPolicy,
    VolumeSpec,
    normalize_capabilities,
    validate_create_options,
)
from mocker.errors import InvalidArgument, NotSupported, UsageError
from mocker.runtime.base import Resources, Security, Ulimit

__all__ = ["CREATE_FLAGS", "RUN_FLAGS", "UNSUPPORTED", "parse_run"]


def _flag(long: str, short: str | None = None, kind: Any = "str", *, meta: str = "", help: str = "",
          conv: Callable[[str], Any] | None = None, **kw: Any) -> Flag:
    """A flag whose values pflag would check: errors name it as pflag does (``-m, --memory``)."""
    display = f"-{short}, --{long}" if short else f"--{long}"
    convert = P.converter(display, conv) if conv is not None else None
    return Flag(long, short, kind, help=help, metavar=meta or ("list" if kind == "list" else kind),
                convert=convert, **kw)


def _int(long: str, short: str | None = None, *, help: str) -> Flag:
    return _flag(long, short, "int", meta="int", help=help, conv=P.go_parse_int)


def _dur(long: str, help: str) -> Flag:
    return _flag(long, kind="str", meta="duration", help=f"{help} (ms|s|m|h) (default 0s)", conv=P.go_parse_duration)


def _size(long: str, short: str | None = None, *, help: str, swap: bool = False) -> Flag:
    return _flag(long, short, "str", meta="bytes", help=help, conv=P.mem_swap_bytes if swap else P.mem_bytes)


# Flags mocker does not implement, with the reason NotSupported gives (``--gpus is not supported by
# mocker (GPU device requests are not implemented)``).
UNSUPPORTED: dict[str, str] = {
    "annotation": "OCI annotations are not implemented yet",
    "blkio-weight": "block I/O weights are not implemented",
    "blkio-weight-device": "block I/O weights are not implemented",
    "cgroupns": "cgroup namespace modes are not implemented",
    "cpu-count": "it is a Windows-only option",
    "cpu-percent": "it is a Windows-only option",
    "cpu-rt-period": "real-time CPU scheduling limits are not implemented",
    "cpu-rt-runtime": "real-time CPU scheduling limits are not implemented",
    "cpuset-mems": "memory-node pinning is not implemented",
    "device-cgroup-rule": "device cgroup rules are not implemented",
    "device-read-bps": "block I/O throttling is not implemented",
    "device-read-iops": "block I/O throttling is not implemented",
    "device-write-bps": "block I/O throttling is not implemented",
    "device-write-iops": "block I/O throttling is not implemented",
    "gpus": "GPU device requests are not implemented",
    "io-maxbandwidth": "it is a Windows-only option",
    "io-maxiops": "it is a Windows-only option",
    "ipc": "IPC namespace modes are not implemented; every container gets a private IPC namespace",
    "kernel-memory": "kernel memory limits do not exist on cgroup v2 (Docker deprecated them)",
    "link": "legacy container links are not implemented; use a user-defined network",
    "link-local-ip": "link-local addresses are not implemented",
    "memory-swappiness": "memory swappiness is not implemented",
    "oom-score-adj": "OOM score adjustment is not implemented yet",
    "pid": "PID namespace sharing is not implemented",
    "storage-opt": "per-container storage options are not implemented",
    "use-api-socket": "mocker has no Docker API socket to mount into the container",
    "userns": "user namespace modes are not implemented",
    "uts": "UTS namespace sharing is not implemented",
    "volume-driver": "only the local volume driver exists",
    "volumes-from": "--volumes-from is not implemented yet",
}

_UNSUPPORTED_META = {"annotation": "map", "blkio-weight": "uint16", "cpu-count": "int", "cpu-percent": "int",
                     "cpu-rt-period": "int", "cpu-rt-runtime": "int", "gpus": "gpu-request", "io-maxbandwidth": "bytes",
                     "io-maxiops": "uint", "kernel-memory": "bytes", "memory-swappiness": "int",
                     "oom-score-adj": "int"}
_LISTS = {"annotation", "blkio-weight-device", "device-cgroup-rule", "device-read-bps", "device-read-iops",
          "device-write-bps", "device-write-iops", "link", "link-local-ip", "storage-opt", "volumes-from"}
_HELP = {
    "annotation": "Add an annotation to the container (passed through to the OCI runtime)",
    "blkio-weight": "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)",
    "blkio-weight-device": "Block IO weight (relative device weight)",
    "cgroupns": "Cgroup namespace to use (host|private)", "cpu-count": "CPU count (Windows only)",
    "cpu-percent": "CPU percent (Windows only)", "cpu-rt-period": "Limit CPU real-time period in microseconds",
    "cpu-rt-runtime": "Limit CPU real-time runtime in microseconds",
    "cpuset-mems": "MEMs in which to allow execution (0-3, 0,1)",
    "device-cgroup-rule": "Add a rule to the cgroup allowed devices list",
    "device-read-bps": "Limit read rate (bytes per second) from a device",
    "device-read-iops": "Limit read rate (IO per second) from a device",
    "device-write-bps": "Limit write rate (bytes per second) to a device",
    "device-write-iops": "Limit write rate (IO per second) to a device",
    "gpus": "GPU devices to add to the container ('all' to pass all GPUs)",
    "io-maxbandwidth": "Maximum IO bandwidth limit for the system drive (Windows only)",
    "io-maxiops": "Maximum IOps limit for the system drive (Windows only)", "ipc": "IPC mode to use",
    "kernel-memory": "Kernel memory limit", "link": "Add link to another container",
    "link-local-ip": "Container IPv4/IPv6 link-local addresses",
    "memory-swappiness": "Tune container memory swappiness (0 to 100) (default -1)",
    "oom-score-adj": "Tune host's OOM preferences (-1000 to 1000)", "pid": "PID namespace to use",
    "storage-opt": "Storage driver options for the container",
    "use-api-socket": "Bind mount Docker API socket and required auth", "userns": "User namespace to use",
    "uts": "UTS namespace to use", "volume-driver": "Optional volume driver for the container",
    "volumes-from": "Mount volumes from the specified container(s)",
}


def _unsupported(long: str) -> Flag:
    kind: Any = "bool" if long == "use-api-socket" else "list" if long in _LISTS else "str"
    meta = _UNSUPPORTED_META.get(long, "list" if kind == "list" else "string")
    return Flag(long, kind=kind, metavar=meta, help=_HELP[long], unsupported=UNSUPPORTED[long])


_SUPPORTED: tuple[Flag, ...] = (
    Flag("help", help="Print usage"),
    _flag("add-host", kind="list", help="Add a custom host-to-IP mapping (host:ip)", conv=P.validate_extra_host),
    _flag("attach", "a", "list", help="Attach to STDIN, STDOUT or STDERR", conv=P.validate_attach),
    Flag("cap-add", kind="list", metavar="list", help="Add Linux capabilities"),
    Flag("cap-drop", kind="list", metavar="list", help="Drop Linux capabilities"),
    Flag("cgroup-parent", kind="str", metavar="string", help="Optional parent cgroup for the container"),
    Flag("cidfile", kind="str", metavar="string", help="Write the container ID to the file"),
    _int("cpu-period", help="Limit CPU CFS (Completely Fair Scheduler) period"),
    _int("cpu-quota", help="Limit CPU CFS (Completely Fair Scheduler) quota"),
    _int("cpu-shares", "c", help="CPU shares (relative weight)"),
    _flag("cpus", meta="decimal", help="Number of CPUs", conv=P.nano_cpus),
    Flag("cpuset-cpus", kind="str", metavar="string", help="CPUs in which to allow execution (0-3, 0,1)"),
    Flag("device", kind="list", metavar="list", help="Add a host device to the container"),
    Flag("disable-content-trust", default=True, help="Skip image verification (default true)"),
    _flag("dns", kind="list", help="Set custom DNS servers", conv=P.validate_ip),
    Flag("dns-opt", kind="list", metavar="list", help="Set DNS options", hidden=True),
    Flag("dns-option", kind="list", metavar="list", help="Set DNS options"),
    _flag("dns-search", kind="list", help="Set custom DNS search domains", conv=P.validate_dns_search),
    Flag("domainname", kind="str", metavar="string", help="Container NIS domain name"),
    Flag("entrypoint", kind="str", metavar="string", help="Overwrite the default ENTRYPOINT of the image"),
    _flag("env", "e", "list", help="Set environment variables", conv=P.validate_env),
    Flag("env-file", kind="list", metavar="list", help="Read in a file of environment variables"),
    Flag("expose", kind="list", metavar="list", help="Expose a port or a range of ports"),
    Flag("group-add", kind="list", metavar="list", help="Add additional groups to join"),
    Flag("health-cmd", kind="str", metavar="string", help="Command to run to check health"),
    _dur("health-interval", "Time between running the check"),
    _int("health-retries", help="Consecutive failures needed to report unhealthy"),
    _dur("health-start-interval", "Time between running the check during the start period"),
    _dur("health-start-period", "Start period for the container to initialize before starting health-retries "
                                "countdown"),
    _dur("health-timeout", "Maximum time to allow one check to run"),
    Flag("hostname", "h", kind="str", metavar="string", help="Container host name"),
    Flag("init", help="Run an init inside the container that forwards signals and reaps processes"),
    Flag("interactive", "i", help="Keep STDIN open even if not attached"),
    Flag("ip", kind="str", metavar="string", help="IPv4 address (e.g., 172.30.100.104)"),
    Flag("ip6", kind="str", metavar="string", help="IPv6 address (e.g., 2001:db8::33)"),
    Flag("isolation", kind="str", metavar="string", help="Container isolation technology"),
    _flag("label", "l", "list", help="Set meta data on a container", conv=P.validate_label),
    Flag("label-file", kind="list", metavar="list", help="Read in a line delimited file of labels"),
    Flag("log-driver", kind="str", metavar="string", help="Logging driver for the container"),
    Flag("log-opt", kind="list", metavar="list", help="Log driver options"),
    Flag("mac-address", kind="str", metavar="string", help="Container MAC address (e.g., 92:d0:c6:0a:29:33)"),
    _size("memory", "m", help="Memory limit"),
    _size("memory-reservation", help="Memory soft limit"),
    _size("memory-swap", help="Swap limit equal to memory plus swap: '-1' to enable unlimited swap", swap=True),
    _flag("mount", kind="list", meta="mount", help="Attach a filesystem mount to the container", conv=P.parse_mount),
    Flag("name", kind="str", metavar="string", help="Assign a name to the container"),
    _flag("net", kind="list", meta="network", help="Connect a container to a network", conv=P.parse_network,
          hidden=True),
    Flag("net-alias", kind="list", metavar="list", help="Add network-scoped alias for the container", hidden=True),
    _flag("network", kind="list", meta="network", help="Connect a container to a network", conv=P.parse_network),
    Flag("network-alias", kind="list", metavar="list", help="Add network-scoped alias for the container"),
    Flag("no-healthcheck", help="Disable any container-specified HEALTHCHECK"),
    Flag("oom-kill-disable", help="Disable OOM Killer"),
    _int("pids-limit", help="Tune container pids limit (set -1 for unlimited)"),
    Flag("platform", kind="str", metavar="string", help="Set platform if server is multi-platform capable"),
    Flag("privileged", help="Give extended privileges to this container"),
    Flag("publish", "p", kind="list", metavar="list", help="Publish a container's port(s) to the host"),
    Flag("publish-all", "P", help="Publish all exposed ports to random ports"),
    Flag("pull", kind="str", default="missing", metavar="string",
         help='Pull image before creating ("always", "missing", "never") (default "missing")'),
    Flag("quiet", "q", help="Suppress the pull output"),
    Flag("read-only", help="Mount the container's root filesystem as read only"),
    Flag("restart", kind="str", default="no", metavar="string",
         help='Restart policy to apply when a container exits (default "no")'),
    Flag("rm", help="Automatically remove the container and its associated anonymous volumes when it exits"),
    Flag("runtime", kind="str", metavar="string", help="Runtime to use for this container"),
    Flag("security-opt", kind="list", metavar="list", help="Security Options"),
    _size("shm-size", help="Size of /dev/shm"),
    Flag("stop-signal", kind="str", metavar="string", help="Signal to stop the container"),
    _int("stop-timeout", help="Timeout (in seconds) to stop a container"),
    _flag("sysctl", kind="list", meta="map", help="Sysctl options", conv=P.validate_sysctl),
    Flag("tmpfs", kind="list", metavar="list", help="Mount a tmpfs directory"),
    Flag("tty", "t", help="Allocate a pseudo-TTY"),
    _flag("ulimit", kind="list", meta="ulimit", help="Ulimit options", conv=P.parse_ulimit),
    Flag("user", "u", kind="str", metavar="string", help="Username or UID (format: <name|uid>[:<group|gid>])"),
    Flag("volume", "v", kind="list", metavar="list", help="Bind mount a volume"),
    Flag("workdir", "w", kind="str", metavar="string", help="Working directory inside the container"),
)

_RUN_ONLY: tuple[Flag, ...] = (
    Flag("detach", "d", help="Run container in background and print container ID"),
    Flag("detach-keys", kind="str", metavar="string", help="Override the key sequence for detaching a container"),
    Flag("sig-proxy", default=True, help="Proxy received signals to the process (default true)"),
)


def _table(*groups: tuple[Flag, ...]) -> tuple[Flag, ...]:
    flags = [f for g in groups for f in g]
    return tuple(sorted(flags, key=lambda f: f.long))      # pflag lists flags by name


CREATE_FLAGS: tuple[Flag, ...] = _table(_SUPPORTED, tuple(_unsupported(n) for n in UNSUPPORTED))
RUN_FLAGS: tuple[Flag, ...] = _table(
    tuple(f for f in CREATE_FLAGS if f.long != "pull"), _RUN_ONLY,
    (Flag("pull", kind="str", default="missing", metavar="string",
          help='Pull image before running ("always", "missing", "never") (default "missing")'),),
)


def parse_run(
    parsed: Parsed,
    *,
    command: str,
    environ: Mapping[str, str] | None = None,
    proxy_env: Mapping[str, str] | None = None,
) -> ContainerCreateOptions:
    """``IMAGE [COMMAND] [ARG...]`` plus flags -> options, checked as docker/cli and the daemon do.

    ``command`` is ``run`` or ``create``. ``environ`` (default ``os.environ``) answers ``-e VAR``,
    ``--env-file`` keys without a value, ``DOCKER_DEFAULT_PLATFORM`` and ``DOCKER_CONTENT_TRUST``.
    ``proxy_env`` is the ``proxies`` of ``~/.docker/config.json`` as variables (``HTTP_PROXY`` ...);
    each is added, upper and lower case, unless ``-e`` sets it. Raises UsageError (docker/cli's
    checks), InvalidArgument (the daemon's) or NotSupported.
    """
    env_map: Mapping[str, str] = os.environ if environ is None else environ
    v = parsed.values
    run = command == "run"
    if v["pull"] not in ("always", "missing", "never", ""):
        raise UsageError(f"invalid pull option: '{v['pull']}': must be one of \"always\", \"missing\" or \"never\"")
    if not parsed.args:
        raise UsageError(f'"{command}" requires at least 1 argument.')
    trust_env = env_map.get("DOCKER_CONTENT_TRUST", "")
    trusted = not v["disable_content_trust"] if parsed.changed("disable_content_trust") else \
        trust_env != "" and trust_env not in ("0", "f", "F", "FALSE", "false", "False")
    if trusted:
        raise NotSupported("content trust (--disable-content-trust=false, DOCKER_CONTENT_TRUST)",
                           "image signature verification is not implemented")
    if v["mac_address"]:
        P.parse_mac(v["mac_address"])

    volumes: list[VolumeSpec] = []
    for spec in dict.fromkeys(v["volume"]):        # Docker keeps them in a map: duplicates go
        volumes.append(VolumeSpec.parse(split_volume(spec)))
    tmpfs = {k: opts for k, _, opts in (t.partition(":") for t in v["tmpfs"])}

    entrypoint: tuple[str, ...] | None = None
    if v["entrypoint"]:
        entrypoint = (v["entrypoint"],)
    elif parsed.changed("entrypoint"):
        entrypoint = ()
    publish, published = P.parse_publish(v["publish"])
    expose = tuple(dict.fromkeys([*published, *P.parse_expose(v["expose"])]))
    devices = tuple(P.parse_device(d) for d in v["device"])

    env_entries: list[str] = []
    for path in v["env_file"]:
        env_entries += read_kv_file(path, env_map.get)
    env = merge_env([*env_entries, *v["env"]], env_map)
    if proxy_env:
        given = {e.partition("=")[0] for e in env}
        env += tuple(f"{k}={val}" for key, val in proxy_env.items() if val
                     for k in dict.fromkeys((key, key.lower())) if k not in given)
    labels: dict[str, str] = {}
    for entry in [*(e for path in v["label_file"] for e in read_kv_file(path, None)), *v["label"]]:
        key, _, val = entry.partition("=")
        labels[key] = val

    name, retries = P.parse_restart(v["restart"])
    restart = RestartPolicy(name=name, maximum_retry_count=retries)
    log_opts = {k: val for k, _, val in (o.partition("=") for o in v["log_opt"])}
    if v["log_driver"] == "none" and v["log_opt"]:
        raise UsageError("invalid logging opts for driver none")
    sec_fields, security_opt = parse_security_opts(v["security_opt"])
    healthcheck = _healthcheck(v)

    ulimits: dict[str, Ulimit] = {u.name: u for u in v["ulimit"]}
    resources = Resources(
        memory=v["memory"] or None, memory_swap=v["memory_swap"] or None,
        memory_reservation=v["memory_reservation"] or None, nano_cpus=v["cpus"] or None,
        cpu_shares=v["cpu_shares"] or None, cpu_quota=v["cpu_quota"] or None, cpu_period=v["cpu_period"] or None,
        cpuset_cpus=v["cpuset_cpus"] or None, pids_limit=v["pids_limit"] if parsed.changed("pids_limit") else None,
        oom_kill_disable=v["oom_kill_disable"], shm_size=v["shm_size"] or None,
    )
    security = Security(
        privileged=v["privileged"], read_only_rootfs=v["read_only"],
        cap_add=normalize_capabilities(v["cap_add"], field_name="CapAdd"),
        cap_drop=normalize_capabilities(v["cap_drop"], field_name="CapDrop"), **sec_fields,
    )
    if v["rm"] and not restart.is_none:
        raise UsageError("conflicting options: cannot specify both --restart and --rm")
    networks = _networks(v)

    attach = v["attach"]
    detach = run and v["detach"]
    attach_stdin = "stdin" in attach or v["interactive"]
    attach_stdout = not attach or "stdout" in attach
    attach_stderr = not attach or "stderr" in attach
    if detach:
        if attach:
            raise UsageError("conflicting options: cannot specify both --attach and --detach")
        attach_stdin = attach_stdout = attach_stderr = False
    platform = v["platform"] or env_map.get("DOCKER_DEFAULT_PLATFORM") or None
    if platform:
        from mocker.image.platform import parse_platform

        try:
            parse_platform(platform)
        except InvalidArgument as e:
            raise InvalidArgument(f"error parsing specified platform: {e.message}") from None

    opts = ContainerCreateOptions(
        image=parsed.args[0], name=v["name"] or None, command=tuple(parsed.args[1:]) or None,
        entrypoint=entrypoint, env=env, labels=labels, workdir=v["workdir"] or None, user=v["user"] or None,
        group_add=tuple(v["group_add"]), hostname=v["hostname"] or None, domainname=v["domainname"] or None,
        tty=v["tty"], open_stdin=v["interactive"], attach_stdin=attach_stdin, attach_stdout=attach_stdout,
        attach_stderr=attach_stderr, stdin_once=v["interactive"] and attach_stdin, detach=detach,
        detach_keys=v.get("detach_keys") or None, sig_proxy=v.get("sig_proxy", True), auto_remove=v["rm"],
        restart=restart, volumes=tuple(volumes), mounts=tuple(v["mount"]), tmpfs=tmpfs, resources=resources,
        ulimits=tuple(ulimits[k] for k in sorted(ulimits)), devices=devices, security=security,
        security_opt=security_opt, init=v["init"] if parsed.changed("init") else None,
        stop_signal=v["stop_signal"] or None,
        stop_timeout=v["stop_timeout"] if parsed.changed("stop_timeout") else None, healthcheck=healthcheck,
        platform=platform, pull=v["pull"] or "missing", quiet=v["quiet"], cidfile=v["cidfile"] or None,
        runtime=v["runtime"] or None, cgroup_parent=v["cgroup_parent"] or None, isolation=v["isolation"] or None,
        log_driver=v["log_driver"] or None, log_opts=log_opts, sysctls=dict(s.partition("=")[::2] for s in v["sysctl"]),
        networks=networks, publish=tuple(publish), publish_all=v["publish_all"], expose=expose,
        dns=tuple(v["dns"]), dns_search=tuple(v["dns_search"]), dns_options=(*v["dns_option"], *v["dns_opt"]),
        extra_hosts=tuple(v["add_host"]),
    )
    validate_create_options(opts)
    return opts


def _healthcheck(v: dict[str, Any]) -> HealthCheck | None:
    durations = {k: v[f"health_{k}"] or 0 for k in ("interval", "timeout", "start_period", "start_interval")}
    retries = v["health_retries"] or 0
    if v["no_healthcheck"]:
        if v["health_cmd"] or retries or any(durations.values()):
            raise UsageError("--no-healthcheck conflicts with --health-* options")
        return HealthCheck(test=("NONE",))
    if not (v["health_cmd"] or retries or any(durations.values())):
        return None
    checks = [("interval", durations["interval"]), ("timeout", durations["timeout"]), ("retries", retries),
              ("start-period", durations["start_period"]), ("start-interval", durations["start_interval"])]
    for key, value in checks:
        if value < 0:
            raise UsageError(f"--health-{key} cannot be negative")
    test = ("CMD-SHELL", v["health_cmd"]) if v["health_cmd"] else None
    return HealthCheck(test=test, retries=retries, **durations)


def _user_defined(name: str) -> bool:
    return name not in ("default", "bridge", "host", "none") and not name.startswith("container:")


def _networks(v: dict[str, Any]) -> tuple[NetworkAttachment, ...]:
    """``parseNetworkOpts``: the first network takes ``--network-alias``/``--ip``/``--ip6``/``--mac-address``."""
    nets: list[NetworkAttachment] = [*v["network"], *v["net"]]
    aliases = (*v["network_alias"], *v["net_alias"])
    ip, ip6, mac = v["ip"] or None, v["ip6"] or None, v["mac_address"] or None
    implicit = not nets
    if implicit:
        nets = [NetworkAttachment(name="default")]
    out: list[NetworkAttachment] = []
    kinds: set[bool] = set()
    for i, n in enumerate(nets):
        if not implicit:
            kinds.add(_user_defined(n.name))
        if i == 0:
            for mine, theirs, what in ((aliases, n.aliases, "--network-alias and per-network alias"),
                                       (ip, n.ipv4_address, "--ip and per-network IPv4 address"),
                                       (ip6, n.ipv6_address, "--ip6 and per-network IPv6 address"),
                                       (mac, n.mac_address, "--mac-address and per-network MAC address")):
                if mine and theirs:
                    raise UsageError(f"conflicting options: cannot specify both {what}")
            n = NetworkAttachment(name=n.name, aliases=aliases or n.aliases, ipv4_address=ip or n.ipv4_address,
                                  ipv6_address=ip6 or n.ipv6_address, mac_address=mac or n.mac_address,
                                  driver_opts=n.driver_opts, gw_priority=n.gw_priority)
        if not n.name.strip():
            raise UsageError("no name set for network")
        if n.aliases and not _user_defined(n.name):
            raise UsageError("network-scoped aliases are only supported for user-defined networks")
        if n.mac_address:
            P.parse_mac(n.mac_address)
        if any(o.name == n.name for o in out):
            raise UsageError(f"network {P.go_quote(n.name)} is specified multiple times")
        out.append(n)
    if len(kinds) > 1:
        raise UsageError("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
    if implicit and out[0] == NetworkAttachment(name="default"):
        return ()
    return tuple(out)


# ---- files and values docker/cli reads while building the request ------------------------------

def read_kv_file(path: str, lookup: Callable[[str], str | None] | None) -> list[str]:
    """docker/cli ``pkg/kvfile.Parse`` (env and label files): ``KEY=VALUE`` as-is, ``KEY`` alone from
    ``lookup`` (dropped when it gives None), ``#`` comments, a UTF-8 BOM; no quotes, no expansion."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except IsADirectoryError:
        raise UsageError(f"invalid env file ({path}): read {path}: is a directory") from None
    except OSError as e:
        reason = (e.strerror or str(e))
        raise UsageError(f"open {path}: {reason[:1].lower()}{reason[1:]}") from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out: list[str] = []
    for n, raw in enumerate(lines, 1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if len(raw) >= 64 * 1024:
            raise UsageError(f"invalid env file ({path}): bufio.Scanner: token too long")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"invalid env file ({path}): invalid utf8 bytes at line {n}: "
                             f"[{' '.join(str(b) for b in raw)}]") from None
        if n == 1:
            text = text.removeprefix("\ufeff")
        line = text.lstrip()
        if not line or line[0] == "#":
            continue
        key, sep, _ = line.partition("=")
        if key == "":
            raise UsageError(f"invalid env file ({path}): no variable name on line '{line}'")
        if " " in key or "\t" in key:
            raise UsageError(f"invalid env file ({path}): variable '{key}' contains whitespaces")
        if sep:
            out.append(line)
        elif lookup is not None and (value := lookup(line)) is not None:
            out.append(f"{key}={value}")
    return out


def merge_env(entries: Iterable[str], environ: Mapping[str, str]) -> tuple[str, ...]:
    """``-e VAR`` takes the host's value; an unset one stays bare (it unsets the image's). Later
    values win, the first position is kept."""
    merged: dict[str, str] = {}
    for entry in entries:
        key, sep, _ = entry.partition("=")
        if not sep and key in environ:
            entry = f"{key}={environ[key]}"
        merged[key] = entry
    return tuple(merged.values())


def _read_seccomp(path: str) -> str:
    """docker/cli sends a seccomp profile file's content, compacted (``json.Compact``)."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        reason = e.strerror or str(e)
        raise UsageError(f"opening seccomp profile ({path}) failed: open {path}: "
                         f"{reason[:1].lower()}{reason[1:]}") from None
    try:
        json.loads(text)
    except ValueError as e:
        raise UsageError(f"compacting json for seccomp profile ({path}) failed: {e}") from None
    out, in_str, esc = [], False, False
    for ch in text:
        if in_str:
            out.append(ch)
            esc, in_str = (False, in_str) if esc else (ch == "\\", ch != '"')
        elif ch not in " \t\n\r":
            out.append(ch)
            in_str = ch == '"'
    return "".join(out)


def parse_security_opts(values: Iterable[str]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``--security-opt``: docker/cli's ``parseSecurityOpts``/``parseSystemPaths``, then the daemon's
    ``parseSecurityOpt``. Returns :class:`Security` fields and ``HostConfig.SecurityOpt``."""
    fields: dict[str, Any] = {}
    raw: list[str] = []
    for opt in values:
        k, sep, v = opt.partition("=")
        if not sep and k != "no-new-privileges":
            k, sep, v = opt.partition(":")
        if (not sep or v == "") and k != "no-new-privileges":
            raise UsageError(f"Invalid --security-opt: {P.go_quote(opt)}")
        if opt == "systempaths=unconfined":
            fields["masked_paths"] = fields["readonly_paths"] = ()
            continue
        if k == "seccomp" and v not in ("builtin", "unconfined"):
            opt = "seccomp=" + _read_seccomp(v)
            fields["seccomp_profile"] = os.path.abspath(v)
        raw.append(opt)
    from mocker.engine.types.containers import security_fields

    given = {k: v for k, v in fields.items() if k == "seccomp_profile"}
    fields.update(security_fields(raw))
    fields.update(given)    # a profile file's path, not the JSON text in ``raw``
    return fields, tuple(raw)


def split_volume(spec: str) -> str:
    """docker/cli's ``volumespec.Parse`` checks, then ``./rel`` host paths made absolute."""
    if spec == "":
        raise UsageError("invalid empty volume spec")
    if len(spec) > 2:
        fields, buf = 0, ""
        for ch in spec + "\0":
            if ch == ":" and len(buf) == 1 and buf.isalpha():
                buf += ch                       # a Windows drive letter, as Go's parser reads it
            elif ch in ":\0":
                if buf == "":
                    raise UsageError(f"invalid spec: {spec}: empty section between colons")
                fields += 1
                if fields > 2 and ch == ":":
                    raise UsageError(f"invalid spec: {spec}: too many colons")
                buf = ""
            else:
                buf += ch
    host, sep, rest = spec.partition(":")
    if sep and host.startswith("."):
        return os.path.abspath(host) + ":" + rest
    return spec
