"""RUN steps on networks, as Docker's classic builder: ``--network default`` (the default bridge),
a user network given with ``--network``, ``RUN --network=none``, ``--add-host NAME:host-gateway``.

Traffic goes only to containers these tests start on bridges of the test's own store (HOST-FACTS).
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

# A web server the build can reach: busybox httpd serving one page.
SERVE = ("sh", "-c", "mkdir -p /www && echo hello from srv > /www/index.html && exec httpd -f -p 80 -h /www")
# A GET that retries for a few seconds (the server may still be starting), output in $1's file.
FETCH = "for i in 1 2 3 4 5 6; do printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {host} 80 > {out} && " \
        "grep -q hello {out} && break; sleep 1; done"


@pytest.fixture(autouse=True)
def _netavark() -> None:
    if not Path("/usr/lib/podman/netavark").exists():
        pytest.skip("netavark is not installed")


def _inspect(mocker, name: str, kind: str = "container") -> dict:
    return json.loads(mocker(kind, "inspect", name).stdout)[0]


def _leftovers(mocker_root: Path, keep: set[str]) -> list[str]:
    """Network namespaces and set-up records of containers other than ``keep``."""
    run = mocker_root / "run"
    found = [p.name for p in (run / "netns").glob("*")] + [p.stem for p in (run / "networks").glob("*.json")]
    return [x for x in found if x not in keep]


def test_run_step_reaches_a_container_by_name_on_the_user_network_and_none_has_no_route(
        mocker, context, mocker_root) -> None:
    mocker("network", "create", "buildnet")
    srv = mocker("run", "-d", "--name", "srv", "--network", "buildnet", "busybox", *SERVE).stdout.strip()
    ip = _inspect(mocker, "srv")["NetworkSettings"]["Networks"]["buildnet"]["IPAddress"]
    ctx = context({"Dockerfile": "FROM busybox\nARG SRV_IP\n"
                                 f"RUN {FETCH.format(host='srv', out='/by-name')}\n"
                                 "RUN --network=none ip route > /none-route; ip -o link | cut -d: -f2 > /none-links;"
                                 " printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 $SRV_IP 80 > /none-get 2>&1; true\n"})
    built = mocker("build", "--network", "buildnet", "--build-arg", f"SRV_IP={ip}", "-t", "netbuilt", str(ctx))
    assert "Successfully tagged netbuilt:latest" in built.stdout
    out = mocker("run", "--rm", "--network", "none", "netbuilt", "cat", "/by-name").stdout
    assert "hello from srv" in out                    # the RUN found "srv" through the network's DNS
    assert mocker("run", "--rm", "--network", "none", "netbuilt", "cat", "/none-route").stdout == ""
    assert mocker("run", "--rm", "--network", "none", "netbuilt", "cat", "/none-links").stdout.split() == ["lo"]
    assert "hello" not in mocker("run", "--rm", "--network", "none", "netbuilt", "cat", "/none-get").stdout
    # the build's containers left no endpoint (lease) on the network, no namespace, no set-up record
    assert list(_inspect(mocker, "buildnet", "network")["Containers"]) == [srv]
    assert _leftovers(mocker_root, {srv}) == []
    mocker("rm", "-f", "srv")


def test_default_bridge_and_host_gateway(mocker, context, mocker_root) -> None:
    srv = mocker("run", "-d", "--name", "plain", "busybox", *SERVE).stdout.strip()
    ip = _inspect(mocker, "plain")["NetworkSettings"]["IPAddress"]
    bridge = _inspect(mocker, "bridge", "network")["IPAM"]["Config"][0]
    ctx = context({"Dockerfile": "FROM busybox\nARG SRV_IP\n"
                                 f"RUN {FETCH.format(host='$SRV_IP', out='/by-ip')}\n"
                                 "RUN ip -o -4 addr show eth0 | awk '{print $4}' > /addr && "
                                 "grep -w gw /etc/hosts > /gw\n"
                                 "RUN --network=host cat /proc/net/dev > /host-dev && "
                                 "grep -w gw /etc/hosts > /host-gw\n"})
    mocker("build", "--add-host", "gw:host-gateway", "--build-arg", f"SRV_IP={ip}", "-t", "bridged", str(ctx))
    show = mocker("run", "--rm", "--network", "none", "bridged", "cat", "/by-ip", "/addr", "/gw").stdout
    assert "hello from srv" in show
    prefix = bridge["Subnet"].rsplit(".", 2)[0] + "."   # a /16 of the test's own pool
    addr = next(line for line in show.splitlines() if "/" in line and line[0].isdigit())
    assert addr.startswith(prefix) and addr.split("/")[0] != ip
    assert f"{bridge['Gateway']}\tgw" in show
    host_dev = mocker("run", "--rm", "--network", "none", "bridged", "cat", "/host-dev").stdout
    bridge_if = _inspect(mocker, "bridge", "network")["Options"]["com.docker.network.bridge.name"]
    assert f"{bridge_if}:" in host_dev        # RUN --network=host saw the host's interfaces (the store's bridge)
    host_gw = mocker("run", "--rm", "--network", "none", "bridged", "cat", "/host-gw").stdout
    assert host_gw == f"{bridge['Gateway']}\tgw\n"  # host-gateway resolved on the host network too
    assert list(_inspect(mocker, "bridge", "network")["Containers"]) == [srv]
    assert _leftovers(mocker_root, {srv}) == []
    mocker("rm", "-f", "plain")


def test_unknown_network_and_bad_run_network_fail_before_any_step(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN true\n"})
    bad = mocker("build", "--network", "nosuchnet", str(ctx), check=False)
    assert bad.returncode == 1
    assert bad.stderr == "Error: network nosuchnet not found\n"
    ctx2 = context({"Dockerfile": "FROM busybox\nRUN --network=nosuchnet true\n"})
    bad = mocker("build", str(ctx2), check=False)
    assert bad.returncode == 1 and "Dockerfile:2" in bad.stderr and "unsupported network mode" in bad.stderr


def test_interrupted_build_on_a_network_leaves_no_lease_or_namespace(mocker, context, mocker_env,
                                                                      mocker_root) -> None:
    from tests.conftest import mocker_executable

    mocker("network", "create", "irqnet")
    ctx = context({"Dockerfile": "FROM busybox\nRUN echo started && sleep 60\n"})
    proc = subprocess.Popen([mocker_executable(), "build", "--network", "irqnet", str(ctx)], env=mocker_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("started"):
            break
    assert _leftovers(mocker_root, set()) != []    # the step's namespace exists while it runs
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert mocker("ps", "-aq").stdout == ""
    assert _inspect(mocker, "irqnet", "network")["Containers"] == {}
    assert _leftovers(mocker_root, set()) == []
