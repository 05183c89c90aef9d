"""Compile an OCI seccomp section to BPF once, and hand crun the program instead of the rules.

Debian's crun 1.8 compiles the filter with libseccomp for every container (measured: 42 ms for
``crun run`` with the default profile, 9.5 ms without it) and keeps no cache. The profile only
changes with the capability set and the architecture, so mocker compiles it with the same
libseccomp (through ctypes) once per distinct section, keeps the program under ``<run>/seccomp``,
and passes it in crun's ``run.oci.seccomp_bpf_data`` annotation (base64). The seccomp section stays
in config.json, so runc and ``inspect`` see the rules. Anything unexpected -> ``None``: crun then
compiles the section itself, as before.
"""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any

from mocker.shortsha import sha256_hex

ANNOTATION = "run.oci.seccomp_bpf_data"

_ACTIONS = {
    "SCMP_ACT_KILL": 0x00000000, "SCMP_ACT_KILL_THREAD": 0x00000000, "SCMP_ACT_KILL_PROCESS": 0x80000000,
    "SCMP_ACT_TRAP": 0x00030000, "SCMP_ACT_LOG": 0x7FFC0000, "SCMP_ACT_ALLOW": 0x7FFF0000,
}
_OPS = {"SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4, "SCMP_CMP_GE": 5,
        "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7}
EPERM = 1


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def _action(name: str, errno_ret: int | None) -> int | None:
    if name == "SCMP_ACT_ERRNO":
        return 0x00050000 | ((errno_ret if errno_ret is not None else EPERM) & 0xFFFF)
    if name == "SCMP_ACT_TRACE":
        return 0x7FF00000 | ((errno_ret if errno_ret is not None else EPERM) & 0xFFFF)
    return _ACTIONS.get(name)


def _lib() -> Any:
    lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
    lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_ArgCmp)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


def compile_bpf(section: dict[str, Any]) -> bytes | None:
    """The BPF program for an OCI ``linux.seccomp`` section, or None when it cannot be built here."""
    if section.get("listenerPath") or section.get("flags"):
        return None  # notify listeners and filter flags: leave those to crun
    default = _action(section.get("defaultAction", ""), section.get("defaultErrnoRet"))
    if default is None:
        return None
    lib = _lib()
    ctx = lib.seccomp_init(default)
    if not ctx:
        return None
    try:
        for arch in section.get("architectures") or []:
            token = lib.seccomp_arch_resolve_name(arch.removeprefix("SCMP_ARCH_").lower().encode())
            if token == 0:
                return None
            rc = lib.seccomp_arch_add(ctx, token)
            if rc < 0 and rc != -17:  # -EEXIST: the native architecture is already there
                return None
        for rule in section.get("syscalls") or []:
            action = _action(rule.get("action", ""), rule.get("errnoRet"))
            if action is None:
                return None
            if action == default:
                continue  # libseccomp refuses rules that repeat the default action; crun skips them too
            args = rule.get("args") or []
            cmps = (_ArgCmp * max(1, len(args)))()
            for i, a in enumerate(args):
                op = _OPS.get(a.get("op", ""))
                if op is None:
                    return None
                cmps[i] = _ArgCmp(a["index"], op, a.get("value", 0), a.get("valueTwo", 0))
            for name in rule.get("names") or []:
                nr = lib.seccomp_syscall_resolve_name(name.encode())
                if nr < 0:
                    continue  # unknown to this libseccomp: crun ignores it the same way
                if lib.seccomp_rule_add_array(ctx, action, nr, len(args), cmps) < 0:
                    return None
        import tempfile  # only on a cache miss (start-up path otherwise)

        with tempfile.TemporaryFile() as f:
            if lib.seccomp_export_bpf(ctx, f.fileno()) < 0:
                return None
            f.seek(0)
            return f.read()
    finally:
        lib.seccomp_release(ctx)


def annotation_for(section: dict[str, Any], cache_dir: str) -> str | None:
    """base64 of the compiled program, from the cache when this exact section was compiled before."""
    key = sha256_hex(json.dumps(section, sort_keys=True).encode())
    path = os.path.join(cache_dir, key + ".bpf")
    try:
        with open(path, "rb") as f:
            program = f.read()
    except FileNotFoundError:
        program = b""
    if not program:
        program = _compile_and_cache(section, cache_dir, path) or b""
    if not program:
        return None
    import base64

    return base64.b64encode(program).decode()


def _compile_and_cache(section: dict[str, Any], cache_dir: str, path: str) -> bytes | None:
    try:
        program = compile_bpf(section)
    except (OSError, KeyError, TypeError, ValueError, AttributeError):
        return None
    if not program:
        return None
    import tempfile

    os.makedirs(cache_dir, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_dir)
    with os.fdopen(fd, "wb") as f:
        f.write(program)
    os.replace(tmp, path)
    return program
