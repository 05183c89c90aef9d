"""``ContainerCreateOptions`` and the daemon-side checks every front end shares (moby v28.5.2 words)."""

from __future__ import annotations

import re

import pytest

from mocker.engine.types.containers import (
    ContainerCreateOptions,
    HealthCheck,
    MountSpec,
    NetworkAttachment,
    RestartPolicy,
    VolumeSpec,
    check_log_config,
    check_resources,
    clean_path,
    normalize_capabilities,
    parse_ip,
    parse_signal,
    validate_create_options,
)
from mocker.errors import InvalidArgument, NotSupported
from mocker.records import replace
from mocker.runtime.base import Resources

MiB = 1 << 20


def opts(**kw) -> ContainerCreateOptions:
    return ContainerCreateOptions(image="img", **kw)


def test_options_are_frozen_slotted_and_keyword_only():
    o = opts()
    with pytest.raises(AttributeError):
        o.image = "x"  # type: ignore[misc]
    assert not hasattr(o, "__dict__")
    with pytest.raises(TypeError):
        ContainerCreateOptions("img")  # type: ignore[call-arg]
    assert replace(o, name="web").name == "web"


def test_option_properties():
    assert opts().network_mode == "default"
    assert opts(networks=(NetworkAttachment(name="host"),)).network_mode == "host"
    assert opts(log_opts={"max-size": "1k"}).log_max_size == 1000
    assert opts().log_max_size is None
    assert RestartPolicy().is_none and RestartPolicy(name="").is_none
    assert not RestartPolicy(name="always").is_none


@pytest.mark.parametrize(
    "raw, fields",
    [
        ("/data", {"type": "volume", "source": "", "target": "/data"}),
        ("/data/", {"type": "volume", "source": "", "target": "/data"}),
        ("name:/data", {"type": "volume", "source": "name", "target": "/data", "read_only": False}),
        ("/h:/c:ro", {"type": "bind", "source": "/h", "target": "/c", "read_only": True, "mode": "ro"}),
        ("//h/x/../y:/c", {"type": "bind", "source": "/h/y"}),
        ("/h:/c:rshared", {"propagation": "rshared", "read_only": False}),
        ("v:/c:nocopy", {"nocopy": True}),
        ("/h:/c:Z,ro", {"relabel": "Z", "read_only": True}),
        ("/h:/c:cached", {"read_only": False}),
        ("/h:/c:rw,slave,z,nocopy,delegated", {"propagation": "slave", "relabel": "z", "nocopy": True}),
    ],
)
def test_volume_spec_parse(raw, fields):
    v = VolumeSpec.parse(raw)
    assert v.raw == raw
    assert {k: getattr(v, k) for k in fields} == fields


@pytest.mark.parametrize(
    "raw, message",
    [
        (":/c", "invalid volume specification: ':/c'"),
        ("/c:ro", "invalid volume specification: '/c:ro'"),
        ("a:b:c:d", "invalid volume specification: 'a:b:c:d'"),
        ("/h:/c:ro,ro", "invalid mode: ro,ro"),
        ("/h:/c:z,Z", "invalid mode: z,Z"),
        ("/h:/c:shared,slave", "invalid mode: shared,slave"),
        ("/h:/c:exec", "invalid mode: exec"),
        ("/h:/", """invalid volume specification: '/h:/': invalid mount config for type "bind": invalid """
                 "specification: destination can't be '/'"),
        ("x:y", """invalid volume specification: 'x:y': invalid mount config for type "volume": invalid mount path: """
                "'y' mount path must be absolute"),
    ],
)
def test_volume_spec_errors(raw, message):
    with pytest.raises(InvalidArgument) as info:
        VolumeSpec.parse(raw)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "resources, message",
    [
        (Resources(memory=MiB), "Minimum memory limit allowed is 6MB"),
        (Resources(memory=100 * MiB, memory_swap=50 * MiB),
         "Minimum memoryswap limit should be larger than memory limit, see usage"),
        (Resources(memory_swap=50 * MiB),
         "You should always set the Memory limit when using Memoryswap limit, see usage"),
        (Resources(memory_reservation=MiB), "Minimum memory reservation allowed is 6MB"),
        (Resources(memory=10 * MiB, memory_reservation=20 * MiB),
         "Minimum memory limit can not be less than memory reservation limit, see usage"),
        (Resources(nano_cpus=10**9, cpu_period=100000),
         "Conflicting options: Nano CPUs and CPU Period cannot both be set"),
        (Resources(nano_cpus=10**9, cpu_quota=50000),
         "Conflicting options: Nano CPUs and CPU Quota cannot both be set"),
        (Resources(nano_cpus=5 * 10**9), "range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"),
        (Resources(nano_cpus=-1), "range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available"),
        (Resources(cpu_period=999), "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s "
                                    "(i.e. 1000000)"),
        (Resources(cpu_quota=999), "CPU cfs quota can not be less than 1ms (i.e. 1000)"),
        (Resources(shm_size=-1), "SHM size can not be less than 0"),
    ],
)
def test_resource_checks(resources, message):
    with pytest.raises(InvalidArgument) as info:
        check_resources(resources, host_cpus=4)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "resources",
    [Resources(), Resources(memory=6 * MiB, memory_swap=-1), Resources(memory=100 * MiB, memory_swap=100 * MiB),
     Resources(nano_cpus=4 * 10**9), Resources(cpu_quota=-1, cpu_period=1_000_000), Resources(shm_size=0)],
)
def test_resources_docker_accepts(resources):
    check_resources(resources, host_cpus=4)


@pytest.mark.parametrize(
    "options, message",
    [
        (opts(name="-bad"), "Invalid container name (-bad), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
        (opts(name="a"), "Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
        (opts(workdir="srv"), "the working directory 'srv' is invalid, it needs to be an absolute path"),
        (opts(stop_signal="0"), "invalid signal: 0"),
        (opts(env=("=x",)), "invalid environment variable: =x"),
        (opts(healthcheck=HealthCheck(timeout=1)), "Timeout in Healthcheck cannot be less than 1ms"),
        (opts(healthcheck=HealthCheck(retries=-1)), "Retries in Healthcheck cannot be negative"),
        (opts(healthcheck=HealthCheck(start_interval=999_999)), "StartInterval in Healthcheck cannot be less than 1ms"),
        (opts(auto_remove=True, restart=RestartPolicy(name="always")),
         "can't create 'AutoRemove' container with restart policy"),
        (opts(restart=RestartPolicy(name="always", maximum_retry_count=1)),
         "invalid restart policy: maximum retry count can only be used with 'on-failure'"),
        (opts(mounts=(MountSpec(type="volume", target="/x", volume_subpath="a"),)),
         'invalid mount config for type "volume": must not set Subpath when using anonymous volumes'),
        (opts(mounts=(MountSpec(type="volume", source="v", target="/x", volume_subpath="../a"),)),
         'invalid mount config for type "volume": subpath must be a relative path within the volume'),
        (opts(mounts=(MountSpec(type="bind", source="rel", target="/x"),)),
         """invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute"""),
        (opts(mounts=(MountSpec(type="bind", source="/", target="/x", bind_propagation="weird"),)),
         'invalid mount config for type "bind": invalid propagation mode: weird'),
        (opts(mounts=(MountSpec(type="tmpfs", target=""),)),
         'invalid mount config for type "tmpfs": field Target must not be empty'),
        (opts(tmpfs={"/": ""}), "invalid specification: destination can't be '/'"),
        (opts(tmpfs={"/t": "size"}), 'invalid tmpfs option ["size"]'),
        (opts(tmpfs={"/t": "foo=bar"}), 'invalid tmpfs option ["foo" "bar"]'),
        (opts(isolation="process"), "invalid isolation 'process' on linux"),
        (opts(runtime="youki"), "unknown or invalid runtime name: youki"),
        (opts(networks=(NetworkAttachment(name="n", ipv4_address="::1"),)), "invalid IPv4 address: ::1"),
        (opts(networks=(NetworkAttachment(name="n", ipv6_address="10.0.0.1"),)), "invalid IPv6 address: 10.0.0.1"),
        (opts(networks=(NetworkAttachment(name="n", ipv4_address="0.0.0.0"),)), "invalid IPv4 address: 0.0.0.0"),
        (opts(log_opts={"mode": "sometimes"}), "logger: logging mode not supported: sometimes"),
    ],
)
def test_daemon_side_errors(options, message):
    with pytest.raises(InvalidArgument) as info:
        validate_create_options(options, host_cpus=4)
    assert str(info.value) == message


def test_valid_options_pass(tmp_path):
    validate_create_options(opts(
        name="/web.1", workdir="/srv", stop_signal="SIGRTMIN+3", env=("A=1", "UNSET"), isolation="Default",
        healthcheck=HealthCheck(test=("NONE",), interval=10**6), restart=RestartPolicy(name="on-failure"),
        mounts=(MountSpec(type="bind", source=str(tmp_path), target="/x"),
                MountSpec(type="volume", source="v", target="/y", volume_subpath="sub/dir"),
                MountSpec(type="tmpfs", target="/t", tmpfs_size=MiB)),
        tmpfs={"/run": "rw,noexec,nosuid,size=65536k"}, runtime="crun",
        networks=(NetworkAttachment(name="n", ipv4_address="10.1.2.3", ipv6_address="fd00::3"),),
        log_driver="json-file", log_opts={"max-size": "10m", "mode": "blocking"},
    ), host_cpus=4)


@pytest.mark.parametrize(
    "driver, log_opts, error",
    [("journald", {}, NotSupported), ("none", {"max-size": "1m"}, InvalidArgument),
     ("json-file", {"compress": "true"}, NotSupported), (None, {"mode": "non-blocking"}, NotSupported),
     ("k8s-file", {"bogus": "1"}, InvalidArgument)],
)
def test_log_config(driver, log_opts, error):
    with pytest.raises(error):
        check_log_config(driver, log_opts)


@pytest.mark.parametrize(
    "text, number",
    [("SIGTERM", 15), ("term", 15), ("SIGKILL", 9), ("9", 9), ("SIGRTMIN+1", 35), ("RTMAX", 64), ("sigusr1", 10),
     ("SIGRTMAX-14", 50)],
)
def test_signals(text, number):
    assert parse_signal(text) == number


@pytest.mark.parametrize("text", ["0", "SIGFOO", "", "SIG", "RTMIN+16"])
def test_bad_signals(text):
    with pytest.raises(InvalidArgument, match=f"^invalid signal: {re.escape(text)}$"):
        parse_signal(text)


def test_capabilities_are_normalised_as_security_wants():
    assert normalize_capabilities(["net_admin", "CAP_SYS_TIME", "all", "Cap_Chown"], field_name="CapAdd") == (
        "NET_ADMIN", "SYS_TIME", "ALL", "CHOWN")
    with pytest.raises(InvalidArgument, match='^invalid CapDrop: unknown capability: "CAP_NOPE"$'):
        normalize_capabilities(["cap_nope"], field_name="CapDrop")


@pytest.mark.parametrize("path, clean", [("", "."), ("/a/../b/", "/b"), ("//x", "/x"), ("a//b/./c", "a/b/c")])
def test_clean_path_is_gos(path, clean):
    assert clean_path(path) == clean


@pytest.mark.parametrize(
    "text, expected",
    [("1.2.3.4", "1.2.3.4"), ("::1", "::1"), ("::ffff:10.0.0.1", "10.0.0.1"), ("fe80::1%eth0", None),
     (" 1.2.3.4", None), ("01.2.3.4", None), ("", None)],
)
def test_parse_ip_is_gos(text, expected):
    ip = parse_ip(text)
    assert (str(ip) if ip is not None else None) == expected
