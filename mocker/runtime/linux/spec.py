"""OCI runtime spec (``config.json``) for a :class:`ContainerSpec`, with Docker's defaults.

Modelled on moby 28: ``oci/defaults.go`` (``DefaultLinuxSpec``), ``daemon/oci_linux.go``
(``createSpec`` and its ``With…`` options), ``oci/caps`` and moby/profiles seccomp. Where mocker
differs from Docker it is said next to the code. Host facts (capabilities of this process, cgroup
version, rlimits, devices) are read by small functions that tests can replace.
"""

from __future__ import annotations

import os
import resource
import stat
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from mocker.errors import InvalidArgument, StoreError
from mocker.runtime.base import ContainerSpec, Device, Mount
from mocker.runtime.linux import seccomp
from mocker.runtime.linux.users import resolve_user

__all__ = [
    "ALL_CAPABILITIES", "DEFAULT_CAPABILITIES", "DEFAULT_PATH_ENV", "DEFAULT_SHM_SIZE", "INIT_PATH",
    "build_oci_spec", "default_masked_paths", "find_init_binary", "host_capabilities",
    "known_capabilities", "tweak_capabilities",
]  # fmt: skip

OCI_VERSION = "1.0.2"
DEFAULT_PATH_ENV = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_SHM_SIZE = 64 * 1024 * 1024
INIT_PATH = "/sbin/docker-init"  # where Docker puts its init (daemon/oci_linux.go inContainerInitPath)
# Static init binaries that take `init -- cmd args`: catatonit (Debian's is static), Docker's own
# docker-init, and tini-static (Debian's plain `tini` is dynamically linked: useless in busybox).
INIT_BINARIES = ("/usr/bin/catatonit", "/usr/bin/docker-init", "/usr/sbin/docker-init", "/usr/bin/tini-static")

# Capability names by number (linux/capability.h); the running kernel knows 0..cap_last_cap.
ALL_CAPABILITIES = tuple("CAP_" + name for name in (
    "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
    "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO "
    "SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG "
    "MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM "
    "BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE"
).split())  # fmt: skip
# oci/caps/defaults.go, in Docker's order.
DEFAULT_CAPABILITIES = tuple("CAP_" + name for name in (
    "CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE "
    "SYS_CHROOT KILL AUDIT_WRITE"
).split())  # fmt: skip

# Docker 28.5's defaultLinuxMaskedPaths (thermal_throttle dirs are added per possible CPU).
_MASKED_PATHS = (
    "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    "/sys/devices/virtual/powercap",
)  # fmt: skip
_READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")

# DefaultLinuxSpec's device cgroup: deny all, then zero null urandom random tty console; deny fuse.
# The runtimes add their own defaults (full, ptmx, pts, tun) after these, as for Docker.
_DEFAULT_DEVICE_RULES = (
    {"allow": False, "access": "rwm"},
    *({"allow": True, "type": "c", "major": ma, "minor": mi, "access": "rwm"}
      for ma, mi in ((1, 5), (1, 3), (1, 9), (1, 8), (5, 0), (5, 1))),
    {"allow": False, "type": "c", "major": 10, "minor": 229, "access": "rwm"},
)  # fmt: skip

# docker/go-units ulimit names ("as" is disabled there too) -> Linux RLIMIT_* numbers.
_ULIMITS = {
    "core": 4, "cpu": 0, "data": 2, "fsize": 1, "locks": 10, "memlock": 8, "msgqueue": 12, "nice": 13,
    "nofile": 7, "nproc": 6, "rss": 5, "rtprio": 14, "rttime": 15, "sigpending": 11, "stack": 3,
}  # fmt: skip
_RLIM_INFINITY = 2**64 - 1
_PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave")
_NOT_MOUNT_OPTIONS = ("z", "Z", "nocopy", "rw")  # volume/SELinux flags: not for mount(2)
_ETC_ORDER = ("/etc/resolv.conf", "/etc/hostname", "/etc/hosts")  # Container.NetworkMounts order

# MergeTmpfsOptions (moby/sys/mount): flags that collide with each other share a key.
_TMPFS_FLAG_KEYS = {
    "ro": "rdonly", "rw": "rdonly", "suid": "nosuid", "nosuid": "nosuid", "dev": "nodev", "nodev": "nodev",
    "exec": "noexec", "noexec": "noexec", "sync": "sync", "async": "sync", "dirsync": "dirsync",
    "remount": "remount", "mand": "mand", "nomand": "mand", "atime": "noatime", "noatime": "noatime",
    "diratime": "nodiratime", "nodiratime": "nodiratime", "relatime": "relatime", "norelatime": "relatime",
    "strictatime": "strictatime", "nostrictatime": "strictatime",
    **{name: "propagation" for name in ("bind", "rbind", "unbindable", "runbindable", *_PROPAGATIONS)},
}  # fmt: skip
_TMPFS_DATA = ("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol")


def build_oci_spec(
    spec: ContainerSpec,
    *,
    rootfs: str,
    host_arch: str | None = None,
    cgroups_path: str | None = None,
    cgroup_v2: bool | None = None,
) -> dict[str, Any]:
    """The ``config.json`` object for ``spec`` with its root filesystem at ``rootfs``.

    ``rootfs`` must already be assembled (overlay mounted): ``--user`` names are looked up in its
    /etc/passwd and /etc/group. ``host_arch`` picks the seccomp architectures (default: this
    machine; qemu-run foreign binaries still make host syscalls). ``cgroups_path`` defaults to
    ``/mocker/<id>`` (cgroupfs driver). ``cgroup_v2`` (default: detected) decides the cgroup
    namespace, private on v2 and the host's on v1, as Docker's default ``--cgroupns``.
    """
    if not spec.args:
        raise InvalidArgument("No command specified")
    sec = spec.security
    caps = tweak_capabilities(sec.cap_add, sec.cap_drop, privileged=sec.privileged)
    uid, gid, additional_gids = resolve_user(rootfs, spec.user, spec.group_add)
    hostname = spec.hostname or spec.id[:12]
    init_binary = find_init_binary() if spec.init else None
    args = [INIT_PATH, "--", *spec.args] if init_binary else list(spec.args)

    process: dict[str, Any] = {
        "terminal": spec.tty,
        "user": {"uid": uid, "gid": gid, "additionalGids": list(additional_gids)},
        "args": args,
        "env": _environment(spec, hostname),
        "cwd": spec.workdir or "/",
        "capabilities": {
            "bounding": caps, "effective": caps, "permitted": caps, "inheritable": [], "ambient": [],
        },
        "noNewPrivileges": sec.no_new_privileges,
    }  # fmt: skip
    rlimits = _rlimits(spec)
    if rlimits:
        process["rlimits"] = rlimits
    if sec.apparmor_profile and sec.apparmor_profile != "unconfined":
        process["apparmorProfile"] = sec.apparmor_profile

    v2 = _cgroup_v2() if cgroup_v2 is None else cgroup_v2
    linux: dict[str, Any] = {
        "resources": resources_section(spec),
        "cgroupsPath": cgroups_path or f"/mocker/{spec.id}",
        "namespaces": _namespaces(spec, cgroupns=v2),
    }
    linux["devices"], linux["resources"]["devices"] = _devices(spec)
    sysctl = _sysctls(spec)
    if sysctl:
        linux["sysctl"] = sysctl
    profile = _seccomp(spec, caps, host_arch)
    if profile is not None:
        linux["seccomp"] = profile
    masked = () if sec.privileged else default_masked_paths()
    readonly = () if sec.privileged else _READONLY_PATHS
    linux["maskedPaths"] = list(sec.masked_paths if sec.masked_paths is not None else masked)
    linux["readonlyPaths"] = list(sec.readonly_paths if sec.readonly_paths is not None else readonly)
    if any(m.propagation in ("shared", "rshared") for m in spec.mounts):
        linux["rootfsPropagation"] = "shared"
    elif any(m.propagation in ("slave", "rslave") for m in spec.mounts):
        linux["rootfsPropagation"] = "rslave"

    config: dict[str, Any] = {
        "ociVersion": OCI_VERSION,
        "process": process,
        "root": {"path": rootfs, "readonly": sec.read_only_rootfs},
        "hostname": hostname,
        "mounts": _mounts(spec, init_binary),
        "linux": linux,
    }
    if spec.domainname:
        config["domainname"] = spec.domainname
    return config


# ---- capabilities (oci/caps) ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def known_capabilities() -> tuple[str, ...]:
    """Capabilities the running kernel knows (``/proc/sys/kernel/cap_last_cap``)."""
    try:
        last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return ALL_CAPABILITIES
    return ALL_CAPABILITIES[: last + 1]


@lru_cache(maxsize=1)
def host_capabilities() -> tuple[str, ...]:
    """Capabilities this process holds (``CapEff``): what ``--privileged`` and ``--cap-add ALL`` get.

    As containerd's ``cap.Current``: a capability the host withholds (here CAP_SYS_RESOURCE) cannot
    be given to a container, and asking the runtime for it would fail.
    """
    known = known_capabilities()
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                return capabilities_from_bits(int(line.split(":", 1)[1].strip(), 16), known)
    except (OSError, ValueError):
        pass
    return known


def capabilities_from_bits(bits: int, known: tuple[str, ...]) -> tuple[str, ...]:
    """Names of the capabilities set in a ``/proc/*/status`` bitmask, in number order."""
    return tuple(name for i, name in enumerate(known) if bits >> i & 1)


def _normalize_capabilities(names: Iterable[str], field: str) -> list[str]:
    """``NormalizeLegacyCapabilities``: upper-case, ``CAP_`` prefix, ``ALL`` kept; unknown is an error."""
    out: list[str] = []
    for name in names:
        cap = name.upper()
        if cap != "ALL" and not cap.startswith("CAP_"):
            cap = "CAP_" + cap
        if cap != "ALL":
            if cap not in known_capabilities():
                raise InvalidArgument(f'invalid {field}: unknown capability: "{cap}"')
            if cap not in host_capabilities():
                raise InvalidArgument(
                    f"invalid {field}: capability not supported by your kernel or not available "
                    f'in the current environment: "{cap}"'
                )
        if cap not in out:
            out.append(cap)
    return out


def tweak_capabilities(cap_add: Iterable[str], cap_drop: Iterable[str], *, privileged: bool) -> list[str]:
    """Docker's ``TweakCapabilities``: the defaults, minus drops, plus adds; ``ALL`` either way."""
    drops = _normalize_capabilities(cap_drop, "CapDrop")  # validated even when privileged, as moby
    adds = _normalize_capabilities(cap_add, "CapAdd")
    if privileged:
        return list(host_capabilities())
    if "ALL" in adds:
        return [c for c in host_capabilities() if c not in drops]
    if "ALL" in drops:
        return [c for c in adds if c != "ALL"]
    kept = [c for c in DEFAULT_CAPABILITIES if c not in drops]
    return kept + [c for c in adds if c not in kept]


# ---- process ------------------------------------------------------------------------------------------


def _environment(spec: ContainerSpec, hostname: str) -> list[str]:
    """``CreateDaemonEnvironment``: PATH, HOSTNAME, TERM (tty), then the container's env replaces or
    appends by key; a bare ``KEY`` (no ``=``) removes it."""
    env = [f"PATH={DEFAULT_PATH_ENV}", f"HOSTNAME={hostname}"] + (["TERM=xterm"] if spec.tty else [])
    for item in spec.env:
        key, sep, _ = item.partition("=")
        index = next((i for i, e in enumerate(env) if e.partition("=")[0] == key), None)
        if not sep:
            if index is not None:
                del env[index]
        elif index is None:
            env.append(item)
        else:
            env[index] = item
    return env


def _host_hard_limit(number: int) -> int:
    hard = resource.getrlimit(number)[1]
    return _RLIM_INFINITY if hard == resource.RLIM_INFINITY else hard


def _rlimits(spec: ContainerSpec) -> list[dict[str, Any]]:
    """``--ulimit`` as OCI rlimits; none given means none set (inherit), as Docker without daemon
    defaults. Without CAP_SYS_RESOURCE a limit above this process's hard limit cannot be set, so
    mocker lowers it to that hard limit (HOST-FACTS.md) rather than fail at start."""
    can_raise = "CAP_SYS_RESOURCE" in host_capabilities()
    out = []
    for ulimit in spec.ulimits:
        number = _ULIMITS.get(ulimit.name.lower())
        if number is None:
            raise InvalidArgument(f"invalid ulimit type: {ulimit.name}")
        soft = _RLIM_INFINITY if ulimit.soft < 0 else ulimit.soft
        hard = _RLIM_INFINITY if ulimit.hard < 0 else ulimit.hard
        if soft > hard:
            raise InvalidArgument(f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}")
        if not can_raise:
            hard = min(hard, _host_hard_limit(number))
            soft = min(soft, hard)
        out.append({"type": "RLIMIT_" + ulimit.name.upper(), "hard": hard, "soft": soft})
    return out


@lru_cache(maxsize=1)
def find_init_binary() -> str:
    """The host's static init for ``--init`` (bind-mounted read-only at :data:`INIT_PATH`)."""
    for candidate in INIT_BINARIES:
        if os.access(candidate, os.X_OK):
            return candidate
    raise StoreError("--init needs a static init binary: install the Debian package catatonit (or tini)")


# ---- mounts -------------------------------------------------------------------------------------------


def _default_mounts(shm_size: int, *, privileged: bool) -> list[dict[str, Any]]:
    """``DefaultLinuxSpec``'s mounts; /sys and /sys/fs/cgroup are writable when privileged."""
    ro = () if privileged else ("ro",)
    table: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
        ("/proc", "proc", "proc", ("nosuid", "noexec", "nodev")),
        ("/dev", "tmpfs", "tmpfs", ("nosuid", "strictatime", "mode=755", "size=65536k")),
        ("/dev/pts", "devpts", "devpts", ("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        ("/sys", "sysfs", "sysfs", ("nosuid", "noexec", "nodev", *ro)),
        ("/sys/fs/cgroup", "cgroup", "cgroup", (*ro, "nosuid", "noexec", "nodev")),
        ("/dev/mqueue", "mqueue", "mqueue", ("nosuid", "noexec", "nodev")),
        ("/dev/shm", "tmpfs", "shm", ("nosuid", "noexec", "nodev", "mode=1777", f"size={shm_size}")),  # noqa: S108
    )
    return [{"destination": d, "type": t, "source": src, "options": list(o)} for d, t, src, o in table]


def merge_tmpfs_options(options: Iterable[str]) -> list[str]:
    """moby/sys/mount ``MergeTmpfsOptions``: the last of colliding options wins, order kept."""
    seen: set[str] = set()
    merged: list[str] = []
    for option in reversed(list(options)):
        if option == "defaults":
            continue
        key = _TMPFS_FLAG_KEYS.get(option)
        if key is None:
            name, sep, _ = option.partition("=")
            if not sep or name not in _TMPFS_DATA:
                raise InvalidArgument(f'invalid tmpfs option "{name}"')
            key = "data:" + name
        if key not in seen:
            seen.add(key)
            merged.insert(0, option)
    return merged


def _user_mount(m: Mount) -> dict[str, Any]:
    if m.type == "tmpfs":
        options = ["noexec", "nosuid", "nodev", "rprivate", *m.options] + (["ro"] if m.read_only else [])
        return {"destination": m.target, "type": "tmpfs", "source": "tmpfs", "options": merge_tmpfs_options(options)}
    if m.type not in ("bind", "volume"):
        raise InvalidArgument(f"invalid mount type {m.type!r} for {m.target}")
    mode, read_only, extra = "rbind", m.read_only, []
    propagation = m.propagation or ("rprivate" if m.type == "bind" else "")
    for option in m.options:
        if option in ("bind", "rbind"):
            mode = option
        elif option in _PROPAGATIONS:
            propagation = option
        elif option in ("ro", "readonly"):
            read_only = True
        elif option not in _NOT_MOUNT_OPTIONS:
            extra.append(option)
    # Docker 25+ asks for "rro" (recursively read-only) when runtime and kernel support it; runc 1.1
    # here does not, so read-only binds are "ro" as Docker falls back to.
    options = [mode, *(["ro"] if read_only else []), *([propagation] if propagation else []), *extra]
    return {"destination": m.target, "type": "bind", "source": m.source, "options": options}


def _depth(destination: str) -> int:
    return os.path.normpath(destination).count("/")


def _mounts(spec: ContainerSpec, init_binary: str | None) -> list[dict[str, Any]]:
    """Docker's default mounts minus those a user mount replaces, then the user mounts, etc files and
    the init, sorted by depth (stable) so that a mount inside another comes after it."""
    user = [_user_mount(m) for m in spec.mounts]
    targets = {os.path.normpath(m["destination"]) for m in user}
    etc_options = ["rbind", "ro", "rprivate"] if spec.security.read_only_rootfs else ["rbind", "rprivate"]
    ordered_etc = sorted(spec.etc_files.items(), key=lambda kv: (_ETC_ORDER + (kv[0],)).index(kv[0]))
    for target, source in ordered_etc:
        if os.path.normpath(target) not in targets:
            user.append({"destination": target, "type": "bind", "source": source, "options": list(etc_options)})
    if init_binary is not None:
        user.append({"destination": INIT_PATH, "type": "bind", "source": init_binary, "options": ["bind", "ro"]})
    user.sort(key=lambda m: _depth(m["destination"]))

    shm_size = spec.resources.shm_size or DEFAULT_SHM_SIZE
    defaults = [
        m for m in _default_mounts(shm_size, privileged=spec.security.privileged)
        if m["destination"] not in targets and not ("/dev" in targets and m["destination"].startswith("/dev/"))
    ]  # fmt: skip
    return defaults + user


# ---- linux: namespaces, resources, devices, sysctls, seccomp --------------------------------------------


@lru_cache(maxsize=1)
def _cgroup_v2() -> bool:
    return os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def _namespaces(spec: ContainerSpec, *, cgroupns: bool) -> list[dict[str, str]]:
    namespaces: list[dict[str, str]] = [{"type": "mount"}]
    if spec.netns_path:
        namespaces.append({"type": "network", "path": spec.netns_path})
    elif spec.network_mode != "host":
        namespaces.append({"type": "network"})
    namespaces += [{"type": "uts"}, {"type": "pid"}, {"type": "ipc"}]
    if cgroupns:
        namespaces.append({"type": "cgroup"})
    return namespaces


@lru_cache(maxsize=1)
def swap_limit_supported() -> bool:
    if _cgroup_v2():
        return any(Path("/sys/fs/cgroup").glob("*/memory.swap.max"))
    return os.path.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")


def resources_section(spec: ContainerSpec) -> dict[str, Any]:
    """The OCI ``linux.resources`` memory/cpu/pids sections for ``spec`` (create and update write the same)."""
    r = spec.resources
    out: dict[str, Any] = {}
    memory: dict[str, Any] = {}
    limit = r.memory if r.memory and r.memory > 0 else 0
    if limit:
        memory["limit"] = limit
    if r.memory_reservation and r.memory_reservation > 0:
        memory["reservation"] = r.memory_reservation
    swap = r.memory_swap or (2 * limit if limit else 0)  # adaptContainerSettings: unset -> 2x memory
    if swap > 0:
        if not limit:
            raise InvalidArgument("You should always set the Memory limit when using Memoryswap limit, see usage")
        if swap < limit:
            raise InvalidArgument("Minimum memoryswap limit should be larger than memory limit, see usage")
        if swap_limit_supported():  # else Docker warns "Memory limited without swap"
            memory["swap"] = swap
    if r.oom_kill_disable:
        memory["disableOOMKiller"] = True
    if memory:
        out["memory"] = memory

    cpu: dict[str, Any] = {}
    if r.cpu_shares:
        if r.cpu_shares < 0:
            raise InvalidArgument(f"invalid CPU shares ({r.cpu_shares}): value must be a positive integer")
        cpu["shares"] = r.cpu_shares
    if r.cpuset_cpus:
        cpu["cpus"] = r.cpuset_cpus
    if r.nano_cpus and r.nano_cpus > 0:
        cpu["period"] = 100_000
        cpu["quota"] = r.nano_cpus * 100_000 // 1_000_000_000
    if r.cpu_period:
        cpu["period"] = r.cpu_period
    if r.cpu_quota:
        cpu["quota"] = r.cpu_quota
    if cpu:
        out["cpu"] = cpu
    if r.pids_limit is not None:
        out["pids"] = {"limit": r.pids_limit if r.pids_limit > 0 else -1}
    return out


def _device_node(info: os.stat_result, container_path: str) -> dict[str, Any] | None:
    """containerd's ``DeviceFromPath`` for an lstat result: None unless a char/block device."""
    if not (stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)):
        return None
    kind = "b" if stat.S_ISBLK(info.st_mode) else "c"
    major, minor, mode = os.major(info.st_rdev), os.minor(info.st_rdev), stat.S_IMODE(info.st_mode)
    return {"path": container_path, "type": kind, "major": major, "minor": minor, "fileMode": mode,
            "uid": info.st_uid, "gid": info.st_gid}  # fmt: skip


def _devices_from_path(device: Device) -> list[dict[str, Any]]:
    """oci ``DevicesFromPath``: one device node, or every device below a directory."""
    host = os.path.realpath(device.path_on_host) if os.path.islink(device.path_on_host) else device.path_on_host
    error = f'error gathering device information while adding custom device "{device.path_on_host}": '
    try:
        info = os.lstat(host)
    except OSError as exc:
        raise InvalidArgument(error + (exc.strerror or str(exc)).lower()) from exc
    in_container = device.path_in_container or device.path_on_host
    node = _device_node(info, in_container)
    found = [node] if node else []
    if stat.S_ISDIR(info.st_mode):
        for dirpath, _dirs, files in os.walk(host):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                child = _device_node(os.lstat(path), path.replace(host, in_container, 1))
                found += [child] if child else []
    if not found:
        raise InvalidArgument(error + "not a device node")
    return found


def host_devices(root: str = "/dev") -> list[dict[str, Any]]:
    """containerd's ``HostDevices``: every device node under /dev for ``--privileged``."""
    out = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in ("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"):
                out += host_devices(entry.path)
        elif entry.name != "console":
            try:
                node = _device_node(entry.stat(follow_symlinks=False), entry.path)
            except OSError:
                continue
            out += [node] if node else []
    return out


def _devices(spec: ContainerSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``WithDevices``: device nodes to create and the device cgroup rules."""
    if spec.security.privileged:
        nodes = host_devices()
        for device in spec.devices:
            if device.path_on_host != device.path_in_container:
                nodes += _devices_from_path(device)
        return nodes, [{"allow": True, "access": "rwm"}]
    devices: list[dict[str, Any]] = []
    rules = [dict(rule) for rule in _DEFAULT_DEVICE_RULES]
    for device in spec.devices:
        if not device.permissions or set(device.permissions) - set("rwm"):
            raise InvalidArgument(f"invalid device mode: {device.permissions}")
        for node in _devices_from_path(device):
            devices.append(node)
            rules.append({"allow": True, "type": node["type"], "major": node["major"], "minor": node["minor"],
                          "access": device.permissions})  # fmt: skip
    return devices, rules


def _sysctl_exists(name: str) -> bool:
    return os.path.exists(os.path.join("/proc/sys", name.replace(".", "/")))


def _sysctls(spec: ContainerSpec) -> dict[str, str]:
    """Docker's defaults for a private network namespace (unprivileged ping and low ports), then the
    container's own ``--sysctl`` values, which win."""
    out: dict[str, str] = {}
    if spec.network_mode != "host" and not spec.network_mode.startswith("container:"):
        if _sysctl_exists("net.ipv4.ping_group_range"):
            out["net.ipv4.ping_group_range"] = "0 2147483647"
        if _sysctl_exists("net.ipv4.ip_unprivileged_port_start"):
            out["net.ipv4.ip_unprivileged_port_start"] = "0"
    out.update(spec.sysctls)
    return out


def _seccomp(spec: ContainerSpec, caps: list[str], host_arch: str | None) -> dict[str, Any] | None:
    """``WithSeccomp``: none for "unconfined", none for --privileged unless a file is given, the
    default profile (``None`` or "builtin"), or the given file."""
    profile = spec.security.seccomp_profile
    if profile == "unconfined":
        return None
    if profile in (None, "", "builtin"):
        if spec.security.privileged:
            return None
        return seccomp.default_profile(caps, host_arch)
    return seccomp.load_profile(profile, caps, host_arch)


@lru_cache(maxsize=1)
def default_masked_paths() -> tuple[str, ...]:
    """Docker's masked paths plus ``thermal_throttle`` of each possible CPU that has one."""
    extra: list[str] = []
    try:
        possible = Path("/sys/devices/system/cpu/possible").read_text().strip()
    except OSError:
        possible = ""
    for part in filter(None, possible.split(",")):
        first, _, last = part.partition("-")
        for cpu in range(int(first), int(last or first) + 1):
            path = f"/sys/devices/system/cpu/cpu{cpu}/thermal_throttle"
            if os.path.exists(path):
                extra.append(path)
    return _MASKED_PATHS + tuple(extra)
