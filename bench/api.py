#!/usr/bin/env python3
"""API socket benchmarks (issue #8): the docker CLI as a client of `mocker system service` —
`docker run --rm IMG true` and `docker ps -a` with 50 containers — and the same commands against a
Docker daemon when one is given (`--dockerd unix:///tmp/dockerd.sock`, see bench/README.md).
Prints medians; asserts nothing. Run as root: `.venv/bin/python bench/api.py [--runs 20]`.
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
IMAGE = "bench-busybox"


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def bench(env: dict[str, str], runs: int) -> list[tuple[str, float]]:
    rows = [(f"docker run --rm {IMAGE} true", timed(["docker", "run", "--rm", IMAGE, "true"], env, runs))]
    ids = [subprocess.run(["docker", "create", IMAGE, "true"], env=env, check=True, capture_output=True,
                          text=True).stdout.strip() for _ in range(50)]
    rows.append(("docker ps -a (50 containers)", timed(["docker", "ps", "-a"], env, runs)))
    subprocess.run(["docker", "rm", "-f", *ids], env=env, check=True, stdout=subprocess.DEVNULL)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--dockerd", help="DOCKER_HOST of a Docker daemon to compare with")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mb", dir="/tmp"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root")}
    sock = work / "api" / "mocker.sock"
    results: dict[str, list[tuple[str, float]]] = {}
    service = None
    try:
        rootfs = work / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in ("sh", "true", "sleep"):
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        subprocess.run([MOCKER, "import", str(rootfs), f"{IMAGE}:latest"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        service = subprocess.Popen([MOCKER, "system", "service", "--time", "0", f"unix://{sock}"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not sock.exists():
            time.sleep(0.02)
        results["mocker API"] = bench({**env, "DOCKER_HOST": f"unix://{sock}"}, args.runs)
        if args.dockerd:
            denv = {**os.environ, "DOCKER_HOST": args.dockerd}
            saved = work / "img.tar"
            subprocess.run([MOCKER, "save", "-o", str(saved), IMAGE], env=env, check=True)
            subprocess.run(["docker", "load", "-i", str(saved)], env=denv, check=True, stdout=subprocess.DEVNULL)
            results["dockerd"] = bench(denv, args.runs)
    finally:
        if service is not None:
            service.terminate()
            service.wait()
        for ident in subprocess.run([MOCKER, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split():
            subprocess.run([MOCKER, "rm", "-f", ident], env=env, capture_output=True)
        release_bridges(env["MOCKER_ROOT"])
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'benchmark'.ljust(34)}" + "".join(t.rjust(14) for t in results))
    for i, (name, _) in enumerate(results["mocker API"]):
        print(name.ljust(34) + "".join(f"{rows[i][1] * 1000:11.1f} ms".rjust(14) for rows in results.values()))


if __name__ == "__main__":
    main()
