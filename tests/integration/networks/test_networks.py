"""Containers on bridge networks: published ports, DNS by name, isolation, --internal, live connect."""

from __future__ import annotations

import json
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from support.networks import free_port, host_links, inspect

HTTPD = ("busybox", "httpd", "-f", "-p", "80", "-h", "/www")


def http_get(port: int, *, retry: bool = True) -> str:
    """GET / on a published loopback port; retries a refused connection for a while (the server in
    the container may not listen yet right after ``run -d``)."""
    import time

    deadline = time.monotonic() + (10 if retry else 0)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:  # noqa: S310 - loopback
                return str(r.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def bridge_of(mocker, network: str) -> str:
    return str(inspect(mocker, network, kind="network")["Options"].get("com.docker.network.bridge.name") or
               "br-" + inspect(mocker, network, kind="network")["Id"][:12])


def test_published_port_reaches_http_server_from_host(mocker, mocker_root: Path):
    port = free_port()
    cid = mocker("run", "-d", "--name", "web", "-p", f"127.0.0.1:{port}:80", *HTTPD).stdout.strip()
    assert http_get(port) == "hello from mocker\n"
    assert mocker("port", "web").stdout == f"80/tcp -> 127.0.0.1:{port}\n"
    assert mocker("port", "web", "80").stdout == f"127.0.0.1:{port}\n"
    r = mocker("port", "web", "81", check=False)
    assert r.returncode == 1 and "No public port '81/tcp' published for web" in r.stderr
    assert f"127.0.0.1:{port}->80/tcp" in mocker("ps").stdout
    doc = inspect(mocker, "web")
    assert doc["NetworkSettings"]["Ports"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert doc["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert doc["HostConfig"]["NetworkMode"] == "bridge"
    bridge = doc["NetworkSettings"]["Networks"]["bridge"]
    assert bridge["IPAddress"] and bridge["Gateway"] and bridge["IPPrefixLen"] == 24
    assert doc["NetworkSettings"]["IPAddress"] == bridge["IPAddress"]
    # /etc/hosts names the container's own address, as Docker writes it
    hosts = mocker("exec", "web", "cat", "/etc/hosts").stdout
    assert f"{bridge['IPAddress']}\t{cid[:12]}" in hosts
    mocker("rm", "-f", "web")
    assert not (mocker_root / "run" / "netns" / cid).exists()
    try:
        http_get(port, retry=False)
        raise AssertionError("the port still answers after rm")
    except OSError:
        pass
    net = json.loads((mocker_root / "daemon.json").read_text())["bridge"]
    assert net in host_links()      # the last container gone, the bridge stays, as docker0 does


def test_random_host_ports_and_publish_all(mocker):
    mocker("run", "-d", "--name", "pub", "-p", "127.0.0.1::80", "--expose", "90", "-P", *HTTPD)
    ports = inspect(mocker, "pub")["NetworkSettings"]["Ports"]
    host_port = int(ports["80/tcp"][0]["HostPort"])
    assert http_get(host_port) == "hello from mocker\n"
    assert ports["90/tcp"][0]["HostIp"] == "0.0.0.0" and int(ports["90/tcp"][0]["HostPort"]) > 0


def test_port_conflict_gives_dockers_error(mocker):
    port = free_port()
    mocker("run", "-d", "-p", f"127.0.0.1:{port}:80", *HTTPD)
    r = mocker("run", "-d", "--name", "second", "-p", f"127.0.0.1:{port}:80", *HTTPD, check=False)
    assert r.returncode == 125
    assert f"Bind for 127.0.0.1:{port} failed: port is already allocated" in r.stderr
    assert "driver failed programming external connectivity on endpoint second" in r.stderr
    assert inspect(mocker, "second")["State"]["Status"] == "created"


def test_containers_resolve_each_other_by_name_and_alias_on_user_network(mocker):
    mocker("network", "create", "appnet")
    mocker("run", "-d", "--name", "srv", "--network", "appnet", "--network-alias", "svc", *HTTPD)
    out = mocker("run", "--rm", "--network", "appnet", "busybox", "sh", "-c",
                 "nslookup srv && nslookup svc && printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 svc 80").stdout
    ip = inspect(mocker, "srv")["NetworkSettings"]["Networks"]["appnet"]["IPAddress"]
    assert out.count(f"Address: {ip}") == 2 and "hello from mocker" in out
    net = inspect(mocker, "appnet", kind="network")
    assert [c["Name"] for c in net["Containers"].values()] == ["srv"]
    gateway = net["IPAM"]["Config"][0]["Gateway"]
    resolv = mocker("exec", "srv", "cat", "/etc/resolv.conf").stdout
    assert f"nameserver {gateway}" in resolv


def test_default_bridge_has_no_dns_by_name(mocker):
    mocker("run", "-d", "--name", "plain", *HTTPD)
    ip = inspect(mocker, "plain")["NetworkSettings"]["IPAddress"]
    r = mocker("run", "--rm", "busybox", "sh", "-c",
               f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {ip} 80; nslookup plain {ip.rsplit('.', 1)[0]}.1",
               check=False)
    assert "hello from mocker" in r.stdout          # reachable by address
    assert f"Address: {ip}" not in r.stdout         # but no name server answers for "plain"


def test_user_networks_are_isolated(mocker):
    mocker("network", "create", "left")
    mocker("network", "create", "right")
    mocker("run", "-d", "--name", "ll", "--network", "left", *HTTPD)
    ip = inspect(mocker, "ll")["NetworkSettings"]["Networks"]["left"]["IPAddress"]
    same = mocker("run", "--rm", "--network", "left", "busybox", "sh", "-c",
                  f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {ip} 80", check=False)
    assert "hello from mocker" in same.stdout
    other = mocker("run", "--rm", "--network", "right", "busybox", "sh", "-c",
                   f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {ip} 80", check=False)
    # (no lookup of "ll" from "right": aardvark-dns would forward the unknown name to the host's resolver)
    assert "hello from mocker" not in other.stdout


def test_internal_network_has_no_way_out(mocker):
    mocker("network", "create", "--internal", "sealed")
    mocker("run", "-d", "--name", "outside", *HTTPD)
    outside = inspect(mocker, "outside")["NetworkSettings"]["IPAddress"]
    r = mocker("run", "--rm", "--network", "sealed", "busybox", "sh", "-c",
               f"ip route; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {outside} 80", check=False)
    assert "default" not in r.stdout
    assert "hello from mocker" not in r.stdout and "unreachable" in r.stderr
    assert inspect(mocker, "sealed", kind="network")["Internal"] is True


def test_connect_and_disconnect_a_running_container(mocker):
    mocker("network", "create", "first")
    mocker("network", "create", "second")
    mocker("run", "-d", "--name", "srv2", "--network", "second", *HTTPD)
    mocker("run", "-d", "--name", "cc", "--network", "first", "busybox", "sleep", "300")
    mocker("network", "connect", "--alias", "late", "second", "cc")
    doc = inspect(mocker, "cc")["NetworkSettings"]["Networks"]
    assert set(doc) == {"first", "second"} and doc["second"]["Aliases"] == ["late"]
    addrs = mocker("exec", "cc", "ip", "-o", "-4", "addr").stdout
    assert doc["second"]["IPAddress"] in addrs and "eth1" in addrs
    got = mocker("exec", "cc", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 srv2 80",
                 check=False).stdout
    assert "hello from mocker" in got
    assert "late" in mocker("run", "--rm", "--network", "second", "busybox", "nslookup", "late").stdout
    r = mocker("network", "connect", "second", "cc", check=False)
    assert r.returncode == 1 and "already exists in network second" in r.stderr
    mocker("network", "disconnect", "second", "cc")
    assert "eth1" not in mocker("exec", "cc", "ip", "-o", "-4", "addr").stdout
    assert set(inspect(mocker, "cc")["NetworkSettings"]["Networks"]) == {"first"}
    r = mocker("network", "disconnect", "second", "cc", check=False)
    assert r.returncode == 1 and "is not connected to network second" in r.stderr


def test_static_ip_mac_and_host_gateway(mocker):
    mocker("network", "create", "fixed")
    subnet = inspect(mocker, "fixed", kind="network")["IPAM"]["Config"][0]["Subnet"]
    r = mocker("run", "--rm", "--network", "fixed", "--ip", "10.0.0.9", "busybox", "true", check=False)
    assert r.returncode == 125 and "user specified IP address is supported only when connecting to networks with " \
                                   "user configured subnets" in r.stderr
    mocker("network", "rm", "fixed")
    mocker("network", "create", "--subnet", subnet, "fixed")
    ip = subnet.rsplit(".", 1)[0] + ".77"
    out = mocker("run", "--rm", "--network", "fixed", "--ip", ip, "--mac-address", "02:42:ac:11:00:99",
                 "--add-host", "gw:host-gateway", "busybox", "sh", "-c", "ip -o link show eth0; ip -o -4 addr show "
                 "eth0; cat /etc/hosts").stdout
    assert "02:42:ac:11:00:99" in out and f"{ip}/24" in out
    assert f"{subnet.rsplit('.', 1)[0]}.1\tgw" in out
    r = mocker("run", "--rm", "--ip", ip, "busybox", "true", check=False)
    assert r.returncode == 125 and "user specified IP address is supported on user defined networks only" in r.stderr


def test_container_network_mode_shares_the_namespace(mocker):
    mocker("run", "-d", "--name", "owner", *HTTPD)
    ip = inspect(mocker, "owner")["NetworkSettings"]["IPAddress"]
    out = mocker("run", "--rm", "--network", "container:owner", "busybox", "sh", "-c",
                 "ip -o -4 addr; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 127.0.0.1 80").stdout
    assert ip in out and "hello from mocker" in out


def test_thirty_parallel_runs_get_unique_addresses(mocker):
    mocker("network", "create", "many")

    def run(i: int) -> str:
        return str(mocker("run", "-d", "--name", f"m{i}", "--network", "many", "busybox", "sleep", "300",
                          timeout=300).stdout.strip())

    with ThreadPoolExecutor(max_workers=30) as pool:
        ids = list(pool.map(run, range(30)))
    docs = inspect(mocker, *ids)
    ips = [d["NetworkSettings"]["Networks"]["many"]["IPAddress"] for d in docs]
    assert all(d["State"]["Running"] for d in docs)
    assert len(set(ips)) == 30 and all(ips)


def test_network_commands_ls_inspect_rm_prune(mocker):
    nid = mocker("network", "create", "--label", "k=v", "-o", "com.docker.network.driver.mtu=1400", "lsnet")
    nid_text = nid.stdout.strip()
    ls = mocker("network", "ls").stdout.splitlines()
    assert ls[0].split() == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"]
    assert [row.split()[1] for row in ls[1:]] == ["bridge", "host", "lsnet", "none"]
    assert mocker("network", "ls", "-q", "--filter", "label=k=v").stdout == nid_text[:12] + "\n"
    assert mocker("network", "ls", "--format", "{{.Name}} {{.Driver}}", "-f", "name=lsnet").stdout == \
        "lsnet bridge\n"
    doc = inspect(mocker, "lsnet", kind="network")
    assert doc["Id"] == nid_text and doc["Labels"] == {"k": "v"} and doc["Driver"] == "bridge"
    assert doc["Options"] == {"com.docker.network.driver.mtu": "1400"}
    mocker("run", "-d", "--name", "user", "--network", "lsnet", "busybox", "sleep", "300")
    assert "mtu 1400" in mocker("exec", "user", "ip", "link", "show", "eth0").stdout
    r = mocker("network", "rm", "lsnet", check=False)
    assert r.returncode == 1 and "has active endpoints" in r.stderr
    r = mocker("network", "rm", "bridge", check=False)
    assert r.returncode == 1 and "bridge is a pre-defined network and cannot be removed" in r.stderr
    r = mocker("network", "inspect", "nonet", check=False)
    assert r.returncode == 1 and "network nonet not found" in r.stderr
    r = mocker("run", "--rm", "--network", "nonet", "busybox", "true", check=False)
    assert r.returncode == 125 and "network nonet not found" in r.stderr
    r = mocker("network", "create", "lsnet", check=False)
    assert r.returncode == 1 and "network with name lsnet already exists" in r.stderr
    mocker("network", "create", "unused")
    mocker("rm", "-f", "user")
    out = mocker("network", "prune", "-f").stdout
    assert out.splitlines()[0] == "Deleted Networks:" and set(out.split()[2:]) == {"lsnet", "unused"}
    assert [row.split()[1] for row in mocker("network", "ls").stdout.splitlines()[1:]] == ["bridge", "host", "none"]


def test_prune_repairs_what_a_killed_supervisor_left(mocker, mocker_root: Path):
    import os
    import signal
    import time

    port = free_port()
    cid = mocker("run", "-d", "-p", f"127.0.0.1:{port}:80", *HTTPD).stdout.strip()
    pid = inspect(mocker, cid)["State"]["Pid"]
    conmon = int((mocker_root / "run" / "containers" / cid / "conmon.pid").read_text())
    os.kill(conmon, signal.SIGKILL)     # no exit command will run: nobody tears the network down
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while inspect(mocker, cid)["State"]["Status"] != "exited" and time.time() < deadline:
        time.sleep(0.1)
    assert (mocker_root / "run" / "netns" / cid).exists()
    mocker("network", "prune", "-f")
    assert not (mocker_root / "run" / "netns" / cid).exists()
    assert not (mocker_root / "run" / "networks" / f"{cid}.json").exists()
    rules = __import__("subprocess").run(["iptables", "-t", "nat", "-S"], capture_output=True, text=True).stdout
    assert cid not in rules
    mocker("start", cid)                # the address lease survived; the port is free again
    assert http_get(port) == "hello from mocker\n"


def test_ps_filters_by_network_and_published_port_and_host_mode_warns(mocker):
    mocker("network", "create", "filt")
    mocker("run", "-d", "--name", "onfilt", "--network", "filt", "-p", "127.0.0.1::80", *HTTPD)
    mocker("run", "-d", "--name", "onbridge", "busybox", "sleep", "300")
    assert mocker("ps", "--format", "{{.Names}}", "--filter", "network=filt").stdout == "onfilt\n"
    assert mocker("ps", "--format", "{{.Names}}", "--filter", "publish=80/tcp").stdout == "onfilt\n"
    assert mocker("ps", "--format", "{{.Names}} {{.Networks}}", "--filter", "network=bridge").stdout == \
        "onbridge bridge\n"
    r = mocker("run", "--rm", "--network", "host", "-p", "80:80", "busybox", "true")
    assert "WARNING: Published ports are discarded when using host network mode" in r.stderr


def test_restart_keeps_the_address_and_a_host_listener_blocks_the_port(mocker):
    import socket

    mocker("network", "create", "keep")
    mocker("run", "-d", "--name", "rs", "--network", "keep", *HTTPD)
    before = inspect(mocker, "rs")["NetworkSettings"]["Networks"]["keep"]["IPAddress"]
    mocker("restart", "-t", "0", "rs")
    doc = inspect(mocker, "rs")
    assert doc["State"]["Running"] and doc["NetworkSettings"]["Networks"]["keep"]["IPAddress"] == before
    out = mocker("run", "--rm", "--network", "keep", "busybox", "sh", "-c",
                 "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 rs 80").stdout
    assert "hello from mocker" in out
    mocker("stop", "-t", "0", "rs")
    stopped = inspect(mocker, "rs")["NetworkSettings"]["Networks"]["keep"]
    assert stopped["IPAddress"] == "" and stopped["NetworkID"]      # as Docker shows a stopped container
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        r = mocker("run", "-d", "-p", f"127.0.0.1:{port}:80", *HTTPD, check=False)
    assert r.returncode == 125
    assert f"listen tcp4 127.0.0.1:{port}: bind: address already in use" in r.stderr


def test_system_prune_removes_unused_networks_only(mocker):
    mocker("network", "create", "spare")
    mocker("network", "create", "busy")
    mocker("run", "-d", "--network", "busy", "busybox", "sleep", "300")
    out = mocker("system", "prune", "-f").stdout
    assert "Deleted Networks:\nspare\n" in out and "busy" not in out
    names = [row.split()[1] for row in mocker("network", "ls").stdout.splitlines()[1:]]
    assert names == ["bridge", "busy", "host", "none"]


def test_prepare_then_start_keeps_one_network_setup(mocker, mocker_root: Path):
    """The API attaches before start: ``prepare`` sets the network up, ``start`` must not redo it."""
    import subprocess
    import sys

    cid = mocker("create", "--name", "prep", *HTTPD).stdout.strip()
    code = ("import sys\nfrom mocker.store.store import Store\nfrom mocker.engine import containers\n"
            "s = Store.open(sys.argv[1])\ncontainers.prepare(s, 'prep')\ncontainers.start(s, 'prep')\n")
    subprocess.run([sys.executable, "-c", code, str(mocker_root)], check=True)
    ip = inspect(mocker, cid)["NetworkSettings"]["IPAddress"]
    out = mocker("exec", "prep", "ip", "-o", "-4", "addr").stdout
    assert ip and ip in out
    got = mocker("run", "--rm", "busybox", "sh", "-c", f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {ip} 80").stdout
    assert "hello from mocker" in got


def test_bridge_lives_as_long_as_the_network(mocker):
    # As Docker's br-<id>: the bridge and its NAT rules stay when the last container leaves (the next
    # container does not pay for re-creating them) and go with `network rm`.
    import subprocess

    mocker("network", "create", "life")
    net = inspect(mocker, "life", kind="network")
    bridge, subnet = bridge_of(mocker, "life"), net["IPAM"]["Config"][0]["Subnet"]
    gateway = net["IPAM"]["Config"][0]["Gateway"]
    assert mocker("run", "--rm", "--network", "life", "busybox", "true").returncode == 0
    assert Path(f"/sys/class/net/{bridge}").exists()
    assert subnet in subprocess.run(["iptables", "-t", "nat", "-S"], capture_output=True, text=True).stdout
    out = mocker("run", "--rm", "--network", "life", "busybox", "ip", "-4", "route").stdout
    assert f"default via {gateway}" in out       # the kept bridge still routes for the next container
    mocker("network", "rm", "life")
    assert not Path(f"/sys/class/net/{bridge}").exists()
    links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    assert not any(line.startswith("mk" + net["Id"][:12]) for line in links.splitlines())   # the keeper
    assert subnet not in subprocess.run(["iptables", "-t", "nat", "-S"], capture_output=True, text=True).stdout


def test_a_store_released_from_a_shared_bridge_leaves_no_keeper_behind(mocker, run_mocker, mocker_env, mocker_root,
                                                                       tmp_path):
    # Two stores whose default networks use one bridge name (as every store without daemon.json uses
    # mocker0): releasing one store's networks must drop its keeper and give it no new one, while
    # the bridge stays for the other store's keeper.
    import shutil
    import subprocess

    from mocker.engine import network_attach
    from mocker.store.store import Store

    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(mocker_root / "daemon.json", other / "daemon.json")
    env = {**mocker_env, "MOCKER_ROOT": str(other)}
    tar = tmp_path / "rootfs.tar"  # written by the mocker fixture
    run_mocker("import", str(tar), "busybox:latest", env=env)
    try:
        for e in (mocker_env, env):
            assert run_mocker("run", "--rm", "busybox", "true", env=e).returncode == 0
        ids = [inspect(lambda *a, **k: run_mocker(*a, env=e, **k), "bridge", kind="network")["Id"]
               for e in (mocker_env, env)]
        links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
        assert all(f"mk{i[:12]}" in links for i in ids)
        network_attach.release_bridges(Store.open(other))
        links = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
        assert f"mk{ids[1][:12]}" not in links      # the released store's keeper is gone, none made anew
        assert f"mk{ids[0][:12]}" in links          # the other store's stays, and with it the bridge
    finally:
        network_attach.release_bridges(Store.open(other))
