"""``run``/``create`` flags: Docker 28's table, pflag-style value errors, and the value converters.

Expected texts come from docker/cli v28.5.2 (``cli/command/container/opts.go``, ``opts/*.go``),
go-units and Go's ``strconv``/``time`` packages. Whole command lines and the options they make are
in test_container_options.py.
"""

from __future__ import annotations

import pytest

from mocker.cli import container_flag_parsers as P
from mocker.cli.container_flags import CREATE_FLAGS, RUN_FLAGS, UNSUPPORTED, parse_run
from mocker.cli.flags import parse
from mocker.engine.types.containers import RestartPolicy
from mocker.errors import InvalidArgument, MockerError, NotSupported, UsageError
from mocker.runtime.base import Ulimit

# ``docker run --help`` of Docker 28 (docker/cli v28.5.2), hidden aliases included.
DOCKER_RUN_FLAGS = {
    "add-host", "annotation", "attach", "blkio-weight", "blkio-weight-device", "cap-add", "cap-drop",
    "cgroup-parent", "cgroupns", "cidfile", "cpu-count", "cpu-percent", "cpu-period", "cpu-quota", "cpu-rt-period",
    "cpu-rt-runtime", "cpu-shares", "cpus", "cpuset-cpus", "cpuset-mems", "detach", "detach-keys", "device",
    "device-cgroup-rule", "device-read-bps", "device-read-iops", "device-write-bps", "device-write-iops",
    "disable-content-trust", "dns", "dns-opt", "dns-option", "dns-search", "domainname", "entrypoint", "env",
    "env-file", "expose", "gpus", "group-add", "health-cmd", "health-interval", "health-retries",
    "health-start-interval", "health-start-period", "health-timeout", "help", "hostname", "init", "interactive",
    "io-maxbandwidth", "io-maxiops", "ip", "ip6", "ipc", "isolation", "kernel-memory", "label", "label-file", "link",
    "link-local-ip", "log-driver", "log-opt", "mac-address", "memory", "memory-reservation", "memory-swap",
    "memory-swappiness", "mount", "name", "net", "net-alias", "network", "network-alias", "no-healthcheck",
    "oom-kill-disable", "oom-score-adj", "pid", "pids-limit", "platform", "privileged", "publish", "publish-all",
    "pull", "quiet", "read-only", "restart", "rm", "runtime", "security-opt", "shm-size", "sig-proxy",
    "stop-signal", "stop-timeout", "storage-opt", "sysctl", "tmpfs", "tty", "ulimit", "use-api-socket", "user",
    "userns", "uts", "volume", "volume-driver", "volumes-from", "workdir",
}
DOCKER_SHORTHANDS = {"a": "attach", "c": "cpu-shares", "d": "detach", "e": "env", "h": "hostname",
                     "i": "interactive", "l": "label", "m": "memory", "p": "publish", "P": "publish-all",
                     "q": "quiet", "t": "tty", "u": "user", "v": "volume", "w": "workdir"}
UNSUPPORTED_ARGV = {
    "annotation": ["--annotation", "a=b"], "blkio-weight": ["--blkio-weight", "300"],
    "blkio-weight-device": ["--blkio-weight-device", "/dev/sda:200"], "cgroupns": ["--cgroupns", "host"],
    "cpu-count": ["--cpu-count", "2"], "cpu-percent": ["--cpu-percent", "50"],
    "cpu-rt-period": ["--cpu-rt-period", "1000"], "cpu-rt-runtime": ["--cpu-rt-runtime", "950"],
    "cpuset-mems": ["--cpuset-mems", "0"], "device-cgroup-rule": ["--device-cgroup-rule", "c 1:3 mr"],
    "device-read-bps": ["--device-read-bps", "/dev/sda:1mb"], "device-read-iops": ["--device-read-iops=/dev/sda:10"],
    "device-write-bps": ["--device-write-bps", "/dev/sda:1mb"], "device-write-iops": ["--device-write-iops", "x"],
    "gpus": ["--gpus", "all"], "io-maxbandwidth": ["--io-maxbandwidth", "1m"], "io-maxiops": ["--io-maxiops", "5"],
    "ipc": ["--ipc=host"], "kernel-memory": ["--kernel-memory", "10m"], "link": ["--link", "db:db"],
    "link-local-ip": ["--link-local-ip", "169.254.0.5"], "memory-swappiness": ["--memory-swappiness", "0"],
    "oom-score-adj": ["--oom-score-adj", "100"], "pid": ["--pid", "host"], "storage-opt": ["--storage-opt", "size=1G"],
    "use-api-socket": ["--use-api-socket"], "userns": ["--userns", "host"], "uts": ["--uts", "host"],
    "volume-driver": ["--volume-driver", "local"], "volumes-from": ["--volumes-from", "other"],
}


def run(*argv: str, environ: dict[str, str] | None = None, command: str = "run", **kw):
    flags = RUN_FLAGS if command == "run" else CREATE_FLAGS
    return parse_run(parse(argv, flags, interspersed=False), command=command, environ=environ or {}, **kw)


def error_of(*argv: str, **kw) -> MockerError:
    with pytest.raises((UsageError, InvalidArgument, NotSupported)) as info:
        run(*argv, **kw)
    return info.value


# ---- the table ---------------------------------------------------------------------------------

def test_run_table_is_docker_28s_and_create_lacks_only_the_run_flags():
    assert {f.long for f in RUN_FLAGS} == DOCKER_RUN_FLAGS
    assert {f.long for f in RUN_FLAGS} - {f.long for f in CREATE_FLAGS} == {"detach", "detach-keys", "sig-proxy"}
    assert {f.short: f.long for f in RUN_FLAGS if f.short} == DOCKER_SHORTHANDS
    assert {f.long for f in RUN_FLAGS if f.unsupported} == set(UNSUPPORTED) == set(UNSUPPORTED_ARGV)
    assert {f.long for f in RUN_FLAGS if f.hidden} == {"dns-opt", "net", "net-alias"}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED_ARGV))
@pytest.mark.parametrize("command", ["run", "create"])
def test_every_unsupported_flag_raises_not_supported_with_exit_125(name, command):
    e = error_of(*UNSUPPORTED_ARGV[name], "img", command=command)
    assert isinstance(e, NotSupported) and e.exit_code == 125
    assert str(e) == f"--{name} is not supported by mocker ({UNSUPPORTED[name]})"


def test_parsing_stops_at_the_image_name():
    o = run("-d", "busybox", "sh", "-c", "echo --rm -d")
    assert o.image == "busybox" and o.command == ("sh", "-c", "echo --rm -d") and not o.auto_remove


def test_defaults_are_dockers():
    o = run("img")
    assert o.command is None and o.entrypoint is None and o.restart == RestartPolicy(name="no")
    assert (o.attach_stdin, o.attach_stdout, o.attach_stderr) == (False, True, True)
    assert o.pull == "missing" and o.sig_proxy and o.init is None and o.healthcheck is None
    assert o.resources.memory is None and o.networks == () and o.network_mode == "default"


# ---- pflag-style value errors --------------------------------------------------------------------

@pytest.mark.parametrize(
    "argv, message",
    [
        (["-m", "x"], """invalid argument "x" for "-m, --memory" flag: invalid size: 'x'"""),
        (["--memory=1q"], """invalid argument "1q" for "-m, --memory" flag: invalid size: '1q'"""),
        (["--shm-size", "big"], """invalid argument "big" for "--shm-size" flag: invalid size: 'big'"""),
        (["--memory-swap", "-2"], """invalid argument "-2" for "--memory-swap" flag: invalid size: '-2'"""),
        (["--cpus", "abc"], """invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number"""),
        (["--cpus", "0.0000000001"], """invalid argument "0.0000000001" for "--cpus" flag: value is too precise"""),
        (["-c", "x"], """invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": """
                      "invalid syntax"),
        (["--pids-limit", "99999999999999999999"], """invalid argument "99999999999999999999" for "--pids-limit" """
                                                   """flag: strconv.ParseInt: parsing "99999999999999999999": """
                                                   "value out of range"),
        (["--health-interval", "5"], """invalid argument "5" for "--health-interval" flag: time: missing unit in """
                                     'duration "5"'),
        (["--health-timeout", "1x"], """invalid argument "1x" for "--health-timeout" flag: time: unknown unit "x" """
                                     'in duration "1x"'),
        (["-e", "=x"], """invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x"""),
        (["-l", "=x"], """invalid argument "=x" for "-l, --label" flag: invalid label '=x': empty name"""),
        (["-l", "a b=c"], """invalid argument "a b=c" for "-l, --label" flag: label 'a b' contains whitespaces"""),
        (["-a", "stdfoo"], """invalid argument "stdfoo" for "-a, --attach" flag: valid streams are STDIN, STDOUT """
                           "and STDERR"),
        (["--dns", "1.2.3"], """invalid argument "1.2.3" for "--dns" flag: IP address is not correctly formatted: """
                             "1.2.3"),
        (["--dns-search", "-x-"], """invalid argument "-x-" for "--dns-search" flag: -x- is not a valid domain"""),
        (["--add-host", "nohost"], """invalid argument "nohost" for "--add-host" flag: bad format for add-host: """
                                   '"nohost"'),
        (["--add-host", "h:1.2.3.x"], """invalid argument "h:1.2.3.x" for "--add-host" flag: invalid IP address in """
                                      'add-host: "1.2.3.x"'),
        (["--sysctl", "kernel.foo=1"], """invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl """
                                       "'kernel.foo=1' is not allowed"),
        (["--ulimit", "nofile"], """invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile"""),
        (["--ulimit", "as=1"], """invalid argument "as=1" for "--ulimit" flag: invalid ulimit type: as"""),
        (["--ulimit", "nofile=1:2:3"], """invalid argument "nofile=1:2:3" for "--ulimit" flag: too many limit value """
                                       "arguments - 1:2:3, can only have up to two, `soft[:hard]`"),
        (["--ulimit", "nofile=x"], """invalid argument "nofile=x" for "--ulimit" flag: strconv.ParseInt: parsing """
                                   '"x": invalid syntax'),
        (["--ulimit", "nofile=-1:10"], """invalid argument "nofile=-1:10" for "--ulimit" flag: ulimit soft limit """
                                       "must be less than or equal to hard limit: soft: -1 (unlimited), hard: 10"),
        (["--mount", "target"], """invalid argument "target" for "--mount" flag: invalid field 'target' must be a """
                                "key=value pair"),
        (["--mount", "type=bind"], """invalid argument "type=bind" for "--mount" flag: target is required"""),
        (["--mount", "src=a,dst=/b,foo=1"], """invalid argument "src=a,dst=/b,foo=1" for "--mount" flag: """
                                            "unexpected key 'foo' in 'foo=1'"),
        (["--mount", "type=volume,dst=/b,tmpfs-size=1m"], """invalid argument "type=volume,dst=/b,tmpfs-size=1m" """
                                                          """for "--mount" flag: cannot mix 'tmpfs-*' options with """
                                                          "mount type 'volume'"),
        (["--mount", "type=tmpfs,dst=/b,tmpfs-mode=9"], """invalid argument "type=tmpfs,dst=/b,tmpfs-mode=9" for """
                                                        '"--mount" flag: invalid value for tmpfs-mode: 9'),
        (["--mount", "type=bind,src=/a,dst=/b,ro=maybe"], """invalid argument "type=bind,src=/a,dst=/b,ro=maybe" """
                                                          """for "--mount" flag: invalid value for ro: maybe"""),
        (["--network", "alias=x"], """invalid argument "alias=x" for "--network" flag: network name/id is not """
                                   "specified"),
        (["--network", "name=n,foo=bar"], """invalid argument "name=n,foo=bar" for "--network" flag: invalid field """
                                          "key foo"),
    ],
)
def test_flag_value_errors_read_like_pflag(argv, message):
    e = error_of(*argv, "img")
    assert isinstance(e, UsageError) and e.exit_code == 125
    assert str(e) == message


# ---- converters ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, nano",
    [("1.5", 1_500_000_000), ("0.01", 10_000_000), ("2", 2_000_000_000), ("3/2", 1_500_000_000),
     ("1e-3", 1_000_000), ("0", 0), ("0.000000001", 1)],
)
def test_cpus_are_exact_rationals(text, nano):
    assert P.nano_cpus(text) == nano


@pytest.mark.parametrize(
    "text, value",
    [("10", 10), ("-1", -1), ("0x10", 16), ("0o17", 15), ("017", 15), ("0b101", 5), ("1_000", 1000), ("+7", 7)],
)
def test_int_flags_parse_like_go_base_0(text, value):
    assert P.go_parse_int(text) == value


@pytest.mark.parametrize("text", ["", "1.5", " 1", "08", "1__0", "_1", "0x", "1e3"])
def test_int_flags_reject_what_go_rejects(text):
    with pytest.raises(ValueError, match="invalid syntax"):
        P.go_parse_int(text)


@pytest.mark.parametrize(
    "text, ns",
    [("0", 0), ("1s", 10**9), ("1m30s", 90 * 10**9), ("1.5h", 5400 * 10**9), ("300ms", 300 * 10**6),
     ("-2s", -2 * 10**9), ("10us", 10_000), ("10\u00b5s", 10_000), ("1h2m3s4ms5us6ns", 3723004005006),
     (".5s", 500_000_000), ("1.s", 10**9)],
)
def test_durations_parse_like_go(text, ns):
    assert P.go_parse_duration(text) == ns


@pytest.mark.parametrize(
    "text, message",
    [("", 'time: invalid duration ""'), ("s", 'time: invalid duration "s"'), (".s", 'time: invalid duration ".s"'),
     ("1", 'time: missing unit in duration "1"'), ("3d", 'time: unknown unit "d" in duration "3d"'),
     ("9999999999h", 'time: invalid duration "9999999999h"')],
)
def test_duration_errors_are_gos(text, message):
    with pytest.raises(ValueError) as info:
        P.go_parse_duration(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "text, ulimit",
    [("nofile=1024:2048", Ulimit(name="nofile", soft=1024, hard=2048)),
     ("nproc=512", Ulimit(name="nproc", soft=512, hard=512)),
     ("core=-1", Ulimit(name="core", soft=-1, hard=-1)),
     ("memlock=-1:-1", Ulimit(name="memlock", soft=-1, hard=-1)),
     ("stack=10:-1", Ulimit(name="stack", soft=10, hard=-1))],
)
def test_ulimits(text, ulimit):
    assert P.parse_ulimit(text) == ulimit


def test_ulimits_keep_the_last_per_name_sorted_by_name():
    o = run("--ulimit", "nproc=1", "--ulimit", "nofile=5", "--ulimit", "nproc=2:3", "img")
    assert o.ulimits == (Ulimit(name="nofile", soft=5, hard=5), Ulimit(name="nproc", soft=2, hard=3))


@pytest.mark.parametrize(
    "text, expected",
    [("h:1.2.3.4", "h:1.2.3.4"), ("h=1.2.3.4", "h:1.2.3.4"), ("h:::1", "h:::1"), ("h=[::1]", "h:::1"),
     ("h:host-gateway", "h:host-gateway")],
)
def test_add_host_forms(text, expected):
    assert run("--add-host", text, "img").extra_hosts == (expected,)


@pytest.mark.parametrize(
    "text, expected",
    [("8.8.8.8", "8.8.8.8"), (" 1.1.1.1 ", "1.1.1.1"), ("::ffff:1.2.3.4", "1.2.3.4"),
     ("2001:db8:0:0:0:0:0:1", "2001:db8::1")],
)
def test_dns_servers_are_canonical(text, expected):
    assert P.validate_ip(text) == expected


@pytest.mark.parametrize("text, expected", [("example.com", "example.com"), ("example.com.", "example.com"),
                                            (".", "."), (" a.b ", "a.b")])
def test_dns_search_domains(text, expected):
    assert P.validate_dns_search(text) == expected
