"""IPAM (subnet pools, address leases), port requests and their Docker texts, /etc files."""

from __future__ import annotations

import ipaddress
import json
import sqlite3
from pathlib import Path

import pytest

from mocker.errors import InvalidArgument, MockerError
from mocker.network import etcfiles, ipam, ports


def test_free_subnet_skips_taken_and_routed_subnets(monkeypatch):
    monkeypatch.setattr(ipam, "host_routes", lambda: [ipaddress.IPv4Network("10.9.1.0/24")])
    taken = [ipaddress.IPv4Network("10.9.0.0/24")]
    assert str(ipam.free_subnet([("10.9.0.0/16", 24)], taken)) == "10.9.2.0/24"
    with pytest.raises(MockerError, match="could not find an available, non-overlapping IPv4 address pool"):
        ipam.free_subnet([("10.9.0.0/23", 24)], taken)


def test_allocate_takes_the_lowest_free_address_after_the_gateway():
    assert ipam.allocate("10.1.0.0/24", "10.1.0.1", set()) == "10.1.0.2"
    assert ipam.allocate("10.1.0.0/24", "10.1.0.1", {"10.1.0.2", "10.1.0.3"}) == "10.1.0.4"
    assert ipam.allocate("10.1.0.0/24", "10.1.0.1", set(), "10.1.0.128/25") == "10.1.0.129"
    full = {f"10.1.0.{i}" for i in range(2, 7)}
    with pytest.raises(MockerError, match="no available IPv4 addresses"):
        ipam.allocate("10.1.0.0/29", "10.1.0.1", full)


def test_static_addresses_are_checked():
    assert ipam.check_static("10.1.0.9", "10.1.0.0/24", "10.1.0.1", set()) == "10.1.0.9"
    with pytest.raises(MockerError, match="Address already in use"):
        ipam.check_static("10.1.0.9", "10.1.0.0/24", "10.1.0.1", {"10.1.0.9"})
    with pytest.raises(InvalidArgument, match="no configured subnet"):
        ipam.check_static("10.2.0.9", "10.1.0.0/24", "10.1.0.1", set())


def test_overlapping_user_subnet_is_refused():
    with pytest.raises(InvalidArgument, match="Pool overlaps with other one on this address space"):
        ipam.check_overlap(ipaddress.IPv4Network("10.1.0.0/16"), [ipaddress.IPv4Network("10.1.2.0/24")])


def test_settings_read_dockers_daemon_json_keys(tmp_path: Path):
    assert ipam.settings(tmp_path).pools == ipam.DEFAULT_POOLS
    (tmp_path / "daemon.json").write_text(json.dumps({"bip": "10.5.0.1/24", "bridge": "mk5",
                                                      "default-address-pools": [{"base": "10.5.0.0/16",
                                                                                 "size": 24}]}))
    s = ipam.settings(tmp_path)
    assert (s.bip, s.bridge, s.pools) == ("10.5.0.1/24", "mk5", (("10.5.0.0/16", 24),))


def test_random_mac_is_locally_administered_unicast():
    first = int(ipam.random_mac().split(":")[0], 16)
    assert first & 0x02 and not first & 0x01


def test_leases_are_unique_per_network_in_the_schema(tmp_path: Path):
    from mocker.store.db import connect

    conn = connect(str(tmp_path / "m.db"))
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO endpoints (container_id, network_id, ipv4, created) VALUES ('a', 'n', '10.0.0.2', 0)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO endpoints (container_id, network_id, ipv4, created) VALUES ('b', 'n', '10.0.0.2', 0)")


@pytest.mark.parametrize(("spec", "expected"), [
    ("8080:80/tcp", [("", 8080, 8080, 80, "tcp")]),
    ("127.0.0.1:8080:80/udp", [("127.0.0.1", 8080, 8080, 80, "udp")]),
    ("80/tcp", [("", 0, 0, 80, "tcp")]),
    ("127.0.0.1::80/tcp", [("127.0.0.1", 0, 0, 80, "tcp")]),
    ("8000-8001:80-81/tcp", [("", 8000, 8000, 80, "tcp"), ("", 8001, 8001, 81, "tcp")]),
    ("9000-9010:80/tcp", [("", 9000, 9010, 80, "tcp")]),
    ("[::1]:8080:80/tcp", [("::1", 8080, 8080, 80, "tcp")]),
])
def test_port_specs(spec, expected):
    got = [(r.host_ip, r.host_start, r.host_end, r.container_port, r.protocol) for r in ports.parse(spec)]
    assert got == expected


def test_choose_refuses_a_port_another_container_holds():
    reqs = ports.parse("127.0.0.1:18080:80/tcp")
    with pytest.raises(ports.PortInUse, match="Bind for 127.0.0.1:18080 failed: port is already allocated"):
        ports.choose(reqs, [("", 18080, "tcp")])
    # another protocol or another address does not clash
    assert ports.choose(ports.parse("127.0.0.1:18080:80/udp"), [("127.0.0.1", 18080, "tcp")])[0][1] == 18080


def test_choose_gives_a_free_port_for_a_missing_host_port():
    (ip, port, proto, cport), = ports.choose(ports.parse("127.0.0.1::80/tcp"), [])
    assert (ip, proto, cport) == ("127.0.0.1", "tcp", 80) and port > 0


def test_docker_texts_for_ports():
    rows = [{"host_ip": "", "host_port": 8080, "protocol": "tcp", "container_port": 80},
            {"host_ip": "", "host_port": 8081, "protocol": "tcp", "container_port": 81},
            {"host_ip": "127.0.0.1", "host_port": 5353, "protocol": "udp", "container_port": 53}]
    assert ports.ps_text(["443/tcp"], rows) == "0.0.0.0:8080-8081->80-81/tcp, 443/tcp, 127.0.0.1:5353->53/udp"
    assert ports.settings_ports(["80/tcp", "90/tcp"], rows[:1]) == {
        "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "90/tcp": None}
    assert ports.port_bindings(["127.0.0.1::80/tcp", "8000-8001:90-91/tcp"]) == {
        "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}],
        "90/tcp": [{"HostIp": "", "HostPort": "8000"}], "91/tcp": [{"HostIp": "", "HostPort": "8001"}]}


def test_etc_files_as_docker_writes_them(monkeypatch):
    monkeypatch.setattr(etcfiles, "_host_resolv", lambda: ["nameserver 127.0.0.53", "search corp", "options edns0"])
    hosts = etcfiles.hosts("abc", "", "10.1.0.2", ["gw:10.1.0.1"])
    assert hosts.splitlines()[0] == "127.0.0.1\tlocalhost" and hosts.endswith("10.1.0.1\tgw\n10.1.0.2\tabc\n")
    # default bridge: loopback resolvers dropped, Google's instead; search and options kept
    assert etcfiles.resolv_conf([], [], [], []) == \
        "nameserver 8.8.8.8\nnameserver 8.8.4.4\nsearch corp\noptions edns0\n"
    # user network: aardvark on the gateway
    assert etcfiles.resolv_conf(["10.1.0.1"], ["1.1.1.1"], ["x.y"], []) == \
        "nameserver 10.1.0.1\nsearch x.y\noptions edns0\n"
    assert etcfiles.resolv_conf([], ["1.1.1.1"], [], ["ndots:2"]).splitlines()[::2] == \
        ["nameserver 1.1.1.1", "options ndots:2"]
