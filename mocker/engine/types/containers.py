"""What ``run``/``create`` (and ``POST /containers/create``) ask for: :class:`ContainerCreateOptions`.

The CLI (``cli/container_flags.py``) and the API router fill the same records; ``None`` means "not
given" wherever Docker tells "unset" from a value. Resource limits, ulimits, devices and security
reuse the runtime's own records (:mod:`mocker.runtime.base`), so the engine passes them on as they are.

Docker checks a request twice: docker/cli parses flags (``cli/command/container/opts.go``), then the
daemon validates the request (moby ``daemon/container.go`` ``verifyContainerSettings``,
``volume/mounts/linux_parser.go``). The daemon half lives here, host-independent and shared by every
front end: :meth:`VolumeSpec.parse` (``-v`` / ``HostConfig.Binds``) and
:func:`validate_create_options`, which raises :class:`InvalidArgument` with moby's words (the CLI
shows them after ``Error response from daemon:``).
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import TYPE_CHECKING, Literal

from mocker.errors import InvalidArgument, NotSupported
from mocker.records import field, frozen
from mocker.runtime.base import Device, Resources, Security, Ulimit

if TYPE_CHECKING:
    import ipaddress

PullPolicy = Literal["always", "missing", "never"]
RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")
# moby api/types/mount: Propagations; linux_parser.go: linuxPropagationModes.
PROPAGATIONS = ("rprivate", "private", "rshared", "shared", "rslave", "slave")
MIN_MEMORY = 6 * 1024 * 1024            # moby daemon_unix.go linuxMinMemory
MIN_DURATION = 1_000_000                # containertypes.MinimumDuration (1ms) in ns
_NAME = re.compile(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]+")   # daemon/names.go validContainerNamePattern


@frozen(kw_only=True)
class RestartPolicy:
    """``--restart``; Docker's default is ``no`` (``""`` is accepted for old API clients)."""

    name: str = "no"
    maximum_retry_count: int = 0

    @property
    def is_none(self) -> bool:
        return self.name in ("no", "")


@frozen(kw_only=True)
class VolumeSpec:
    """One ``-v`` value as moby's Linux parser reads it (``ParseMountRaw``).

    ``type`` is ``bind`` when ``source`` is an absolute path, else ``volume`` (named, or anonymous
    when ``source`` is empty). ``mode`` is the raw third field (``ro,z``); the other fields are
    what it means. ``raw`` is the spec as ``HostConfig.Binds`` shows it.
    """

    raw: str
    type: Literal["bind", "volume"]
    source: str                         # absolute host path, volume name, or "" (anonymous)
    target: str                         # cleaned absolute path in the container
    mode: str = ""
    read_only: bool = False
    propagation: str | None = None      # bind propagation given in mode (default rprivate)
    nocopy: bool = False                # don't copy image content into a new volume
    relabel: str | None = None          # "z" / "Z" (SELinux; nothing to do without SELinux)

    @classmethod
    def parse(cls, raw: str) -> VolumeSpec:
        """Parse a ``-v`` spec; relative host paths must already be absolute (the CLI does that)."""
        arr = raw.split(":", 3)
        if arr[0] == "":
            raise InvalidArgument(_invalid_spec(raw))
        mode = ""
        if len(arr) == 1:
            source, target = "", arr[0]
        elif len(arr) == 2:
            if _valid_mount_mode(arr[1]):
                raise InvalidArgument(_invalid_spec(raw))  # "/foo:rw": a mode but no destination
            source, target = arr
        elif len(arr) == 3:
            source, target, mode = arr
        else:
            raise InvalidArgument(_invalid_spec(raw))
        if not _valid_mount_mode(mode):
            raise InvalidArgument(f"invalid mode: {mode}")
        kind: Literal["bind", "volume"] = "bind" if source.startswith("/") else "volume"
        opts = mode.split(",") if mode else []
        ro = "ro" in opts
        try:
            _check_target(target)
        except ValueError as e:
            raise InvalidArgument(f"{_invalid_spec(raw)}: invalid mount config for type \"{kind}\": {e}") from None
        return cls(
            raw=raw, type=kind, source=clean_path(source) if kind == "bind" else source,
            target=clean_path(target), mode=mode, read_only=ro,
            propagation=next((o for o in opts if o in PROPAGATIONS), None),
            nocopy="nocopy" in opts, relabel=next((o for o in opts if o in ("z", "Z")), None),
        )


@frozen(kw_only=True)
class MountSpec:
    """One ``--mount`` value (Docker's ``mount.Mount``); only types mocker can provide exist here."""

    type: Literal["bind", "volume", "tmpfs"] = "volume"
    source: str = ""
    target: str = ""
    read_only: bool = False
    consistency: str | None = None      # accepted and ignored on Linux, as Docker does
    bind_propagation: str | None = None
    bind_recursive: Literal["enabled", "disabled", "writable", "readonly"] | None = None
    volume_nocopy: bool = False
    volume_subpath: str | None = None
    volume_labels: dict[str, str] = field(default_factory=dict)
    volume_options: dict[str, str] = field(default_factory=dict)    # volume-opt=type=...,o=...
    tmpfs_size: int | None = None       # bytes
    tmpfs_mode: int | None = None       # permission bits, e.g. 0o1777


@frozen(kw_only=True)
class HealthCheck:
    """``--health-*``; durations in nanoseconds (0 = inherit/default), as the Engine API has them.

    ``test`` None keeps the image's test; ``("NONE",)`` disables it (``--no-healthcheck``).
    """

    test: tuple[str, ...] | None = None
    interval: int = 0
    timeout: int = 0
    start_period: int = 0
    start_interval: int = 0
    retries: int = 0


@frozen(kw_only=True)
class NetworkAttachment:
    """One ``--network`` (``name=...,alias=...`` or a bare name); the first one also carries
    ``--network-alias``, ``--ip``, ``--ip6`` and ``--mac-address``, as Docker does."""

    name: str
    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    mac_address: str | None = None
    driver_opts: dict[str, str] = field(default_factory=dict)
    gw_priority: int = 0


@frozen(kw_only=True)
class ContainerCreateOptions:
    """Everything ``run``/``create`` can set. Defaults are Docker's defaults."""

    image: str
    name: str | None = None
    command: tuple[str, ...] | None = None          # None: the image's CMD
    entrypoint: tuple[str, ...] | None = None       # None: the image's; (): reset (--entrypoint "")
    # After --env-file merge, deduplicated by name (last value wins, first position kept).
    # "VAR" without "=" means: unset VAR (also the image's), as moby's ReplaceOrAppendEnvValues does.
    env: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    workdir: str | None = None
    user: str | None = None
    group_add: tuple[str, ...] = ()
    hostname: str | None = None
    domainname: str | None = None
    tty: bool = False
    open_stdin: bool = False                        # -i
    attach_stdin: bool = False
    attach_stdout: bool = True
    attach_stderr: bool = True
    stdin_once: bool = False                        # close stdin when the attached client leaves
    detach: bool = False                            # run -d
    detach_keys: str | None = None
    sig_proxy: bool = True
    auto_remove: bool = False                       # --rm
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    volumes: tuple[VolumeSpec, ...] = ()            # -v
    mounts: tuple[MountSpec, ...] = ()              # --mount
    tmpfs: dict[str, str] = field(default_factory=dict)     # --tmpfs: path -> "size=64m,mode=1777"
    resources: Resources = field(default_factory=Resources)
    ulimits: tuple[Ulimit, ...] = ()                # one per name, sorted by name
    devices: tuple[Device, ...] = ()
    security: Security = field(default_factory=Security)    # also --read-only (read_only_rootfs)
    security_opt: tuple[str, ...] = ()              # raw --security-opt values, for inspect
    init: bool | None = None                        # None: not given (daemon default)
    stop_signal: str | None = None
    stop_timeout: int | None = None
    healthcheck: HealthCheck | None = None
    platform: str | None = None
    pull: PullPolicy = "missing"
    quiet: bool = False                             # -q: no pull progress
    cidfile: str | None = None
    runtime: str | None = None                      # "crun" / "runc"; None: the default
    cgroup_parent: str | None = None
    isolation: str | None = None                    # Linux knows "default" only
    log_driver: str | None = None                   # None: default (json-file); k8s-file; none
    log_opts: dict[str, str] = field(default_factory=dict)
    sysctls: dict[str, str] = field(default_factory=dict)
    # Networking (honoured by the network layer; parsed and checked here).
    networks: tuple[NetworkAttachment, ...] = ()    # () means the default network
    publish: tuple[str, ...] = ()                   # -p, in "ip:host:ctr/proto" notation
    publish_all: bool = False
    expose: tuple[str, ...] = ()                    # "80/tcp", ranges expanded
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()               # "host:ip" or "host:host-gateway"

    @property
    def network_mode(self) -> str:
        """``HostConfig.NetworkMode``: the first network, or ``default``."""
        return self.networks[0].name if self.networks else "default"

    @property
    def log_max_size(self) -> int | None:
        """``--log-opt max-size`` in bytes (go-units ``FromHumanSize``: decimal units)."""
        from mocker.format.units import from_human_size

        text = self.log_opts.get("max-size")
        return None if text is None else from_human_size(text)


# ---- helpers shared with the CLI parsers ---------------------------------------------------------

def clean_path(p: str) -> str:
    """Go's ``path.Clean`` (``//a`` -> ``/a``; ``""`` -> ``.``)."""
    if not p:
        return "."
    out = posixpath.normpath(p)
    return "/" + out.lstrip("/") if out.startswith("//") else out


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Go's ``net.ParseIP``: no zones, no spaces; IPv4-mapped IPv6 reads as IPv4."""
    if not text or "%" in text or text.strip() != text:
        return None
    import ipaddress

    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _invalid_spec(raw: str) -> str:
    return f"invalid volume specification: '{raw}'"


def _valid_mount_mode(mode: str) -> bool:
    """moby ``linuxValidMountMode``: at most one of each kind of mode."""
    if mode == "":
        return True
    counts = {"rw": 0, "label": 0, "prop": 0, "copy": 0, "cons": 0}
    for o in mode.split(","):
        if o in ("rw", "ro"):
            counts["rw"] += 1
        elif o in ("z", "Z"):
            counts["label"] += 1
        elif o in PROPAGATIONS:
            counts["prop"] += 1
        elif o == "nocopy":
            counts["copy"] += 1
        elif o in ("consistent", "cached", "delegated"):
            counts["cons"] += 1
        else:
            return False
    return all(n <= 1 for n in counts.values())


def _check_target(target: str) -> None:
    if target == "":
        raise ValueError("field Target must not be empty")
    if clean_path(target.replace("\\", "/")) == "/":
        raise ValueError("invalid specification: destination can't be '/'")
    if not target.replace("\\", "/").startswith("/"):
        raise ValueError(f"invalid mount path: '{target}' mount path must be absolute")


CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE",
)


def normalize_capabilities(caps: tuple[str, ...] | list[str], *, field_name: str) -> tuple[str, ...]:
    """moby ``caps.NormalizeLegacyCapabilities``, written as :class:`Security` wants: ``NET_ADMIN``
    (upper case, no ``CAP_``) or ``ALL``. ``field_name`` is ``CapAdd`` or ``CapDrop``."""
    out = []
    for c in caps:
        up = c.upper()
        name = up.removeprefix("CAP_")
        if up != "ALL" and name not in CAPABILITIES:
            full = up if up.startswith("CAP_") else "CAP_" + up
            raise InvalidArgument(f'invalid {field_name}: unknown capability: "{full}"')
        out.append(up if up == "ALL" else name)
    return tuple(out)


def security_fields(raw: tuple[str, ...] | list[str]) -> dict[str, object]:
    """moby's ``parseSecurityOpt`` over ``HostConfig.SecurityOpt`` (the CLI's ``--security-opt`` after
    its own checks, or an API request's) -> :class:`Security` fields. A seccomp profile arrives as
    the file's path from the CLI; its JSON text (as API clients send it) is refused by the caller."""
    import json

    fields: dict[str, object] = {}
    for opt in raw:
        if opt == "no-new-privileges":
            fields["no_new_privileges"] = True
            continue
        sep = "=" if "=" in opt else ":" if ":" in opt else ""
        if opt == "writable-cgroups" or opt.startswith("writable-cgroups" + sep) and sep:
            raise NotSupported("--security-opt writable-cgroups", "writable cgroup mounts are not implemented")
        if not sep:
            raise InvalidArgument(f"invalid --security-opt 1: {json.dumps(opt, ensure_ascii=False)}")
        k, _, v = opt.partition(sep)
        if k == "label":
            if v != "disable":
                raise NotSupported(f"--security-opt label={v}", "SELinux labels are not implemented")
        elif k == "apparmor":
            fields["apparmor_profile"] = v
        elif k == "seccomp":
            if v in ("builtin", "unconfined"):
                fields["seccomp_profile"] = None if v == "builtin" else v
        elif k == "no-new-privileges" and v in ("1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE",
                                                 "false", "False"):
            fields["no_new_privileges"] = v in ("1", "t", "T", "TRUE", "true", "True")
        else:
            raise InvalidArgument(f"invalid --security-opt 2: {json.dumps(opt, ensure_ascii=False)}")
    return fields


# ---- daemon-side validation ----------------------------------------------------------------------

def validate_create_options(opts: ContainerCreateOptions, *, host_cpus: int | None = None) -> None:
    """moby's ``verifyContainerSettings`` for what needs no daemon state; raises InvalidArgument.

    Also raises NotSupported for log settings mocker cannot honour (:func:`check_log_config`).
    ``host_cpus`` (default: the CPUs this process may use) bounds ``--cpus``. Capability checks
    (does this host have a memory controller?) are the engine's, via ``runtime.capabilities()``.
    Idempotent: ``parse_run`` calls it, and the engine may call it again for API requests.
    """
    if opts.name is not None and not _NAME.fullmatch(opts.name):
        raise InvalidArgument(f"Invalid container name ({opts.name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    if opts.workdir and not opts.workdir.startswith("/"):
        raise InvalidArgument(f"the working directory '{opts.workdir}' is invalid, it needs to be an absolute path")
    if opts.stop_signal:
        parse_signal(opts.stop_signal)
    for env in opts.env:
        if env.partition("=")[0] == "":
            raise InvalidArgument(f"invalid environment variable: {env}")
    _check_health(opts.healthcheck)
    if opts.auto_remove and not opts.restart.is_none:
        raise InvalidArgument("can't create 'AutoRemove' container with restart policy")
    for m in opts.mounts:
        _check_mount(m)
    _check_restart(opts.restart)
    if (opts.isolation or "").lower() not in ("", "default"):
        raise InvalidArgument(f"invalid isolation '{opts.isolation}' on linux")
    check_resources(opts.resources, host_cpus=host_cpus)
    if opts.runtime is not None and opts.runtime not in ("crun", "runc"):
        raise InvalidArgument(f"unknown or invalid runtime name: {opts.runtime}")
    for dest, text in opts.tmpfs.items():
        try:
            _check_target(dest)
        except ValueError as e:
            raise InvalidArgument(str(e)) from None
        _check_tmpfs_options([o for o in text.split(",") if o])
    for nw in opts.networks:
        _check_endpoint(nw)
    check_log_config(opts.log_driver, opts.log_opts)


def _check_restart(p: RestartPolicy) -> None:
    if p.name in ("always", "unless-stopped", "no"):
        if p.maximum_retry_count != 0:
            msg = "invalid restart policy: maximum retry count can only be used with 'on-failure'"
            if p.maximum_retry_count < 0:
                msg += " and cannot be negative"
            raise InvalidArgument(msg)
    elif p.name == "on-failure":
        if p.maximum_retry_count < 0:
            raise InvalidArgument("invalid restart policy: maximum retry count cannot be negative")
    elif p.name != "":
        raise InvalidArgument(f"invalid restart policy: unknown policy '{p.name}'; use one of 'no', 'always', "
                              "'on-failure', or 'unless-stopped'")


def _check_health(h: HealthCheck | None) -> None:
    if h is None:
        return
    for label, value in (("Interval", h.interval), ("Timeout", h.timeout)):
        if value != 0 and value < MIN_DURATION:
            raise InvalidArgument(f"{label} in Healthcheck cannot be less than 1ms")
    if h.retries < 0:
        raise InvalidArgument("Retries in Healthcheck cannot be negative")
    for label, value in (("StartPeriod", h.start_period), ("StartInterval", h.start_interval)):
        if value != 0 and value < MIN_DURATION:
            raise InvalidArgument(f"{label} in Healthcheck cannot be less than 1ms")


def _check_mount(m: MountSpec) -> None:
    """moby ``validateMountConfigImpl`` (with the bind source existence check)."""
    def fail(msg: str) -> InvalidArgument:
        return InvalidArgument(f'invalid mount config for type "{m.type}": {msg}')

    try:
        _check_target(m.target)
    except ValueError as e:
        raise fail(str(e)) from None
    if m.type == "bind":
        if m.source == "":
            raise fail("field Source must not be empty")
        if m.bind_propagation and m.bind_propagation not in PROPAGATIONS:
            raise fail(f"invalid propagation mode: {m.bind_propagation}")
        if not m.source.startswith("/"):
            raise fail(f"invalid mount path: '{m.source}' mount path must be absolute")
        if not os.path.lexists(m.source):
            raise fail(f"bind source path does not exist: {m.source}")
    elif m.type == "volume":
        if m.volume_subpath:
            if not m.source:
                raise fail("must not set Subpath when using anonymous volumes")
            sub = m.volume_subpath
            if sub.startswith("/") or posixpath.normpath(sub).split("/")[0] == "..":
                raise fail("subpath must be a relative path within the volume")
        if m.read_only and not m.source:
            raise fail("must not set ReadOnly mode when using anonymous volumes")
    elif m.type == "tmpfs":
        if m.source:
            raise fail("field Source must not be specified")
    else:
        raise fail("mount type unknown")


_TMPFS_FLAGS = {
    "defaults", "ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async", "dirsync",
    "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "bind", "rbind", "unbindable",
    "runbindable", "private", "rprivate", "shared", "rshared", "slave", "rslave", "relatime", "norelatime",
    "strictatime", "nostrictatime",
}
_TMPFS_DATA = {"", "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"}


def _check_tmpfs_options(options: list[str]) -> None:
    """moby/sys/mount ``MergeTmpfsOptions``' check, met by Docker when the container starts."""
    for o in options:
        if o in _TMPFS_FLAGS:
            continue
        parts = o.split("=", 1)
        if len(parts) != 2 or parts[0] not in _TMPFS_DATA:
            raise InvalidArgument("invalid tmpfs option [" + " ".join(f'"{p}"' for p in parts) + "]")


def check_resources(r: Resources, *, host_cpus: int | None = None) -> None:
    """moby ``verifyPlatformContainerResources``' checks that hold on every host."""
    mem, swap, res = r.memory or 0, r.memory_swap or 0, r.memory_reservation or 0
    if mem and mem < MIN_MEMORY:
        raise InvalidArgument("Minimum memory limit allowed is 6MB")
    if mem > 0 and swap > 0 and swap < mem:
        raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage")
    if mem == 0 and swap > 0:
        raise InvalidArgument("You should always set the Memory limit when using Memoryswap limit, see usage")
    if res > 0 and res < MIN_MEMORY:
        raise InvalidArgument("Minimum memory reservation allowed is 6MB")
    if mem > 0 and res > 0 and mem < res:
        raise InvalidArgument("Minimum memory limit can not be less than memory reservation limit, see usage")
    nano, period, quota = r.nano_cpus or 0, r.cpu_period or 0, r.cpu_quota or 0
    if nano > 0 and period > 0:
        raise InvalidArgument("Conflicting options: Nano CPUs and CPU Period cannot both be set")
    if nano > 0 and quota > 0:
        raise InvalidArgument("Conflicting options: Nano CPUs and CPU Quota cannot both be set")
    if nano:
        nc = host_cpus if host_cpus is not None else _host_cpus()
        if nano < 0 or nano > nc * 1_000_000_000:
            raise InvalidArgument(f"range of CPUs is from 0.01 to {nc}.00, as there are only {nc} CPUs available")
    if period and not 1000 <= period <= 1_000_000:
        raise InvalidArgument("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)")
    if 0 < quota < 1000:
        raise InvalidArgument("CPU cfs quota can not be less than 1ms (i.e. 1000)")
    if r.shm_size is not None and r.shm_size < 0:
        raise InvalidArgument("SHM size can not be less than 0")


def _host_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _check_endpoint(nw: NetworkAttachment) -> None:
    """moby ``EndpointIPAMConfig.Validate``."""
    if nw.ipv4_address:
        ip = parse_ip(nw.ipv4_address)
        if ip is None or ip.version != 4 or ip.is_unspecified:
            raise InvalidArgument(f"invalid IPv4 address: {nw.ipv4_address}")
    if nw.ipv6_address:
        ip = parse_ip(nw.ipv6_address)
        if ip is None or ip.version != 6 or ip.is_unspecified:
            raise InvalidArgument(f"invalid IPv6 address: {nw.ipv6_address}")


JSON_FILE_LOG_OPTS = ("max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag")
LOG_DRIVERS = ("json-file", "k8s-file", "none")


def check_log_config(driver: str | None, opts: dict[str, str]) -> None:
    """moby ``logger.ValidateLogOpts`` and json-file's checks, then what mocker's log writer can do.

    conmon writes one size-capped log file per container: ``max-size`` and ``mode=blocking`` (how
    conmon writes anyway) are honoured; rotation, compression and log tags are not.
    """
    from mocker.format.units import from_human_size

    if driver not in (None, *LOG_DRIVERS):
        raise NotSupported(f"--log-driver={driver}", "only the json-file, k8s-file and none logging drivers exist")
    if driver == "none" and opts:
        raise InvalidArgument("invalid logging opts for driver none")
    mode = opts.get("mode")
    if mode is not None and mode not in ("blocking", "non-blocking"):
        raise InvalidArgument(f"logger: logging mode not supported: {mode}")
    for key in opts:
        if key not in JSON_FILE_LOG_OPTS and key not in ("mode", "max-buffer-size"):
            raise InvalidArgument(f"unknown log opt '{key}' for {driver or 'json-file'} log driver")
    for key, value in opts.items():
        if key == "max-size":
            if from_human_size(value) <= 0:
                raise InvalidArgument("max-size must be a positive number")
        elif key != "mode" or value != "blocking":
            what = f"--log-opt {key}" if key != "mode" else f"--log-opt mode={value}"
            raise NotSupported(what, "the container log is one size-capped file; only max-size and "
                                     "mode=blocking are implemented")


_SIGNALS = {
    "ABRT": 6, "ALRM": 14, "BUS": 7, "CHLD": 17, "CLD": 17, "CONT": 18, "FPE": 8, "HUP": 1, "ILL": 4, "INT": 2,
    "IO": 29, "IOT": 6, "KILL": 9, "PIPE": 13, "POLL": 29, "PROF": 27, "PWR": 30, "QUIT": 3, "SEGV": 11,
    "STKFLT": 16, "STOP": 19, "SYS": 31, "TERM": 15, "TRAP": 5, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23,
    "USR1": 10, "USR2": 12, "VTALRM": 26, "WINCH": 28, "XCPU": 24, "XFSZ": 25, "RTMIN": 34, "RTMAX": 64,
    **{f"RTMIN+{i}": 34 + i for i in range(1, 16)}, **{f"RTMAX-{i}": 64 - i for i in range(1, 15)},
}


def parse_signal(text: str) -> int:
    """moby/sys/signal ``ParseSignal`` (Linux): a non-zero number, or a name with or without SIG."""
    if re.fullmatch(r"[+-]?[0-9]+", text):
        n = int(text)
        if n == 0 or not -(2**63) <= n < 2**63:
            raise InvalidArgument(f"invalid signal: {text}")
        return n
    upper = text.upper()
    sig = _SIGNALS.get(upper[3:] if upper.startswith("SIG") else upper)
    if sig is None:
        raise InvalidArgument(f"invalid signal: {text}")
    return sig
