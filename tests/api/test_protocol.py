"""The HTTP side of the API socket: version negotiation, error shapes, malformed requests, clients
that hang up mid-stream, socket permissions and ``--time``."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import time

import pytest
from support.api import raw_request, request, start_service, stop_service


def test_ping_get_and_head_carry_the_api_version(service) -> None:
    status, headers, body = request(service.socket, "GET", "/_ping")
    assert (status, body) == (200, b"OK")
    assert headers["api-version"] == "1.41"
    assert headers["ostype"] == "linux"
    status, headers, body = request(service.socket, "HEAD", "/_ping")
    assert (status, body) == (200, b"")
    assert headers["api-version"] == "1.41"


@pytest.mark.parametrize(("prefix", "status"), [("", 200), ("/v1.24", 200), ("/v1.41", 200), ("/v1.50", 400),
                                                 ("/v1.12", 400)])
def test_versioned_paths(service, prefix: str, status: int) -> None:
    got, _, body = request(service.socket, "GET", f"{prefix}/version")
    assert got == status
    doc = json.loads(body)
    if status == 200:
        assert doc["ApiVersion"] == "1.41" and doc["MinAPIVersion"] == "1.24"
    elif prefix == "/v1.50":
        assert doc["message"] == "client version 1.50 is too new. Maximum supported API version is 1.41"
    else:
        assert doc["message"].startswith("client version 1.12 is too old. Minimum supported API version is 1.24")


def test_unknown_paths_and_methods(service) -> None:
    status, _, body = request(service.socket, "GET", "/v1.41/nothing/here")
    assert status == 404 and json.loads(body) == {"message": "page not found"}
    status, _, _ = request(service.socket, "PUT", "/v1.41/containers/json")
    assert status == 405


def test_malformed_create_requests_get_400_and_create_nothing(service) -> None:
    status, _, body = request(service.socket, "POST", "/v1.41/containers/create", body=b"{not json",
                              headers={"Content-Type": "application/json"})
    assert status == 400 and "invalid JSON" in json.loads(body)["message"]
    status, _, body = request(service.socket, "POST", "/v1.41/containers/create", body=b'{"Image": "busybox", '
                              b'"Cmd": 5}')
    assert status == 400 and "Cmd" in json.loads(body)["message"]
    status, _, body = request(service.socket, "POST", "/v1.41/containers/create?name=bad/name",
                              body=b'{"Image": "busybox"}')
    assert status == 400 and "Invalid container name" in json.loads(body)["message"]
    status, _, body = request(service.socket, "POST", "/v1.41/containers/create", body=b'{"Image": "busybox", '
                              b'"HostConfig": {"PidMode": "host"}}')
    assert status == 501 and "not supported by mocker" in json.loads(body)["message"]
    status, _, body = request(service.socket, "GET", "/v1.41/containers/json")
    assert status == 200 and json.loads(body) == []


def test_garbage_on_the_wire_is_a_4xx_and_the_service_lives_on(service) -> None:
    reply = raw_request(service.socket, b"THIS IS NOT HTTP\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400") or reply.startswith(b"HTTP/1.0 400")
    reply = raw_request(service.socket, b"POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\n"
                                        b"Content-Length: banana\r\n\r\n")
    assert reply.split(b" ")[1].startswith(b"4")
    reply = raw_request(service.socket, b"POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\n"
                                        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert reply.split(b" ")[1].startswith(b"4")
    status, _, _ = request(service.socket, "GET", "/_ping")
    assert status == 200


def test_clients_that_hang_up_mid_stream_do_not_hurt_the_service(service, docker_cli) -> None:
    docker_cli("run", "-d", "--name", "chatty", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.1; done")
    for path in ("/v1.41/containers/chatty/logs?follow=1&stdout=1", "/v1.41/containers/chatty/stats"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(service.socket)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: docker\r\n\r\n".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 200")
        s.close()
    s = socket.socket(socket.AF_UNIX)
    s.connect(service.socket)
    s.sendall(b"POST /v1.41/containers/chatty/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\n"
              b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
    first = s.recv(200)
    assert first.startswith(b"HTTP/1.1 101 UPGRADED")
    s.close()
    time.sleep(0.5)
    assert docker_cli("logs", "--tail", "1", "chatty").stdout == "tick\n"
    assert docker_cli("exec", "chatty", "echo", "alive").stdout == "alive\n"
    docker_cli("rm", "-f", "chatty")


def test_socket_is_0660_in_a_0700_directory(service) -> None:
    assert stat.S_IMODE(os.stat(service.socket).st_mode) == 0o660
    assert stat.S_IMODE(os.stat(os.path.dirname(service.socket)).st_mode) == 0o700


def test_default_socket_lives_in_the_stores_run_dir(mocker_env, mocker_root) -> None:
    from conftest import mocker_executable

    path = mocker_root / "run" / "mocker.sock"
    path.parent.mkdir(mode=0o755)
    proc = subprocess.Popen([mocker_executable(), "system", "service", "--time", "1"], env=mocker_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert f"unix://{path}" in out
    assert not path.exists()        # gone after the idle exit
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_time_ends_an_idle_service_and_a_second_one_cannot_take_the_socket(mocker_env) -> None:
    from conftest import mocker_executable

    svc = start_service(mocker_env, "--time", "2")
    try:
        clash = subprocess.run([mocker_executable(), "system", "service", f"unix://{svc.socket}"], env=mocker_env,
                               capture_output=True, text=True, timeout=30)
        assert clash.returncode == 1
        assert "another service is listening there" in clash.stderr
        status, _, _ = request(svc.socket, "GET", "/_ping")    # activity restarts the clock
        assert status == 200
        assert svc.proc.wait(timeout=30) == 0
        assert not os.path.exists(svc.socket)
    finally:
        stop_service(svc)


def test_tcp_addresses_are_refused(mocker_env) -> None:
    from conftest import mocker_executable

    r = subprocess.run([mocker_executable(), "system", "service", "tcp://127.0.0.1:2375"], env=mocker_env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 125
    assert "is not supported by mocker" in r.stderr
