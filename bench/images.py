#!/usr/bin/env python3
"""Image benchmarks (issue #2): start-up, `images` with 50 images, pull and push of a ~200 MB
5-layer image against the local registry on 127.0.0.1:5000 — beside skopeo and docker when present.

Run: `.venv/bin/python bench/images.py [--size-mb 200] [--runs 20]` after `scripts/registries start`.
Prints medians; nothing here is asserted (targets live in the README, not in tests).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

REGISTRY = os.environ.get("MOCKER_TEST_REGISTRY", "127.0.0.1:5000")
MOCKER = str(Path(sys.executable).with_name("mocker"))


def timed(argv: list[str], env: dict[str, str], runs: int = 1) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def layer_tar(i: int, size: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        # Half random (incompressible), half text: a realistic mix for gzip.
        data = os.urandom(size // 2) + (b"mocker benchmark line %d\n" % i) * (size // 2 // 24)
        info = tarfile.TarInfo(f"layer{i}/data.bin")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build_oci_archive(path: Path, total_mb: int, ref: str) -> None:
    """A 5-layer OCI archive, loaded with `mocker load` so every tool starts from the same bytes."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        blobs = root / "blobs" / "sha256"
        blobs.mkdir(parents=True)

        def put(data: bytes) -> str:
            h = hashlib.sha256(data).hexdigest()
            (blobs / h).write_bytes(data)
            return "sha256:" + h

        layers, diffs = [], []
        for i in range(5):
            raw = layer_tar(i, total_mb * (1 << 20) // 5)
            gz = gzip.compress(raw, compresslevel=1, mtime=0)
            diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
            layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(gz),
                           "size": len(gz)})
        cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                          "rootfs": {"type": "layers", "diff_ids": diffs}}).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                          "digest": put(cfg), "size": len(cfg)},
                               "layers": layers}).encode()
        mdigest = put(manifest)
        (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
             "size": len(manifest), "annotations": {"io.containerd.image.name": ref}}]}))
        with tarfile.open(path, "w") as tar:
            for p in sorted(root.rglob("*")):
                tar.add(p, arcname=str(p.relative_to(root)), recursive=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root"), "DOCKER_CONFIG": str(work / "docker")}
    rows: list[tuple[str, str, float]] = []
    try:
        rows.append(("mocker --version", "mocker", timed([MOCKER, "--version"], env, args.runs)))
        rootfs = work / "rootfs.tar"
        with tarfile.open(rootfs, "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
        for i in range(50):
            subprocess.run([MOCKER, "import", "-c", f"LABEL n={i}", str(rootfs), f"bench/img{i}:latest"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        rows.append(("images (50 images)", "mocker", timed([MOCKER, "images"], env, args.runs)))

        ref = f"{REGISTRY}/bench/{uuid.uuid4().hex[:8]}:big"
        archive = work / "big.tar"
        build_oci_archive(archive, args.size_mb, ref)
        subprocess.run([MOCKER, "load", "-i", str(archive)], env=env, check=True, stdout=subprocess.DEVNULL)
        rows.append((f"push {args.size_mb} MB / 5 layers", "mocker", timed([MOCKER, "push", ref], env)))
        subprocess.run([MOCKER, "rmi", ref], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([MOCKER, "image", "prune", "-af"], env=env, check=True, stdout=subprocess.DEVNULL)
        rows.append((f"pull+unpack {args.size_mb} MB / 5 layers", "mocker", timed([MOCKER, "pull", ref], env)))

        if shutil.which("skopeo"):
            layout = work / "layout"
            subprocess.run(["tar", "-xf", str(archive), "-C", str(layout.mkdir() or layout)], check=True)
            ref2 = f"{REGISTRY}/bench/{uuid.uuid4().hex[:8]}:big"
            rows.append((f"push {args.size_mb} MB / 5 layers", "skopeo copy", timed(
                ["skopeo", "copy", "--dest-tls-verify=false", f"oci:{layout}", f"docker://{ref2}"], env)))
            rows.append((f"pull {args.size_mb} MB / 5 layers (no unpack)", "skopeo copy", timed(
                ["skopeo", "copy", "--src-tls-verify=false", f"docker://{ref2}", f"oci:{work / 'pulled'}:x"], env)))
        if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
            # Same bytes for docker: mocker's save writes a docker-archive that docker load reads.
            saved = work / "docker.tar"
            subprocess.run([MOCKER, "save", "-o", str(saved), ref], env=env, check=True)
            subprocess.run(["docker", "load", "-i", str(saved)], check=True, stdout=subprocess.DEVNULL)
            ref3 = f"{REGISTRY}/bench/{uuid.uuid4().hex[:8]}:big"
            subprocess.run(["docker", "tag", ref, ref3], check=True)
            rows.append((f"push {args.size_mb} MB / 5 layers", "docker", timed(["docker", "push", ref3], env)))
            subprocess.run(["docker", "rmi", "-f", ref, ref3], check=True, stdout=subprocess.DEVNULL)
            rows.append((f"pull+unpack {args.size_mb} MB / 5 layers", "docker", timed(["docker", "pull", ref], env)))
            subprocess.run(["docker", "rmi", "-f", ref], check=True, stdout=subprocess.DEVNULL)
        else:
            print("(docker: no daemon reachable (docker info failed), skipped; see bench/README.md)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark'.ljust(width)}  {'tool'.ljust(12)}  median")
    for name, tool, secs in rows:
        print(f"{name.ljust(width)}  {tool.ljust(12)}  {secs * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
