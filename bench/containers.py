#!/usr/bin/env python3
"""Container benchmarks (issue #3): `run --rm IMG true`, `run -d` + `rm -f`, `ps` with 100
containers, `exec true`, and conmon's memory per idle container — beside docker and podman when
they answer (`docker info`, `podman info`). Prints medians; asserts nothing.

Run as root: `.venv/bin/python bench/containers.py [--runs 20]`. For docker, start a daemon first
(see bench/README.md) and export DOCKER_HOST.
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


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def timed_pair(first: list[str], second_of: object, env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(first, env=env, check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run(second_of(out), env=env, check=True, stdout=subprocess.DEVNULL)  # type: ignore[operator]
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def tool_works(tool: str) -> bool:
    return bool(shutil.which(tool)) and subprocess.run([tool, "info"], capture_output=True).returncode == 0


def conmon_pss_kb() -> list[int]:
    out = []
    for pid in subprocess.run(["pgrep", "-x", "conmon"], capture_output=True, text=True).stdout.split():
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                out.append(int(line.split()[1]))
    return out


def bench_tool(tool: list[str], env: dict[str, str], runs: int, image: str) -> list[tuple[str, float]]:
    rows = []
    rows.append((f"run --rm {image} true", timed([*tool, "run", "--rm", image, "true"], env, runs)))
    rows.append(("run -d + rm -f", timed_pair([*tool, "run", "-d", image, "sleep", "1000"],
                                              lambda cid: [*tool, "rm", "-f", cid], env, max(5, runs // 2))))
    cid = subprocess.run([*tool, "run", "-d", image, "sleep", "1000"], env=env, check=True, capture_output=True,
                         text=True).stdout.strip()
    rows.append(("exec true", timed([*tool, "exec", cid, "true"], env, runs)))
    subprocess.run([*tool, "rm", "-f", cid], env=env, check=True, stdout=subprocess.DEVNULL)
    ids = [subprocess.run([*tool, "create", image, "true"], env=env, check=True, capture_output=True, text=True)
           .stdout.strip() for _ in range(100)]
    rows.append(("ps -a (100 containers)", timed([*tool, "ps", "-a"], env, runs)))
    subprocess.run([*tool, "rm", "-f", *ids], env=env, check=True, stdout=subprocess.DEVNULL)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-ctr-"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root")}
    results: dict[str, list[tuple[str, float]]] = {}
    try:
        rootfs = work / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in ("sh", "true", "sleep"):
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        subprocess.run([MOCKER, "import", str(rootfs), "bench-busybox:latest"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        results["mocker"] = bench_tool([MOCKER], env, args.runs, "bench-busybox")
        ids = [subprocess.run([MOCKER, "run", "-d", "bench-busybox", "sleep", "1000"], env=env, check=True,
                              capture_output=True, text=True).stdout.strip() for _ in range(10)]
        pss = conmon_pss_kb()
        results["mocker"].append(("conmon PSS per idle container (KiB)", statistics.median(pss) if pss else 0))
        subprocess.run([MOCKER, "rm", "-f", *ids], env=env, check=True, stdout=subprocess.DEVNULL)
        saved = work / "img.tar"
        subprocess.run([MOCKER, "save", "-o", str(saved), "bench-busybox"], env=env, check=True)
        for tool in ("docker", "podman"):
            if tool_works(tool):
                subprocess.run([tool, "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
                results[tool] = bench_tool([tool], dict(os.environ), args.runs, "bench-busybox")
            else:
                print(f"({tool}: not installed or no daemon/service answering `{tool} info`; skipped)")
    finally:
        for ident in subprocess.run([MOCKER, "ps", "-aq"], env=env, capture_output=True, text=True).stdout.split():
            subprocess.run([MOCKER, "rm", "-f", ident], env=env, capture_output=True)
        release_bridges(env["MOCKER_ROOT"])
        shutil.rmtree(work, ignore_errors=True)
    names = [name for name, _ in results["mocker"]]
    print(f"{'benchmark'.ljust(38)}" + "".join(t.rjust(14) for t in results))
    for i, name in enumerate(names):
        cells = []
        for tool in results:
            rows = results[tool]
            if i < len(rows):
                v = rows[i][1]
                cells.append(f"{v:10.1f} KiB" if "KiB" in name else f"{v * 1000:11.1f} ms")
            else:
                cells.append("".rjust(14))
        print(name.ljust(38) + "".join(c.rjust(14) for c in cells))


if __name__ == "__main__":
    main()
