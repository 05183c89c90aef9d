"""``--insecure`` against a registry whose certificate cannot be verified, on a non-loopback address.

Loopback registries are insecure by Docker's rules anyway, so the test gives a registry its own
network namespace with the TEST-NET address 192.0.2.1 (nothing leaves the namespace), serving TLS
with a certificate made for 127.0.0.1 by a CA mocker is not told about.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import time
from pathlib import Path

import pytest
from support.registries import unique_repo

pytestmark = [pytest.mark.root, pytest.mark.registry]

ADDR = "192.0.2.1:5443"


@pytest.fixture
def netns_registry(tmp_path: Path, auth_registry):
    """A TLS registry at 192.0.2.1:5443 inside a new network namespace; yields the nsenter prefix."""
    registry_bin = shutil.which("docker-registry") or "/usr/bin/docker-registry"
    certs = auth_registry.ca.parent
    config = tmp_path / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {tmp_path / 'data'}\nhttp:\n  addr: {ADDR}\n  secret: netns-test\n"
        f"  tls:\n    certificate: {certs / 'server.crt'}\n    key: {certs / 'server.key'}\n"
        "health:\n  storagedriver:\n    enabled: false\n"
    )
    holder = subprocess.Popen(["unshare", "--net", "sleep", "600"])
    ns = ["nsenter", "-t", str(holder.pid), "-n"]
    registry = None
    try:
        # unshare has run once the holder's netns differs from ours (the links read "net:[inode]";
        # Path.resolve made them paths under each process's own /proc dir, which always differed)
        for _ in range(200):
            if os.readlink(f"/proc/{holder.pid}/ns/net") != os.readlink("/proc/self/ns/net"):
                break
            time.sleep(0.05)
        else:
            pytest.fail("unshare did not give the registry a network namespace")
        subprocess.run([*ns, "ip", "link", "set", "lo", "up"], check=True)
        subprocess.run([*ns, "ip", "addr", "add", "192.0.2.1/32", "dev", "lo"], check=True)
        registry = subprocess.Popen([*ns, registry_bin, "serve", str(config)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        probe = [*ns, "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/192.0.2.1/5443"]
        for _ in range(100):
            if subprocess.run(probe, stderr=subprocess.DEVNULL, check=False, timeout=10).returncode == 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the namespaced registry did not start")
        yield ns
    finally:
        for proc in (registry, holder):
            if proc is not None:
                proc.kill()
                proc.wait()


def test_insecure_allows_push_and_inspect_of_an_unverifiable_registry(cli, platform_images, netns_registry,
                                                                      mocker_env):
    mocker = str(Path(sysconfig.get_path("scripts")) / "mocker")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*netns_registry, mocker, *args], env=mocker_env, capture_output=True, text=True,
                              timeout=120, check=False)

    repo = f"{ADDR}/{unique_repo()}"
    images = platform_images(repo, ("amd64", "arm64"))
    assert cli("manifest", "create", f"{repo}:l", *images.values()).code == 0
    refused = run("manifest", "push", f"{repo}:l")
    assert refused.returncode == 1
    assert "tls: failed to verify certificate" in refused.stderr
    pushed = run("manifest", "push", "--insecure", f"{repo}:l")
    assert pushed.returncode == 0, pushed.stderr
    local = json.loads(cli("manifest", "inspect", f"{repo}:l").out)
    assert cli("manifest", "rm", f"{repo}:l").code == 0
    assert run("manifest", "inspect", f"{repo}:l").returncode == 1
    remote = run("manifest", "inspect", "--insecure", f"{repo}:l")
    assert remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == local
    assert pushed.stdout.strip().startswith("sha256:")
