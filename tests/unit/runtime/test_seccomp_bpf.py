"""The precompiled filter handed to crun: built by the host's libseccomp from mocker's profile."""

from __future__ import annotations

import base64

from mocker.runtime.linux import seccomp
from mocker.runtime.linux.seccomp_bpf import annotation_for, compile_bpf
from mocker.runtime.linux.spec import DEFAULT_CAPABILITIES


def test_default_profile_compiles_to_bpf_and_is_cached(tmp_path):
    section = seccomp.default_profile(set(DEFAULT_CAPABILITIES))
    program = compile_bpf(section)
    assert program and len(program) % 8 == 0  # struct sock_filter is 8 bytes
    data = annotation_for(section, str(tmp_path))
    assert data is not None and base64.b64decode(data) == program
    assert len(list(tmp_path.iterdir())) == 1
    assert annotation_for(section, str(tmp_path)) == data  # from the cache


def test_sections_it_cannot_express_fall_back_to_the_runtime(tmp_path):
    assert compile_bpf({"defaultAction": "SCMP_ACT_NOTIFY", "syscalls": []}) is None
    assert compile_bpf({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x", "syscalls": []}) is None
    bad_op = {"defaultAction": "SCMP_ACT_ALLOW",
              "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "BOGUS"}]}]}
    assert annotation_for(bad_op, str(tmp_path)) is None


def test_different_capabilities_give_different_programs():
    plain = compile_bpf(seccomp.default_profile(set(DEFAULT_CAPABILITIES)))
    admin = compile_bpf(seccomp.default_profile(set(DEFAULT_CAPABILITIES) | {"CAP_SYS_ADMIN"}))
    assert plain and admin
