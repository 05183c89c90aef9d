"""Whole ``run``/``create`` command lines and the options they make: env, volumes and mounts, resources,
restart, healthchecks, ports, networks, security, logging.

Expected texts come from docker/cli v28.5.2 (``cli/command/container/opts.go``, ``opts/*.go``,
``pkg/kvfile``); the flag table, value errors and converters are in test_container_flags.py.
"""

from __future__ import annotations

import pytest

from mocker.cli.container_flags import CREATE_FLAGS, RUN_FLAGS, parse_run, read_kv_file
from mocker.cli.flags import parse
from mocker.engine.types.containers import HealthCheck, MountSpec, NetworkAttachment, RestartPolicy
from mocker.errors import InvalidArgument, MockerError, NotSupported, UsageError
from mocker.runtime.base import Device


def run(*argv: str, environ: dict[str, str] | None = None, command: str = "run", **kw):
    flags = RUN_FLAGS if command == "run" else CREATE_FLAGS
    return parse_run(parse(argv, flags, interspersed=False), command=command, environ=environ or {}, **kw)


def error_of(*argv: str, **kw) -> MockerError:
    with pytest.raises((UsageError, InvalidArgument, NotSupported)) as info:
        run(*argv, **kw)
    return info.value


def test_bundled_short_flags_and_attach():
    o = run("-it", "img")
    assert o.tty and o.open_stdin and o.attach_stdin and o.stdin_once
    o = run("-a", "STDERR", "img")
    assert (o.attach_stdin, o.attach_stdout, o.attach_stderr) == (False, False, True)
    o = run("-d", "--rm", "-i", "img")       # Docker 28 allows -d with --rm
    assert o.detach and o.auto_remove and not (o.attach_stdin or o.attach_stdout or o.stdin_once)


def test_create_has_no_detach():
    assert error_of("-d", "img", command="create").message == "unknown shorthand flag: 'd' in -d"


@pytest.mark.parametrize(
    "argv, environ, env",
    [
        (["-e", "A=1", "-eB=2", "--env=C=3"], {}, ("A=1", "B=2", "C=3")),
        (["-e", "HOME"], {"HOME": "/root"}, ("HOME=/root",)),
        (["-e", "UNSET"], {}, ("UNSET",)),                  # kept bare: unsets the image's UNSET
        (["-e", "E="], {"E": "x"}, ("E=",)),
        (["-e", "A=1", "-e", "B=2", "-e", "A=3"], {}, ("A=3", "B=2")),
        (["-e", "X=a=b"], {}, ("X=a=b",)),
    ],
)
def test_env_forms(argv, environ, env):
    assert run(*argv, "img", environ=environ).env == env


def test_env_file_format(tmp_path):
    f = tmp_path / "env"
    f.write_bytes(b"\xef\xbb\xbf# comment\r\n  A=1\r\n\nB=\"quoted\" \nFROM_HOST\nMISSING\nC=x=y")
    assert read_kv_file(str(f), {"FROM_HOST": "h"}.get) == ["A=1", 'B="quoted" ', "FROM_HOST=h", "C=x=y"]
    o = run("--env-file", str(f), "-e", "A=override", "img", environ={"FROM_HOST": "h"})
    assert o.env == ("A=override", 'B="quoted" ', "FROM_HOST=h", "C=x=y")


@pytest.mark.parametrize(
    "content, message",
    [(b"A B=1\n", "variable 'A B' contains whitespaces"), (b"=1\n", "no variable name on line '=1'"),
     (b"A=\xff\n", "invalid utf8 bytes at line 1: [65 61 255]")],
)
def test_env_file_errors(tmp_path, content, message):
    f = tmp_path / "env"
    f.write_bytes(content)
    assert str(error_of("--env-file", str(f), "img")) == f"invalid env file ({f}): {message}"


def test_missing_env_file_says_open(tmp_path):
    missing = tmp_path / "nope"
    assert str(error_of("--env-file", str(missing), "img")) == f"open {missing}: no such file or directory"


def test_labels_and_label_file(tmp_path):
    f = tmp_path / "labels"
    f.write_text("a=from-file\nb=2\nbare\n")
    o = run("--label-file", str(f), "-l", "a=flag", "--label", "c", "img")
    assert o.labels == {"a": "flag", "b": "2", "c": ""}


@pytest.mark.parametrize(
    "spec, kind, source, target, ro",
    [
        ("/host:/ctr", "bind", "/host", "/ctr", False),
        ("/host/:/ctr/:ro", "bind", "/host", "/ctr", True),
        ("named:/data:rw", "volume", "named", "/data", False),
        ("/anon", "volume", "", "/anon", False),
        ("vol:/data:ro,nocopy", "volume", "vol", "/data", True),
        ("/h:/c:z", "bind", "/h", "/c", False),
    ],
)
def test_volume_forms(spec, kind, source, target, ro):
    (v,) = run("-v", spec, "img").volumes
    assert (v.type, v.source, v.target, v.read_only) == (kind, source, target, ro)


def test_relative_volume_source_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (v,) = run("-v", "./data:/data", "img").volumes
    assert v.type == "bind" and v.source == str(tmp_path / "data") and v.raw == f"{tmp_path}/data:/data"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("/a::/b", "invalid spec: /a::/b: empty section between colons"),
        ("/a:/b:ro:x", "invalid spec: /a:/b:ro:x: too many colons"),
        ("/foo:rw", "invalid volume specification: '/foo:rw'"),
        ("/a:/b:bogus", "invalid mode: bogus"),
        ("/a:/b:ro,rw", "invalid mode: ro,rw"),
        ("/a:/", """invalid volume specification: '/a:/': invalid mount config for type "bind": invalid """
                 "specification: destination can't be '/'"),
        ("vol:rel", """invalid volume specification: 'vol:rel': invalid mount config for type "volume": invalid """
                    "mount path: 'rel' mount path must be absolute"),
    ],
)
def test_volume_errors(spec, message):
    assert str(error_of("-v", spec, "img")) == message


def test_mount_forms(tmp_path):
    (m,) = run("--mount", f"type=bind,source={tmp_path},target=/x,readonly,bind-propagation=rshared", "img").mounts
    assert m == MountSpec(type="bind", source=str(tmp_path), target="/x", read_only=True, bind_propagation="rshared")
    (m,) = run("--mount", "src=vol,dst=/data,volume-nocopy,volume-opt=type=nfs,volume-label=a=b", "img").mounts
    assert m == MountSpec(type="volume", source="vol", target="/data", volume_nocopy=True,
                          volume_options={"type": "nfs"}, volume_labels={"a": "b"})
    (m,) = run("--mount", "type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1777", "img").mounts
    assert m == MountSpec(type="tmpfs", target="/t", tmpfs_size=64 << 20, tmpfs_mode=0o1777)
    (m,) = run("--mount", '"type=volume","target=/q"', "img").mounts       # CSV quoting
    assert m.target == "/q"


@pytest.mark.parametrize(
    "value, error, message",
    [
        ("type=bind,src=/definitely/not/here,dst=/x", InvalidArgument,
         'invalid mount config for type "bind": bind source path does not exist: /definitely/not/here'),
        ("type=tmpfs,src=x,dst=/x", InvalidArgument, 'invalid mount config for type "tmpfs": field Source must not '
                                                     "be specified"),
        ("type=npipe,src=x,dst=/x", InvalidArgument, 'invalid mount config for type "npipe": mount type unknown'),
        ("type=image,src=alpine,dst=/x", NotSupported, "--mount type=image is not supported by mocker (image mounts "
                                                       "are not implemented)"),
        ("src=v,dst=/x,volume-driver=nfs", NotSupported, "--mount volume-driver=nfs is not supported by mocker "
                                                         "(only the local volume driver exists)"),
        ("dst=/x,ro", InvalidArgument, 'invalid mount config for type "volume": must not set ReadOnly mode when '
                                       "using anonymous volumes"),
    ],
)
def test_mount_errors(value, error, message):
    e = error_of("--mount", value, "img")
    assert type(e) is error and str(e) == message


def test_tmpfs():
    assert run("--tmpfs", "/run", "--tmpfs", "/tmp:rw,size=64m,mode=1777", "img").tmpfs == {
        "/run": "", "/tmp": "rw,size=64m,mode=1777"}
    assert str(error_of("--tmpfs", "/t:bogus", "img")) == 'invalid tmpfs option ["bogus"]'
    assert str(error_of("--tmpfs", "rel", "img")) == "invalid mount path: 'rel' mount path must be absolute"


@pytest.mark.parametrize(
    "argv, resources",
    [
        (["-m", "512m"], {"memory": 512 << 20}),
        (["--memory=1g", "--memory-swap=-1"], {"memory": 1 << 30, "memory_swap": -1}),
        (["-m", "0"], {"memory": None}),
        (["--memory-reservation", "100m", "-m", "200m"], {"memory_reservation": 100 << 20, "memory": 200 << 20}),
        (["--cpus", "0.5"], {"nano_cpus": 500_000_000}),
        (["-c", "512", "--cpu-period", "100000", "--cpu-quota", "50000"],
         {"cpu_shares": 512, "cpu_period": 100000, "cpu_quota": 50000}),
        (["--cpuset-cpus", "0-1"], {"cpuset_cpus": "0-1"}),
        (["--pids-limit", "-1"], {"pids_limit": -1}),
        (["--pids-limit", "100", "--oom-kill-disable"], {"pids_limit": 100, "oom_kill_disable": True}),
        (["--shm-size", "1g"], {"shm_size": 1 << 30}),
    ],
)
def test_resources(argv, resources):
    r = run(*argv, "img").resources
    assert {k: getattr(r, k) for k in resources} == resources


@pytest.mark.parametrize(
    "policy, expected",
    [("no", RestartPolicy(name="no")), ("always", RestartPolicy(name="always")),
     ("on-failure", RestartPolicy(name="on-failure")),
     ("on-failure:5", RestartPolicy(name="on-failure", maximum_retry_count=5)),
     ("unless-stopped", RestartPolicy(name="unless-stopped")), ("", RestartPolicy(name=""))],
)
def test_restart_policies(policy, expected):
    assert run("--restart", policy, "img").restart == expected


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--restart", ":3"], "invalid restart policy format: no policy provided before colon"),
        (["--restart", "on-failure:x"], "invalid restart policy format: maximum retry count must be an integer"),
        (["--restart", "always:3"], "invalid restart policy: maximum retry count can only be used with 'on-failure'"),
        (["--restart", "no:-1"], "invalid restart policy: maximum retry count can only be used with 'on-failure' "
                                 "and cannot be negative"),
        (["--restart", "on-failure:-1"], "invalid restart policy: maximum retry count cannot be negative"),
        (["--restart", "sometimes"], "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
                                     "'on-failure', or 'unless-stopped'"),
        (["--rm", "--restart", "always"], "conflicting options: cannot specify both --restart and --rm"),
    ],
)
def test_restart_errors(argv, message):
    assert str(error_of(*argv, "img")) == message


def test_rm_with_restart_no_is_fine():
    assert run("--rm", "--restart=no", "img").auto_remove


@pytest.mark.parametrize(
    "argv, health",
    [
        (["--health-cmd", "curl -f localhost", "--health-interval", "30s", "--health-retries", "3"],
         HealthCheck(test=("CMD-SHELL", "curl -f localhost"), interval=30 * 10**9, retries=3)),
        (["--health-timeout", "1m30s", "--health-start-period", "5s", "--health-start-interval", "500ms"],
         HealthCheck(timeout=90 * 10**9, start_period=5 * 10**9, start_interval=500 * 10**6)),
        (["--no-healthcheck"], HealthCheck(test=("NONE",))),
    ],
)
def test_healthchecks(argv, health):
    assert run(*argv, "img").healthcheck == health


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--no-healthcheck", "--health-cmd", "true"], "--no-healthcheck conflicts with --health-* options"),
        (["--health-interval", "-1s"], "--health-interval cannot be negative"),
        (["--health-retries", "-1"], "--health-retries cannot be negative"),
        (["--health-start-period", "-1s"], "--health-start-period cannot be negative"),
        (["--health-interval", "500us"], "Interval in Healthcheck cannot be less than 1ms"),
    ],
)
def test_healthcheck_errors(argv, message):
    assert str(error_of(*argv, "img")) == message


def test_entrypoint_forms():
    assert run("--entrypoint", "sh -c", "img").entrypoint == ("sh -c",)
    assert run("--entrypoint", "", "img").entrypoint == ()
    assert run("--entrypoint=", "img", "x").command == ("x",)


def test_devices():
    o = run("--device", "/dev/fuse", "--device", "/dev/sda:/dev/xvda:r", "--device", "/dev/kvm:rw", "img")
    assert o.devices == (Device(path_on_host="/dev/fuse", path_in_container="/dev/fuse"),
                         Device(path_on_host="/dev/sda", path_in_container="/dev/xvda", permissions="r"),
                         Device(path_on_host="/dev/kvm", path_in_container="/dev/kvm", permissions="rw"))
    assert str(error_of("--device", "/a:/b:rwx", "img")) == "bad mode specified: rwx"
    assert str(error_of("--device", "/a:b", "img")) == "b is not an absolute path"
    assert str(error_of("--device", "a:b:c:d", "img")) == "bad format for path: a:b:c:d"
    assert isinstance(error_of("--device", "nvidia.com/gpu=all", "img"), NotSupported)


def test_ports():
    o = run("-p", "8080:80", "-p", "127.0.0.1::53/udp", "-p", "published=8443,target=443", "--expose", "9000-9001",
            "-P", "img")
    assert o.publish == ("8080:80", "127.0.0.1::53/udp", "8443:443/tcp") and o.publish_all
    assert o.expose == ("80/tcp", "53/udp", "443/tcp", "9000/tcp", "9001/tcp")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--expose", "80:80"], "invalid port format for --expose: 80:80"),
        (["--expose", "x"], 'invalid range format for --expose: x, error: strconv.ParseUint: parsing "x": invalid '
                            "syntax"),
        (["--expose", "70000"], "invalid range format for --expose: 70000, error: strconv.ParseUint: parsing "
                                '"70000": value out of range'),
        (["-p", "80/foo"], "invalid proto: foo"),
        (["-p", "1.2.3:80:80"], "invalid IP address: 1.2.3"),
        (["-p", "x:80"], "invalid hostPort: x"),
        (["-p", "80-81:90-92"], "invalid ranges specified for container and host Ports: 90-92 and 80-81"),
        (["-p", "published=1,target"], "invalid publish opts format (should be name=value but got 'target')"),
    ],
)
def test_port_errors(argv, message):
    assert str(error_of(*argv, "img")) == message


def test_networks():
    assert run("--network", "host", "img").network_mode == "host"
    o = run("--network", "mynet", "--network-alias", "web", "--ip", "10.0.0.5", "img")
    assert o.networks == (NetworkAttachment(name="mynet", aliases=("web",), ipv4_address="10.0.0.5"),)
    o = run("--network", "name=a,alias=x,driver-opt=k=v,gw-priority=2", "--net", "b", "img")
    assert o.networks == (NetworkAttachment(name="a", aliases=("x",), driver_opts={"k": "v"}, gw_priority=2),
                          NetworkAttachment(name="b"))
    assert run("--ip", "172.17.0.9", "img").networks == (NetworkAttachment(name="default", ipv4_address="172.17.0.9"),)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--network", "host", "--network", "mynet"], "conflicting options: cannot attach both user-defined and "
                                                      "non-user-defined network-modes"),
        (["--network", "a", "--network", "a"], 'network "a" is specified multiple times'),
        (["--network", "name=a,alias=x", "--network-alias", "y"], "conflicting options: cannot specify both "
                                                                  "--network-alias and per-network alias"),
        (["--mac-address", "nope"], "nope is not a valid mac address"),
        (["--ip", "10.0.0.256"], "invalid IPv4 address: 10.0.0.256"),
        (["--network", "bridge", "--network-alias", "x"], "network-scoped aliases are only supported for "
                                                          "user-defined networks"),
    ],
)
def test_network_errors(argv, message):
    assert str(error_of(*argv, "img")) == message


def test_security_options(tmp_path):
    profile = tmp_path / "seccomp.json"
    profile.write_text('{\n  "defaultAction": "SCMP_ACT_ALLOW", "names": ["a b"]\n}\n')
    o = run("--privileged", "--read-only", "--cap-add", "net_admin", "--cap-add=CAP_SYS_TIME", "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges", "--security-opt", f"seccomp={profile}",
            "--security-opt", "apparmor=unconfined", "--security-opt", "label=disable",
            "--security-opt", "systempaths=unconfined", "img")
    s = o.security
    assert s.privileged and s.read_only_rootfs and s.no_new_privileges
    assert s.cap_add == ("NET_ADMIN", "SYS_TIME") and s.cap_drop == ("ALL",)
    assert s.seccomp_profile == str(profile) and s.apparmor_profile == "unconfined"
    assert s.masked_paths == () and s.readonly_paths == ()
    assert o.security_opt == ("no-new-privileges", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW","names":["a b"]}',
                              "apparmor=unconfined", "label=disable")
    assert run("--security-opt", "seccomp=unconfined", "img").security.seccomp_profile == "unconfined"
    assert run("--security-opt", "no-new-privileges=false", "img").security.no_new_privileges is False


@pytest.mark.parametrize(
    "opt, error, message",
    [
        ("bogus", UsageError, 'Invalid --security-opt: "bogus"'),
        ("seccomp=", UsageError, 'Invalid --security-opt: "seccomp="'),
        ("foo=bar", InvalidArgument, 'invalid --security-opt 2: "foo=bar"'),
        ("no-new-privileges=maybe", InvalidArgument, 'invalid --security-opt 2: "no-new-privileges=maybe"'),
        ("label=type:svirt_t", NotSupported, "--security-opt label=type:svirt_t is not supported by mocker (SELinux "
                                             "labels are not implemented)"),
        ("seccomp=/no/such.json", UsageError, "opening seccomp profile (/no/such.json) failed: open /no/such.json: no "
                                              "such file or directory"),
    ],
)
def test_security_option_errors(opt, error, message):
    e = error_of("--security-opt", opt, "img")
    assert type(e) is error and str(e) == message


def test_unknown_capability_is_the_daemons_error():
    assert str(error_of("--cap-add", "foo", "img")) == 'invalid CapAdd: unknown capability: "CAP_FOO"'


@pytest.mark.parametrize(
    "argv, error, message",
    [
        (["--log-driver", "syslog"], NotSupported, "--log-driver=syslog is not supported by mocker (only the "
                                                   "json-file, k8s-file and none logging drivers exist)"),
        (["--log-driver", "none", "--log-opt", "max-size=1m"], UsageError, "invalid logging opts for driver none"),
        (["--log-opt", "foo=1"], InvalidArgument, "unknown log opt 'foo' for json-file log driver"),
        (["--log-opt", "max-file=3"], NotSupported, "--log-opt max-file is not supported by mocker (the container log "
                                                    "is one size-capped file; only max-size and mode=blocking are "
                                                    "implemented)"),
        (["--log-opt", "max-size=x"], InvalidArgument, "invalid size: 'x'"),
        (["--log-opt", "max-size=0"], InvalidArgument, "max-size must be a positive number"),
    ],
)
def test_logging_errors(argv, error, message):
    e = error_of(*argv, "img")
    assert type(e) is error and str(e) == message


def test_logging_options():
    o = run("--log-driver", "k8s-file", "--log-opt", "max-size=10m", "--log-opt", "mode=blocking", "img")
    assert o.log_driver == "k8s-file" and o.log_opts == {"max-size": "10m", "mode": "blocking"}
    assert o.log_max_size == 10_000_000


@pytest.mark.parametrize(
    "argv, environ, error, message",
    [
        (["--pull", "sometimes"], {}, UsageError, "invalid pull option: 'sometimes': must be one of \"always\", "
                                                  '"missing" or "never"'),
        (["-d", "-a", "stdout"], {}, UsageError, "conflicting options: cannot specify both --attach and --detach"),
        (["--disable-content-trust=false"], {}, NotSupported, None),
        ([], {"DOCKER_CONTENT_TRUST": "1"}, NotSupported, None),
        (["--platform", "linux/arm64/v8/extra"], {}, InvalidArgument, None),
        (["--name", "bad name"], {}, InvalidArgument, "Invalid container name (bad name), only "
                                                      "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"),
        (["-w", "rel"], {}, InvalidArgument, "the working directory 'rel' is invalid, it needs to be an absolute path"),
        (["--stop-signal", "SIGFOO"], {}, InvalidArgument, "invalid signal: SIGFOO"),
        (["--isolation", "hyperv"], {}, InvalidArgument, "invalid isolation 'hyperv' on linux"),
        (["--runtime", "kata"], {}, InvalidArgument, "unknown or invalid runtime name: kata"),
    ],
)
def test_other_errors(argv, environ, error, message):
    e = error_of(*argv, "img", environ=environ)
    assert type(e) is error and e.exit_code in (125, 1)
    if message is not None:
        assert str(e) == message


def test_platform_pull_and_misc_values():
    o = run("--platform", "linux/arm64", "--pull", "never", "-q", "--name", "web", "-h", "box", "--domainname", "lan",
            "-u", "1000:1000", "-w", "/srv", "--group-add", "audio", "--init", "--stop-signal", "SIGINT",
            "--stop-timeout", "5", "--cidfile", "/tmp/cid", "--runtime", "runc", "--sysctl", "net.ipv4.ip_forward=1",
            "--dns", "1.1.1.1", "--dns-search", "lan", "--dns-option", "ndots:2", "--dns-opt", "debug",
            "--detach-keys", "ctrl-x", "--sig-proxy=false", "img")
    assert (o.platform, o.pull, o.quiet, o.name, o.hostname, o.domainname) == (
        "linux/arm64", "never", True, "web", "box", "lan")
    assert (o.user, o.workdir, o.group_add, o.init, o.stop_signal, o.stop_timeout) == (
        "1000:1000", "/srv", ("audio",), True, "SIGINT", 5)
    assert (o.cidfile, o.runtime, o.sysctls) == ("/tmp/cid", "runc", {"net.ipv4.ip_forward": "1"})
    assert (o.dns, o.dns_search, o.dns_options) == (("1.1.1.1",), ("lan",), ("ndots:2", "debug"))
    assert (o.detach_keys, o.sig_proxy) == ("ctrl-x", False)
    assert run("img", environ={"DOCKER_DEFAULT_PLATFORM": "linux/amd64"}).platform == "linux/amd64"
    assert run("--init=false", "img").init is False


def test_proxy_env_is_added_unless_given():
    o = run("-e", "HTTP_PROXY=mine", "img", proxy_env={"HTTP_PROXY": "http://p:3128", "NO_PROXY": "localhost"})
    assert o.env == ("HTTP_PROXY=mine", "http_proxy=http://p:3128", "NO_PROXY=localhost", "no_proxy=localhost")
