"""POST /containers/create bodies -> ContainerCreateOptions (the record the CLI's flags fill)."""

from __future__ import annotations

import pytest

from mocker.api.container_config import create_options
from mocker.errors import InvalidArgument, NotSupported

# What the docker CLI 28 sends for `docker run --rm -e A=1 -v /data busybox echo hi` (API 1.41).
CLI_BODY = {
    "Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "AttachStdout": True, "AttachStderr": True,
    "Tty": False, "OpenStdin": False, "StdinOnce": False, "Env": ["A=1"], "Cmd": ["echo", "hi"], "Image": "busybox",
    "Volumes": {"/data": {}}, "WorkingDir": "", "Entrypoint": None, "OnBuild": None, "Labels": {},
    "HostConfig": {
        "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "", "Config": {}}, "NetworkMode": "default",
        "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0}, "AutoRemove": True,
        "VolumeDriver": "", "VolumesFrom": None, "ConsoleSize": [0, 0], "CapAdd": None, "CapDrop": None,
        "CgroupnsMode": "", "Dns": [], "DnsOptions": [], "DnsSearch": [], "ExtraHosts": None, "GroupAdd": None,
        "IpcMode": "", "Cgroup": "", "Links": None, "OomScoreAdj": 0, "PidMode": "", "Privileged": False,
        "PublishAllPorts": False, "ReadonlyRootfs": False, "SecurityOpt": None, "UTSMode": "", "UsernsMode": "",
        "ShmSize": 0, "Isolation": "", "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "",
        "BlkioWeight": 0, "BlkioWeightDevice": [], "BlkioDeviceReadBps": [], "BlkioDeviceWriteBps": [],
        "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": [], "CpuPeriod": 0, "CpuQuota": 0,
        "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "", "Devices": [],
        "DeviceCgroupRules": None, "DeviceRequests": None, "MemoryReservation": 0, "MemorySwap": 0,
        "MemorySwappiness": -1, "OomKillDisable": False, "PidsLimit": None, "Ulimits": None, "CpuCount": 0,
        "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0, "MaskedPaths": None, "ReadonlyPaths": None,
    },
    "NetworkingConfig": {"EndpointsConfig": {}},
}


def test_docker_cli_run_body() -> None:
    opts = create_options(CLI_BODY, name="web", platform=None)
    assert opts.image == "busybox"
    assert opts.name == "web"
    assert opts.command == ("echo", "hi")
    assert opts.entrypoint is None
    assert opts.env == ("A=1",)
    assert opts.auto_remove is True
    assert [v.target for v in opts.volumes] == ["/data"] and opts.volumes[0].source == ""
    assert opts.networks == ()
    assert opts.resources.memory is None
    assert not opts.detach and not opts.tty


def test_resources_restart_binds_and_entrypoint_reset() -> None:
    body = dict(CLI_BODY, Entrypoint=[""], Cmd=None, Tty=True, OpenStdin=True, AttachStdin=True,
                HostConfig=dict(CLI_BODY["HostConfig"], AutoRemove=False, Memory=64 << 20, NanoCpus=500_000_000,
                                PidsLimit=50, Binds=["/tmp:/host:ro"],
                                RestartPolicy={"Name": "on-failure", "MaximumRetryCount": 3},
                                CapAdd=["net_admin"], Ulimits=[{"Name": "nofile", "Soft": 100, "Hard": 200}]))
    opts = create_options(body, name=None, platform=None)
    assert opts.entrypoint == () and opts.command is None
    assert opts.tty and opts.open_stdin and opts.attach_stdin
    assert (opts.resources.memory, opts.resources.nano_cpus, opts.resources.pids_limit) == (64 << 20, 500_000_000, 50)
    assert opts.restart.name == "on-failure" and opts.restart.maximum_retry_count == 3
    assert opts.security.cap_add == ("NET_ADMIN",)
    assert opts.volumes[0].type == "bind" and opts.volumes[0].read_only
    assert opts.ulimits[0].soft == 100


@pytest.mark.parametrize(("host", "what"), [
    ({"PidMode": "host"}, "HostConfig.PidMode=host"),
    ({"OomScoreAdj": 10}, "HostConfig.OomScoreAdj"),
    ({"VolumesFrom": ["other"]}, "HostConfig.VolumesFrom"),
    ({"DeviceRequests": [{"Count": -1}]}, "HostConfig.DeviceRequests"),
    ({"SomethingNew": True}, "HostConfig.SomethingNew"),
])
def test_settings_mocker_lacks_are_refused(host: dict[str, object], what: str) -> None:
    body = dict(CLI_BODY, HostConfig=dict(CLI_BODY["HostConfig"], **host))
    with pytest.raises(NotSupported) as err:
        create_options(body, name=None, platform=None)
    assert what in str(err.value)


@pytest.mark.parametrize("body", [
    {},
    {"Image": ""},
    {"Image": "busybox", "Cmd": 5},
    {"Image": "busybox", "Env": "A=1", "HostConfig": "nope"},
    {"Image": "busybox", "HostConfig": {"Memory": "lots"}},
    {"Image": "busybox", "HostConfig": {"RestartPolicy": {"Name": "sometimes"}}},
])
def test_malformed_bodies_are_invalid_arguments(body: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument):
        create_options(body, name=None, platform=None)


def test_bad_name_is_refused_with_mobys_words() -> None:
    with pytest.raises(InvalidArgument, match=r"Invalid container name \(a/b\)"):
        create_options({"Image": "busybox"}, name="a/b", platform=None)
