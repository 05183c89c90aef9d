#!/usr/bin/env python3
"""Manifest-list and foreign-architecture benchmarks (issue #6): `manifest create` of 4 platform
images, `manifest annotate`, `manifest inspect`, `manifest push` (4 × ~2 MB busybox images to the
registry on 127.0.0.1:5000), and `run --rm --platform P IMG true` / a shell loop of 20000 steps per
platform (native amd64 vs qemu-user arm64, s390x, ppc64le). Prints medians; asserts nothing.

Run as root after `scripts/setup` and `scripts/registries start`:
`.venv/bin/python bench/manifests.py [--runs 10]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

MOCKER = str(Path(sys.executable).with_name("mocker"))
DEBS = Path(os.environ.get("MOCKER_TEST_CACHE", "/var/cache/mocker-test")) / "debs"
ARCHES = {"amd64": "amd64", "arm64": "arm64", "s390x": "s390x", "ppc64le": "ppc64el"}
LOOP = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"


def run(argv: list[str], env: dict[str, str]) -> str:
    return subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout


def timed(argv: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        run(argv, env)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def rootfs_tar(arch: str, work: Path) -> Path:
    busybox = Path("/bin/busybox")
    if arch != "amd64":
        deb = sorted(DEBS.glob(f"busybox-static_*_{ARCHES[arch]}.deb"))[-1]
        subprocess.run(["dpkg-deb", "-x", str(deb), str(work / f"deb-{arch}")], check=True)
        busybox = work / f"deb-{arch}" / "bin" / "busybox"
    root = work / f"root-{arch}"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "busybox").write_bytes(busybox.read_bytes())
    (root / "bin" / "busybox").chmod(0o755)
    for applet in ("sh", "true"):
        (root / "bin" / applet).symlink_to("busybox")
    tar = work / f"{arch}.tar"
    with tarfile.open(tar, "w") as t:
        t.add(root, arcname=".")
    return tar


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--registry", default=os.environ.get("MOCKER_TEST_REGISTRY", "127.0.0.1:5000"))
    runs = parser.parse_args().runs
    registry = parser.parse_args().registry
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "MOCKER_ROOT": str(work / "root"), "MOCKER_CONFIG": str(work / "cfg")}
        repo = f"{registry}/bench/{uuid.uuid4().hex[:12]}"
        refs = []
        for arch in ARCHES:
            ref = f"{repo}:{arch}"
            run([MOCKER, "import", "--platform", f"linux/{arch}", str(rootfs_tar(arch, work)), ref], env)
            refs.append(ref)
        name = f"{repo}:list"
        rm = [MOCKER, "manifest", "rm", name]
        create = [MOCKER, "manifest", "create", name, *refs]
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            run(create, env)
            samples.append(time.perf_counter() - t)
            run(rm, env)
        print(f"manifest create (4 images)    {statistics.median(samples) * 1000:8.1f} ms")
        run(create, env)
        annotate = [MOCKER, "manifest", "annotate", "--variant", "v8", name, refs[1]]
        print(f"manifest annotate             {timed(annotate, env, runs) * 1000:8.1f} ms")
        inspect = [MOCKER, "manifest", "inspect", name]
        print(f"manifest inspect (local)      {timed(inspect, env, runs) * 1000:8.1f} ms")
        print(f"manifest push (first, 4×2 MB) {timed([MOCKER, 'manifest', 'push', name], env, 1) * 1000:8.1f} ms")
        print(f"manifest push (again)         {timed([MOCKER, 'manifest', 'push', name], env, runs) * 1000:8.1f} ms")
        for arch in ARCHES:
            ref = f"{repo}:{arch}"
            start = timed([MOCKER, "run", "--rm", ref, "true"], env, runs)
            loop = timed([MOCKER, "run", "--rm", ref, "sh", "-c", LOOP], env, max(3, runs // 3))
            print(f"run --rm linux/{arch:8} true {start * 1000:8.1f} ms   20000-step sh loop {loop * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
