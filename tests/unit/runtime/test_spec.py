"""config.json generation against Docker's defaults (moby oci/defaults.go, daemon/oci_linux.go).

Host facts (this process's capabilities, cgroup version, rlimits, sysctls, the init binary, the
default seccomp profile) are pinned by the ``host`` fixture, so the tables hold on any machine.
test_spec_runc.py runs a generated bundle under real runc, with the real host facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from mocker.errors import InvalidArgument, StoreError
from mocker.runtime.base import ContainerSpec, Device, Mount, Resources, Security, Ulimit
from mocker.runtime.linux import spec as spec_mod
from mocker.runtime.linux.spec import (
    ALL_CAPABILITIES,
    DEFAULT_CAPABILITIES,
    DEFAULT_PATH_ENV,
    INIT_PATH,
    build_oci_spec,
    merge_tmpfs_options,
)

HOST_CAPS = tuple(c for c in ALL_CAPABILITIES if c != "CAP_SYS_RESOURCE")  # as on these machines
DOCKER_MASKED = [
    "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    "/sys/devices/virtual/powercap",
]  # fmt: skip
DOCKER_READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
CID = "0123456789ab" + "c" * 52
REAL_HOST_CAPABILITIES = spec_mod.host_capabilities  # before the fixture replaces it
REAL_FIND_INIT_BINARY = spec_mod.find_init_binary


@pytest.fixture(autouse=True)
def host(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Pin host facts; records the caps the default seccomp profile was asked for."""
    seen: dict[str, Any] = {}

    def fake_profile(caps: Iterable[str], arch: str | None = None, **_: Any) -> dict[str, Any]:
        seen["caps"], seen["arch"] = list(caps), arch
        return {"defaultAction": "SCMP_ACT_ERRNO"}

    monkeypatch.setattr(spec_mod, "known_capabilities", lambda: ALL_CAPABILITIES)
    monkeypatch.setattr(spec_mod, "host_capabilities", lambda: HOST_CAPS)
    monkeypatch.setattr(spec_mod, "_cgroup_v2", lambda: False)
    monkeypatch.setattr(spec_mod, "swap_limit_supported", lambda: True)
    monkeypatch.setattr(spec_mod, "_sysctl_exists", lambda name: True)
    monkeypatch.setattr(spec_mod, "_host_hard_limit", lambda number: 20000 if number == 7 else 2**64 - 1)
    monkeypatch.setattr(spec_mod, "find_init_binary", lambda: "/usr/bin/catatonit")
    monkeypatch.setattr(spec_mod, "default_masked_paths", lambda: tuple(DOCKER_MASKED))
    monkeypatch.setattr(spec_mod.seccomp, "default_profile", fake_profile)
    return seen


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n")
    (root / "etc" / "group").write_text("root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n")
    return root


def make(**kwargs: Any) -> ContainerSpec:
    base: dict[str, Any] = {"id": CID, "name": "test", "rootfs_layers": (), "args": ("sh",)}
    return ContainerSpec(**{**base, **kwargs})


def build(rootfs: Path, **kwargs: Any) -> dict[str, Any]:
    return build_oci_spec(make(**kwargs), rootfs=str(rootfs))


def security(**kwargs: Any) -> Security:
    return Security(**kwargs)


# ---- whole document -------------------------------------------------------------------------------


def test_defaults_are_dockers(rootfs: Path, host: dict[str, Any]) -> None:
    config = build(rootfs)
    json.dumps(config)  # plain JSON all the way down
    assert config["ociVersion"] == "1.0.2"
    assert config["root"] == {"path": str(rootfs), "readonly": False}
    assert config["hostname"] == CID[:12]
    process = config["process"]
    assert process["args"] == ["sh"]
    assert process["cwd"] == "/"
    assert process["terminal"] is False
    assert process["user"] == {"uid": 0, "gid": 0, "additionalGids": [0, 10]}
    assert process["noNewPrivileges"] is False
    assert "rlimits" not in process and "oomScoreAdj" not in process
    caps = process["capabilities"]
    assert caps["bounding"] == caps["effective"] == caps["permitted"] == list(DEFAULT_CAPABILITIES)
    assert caps["inheritable"] == caps["ambient"] == []
    linux = config["linux"]
    assert linux["cgroupsPath"] == f"/mocker/{CID}"
    assert linux["maskedPaths"] == DOCKER_MASKED
    assert linux["readonlyPaths"] == DOCKER_READONLY
    assert linux["devices"] == []
    assert linux["seccomp"] == {"defaultAction": "SCMP_ACT_ERRNO"}
    assert sorted(host["caps"]) == sorted(DEFAULT_CAPABILITIES)
    assert linux["sysctl"] == {"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "0"}
    assert linux["resources"] == {"devices": linux["resources"]["devices"]}
    assert "domainname" not in config


def test_no_command_is_an_error(rootfs: Path) -> None:
    with pytest.raises(InvalidArgument, match="No command specified"):
        build(rootfs, args=())


def test_cgroups_path_is_the_callers_choice(rootfs: Path) -> None:
    config = build_oci_spec(make(), rootfs=str(rootfs), cgroups_path="system.slice:mocker:x")
    assert config["linux"]["cgroupsPath"] == "system.slice:mocker:x"


def test_hostname_domainname_tty_workdir(rootfs: Path) -> None:
    config = build(rootfs, hostname="web", domainname="example.org", tty=True, workdir="/srv")
    assert config["hostname"] == "web"
    assert config["domainname"] == "example.org"
    assert config["process"]["terminal"] is True
    assert config["process"]["cwd"] == "/srv"


# ---- capabilities ---------------------------------------------------------------------------------

D = list(DEFAULT_CAPABILITIES)
CAPS = [
    ((), (), False, D),
    (("NET_ADMIN",), (), False, D + ["CAP_NET_ADMIN"]),
    (("cap_net_admin", "sys_ptrace"), (), False, D + ["CAP_NET_ADMIN", "CAP_SYS_PTRACE"]),
    (("CHOWN",), (), False, D),  # already there: no duplicate
    ((), ("CHOWN", "cap_kill"), False, [c for c in D if c not in ("CAP_CHOWN", "CAP_KILL")]),
    (("ALL",), (), False, list(HOST_CAPS)),
    (("all",), ("NET_ADMIN", "MKNOD"), False, [c for c in HOST_CAPS if c not in ("CAP_NET_ADMIN", "CAP_MKNOD")]),
    (("NET_ADMIN",), ("ALL",), False, ["CAP_NET_ADMIN"]),
    ((), ("ALL",), False, []),
    ((), (), True, list(HOST_CAPS)),
    (("NET_ADMIN",), ("ALL",), True, list(HOST_CAPS)),  # privileged wins, as TweakCapabilities
]


@pytest.mark.parametrize(("add", "drop", "privileged", "expected"), CAPS)
def test_capabilities(rootfs: Path, add: tuple, drop: tuple, privileged: bool, expected: list[str]) -> None:
    config = build(rootfs, security=security(cap_add=add, cap_drop=drop, privileged=privileged))
    caps = config["process"]["capabilities"]
    assert caps["bounding"] == caps["effective"] == caps["permitted"] == expected


CAP_ERRORS = [
    (("FOO",), (), 'invalid CapAdd: unknown capability: "CAP_FOO"'),
    ((), ("CAP_FOO",), 'invalid CapDrop: unknown capability: "CAP_FOO"'),
    (("SYS_RESOURCE",), (), "invalid CapAdd: capability not supported by your kernel or not available in the "
     'current environment: "CAP_SYS_RESOURCE"'),
]  # fmt: skip


@pytest.mark.parametrize("privileged", [False, True])
@pytest.mark.parametrize(("add", "drop", "message"), CAP_ERRORS)
def test_capability_errors_use_dockers_words(
    rootfs: Path, add: tuple, drop: tuple, message: str, privileged: bool
) -> None:
    with pytest.raises(InvalidArgument) as info:
        build(rootfs, security=security(cap_add=add, cap_drop=drop, privileged=privileged))
    assert str(info.value) == message


def test_capabilities_from_capeff_bits() -> None:
    assert spec_mod.capabilities_from_bits(0xA80425FB, ALL_CAPABILITIES) == tuple(
        sorted(DEFAULT_CAPABILITIES, key=ALL_CAPABILITIES.index)
    )
    # bits the kernel does not know (above cap_last_cap) are left out
    assert spec_mod.capabilities_from_bits((1 << 41) - 1, ALL_CAPABILITIES[:38]) == ALL_CAPABILITIES[:38]
    assert REAL_HOST_CAPABILITIES()  # this process's CapEff parses


# ---- environment, user ----------------------------------------------------------------------------

ENV = [
    ((), False, [f"PATH={DEFAULT_PATH_ENV}", "HOSTNAME=h"]),
    ((), True, [f"PATH={DEFAULT_PATH_ENV}", "HOSTNAME=h", "TERM=xterm"]),
    (("PATH=/bin", "A=1"), False, ["PATH=/bin", "HOSTNAME=h", "A=1"]),
    (("TERM=dumb", "HOSTNAME=x"), True, [f"PATH={DEFAULT_PATH_ENV}", "HOSTNAME=x", "TERM=dumb"]),
    (("HOSTNAME", "B=2=3", "B=4"), False, [f"PATH={DEFAULT_PATH_ENV}", "B=4"]),  # bare KEY unsets it
]


@pytest.mark.parametrize(("env", "tty", "expected"), ENV)
def test_environment(rootfs: Path, env: tuple[str, ...], tty: bool, expected: list[str]) -> None:
    assert build(rootfs, env=env, tty=tty, hostname="h")["process"]["env"] == expected


def test_user_is_resolved_inside_the_rootfs(rootfs: Path) -> None:
    user = build(rootfs, user="nobody", group_add=("wheel", "4000"))["process"]["user"]
    assert user == {"uid": 65534, "gid": 65534, "additionalGids": [65534, 10, 4000]}
    with pytest.raises(InvalidArgument, match="unable to find user app: no matching entries in passwd file"):
        build(rootfs, user="app")


# ---- masked and read-only paths ---------------------------------------------------------------------

PATHS = [
    (security(), DOCKER_MASKED, DOCKER_READONLY),
    (security(privileged=True), [], []),
    (security(masked_paths=("/proc/x",), readonly_paths=()), ["/proc/x"], []),
    (security(privileged=True, masked_paths=("/proc/x",)), ["/proc/x"], []),  # explicit wins, as moby
]


@pytest.mark.parametrize(("sec", "masked", "readonly"), PATHS)
def test_masked_and_readonly_paths(rootfs: Path, sec: Security, masked: list[str], readonly: list[str]) -> None:
    linux = build(rootfs, security=sec)["linux"]
    assert (linux["maskedPaths"], linux["readonlyPaths"]) == (masked, readonly)


# ---- mounts ---------------------------------------------------------------------------------------


def by_dest(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["destination"]: m for m in config["mounts"]}


def test_default_mounts(rootfs: Path) -> None:
    mounts = build(rootfs)["mounts"]
    assert [(m["destination"], m["type"], m["source"], m["options"]) for m in mounts] == [
        ("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
        ("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        ("/dev/pts", "devpts", "devpts", ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        ("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
        ("/sys/fs/cgroup", "cgroup", "cgroup", ["ro", "nosuid", "noexec", "nodev"]),
        ("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
        ("/dev/shm", "tmpfs", "shm", ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]),
    ]


def test_shm_size_and_privileged_sysfs(rootfs: Path) -> None:
    mounts = by_dest(build(rootfs, resources=Resources(shm_size=1 << 20), security=security(privileged=True)))
    assert mounts["/dev/shm"]["options"][-1] == "size=1048576"
    assert mounts["/sys"]["options"] == ["nosuid", "noexec", "nodev"]
    assert mounts["/sys/fs/cgroup"]["options"] == ["nosuid", "noexec", "nodev"]


def test_user_mounts_are_ordered_by_depth_after_the_defaults(rootfs: Path) -> None:
    mounts = (
        Mount(type="bind", source="/s/c", target="/a/b/c"),
        Mount(type="volume", source="/v/_data", target="/a", name="v"),
        Mount(type="tmpfs", target="/a/b"),
        Mount(type="bind", source="/s/x", target="/x"),
    )
    config = build(rootfs, mounts=mounts, etc_files={"/etc/hosts": "/c/hosts"})
    dests = [m["destination"] for m in config["mounts"]]
    assert dests[:7] == ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"]
    assert dests[7:] == ["/a", "/x", "/a/b", "/etc/hosts", "/a/b/c"]


def test_user_mount_replaces_a_default_and_dev_replaces_everything_below(rootfs: Path) -> None:
    shm = by_dest(build(rootfs, mounts=(Mount(type="bind", source="/host/shm", target="/dev/shm"),)))
    assert shm["/dev/shm"]["source"] == "/host/shm" and shm["/dev/mqueue"]["type"] == "mqueue"
    dev = by_dest(build(rootfs, mounts=(Mount(type="bind", source="/dev", target="/dev"),)))
    assert dev["/dev"]["type"] == "bind"
    assert not [d for d in dev if d.startswith("/dev/")]


BINDS = [
    (Mount(type="bind", source="/s", target="/t"), ["rbind", "rprivate"]),
    (Mount(type="bind", source="/s", target="/t", read_only=True), ["rbind", "ro", "rprivate"]),
    (Mount(type="bind", source="/s", target="/t", propagation="rslave"), ["rbind", "rslave"]),
    (Mount(type="bind", source="/s", target="/t", options=("bind", "ro", "z", "nosuid")),
     ["bind", "ro", "rprivate", "nosuid"]),
    (Mount(type="volume", source="/v/_data", target="/t", name="v"), ["rbind"]),
    (Mount(type="volume", source="/v/_data", target="/t", read_only=True, options=("nocopy",)), ["rbind", "ro"]),
]  # fmt: skip


@pytest.mark.parametrize(("mount", "options"), BINDS)
def test_bind_and_volume_options(rootfs: Path, mount: Mount, options: list[str]) -> None:
    got = by_dest(build(rootfs, mounts=(mount,)))["/t"]
    assert got == {"destination": "/t", "type": "bind", "source": mount.source, "options": options}


def test_shared_or_slave_binds_set_rootfs_propagation(rootfs: Path) -> None:
    shared = build(rootfs, mounts=(Mount(type="bind", source="/s", target="/t", propagation="rshared"),))
    slave = build(rootfs, mounts=(Mount(type="bind", source="/s", target="/t", propagation="slave"),))
    assert shared["linux"]["rootfsPropagation"] == "shared"
    assert slave["linux"]["rootfsPropagation"] == "rslave"
    assert "rootfsPropagation" not in build(rootfs)["linux"]


TMPFS = [
    ((), False, ["noexec", "nosuid", "nodev", "rprivate"]),
    (("size=64m",), False, ["noexec", "nosuid", "nodev", "rprivate", "size=64m"]),
    (("exec", "mode=1777", "size=1m", "size=2m"), True,
     ["nosuid", "nodev", "rprivate", "exec", "mode=1777", "size=2m", "ro"]),
    (("shared", "defaults"), False, ["noexec", "nosuid", "nodev", "shared"]),
]  # fmt: skip


@pytest.mark.parametrize(("options", "read_only", "expected"), TMPFS)
def test_tmpfs_options_merge_like_moby(rootfs: Path, options: tuple, read_only: bool, expected: list[str]) -> None:
    mount = Mount(type="tmpfs", target="/t", options=options, read_only=read_only)
    assert by_dest(build(rootfs, mounts=(mount,)))["/t"] == {
        "destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": expected,
    }  # fmt: skip


def test_bad_tmpfs_option_and_mount_type() -> None:
    with pytest.raises(InvalidArgument, match='invalid tmpfs option "foo"'):
        merge_tmpfs_options(["foo=1"])
    with pytest.raises(InvalidArgument, match="invalid mount type"):
        spec_mod._user_mount(Mount(type="npipe", source="x", target="/t"))


def test_etc_files_in_dockers_order_readonly_with_the_rootfs_and_overridable(rootfs: Path) -> None:
    etc = {"/etc/hosts": "/c/hosts", "/etc/hostname": "/c/hostname", "/etc/resolv.conf": "/c/resolv.conf"}
    config = build(rootfs, etc_files=etc)
    got = [(m["destination"], m["source"], m["options"]) for m in config["mounts"][7:]]
    assert got == [
        ("/etc/resolv.conf", "/c/resolv.conf", ["rbind", "rprivate"]),
        ("/etc/hostname", "/c/hostname", ["rbind", "rprivate"]),
        ("/etc/hosts", "/c/hosts", ["rbind", "rprivate"]),
    ]
    ro = build(rootfs, etc_files=etc, security=security(read_only_rootfs=True))
    assert ro["root"]["readonly"] is True
    assert all(m["options"] == ["rbind", "ro", "rprivate"] for m in ro["mounts"][7:])
    mine = Mount(type="bind", source="/my/hosts", target="/etc/hosts")
    overridden = [m for m in build(rootfs, etc_files=etc, mounts=(mine,))["mounts"] if m["destination"] == "/etc/hosts"]
    assert [m["source"] for m in overridden] == ["/my/hosts"]


def test_init_runs_first_from_a_readonly_bind(rootfs: Path) -> None:
    config = build(rootfs, init=True, args=("sleep", "1"), mounts=(Mount(type="bind", source="/s", target="/sbin"),))
    assert config["process"]["args"] == [INIT_PATH, "--", "sleep", "1"]
    mounts = [m for m in config["mounts"] if m["destination"] in ("/sbin", INIT_PATH)]
    assert mounts == [  # the init lands on top of a user's /sbin, not under it
        {"destination": "/sbin", "type": "bind", "source": "/s", "options": ["rbind", "rprivate"]},
        {"destination": INIT_PATH, "type": "bind", "source": "/usr/bin/catatonit", "options": ["bind", "ro"]},
    ]


def test_init_without_an_init_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_mod, "INIT_BINARIES", ("/nonexistent/catatonit", "/nonexistent/tini-static"))
    with pytest.raises(StoreError, match="install the Debian package catatonit"):
        REAL_FIND_INIT_BINARY.__wrapped__()


# ---- resources ------------------------------------------------------------------------------------

MiB = 1 << 20
RESOURCES = [
    (Resources(), {}),
    (Resources(memory=64 * MiB), {"memory": {"limit": 64 * MiB, "swap": 128 * MiB}}),
    (Resources(memory=64 * MiB, memory_swap=-1), {"memory": {"limit": 64 * MiB}}),
    (Resources(memory=64 * MiB, memory_swap=100 * MiB), {"memory": {"limit": 64 * MiB, "swap": 100 * MiB}}),
    (Resources(memory_reservation=32 * MiB), {"memory": {"reservation": 32 * MiB}}),
    (Resources(oom_kill_disable=True), {"memory": {"disableOOMKiller": True}}),
    (Resources(nano_cpus=1_500_000_000), {"cpu": {"period": 100000, "quota": 150000}}),
    (Resources(nano_cpus=10_000_000), {"cpu": {"period": 100000, "quota": 1000}}),
    (Resources(cpu_period=50000, cpu_quota=25000), {"cpu": {"period": 50000, "quota": 25000}}),
    (Resources(cpu_shares=512, cpuset_cpus="0-1"), {"cpu": {"shares": 512, "cpus": "0-1"}}),
    (Resources(pids_limit=100), {"pids": {"limit": 100}}),
    (Resources(pids_limit=0), {"pids": {"limit": -1}}),
    (Resources(pids_limit=-1), {"pids": {"limit": -1}}),
]


@pytest.mark.parametrize(("resources", "expected"), RESOURCES)
def test_resources(rootfs: Path, resources: Resources, expected: dict[str, Any]) -> None:
    got = build(rootfs, resources=resources)["linux"]["resources"]
    del got["devices"]
    assert got == expected


def test_swap_is_left_out_without_swap_accounting(rootfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_mod, "swap_limit_supported", lambda: False)
    assert build(rootfs, resources=Resources(memory=MiB))["linux"]["resources"]["memory"] == {"limit": MiB}


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (Resources(memory=64 * MiB, memory_swap=32 * MiB), "Minimum memoryswap limit should be larger than memory"),
        (Resources(memory_swap=32 * MiB), "You should always set the Memory limit when using Memoryswap limit"),
        (Resources(cpu_shares=-1), "invalid CPU shares (-1): value must be a positive integer"),
    ],
)
def test_resource_errors(rootfs: Path, resources: Resources, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        build(rootfs, resources=resources)
    assert message in str(info.value)


# ---- rlimits --------------------------------------------------------------------------------------

INF = 2**64 - 1
RLIMITS = [
    (Ulimit(name="nofile", soft=1024, hard=4096), {"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024}),
    (Ulimit(name="nofile", soft=1 << 20, hard=1 << 20), {"type": "RLIMIT_NOFILE", "hard": 20000, "soft": 20000}),
    (Ulimit(name="nofile", soft=100, hard=-1), {"type": "RLIMIT_NOFILE", "hard": 20000, "soft": 100}),
    (Ulimit(name="core", soft=-1, hard=-1), {"type": "RLIMIT_CORE", "hard": INF, "soft": INF}),
    (Ulimit(name="NPROC", soft=10, hard=20), {"type": "RLIMIT_NPROC", "hard": 20, "soft": 10}),
]


@pytest.mark.parametrize(("ulimit", "expected"), RLIMITS)
def test_rlimits_are_capped_at_the_hosts_hard_limit(rootfs: Path, ulimit: Ulimit, expected: dict) -> None:
    assert build(rootfs, ulimits=(ulimit,))["process"]["rlimits"] == [expected]


def test_rlimits_are_not_capped_with_cap_sys_resource(rootfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec_mod, "host_capabilities", lambda: ALL_CAPABILITIES)
    rlimits = build(rootfs, ulimits=(Ulimit(name="nofile", soft=1 << 20, hard=1 << 20),))["process"]["rlimits"]
    assert rlimits == [{"type": "RLIMIT_NOFILE", "hard": 1 << 20, "soft": 1 << 20}]


@pytest.mark.parametrize(
    ("ulimit", "message"),
    [
        (Ulimit(name="as", soft=1, hard=1), "invalid ulimit type: as"),
        (Ulimit(name="nofile", soft=10, hard=5), "ulimit soft limit must be less than or equal to hard limit: 10 > 5"),
    ],
)
def test_rlimit_errors(rootfs: Path, ulimit: Ulimit, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build(rootfs, ulimits=(ulimit,))


# ---- namespaces, sysctls ----------------------------------------------------------------------------

NAMESPACES = [
    ({}, False, [{"type": "mount"}, {"type": "network"}, {"type": "uts"}, {"type": "pid"}, {"type": "ipc"}]),
    ({"network_mode": "host"}, False, [{"type": "mount"}, {"type": "uts"}, {"type": "pid"}, {"type": "ipc"}]),
    ({"network_mode": "bridge", "netns_path": "/run/netns/x"}, False,
     [{"type": "mount"}, {"type": "network", "path": "/run/netns/x"}, {"type": "uts"}, {"type": "pid"},
      {"type": "ipc"}]),
    ({}, True, [{"type": "mount"}, {"type": "network"}, {"type": "uts"}, {"type": "pid"}, {"type": "ipc"},
                {"type": "cgroup"}]),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "v2", "expected"), NAMESPACES)
def test_namespaces(rootfs: Path, kwargs: dict[str, Any], v2: bool, expected: list[dict[str, str]]) -> None:
    config = build_oci_spec(make(**kwargs), rootfs=str(rootfs), cgroup_v2=v2)
    assert config["linux"]["namespaces"] == expected


def test_sysctls(rootfs: Path) -> None:
    mine = {"net.ipv4.ip_unprivileged_port_start": "1024", "kernel.msgmax": "65536"}
    assert build(rootfs, sysctls=mine)["linux"]["sysctl"] == {
        "net.ipv4.ping_group_range": "0 2147483647", **mine,
    }  # fmt: skip
    assert build(rootfs, network_mode="host", sysctls={"kernel.msgmax": "1"})["linux"]["sysctl"] == {
        "kernel.msgmax": "1"
    }
    assert "sysctl" not in build(rootfs, network_mode="container:abc")["linux"]


# ---- seccomp --------------------------------------------------------------------------------------


def test_seccomp_choices(rootfs: Path, tmp_path: Path, host: dict[str, Any]) -> None:
    assert "seccomp" not in build(rootfs, security=security(seccomp_profile="unconfined"))["linux"]
    assert "seccomp" not in build(rootfs, security=security(privileged=True))["linux"]
    added = build(rootfs, security=security(seccomp_profile="builtin", cap_add=("SYS_ADMIN",)))
    assert added["linux"]["seccomp"] == {"defaultAction": "SCMP_ACT_ERRNO"}
    assert "CAP_SYS_ADMIN" in host["caps"]
    profile = tmp_path / "p.json"
    profile.write_text('{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ALLOW"}]}')
    for sec in (security(seccomp_profile=str(profile)), security(seccomp_profile=str(profile), privileged=True)):
        assert build(rootfs, security=sec)["linux"]["seccomp"] == {
            "defaultAction": "SCMP_ACT_LOG",
            "syscalls": [{"names": ["x"], "action": "SCMP_ACT_ALLOW"}],
        }


def test_seccomp_arch_is_passed_on(rootfs: Path, host: dict[str, Any]) -> None:
    build_oci_spec(make(), rootfs=str(rootfs), host_arch="aarch64")
    assert host["arch"] == "aarch64"


def test_no_new_privileges_and_apparmor(rootfs: Path) -> None:
    process = build(rootfs, security=security(no_new_privileges=True, apparmor_profile="docker-default"))["process"]
    assert process["noNewPrivileges"] is True
    assert process["apparmorProfile"] == "docker-default"
    assert "apparmorProfile" not in build(rootfs, security=security(apparmor_profile="unconfined"))["process"]


# ---- devices --------------------------------------------------------------------------------------


def test_default_device_rules_are_dockers(rootfs: Path) -> None:
    rules = build(rootfs)["linux"]["resources"]["devices"]
    assert rules[0] == {"allow": False, "access": "rwm"}
    assert [(r["allow"], r["type"], r["major"], r["minor"]) for r in rules[1:]] == [
        (True, "c", 1, 5), (True, "c", 1, 3), (True, "c", 1, 9), (True, "c", 1, 8), (True, "c", 5, 0),
        (True, "c", 5, 1), (False, "c", 10, 229),
    ]  # fmt: skip


def test_device_node_and_rule(rootfs: Path) -> None:
    device = Device(path_on_host="/dev/null", path_in_container="/dev/mynull", permissions="rw")
    linux = build(rootfs, devices=(device,))["linux"]
    node = linux["devices"][0]
    assert (node["path"], node["type"], node["major"], node["minor"]) == ("/dev/mynull", "c", 1, 3)
    assert node["fileMode"] == 0o666 and node["uid"] == 0
    assert linux["resources"]["devices"][-1] == {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rw"}


@pytest.mark.parametrize(
    ("device", "message"),
    [
        (Device(path_on_host="/nonexistent", path_in_container="/dev/x"),
         'error gathering device information while adding custom device "/nonexistent": no such file or directory'),
        (Device(path_on_host="/etc/hostname", path_in_container="/dev/x"), "not a device node"),
        (Device(path_on_host="/dev/null", path_in_container="/dev/x", permissions="rwx"), "invalid device mode: rwx"),
    ],
)  # fmt: skip
def test_device_errors(rootfs: Path, device: Device, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build(rootfs, devices=(device,))


def test_privileged_gets_every_host_device(rootfs: Path) -> None:
    linux = build(rootfs, security=security(privileged=True))["linux"]
    assert linux["resources"]["devices"] == [{"allow": True, "access": "rwm"}]
    paths = {d["path"] for d in linux["devices"]}
    assert "/dev/null" in paths and "/dev/console" not in paths
    assert not [p for p in paths if p.startswith(("/dev/pts/", "/dev/shm/"))]
