#!/usr/bin/env python3
"""Build benchmarks (issue #5): cold build and no-change rebuild of a 10-step Dockerfile, beside
`docker build` (and buildah) when they answer. Prints medians; asserts nothing.

Run as root: `.venv/bin/python bench/build.py [--runs 5]`. For docker, start a daemon first (see
bench/README.md) and export DOCKER_HOST. A cold build is `build --no-cache` on a store that already
holds the base image; the rebuild is the same command with the cache warm. The tools take turns run
by run (mocker, docker, buildah, mocker, ...), so a busy machine slows them alike; the tables show
medians, and the rebuild also its fastest run and its median CPU time (user+sys of the client
process: docker's work happens in the daemon, so that column is mocker's only). A no-change
rebuild of mocker's is answered from its replay record (DECISIONS 39); the last row times it with a
new record key each run, so every step is looked up in the store as without replays.
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


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user+sys of the process and its children) of one run."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def tool_works(tool: str) -> bool:
    return bool(shutil.which(tool)) and subprocess.run([tool, "info"], capture_output=True).returncode == 0


def bench_tools(tools: dict[str, tuple[list[str], dict[str, str]]], runs: int,
                ctx: Path) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Cold builds, then (cache warm) rebuilds, each tool in turn for every run."""
    out: dict[str, dict[str, list[tuple[float, float]]]] = {t: {"cold": [], "warm": [], "built": []} for t in tools}
    for _ in range(runs):
        for name, (argv, env) in tools.items():
            out[name]["cold"].append(timed([*argv, "build", "--no-cache", "-t", "bench-built", "."], env, ctx))
    for argv, env in tools.values():
        subprocess.run([*argv, "build", "-t", "bench-built", "."], env=env, check=True, stdout=subprocess.DEVNULL,
                       cwd=ctx)
    for _ in range(runs * 2):
        for name, (argv, env) in tools.items():
            out[name]["warm"].append(timed([*argv, "build", "-t", "bench-built", "."], env, ctx))
    # The same rebuild without a replay record (DECISIONS 39): a variable mocker never reads makes
    # each run's key new, so every step is looked up in the store (and a record is written).
    for i in range(runs * 2):
        for name, (argv, env) in tools.items():
            run_env = {**env, "MOCKER_BENCH_NONCE": str(i)} if name == "mocker" else env
            out[name]["built"].append(timed([*argv, "build", "-t", "bench-built", "."], run_env, ctx))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-build-"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root")}
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
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
        tools: dict[str, tuple[list[str], dict[str, str]]] = {"mocker": ([MOCKER], env)}
        saved = work / "img.tar"
        subprocess.run([MOCKER, "save", "-o", str(saved), "bench-busybox"], env=env, check=True)
        for tool in ("docker", "buildah"):
            if tool == "docker" and tool_works("docker"):
                subprocess.run(["docker", "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
                tools["docker"] = (["docker"], dict(os.environ))
            elif tool == "buildah" and shutil.which("buildah"):
                subprocess.run(["buildah", "pull", f"docker-archive:{saved}"], check=True, capture_output=True)
                subprocess.run(["buildah", "tag", "localhost/bench-busybox", "bench-busybox"], capture_output=True)
                tools["buildah"] = (["buildah"], dict(os.environ))
            else:
                print(f"({tool}: not installed or not answering; skipped)")
        results = bench_tools(tools, args.runs, ctx)
    finally:
        for ident in subprocess.run([MOCKER, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split():
            subprocess.run([MOCKER, "rm", "-f", ident], env=env, capture_output=True)
        release_bridges(work / "root")
        shutil.rmtree(work, ignore_errors=True)
    rows = [
        ("cold build, 10 steps (--no-cache)", lambda r: statistics.median(w for w, _ in r["cold"])),
        ("no-change rebuild, 10 steps", lambda r: statistics.median(w for w, _ in r["warm"])),
        ("  fastest no-change rebuild", lambda r: min(w for w, _ in r["warm"])),
        ("  no-change rebuild, client CPU", lambda r: statistics.median(c for _, c in r["warm"])),
        ("  same, without a replay record", lambda r: statistics.median(w for w, _ in r["built"])),
    ]
    print(f"{'benchmark'.ljust(38)}" + "".join(t.rjust(14) for t in results))
    for name, value in rows:
        print(name.ljust(38) + "".join(f"{value(r) * 1000:11.1f} ms".rjust(14) for r in results.values()))


if __name__ == "__main__":
    main()
