#!/usr/bin/env python3
"""Interleaved A/B of `compose up -d` + `compose down` (issue #7) between mocker trees, and Docker
Compose v2 when a daemon answers: variant A's up and down, then B's, ... run after run, so that all
share the machine's load; prints medians of the wall time and of the CPU of the CLI process (with
the children it waits for). Asserts nothing.

    git archive 1201318 mocker | (mkdir -p /tmp/before && tar -x -C /tmp/before)
    .venv/bin/python bench/compose_ab.py --runs 12 before=/tmp/before after=. [--compose-v2]

Each tree (a directory holding ``mocker/``) runs as ``python -m mocker`` with this venv's Python;
its .pyc files are written on the first run (PYTHONDONTWRITEBYTECODE is dropped).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from store_cleanup import release_bridges

sys.path.insert(0, str(Path(__file__).parent))
from compose import COMPOSE_V2, SERVICE, docker_answers  # noqa: E402 - the bench's own module


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({status})")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--compose-v2", action="store_true", help="also Docker Compose v2 (needs DOCKER_HOST)")
    ap.add_argument("trees", nargs="+", metavar="NAME=DIR")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-compose-ab-"))
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**base, "MOCKER_ROOT": str(work / "root")}
    proj = work / "bench"
    proj.mkdir()
    (proj / "compose.yaml").write_text("services:\n" + "".join(SERVICE.format(i=i) for i in range(5)))
    variants: list[tuple[str, list[str], dict[str, str]]] = []
    for item in args.trees:
        name, _, tree = item.partition("=")
        variants.append((name, [sys.executable, "-m", "mocker", "compose"],
                         {**env, "PYTHONPATH": str(Path(tree).resolve())}))
    if args.compose_v2:
        if not (os.access(COMPOSE_V2, os.X_OK) and docker_answers()):
            raise SystemExit(f"{COMPOSE_V2} missing or no daemon answering `docker info`")
        variants.append(("compose v2", [COMPOSE_V2], base))
    mocker = [sys.executable, "-m", "mocker"]
    first_env = variants[0][2]
    try:
        rootfs = work / "rootfs.tar"
        import tarfile

        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in ("sh", "sleep"):
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        subprocess.run([*mocker, "import", str(rootfs), "bench-busybox:latest"], env=first_env, check=True,
                       stdout=subprocess.DEVNULL)
        if args.compose_v2:
            saved = work / "img.tar"
            subprocess.run([*mocker, "save", "-o", str(saved), "bench-busybox:latest"], env=first_env, check=True)
            subprocess.run(["docker", "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
        rows: dict[str, dict[str, list[float]]] = {n: {} for n, _, _ in variants}
        for _ in range(args.runs):
            for name, tool, venv in variants:
                up = timed([*tool, "up", "-d"], venv, proj)
                time.sleep(0.3)
                down = timed([*tool, "down"], venv, proj)
                time.sleep(0.5)
                r = rows[name]
                for key, value in (("up -d", up[0]), ("down", down[0]), ("up+down", up[0] + down[0]),
                                   ("CPU up", up[1]), ("CPU down", down[1])):
                    r.setdefault(key, []).append(value)
    finally:
        subprocess.run([*mocker, "compose", "down"], env=first_env, cwd=proj, capture_output=True)
        release_bridges(work / "root")
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.runs} runs, load {os.getloadavg()[0]:.1f}; medians")
    print("variant".ljust(12) + "".join(k.rjust(12) for k in rows[variants[0][0]]))
    for name, r in rows.items():
        print(name.ljust(12) + "".join(f"{statistics.median(v) * 1000:9.0f} ms" for v in r.values()))


if __name__ == "__main__":
    main()
