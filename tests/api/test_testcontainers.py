"""testcontainers-python (PyPI ``testcontainers``) against ``mocker system service``: a generic
container exposing a port, started behind a log wait strategy. Its reaper (Ryuk) image cannot be
pulled here, so TESTCONTAINERS_RYUK_DISABLED=true; the container is stopped by the context manager."""

from __future__ import annotations

import urllib.request

import pytest

pytest.importorskip("testcontainers")


@pytest.fixture
def tc_env(service, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", service.url)
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    monkeypatch.delenv("TESTCONTAINERS_HOST_OVERRIDE", raising=False)
    monkeypatch.delenv("TC_HOST", raising=False)
    return service


def test_generic_container_with_port_and_log_wait(tc_env, run_mocker) -> None:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    container = (
        DockerContainer("busybox")
        .with_command(["sh", "-c", "mkdir -p /www && echo served-by-mocker > /www/index.html && "
                       "echo server ready && exec httpd -f -p 8080 -h /www"])
        .with_exposed_ports(8080)
        .waiting_for(LogMessageWaitStrategy("server ready").with_startup_timeout(60))
    )
    with container:
        host = container.get_container_host_ip()
        port = int(container.get_exposed_port(8080))
        assert port > 0
        with urllib.request.urlopen(f"http://{host}:{port}/index.html", timeout=20) as resp:  # noqa: S310
            assert resp.read() == b"served-by-mocker\n"
        cid = container.get_wrapped_container().id
        assert run_mocker("inspect", "-f", "{{.State.Running}}", cid).stdout.strip() == "true"
    # leaving the context manager stopped and removed it
    assert run_mocker("ps", "-aq").stdout == ""
