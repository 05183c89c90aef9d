#!/usr/bin/env python3
"""Build benchmarks (issue #5): cold build and no-change rebuild of a 10-step Dockerfile, beside
`docker build` (and buildah) when they answer. Prints medians; asserts nothing.

Run as root: `.venv/bin/python bench/build.py [--runs 5]`. For docker, start a daemon first (see
bench/README.md) and export DOCKER_HOST. A cold build is `build --no-cache` on a store that already
holds the base image (each run a new tag); the rebuild is the same command with the cache warm.
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

MOCKER = str(Path(sys.executable).with_name("mocker"))
APPLETS = ("sh", "true", "echo", "cat", "mkdir", "ls", "sleep", "rm")

DOCKERFILE = """\
FROM bench-busybox
ARG VERSION=1
ENV APP=/app
WORKDIR /app
COPY src/ ./src/
RUN mkdir -p /app/out && echo "$VERSION" > /app/out/version
RUN cat /app/src/a.txt /app/src/b.txt > /app/out/joined
COPY config.txt /etc/app.conf
LABEL bench=yes
EXPOSE 8080
CMD ["cat", "/app/out/joined"]
"""


def timed(argv: list[str], env: dict[str, str], runs: int, cwd: Path) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def tool_works(tool: str) -> bool:
    return bool(shutil.which(tool)) and subprocess.run([tool, "info"], capture_output=True).returncode == 0


def bench_tool(tool: list[str], env: dict[str, str], runs: int, ctx: Path) -> list[tuple[str, float]]:
    cold = timed([*tool, "build", "--no-cache", "-t", "bench-built", "."], env, runs, ctx)
    subprocess.run([*tool, "build", "-t", "bench-built", "."], env=env, check=True, stdout=subprocess.DEVNULL,
                   cwd=ctx)
    warm = timed([*tool, "build", "-t", "bench-built", "."], env, runs * 2, ctx)
    return [("cold build, 10 steps (--no-cache)", cold), ("no-change rebuild, 10 steps", warm)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-build-"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root")}
    results: dict[str, list[tuple[str, float]]] = {}
    try:
        ctx = work / "ctx"
        (ctx / "src").mkdir(parents=True)
        (ctx / "src" / "a.txt").write_text("a\n")
        (ctx / "src" / "b.txt").write_text("b\n")
        (ctx / "config.txt").write_text("setting=1\n")
        (ctx / "Dockerfile").write_text(DOCKERFILE)
        rootfs = work / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in APPLETS:
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
            for name in ("tmp", "etc"):
                info = tarfile.TarInfo(name)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
        subprocess.run([MOCKER, "import", str(rootfs), "bench-busybox:latest"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        results["mocker"] = bench_tool([MOCKER], env, args.runs, ctx)
        saved = work / "img.tar"
        subprocess.run([MOCKER, "save", "-o", str(saved), "bench-busybox"], env=env, check=True)
        for tool in ("docker", "buildah"):
            if tool == "docker" and tool_works("docker"):
                subprocess.run(["docker", "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
                results["docker"] = bench_tool(["docker"], dict(os.environ), args.runs, ctx)
            elif tool == "buildah" and shutil.which("buildah"):
                subprocess.run(["buildah", "pull", f"docker-archive:{saved}"], check=True, capture_output=True)
                subprocess.run(["buildah", "tag", "localhost/bench-busybox", "bench-busybox"], capture_output=True)
                results["buildah"] = bench_tool(["buildah"], dict(os.environ), args.runs, ctx)
            else:
                print(f"({tool}: not installed or not answering; skipped)")
    finally:
        for ident in subprocess.run([MOCKER, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split():
            subprocess.run([MOCKER, "rm", "-f", ident], env=env, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    names = [name for name, _ in results["mocker"]]
    print(f"{'benchmark'.ljust(38)}" + "".join(t.rjust(14) for t in results))
    for i, name in enumerate(names):
        cells = [f"{results[t][i][1] * 1000:11.1f} ms" for t in results]
        print(name.ljust(38) + "".join(c.rjust(14) for c in cells))


if __name__ == "__main__":
    main()
