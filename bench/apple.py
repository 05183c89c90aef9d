#!/usr/bin/env python3
"""Apple backend overhead (issue #9), measured against the FAKE `container` CLI of the tests.

Two numbers per mocker command: how many times it runs `container` (each run costs an XPC round trip
on a Mac, so this count is what matters there), and the median wall time of the mocker command next
to the median of one bare fake call (`container list --all --format json`) — i.e. mocker's own cost
above the CLI calls it makes. Prints medians; asserts nothing.

Run: `.venv/bin/python bench/apple.py [--runs 10]` (no root, no registry).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MOCKER = str(Path(sys.executable).with_name("mocker"))
FAKE = Path(__file__).resolve().parent.parent / "tests" / "support" / "fake_container"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mocker-apple-bench-"))
    exe = tmp / "container"
    exe.write_text(f"#!{sys.executable} -S\nimport runpy, sys\nsys.argv[0] = {str(FAKE)!r}\n"
                   f"runpy.run_path({str(FAKE)!r}, run_name='__main__')\n")
    exe.chmod(0o755)
    (tmp / "config").mkdir()
    env = {**os.environ, "MOCKER_BACKEND": "apple", "MOCKER_CONTAINER_CLI": str(exe),
           "FAKE_CONTAINER_STATE": str(tmp / "state"), "MOCKER_CONFIG": str(tmp / "config"),
           "MOCKER_ROOT": str(tmp / "root"), "XDG_CACHE_HOME": str(tmp / "cache")}
    log = tmp / "state" / "argv.jsonl"

    def run(argv: list[str]) -> tuple[float, int, str]:
        before = len(log.read_text().splitlines()) if log.exists() else 0
        t = time.perf_counter()
        out = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
        took = time.perf_counter() - t
        after = len(log.read_text().splitlines())
        return took, after - before, out.strip()

    for i in range(20):
        run([str(exe), "create", "--name", f"c{i}", "busybox", "true"])
    cases = {
        "container list (one bare CLI call)": [str(exe), "list", "--all", "--format", "json"],
        "mocker ps -a (20 containers)": [MOCKER, "ps", "-a"],
        "mocker inspect c1": [MOCKER, "inspect", "c1"],
        "mocker images": [MOCKER, "images"],
        "mocker create busybox": [MOCKER, "create", "busybox"],
    }
    print(f"{'command':40} {'median':>9} {'CLI calls':>10}")
    for name, argv in cases.items():
        samples, calls = [], 0
        for _ in range(args.runs):
            took, calls, _ = run(argv)
            samples.append(took)
        print(f"{name:40} {statistics.median(samples) * 1000:7.0f}ms {calls:>10}")
    samples, calls = [], 0
    for _ in range(args.runs):
        t1, c1, cid = run([MOCKER, "run", "-d", "busybox", "sleep", "30"])
        t2, c2, _ = run([MOCKER, "rm", "-f", cid])
        samples.append(t1 + t2)
        calls = c1 + c2
    print(f"{'mocker run -d + rm -f':40} {statistics.median(samples) * 1000:7.0f}ms {calls:>10}")
    own_cost(tmp, env, args.runs)
    print(json.dumps({"state": str(tmp)}))


def own_cost(tmp: Path, env: dict[str, str], runs: int) -> None:
    """mocker's own CPU time (user+sys, so a busy machine skews it less than wall time) with a stub
    `container` (/bin/sh printing `[]`, ~1 ms): what mocker adds to each CLI call."""
    import resource

    stub = tmp / "stub-container"
    stub.write_text('#!/bin/sh\nif [ "$1" = "--version" ]; then echo "container CLI version 1.2.2 (build: release)"; '
                    'else echo "[]"; fi\n')
    stub.chmod(0o755)
    senv = {**env, "MOCKER_CONTAINER_CLI": str(stub)}
    print(f"{'own CPU time (stub CLI)':40} {'median':>9}")
    for name, argv in {"stub container list": [str(stub), "list"], "mocker --version": [MOCKER, "--version"],
                       "mocker ps -a": [MOCKER, "ps", "-a"], "mocker images": [MOCKER, "images"]}.items():
        samples = []
        for _ in range(max(runs, 15)):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(argv, env=senv, check=True, capture_output=True)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            samples.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
        print(f"{name:40} {statistics.median(samples) * 1000:7.0f}ms")


if __name__ == "__main__":
    main()
