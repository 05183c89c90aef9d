#!/usr/bin/env python3
"""Network benchmarks (issue #4): `run --rm --network <user-net> IMG true`, the same on the default
bridge and on `none`, and `run -d -p 127.0.0.1:PORT:80 IMG httpd` + first HTTP answer on the published
port + `rm -f` — beside docker and podman when they answer (`docker info`, `podman info`).
Prints medians; asserts nothing.

Run as root: `.venv/bin/python bench/networks.py [--runs 20]`. The bench store gets its own address
pool (10.199.0.0/16) and bridge name through its daemon.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from store_cleanup import release_bridges

MOCKER = str(Path(sys.executable).with_name("mocker"))


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def reach(port: int, deadline: float = 10.0) -> None:
    """Until the published port answers an HTTP request (the server starts after `run -d` returns)."""
    end = time.monotonic() + deadline
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        if time.monotonic() > end:
            raise RuntimeError(f"127.0.0.1:{port} did not answer")
        time.sleep(0.005)


def publish_cycle(tool: list[str], env: dict[str, str], runs: int, image: str) -> float:
    samples = []
    for _ in range(runs):
        port = free_port()
        t = time.perf_counter()
        cid = subprocess.run([*tool, "run", "-d", "-p", f"127.0.0.1:{port}:80", image, "httpd", "-f", "-p", "80",
                              "-h", "/www"], env=env, check=True, capture_output=True, text=True).stdout.strip()
        reach(port)
        subprocess.run([*tool, "rm", "-f", cid], env=env, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def tool_works(tool: str) -> bool:
    return bool(shutil.which(tool)) and subprocess.run([tool, "info"], capture_output=True).returncode == 0


def bench_tool(tool: list[str], env: dict[str, str], runs: int, image: str) -> list[tuple[str, float]]:
    subprocess.run([*tool, "network", "create", "benchnet"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        return [
            ("run --rm --network none true", timed([*tool, "run", "--rm", "--network", "none", image, "true"], env,
                                                   runs)),
            ("run --rm (default bridge) true", timed([*tool, "run", "--rm", image, "true"], env, runs)),
            ("run --rm --network benchnet true", timed([*tool, "run", "--rm", "--network", "benchnet", image,
                                                        "true"], env, runs)),
            ("run -d -p + reach + rm -f", publish_cycle(tool, env, max(5, runs // 2), image)),
        ]
    finally:
        subprocess.run([*tool, "network", "rm", "benchnet"], env=env, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-net-"))
    root = work / "root"
    root.mkdir()
    (root / "daemon.json").write_text(json.dumps({"bip": "10.199.0.1/24", "bridge": "mkbench0",
                                                  "default-address-pools": [{"base": "10.199.0.0/16",
                                                                             "size": 24}]}))
    env = {**os.environ, "MOCKER_ROOT": str(root)}
    results: dict[str, list[tuple[str, float]]] = {}
    try:
        rootfs = work / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in ("sh", "true", "sleep", "httpd"):
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
            page = work / "index.html"
            page.write_text("hello\n")
            tar.add(page, arcname="www/index.html")
        subprocess.run([MOCKER, "import", str(rootfs), "bench-busybox:latest"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        results["mocker"] = bench_tool([MOCKER], env, args.runs, "bench-busybox")
        saved = work / "img.tar"
        subprocess.run([MOCKER, "save", "-o", str(saved), "bench-busybox"], env=env, check=True)
        for tool in ("docker", "podman"):
            if tool_works(tool):
                subprocess.run([tool, "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
                results[tool] = bench_tool([tool], dict(os.environ), args.runs, "bench-busybox")
            else:
                print(f"({tool}: not installed or no daemon/service answering `{tool} info`; skipped)")
    finally:
        ids = subprocess.run([MOCKER, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split()
        if ids:
            subprocess.run([MOCKER, "rm", "-f", *ids], env=env, capture_output=True)
        subprocess.run([MOCKER, "network", "prune", "-f"], env=env, capture_output=True)
        release_bridges(env["MOCKER_ROOT"])
        shutil.rmtree(work, ignore_errors=True)
    names = [name for name, _ in results["mocker"]]
    print(f"{'benchmark'.ljust(38)}" + "".join(t.rjust(14) for t in results))
    for i, name in enumerate(names):
        cells = [f"{results[t][i][1] * 1000:11.1f} ms" if i < len(results[t]) else "".rjust(14) for t in results]
        print(name.ljust(38) + "".join(c.rjust(14) for c in cells))


if __name__ == "__main__":
    main()
