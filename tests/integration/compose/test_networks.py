"""The project network (through the engine's networks, issue #4): DNS by service name, aliases,
published ports, ``down`` removing the project's networks only."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .conftest import Compose

WEB = """
services:
  web:
    image: busybox
    command: sh -c 'mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 80 -h /www'
    stop_grace_period: 1s
    networks:
      default:
        aliases: [www]
    ports: ["127.0.0.1::80"]
  client:
    image: busybox
    command: sleep 300
    stop_grace_period: 1s
    depends_on: [web]
"""


def _get(compose: Compose, host: str) -> str:
    deadline = time.monotonic() + 20
    out = ""
    while time.monotonic() < deadline:
        out = compose("exec", "-T", "client", "sh", "-c",
                      f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 {host} 80", check=False).stdout
        if "hello-from-web" in out:
            return out
        time.sleep(0.3)
    raise AssertionError(f"no answer from {host}: {out!r}")


def test_client_reaches_web_by_service_name_and_alias_and_published_port(
        compose: Compose, project_dir: Path, run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (project_dir / "compose.yaml").write_text(WEB)
    up = compose("up", "-d")
    assert " Network proj_default  Created" in up.stderr
    _get(compose, "web")
    _get(compose, "www")
    net = json.loads(run_mocker("network", "inspect", "proj_default").stdout)[0]
    assert net["Labels"]["com.docker.compose.project"] == "proj"
    assert net["Labels"]["com.docker.compose.network"] == "default"
    port = json.loads(run_mocker("inspect", "--format", "{{json .NetworkSettings.Ports}}", "proj-web-1").stdout)
    host_port = int(port["80/tcp"][0]["HostPort"])
    assert compose("port", "web", "80").stdout.strip() == f"127.0.0.1:{host_port}"
    with socket.create_connection(("127.0.0.1", host_port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
        assert b"hello-from-web" in reply
    compose("down")
    assert "proj_default" not in run_mocker("network", "ls", "--format", "{{.Name}}").stdout.split()


def test_external_network_must_exist_and_is_kept(compose: Compose, project_dir: Path,
                                                 run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (project_dir / "compose.yaml").write_text(
        "services:\n  s:\n    image: busybox\n    command: sleep 300\n    stop_grace_period: 1s\n"
        "    networks: [shared]\nnetworks:\n  shared:\n    external: true\n    name: compose-ext-net\n")
    out = compose("up", "-d", check=False)
    assert out.returncode == 1
    assert "network compose-ext-net declared as external, but could not be found" in out.stderr
    run_mocker("network", "create", "compose-ext-net")
    try:
        compose("up", "-d")
        compose("down")
        assert "compose-ext-net" in run_mocker("network", "ls", "--format", "{{.Name}}").stdout.split()
    finally:
        run_mocker("network", "rm", "compose-ext-net", check=False)


def test_run_publishes_with_service_ports_or_p_and_takes_aliases_only_when_asked(
        compose: Compose, project_dir: Path, run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (project_dir / "compose.yaml").write_text(WEB)

    def one_off(*flags: str) -> dict:
        cid = compose("run", "-d", *flags, "web").stdout.strip()
        return json.loads(run_mocker("inspect", cid).stdout)[0]

    plain = one_off()
    assert plain["NetworkSettings"]["Ports"] == {}          # a one-off does not publish the service's ports
    assert not plain["NetworkSettings"]["Networks"]["proj_default"]["Aliases"]
    served = one_off("--service-ports", "--use-aliases")
    assert served["NetworkSettings"]["Ports"]["80/tcp"][0]["HostIp"] == "127.0.0.1"
    assert {"web", "www"} <= set(served["NetworkSettings"]["Networks"]["proj_default"]["Aliases"])
    published = one_off("-p", "127.0.0.1::80")
    host_port = int(published["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"])
    deadline = time.monotonic() + 20
    reply = b""
    while b"hello-from-web" not in reply and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", host_port), timeout=5) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                reply = b""
                while chunk := s.recv(4096):
                    reply += chunk
        except OSError:
            time.sleep(0.3)
    assert b"hello-from-web" in reply
    compose("down")
