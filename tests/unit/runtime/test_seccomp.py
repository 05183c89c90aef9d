"""Docker-format seccomp profiles to OCI form: includes/excludes by caps, arch and kernel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mocker.errors import InvalidArgument, StoreError
from mocker.runtime.linux import seccomp
from mocker.runtime.linux.spec import DEFAULT_CAPABILITIES

SYSTEM_PROFILE = Path(seccomp.DEFAULT_PROFILE_PATH)
needs_system_profile = pytest.mark.skipif(
    not SYSTEM_PROFILE.is_file(), reason=f"{SYSTEM_PROFILE} missing (golang-github-containers-common)"
)

CLONE_MASK = 2114060288  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

# A slice of moby's profiles/seccomp/default.json: conditional rules of every kind.
DOCKER_PROFILE: dict[str, Any] = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 1,
    "archMap": [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
        {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]},
    ],
    "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
        {"names": ["bpf", "mount", "unshare"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {
            "names": ["clone"],
            "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": CLONE_MASK, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
            "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]},
        },
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
        {"names": ["new_syscall"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "6.5"}},
        {
            "names": ["socket"],
            "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_NE"}],
            "includes": {"caps": ["CAP_AUDIT_WRITE", "CAP_NET_ADMIN"]},
        },
    ],
}
DEFAULTS = set(DEFAULT_CAPABILITIES)


def names(profile: dict[str, Any] | None) -> list[str]:
    assert profile is not None
    return [n for rule in profile.get("syscalls", []) for n in rule["names"]]


# caps, arch, kernel, expected to be present, expected to be absent
CASES = [
    (DEFAULTS, "amd64", (6, 1), {"read", "ptrace", "arch_prctl", "clone", "clone3", "new_syscall"},
     {"bpf", "mount", "sync_file_range2", "socket"}),
    (DEFAULTS | {"CAP_SYS_ADMIN"}, "x86_64", (6, 1), {"bpf", "mount", "unshare"}, {"clone", "clone3"}),
    (["SYS_ADMIN"], "amd64", (6, 1), {"bpf"}, {"clone"}),  # names without the CAP_ prefix
    (DEFAULTS, "amd64", (4, 4), {"read", "new_syscall"}, {"ptrace"}),
    (DEFAULTS, "amd64", (4, 8), {"ptrace"}, set()),
    (DEFAULTS, "amd64", (6, 5), {"ptrace"}, {"new_syscall"}),
    (DEFAULTS, "aarch64", (6, 1), {"clone"}, {"arch_prctl", "sync_file_range2"}),
    (DEFAULTS, "s390x", (6, 1), {"read"}, {"clone", "arch_prctl"}),
    (DEFAULTS, "ppc64le", (6, 1), {"sync_file_range2"}, {"arch_prctl"}),
    (DEFAULTS | {"CAP_NET_ADMIN"}, "amd64", (6, 1), {"socket"}, set()),  # all includes.caps needed
]  # fmt: skip


@pytest.mark.parametrize(("caps", "arch", "kernel", "present", "absent"), CASES)
def test_docker_profile_conditions(caps, arch, kernel, present, absent) -> None:
    out = seccomp.to_oci(DOCKER_PROFILE, caps, arch, kernel=kernel)
    got = set(names(out))
    assert present <= got
    assert not (absent & got)


@pytest.mark.parametrize(
    ("arch", "architectures"),
    [
        ("amd64", ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]),
        ("arm64", ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]),
        ("s390x", ["SCMP_ARCH_S390X", "SCMP_ARCH_S390"]),
        ("riscv64", None),  # not in the archMap: no architectures (native only), as moby
    ],
)
def test_architectures_come_from_the_host_archmap_entry(arch: str, architectures: list[str] | None) -> None:
    out = seccomp.to_oci(DOCKER_PROFILE, DEFAULTS, arch, kernel=(6, 1))
    assert out is not None
    assert out.get("architectures") == architectures


def test_rule_fields_in_oci_form() -> None:
    out = seccomp.to_oci(DOCKER_PROFILE, DEFAULTS, "amd64", kernel=(6, 1))
    assert out is not None
    assert out["defaultAction"] == "SCMP_ACT_ERRNO"
    assert out["defaultErrnoRet"] == 1
    assert "archMap" not in out
    by_name = {rule["names"][0]: rule for rule in out["syscalls"]}
    assert by_name["clone"] == {
        "names": ["clone"],
        "action": "SCMP_ACT_ALLOW",
        "args": [{"index": 0, "value": CLONE_MASK, "op": "SCMP_CMP_MASKED_EQ"}],
    }
    assert by_name["clone3"] == {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
    assert by_name["read"] == {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}
    for rule in out["syscalls"]:
        assert set(rule) <= {"names", "action", "errnoRet", "args"}


def test_oci_profile_passes_through() -> None:
    oci = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "flags": ["SECCOMP_FILTER_FLAG_LOG"],
        "syscalls": [
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
            {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
        ],
    }
    assert seccomp.to_oci(oci, DEFAULTS, "arm64", kernel=(6, 1)) == oci


def test_legacy_name_and_errno_names() -> None:
    profile = {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrno": "ENOSYS",
        "syscalls": [{"name": "chmod", "action": "SCMP_ACT_ERRNO", "errno": "EPERM"}],
    }
    out = seccomp.to_oci(profile, DEFAULTS, "amd64", kernel=(6, 1))
    assert out == {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": 38,
        "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }


def test_empty_profile_disables_seccomp(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("{}")
    assert seccomp.load_profile(str(path), DEFAULTS, "amd64") is None


def test_load_profile_reads_docker_format(tmp_path: Path) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(DOCKER_PROFILE))
    out = seccomp.load_profile(str(path), DEFAULTS | {"CAP_SYS_ADMIN"}, "amd64", kernel=(6, 1))
    assert "mount" in names(out) and "clone" not in names(out)


BAD = [
    ("{not json", "Decoding seccomp profile failed: "),
    ("[]", "Decoding seccomp profile failed: the profile must be a JSON object"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}', "Decoding seccomp profile failed: syscalls must be"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "a", "names": ["b"]}]}',
     "both 'name' and 'names' are specified in the seccomp profile"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "archMap": [{}]}',
     "both 'architectures' and 'archMap' are specified in the seccomp profile"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "includes": {"minKernel": "4"}}]}',
     'invalid kernel version: "4", expected "<kernel>.<major>"'),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "errno": "ENOTANERRNO"}]}',
     "unknown errno"),
    ('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["a"], "args": [{"index": "x"}]}]}',
     "bad syscall argument"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), BAD)
def test_bad_profiles_are_invalid_arguments(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(body)
    with pytest.raises(InvalidArgument) as info:
        seccomp.load_profile(str(path), DEFAULTS, "amd64", kernel=(6, 1))
    assert message in str(info.value)


def test_missing_profile_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(InvalidArgument) as info:
        seccomp.load_profile(str(missing), DEFAULTS, "amd64")
    assert str(info.value) == f"opening seccomp profile ({missing}) failed: open {missing}: no such file or directory"


def test_missing_system_profile_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="golang-github-containers-common"):
        seccomp.default_profile(DEFAULTS, "amd64", path=str(tmp_path / "seccomp.json"))


@pytest.mark.parametrize(
    ("release", "version"), [("6.1.0-18-amd64", (6, 1)), ("3.12.25-gentoo", (3, 12)), ("4.8", (4, 8))]
)
def test_kernel_version(release: str, version: tuple[int, int]) -> None:
    assert seccomp.kernel_version(release) == version


# ---- containers-common's profile, as shipped --------------------------------------------------------


@needs_system_profile
def test_system_profile_for_default_caps_on_amd64() -> None:
    out = seccomp.default_profile(DEFAULTS, "amd64")
    assert out["defaultAction"] == "SCMP_ACT_ERRNO"
    assert out["defaultErrnoRet"] == 38  # ENOSYS for unknown syscalls
    assert out["architectures"] == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
    rules = out["syscalls"]
    allowed = {n for r in rules if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    denied = {n for r in rules if r["action"] == "SCMP_ACT_ERRNO" for n in r["names"]}
    assert {"read", "execve", "arch_prctl", "chroot"} <= allowed  # chroot: CAP_SYS_CHROOT is a default
    assert {"bpf", "open_by_handle_at", "kexec_load"} <= denied
    assert "open_by_handle_at" not in allowed and "bpf" not in allowed
    assert not ({"sync_file_range2", "s390_runtime_instr", "arm_fadvise64_64"} & allowed)
    for rule in rules:
        assert "errno" not in rule and "includes" not in rule and "excludes" not in rule and "comment" not in rule
        if rule["action"] == "SCMP_ACT_ERRNO":
            assert isinstance(rule["errnoRet"], int)
    # AUDIT_WRITE is a default cap: no AF_NETLINK/NETLINK_AUDIT socket restriction, plain socket allowed
    sockets = [r for r in rules if r["names"] == ["socket"]]
    assert sockets == [{"names": ["socket"], "action": "SCMP_ACT_ALLOW"}]


@needs_system_profile
def test_system_profile_follows_capabilities() -> None:
    without_audit = DEFAULTS - {"CAP_AUDIT_WRITE", "CAP_SYS_CHROOT"}
    out = seccomp.default_profile(without_audit | {"CAP_SYS_ADMIN", "CAP_DAC_READ_SEARCH"}, "amd64")
    allowed = {n for r in out["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    denied = {n for r in out["syscalls"] if r["action"] == "SCMP_ACT_ERRNO" for n in r["names"]}
    assert {"bpf", "perf_event_open", "open_by_handle_at"} <= allowed
    assert "chroot" in denied and "chroot" not in allowed
    netlink_audit = [r for r in out["syscalls"] if r["names"] == ["socket"] and r["action"] == "SCMP_ACT_ERRNO"]
    assert netlink_audit == [
        {
            "names": ["socket"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": 22,
            "args": [{"index": 0, "value": 16, "op": "SCMP_CMP_EQ"}, {"index": 2, "value": 9, "op": "SCMP_CMP_EQ"}],
        }
    ]


@needs_system_profile
def test_system_profile_on_arm64() -> None:
    out = seccomp.default_profile(DEFAULTS, "arm64")
    assert out["architectures"] == ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
    got = set(names(out))
    assert "arm_fadvise64_64" in got and "arch_prctl" not in got and "modify_ldt" not in got
