#!/usr/bin/env python3
"""The floor under `run --rm IMG true` on this machine (issue #3's target): what the programs that
any conmon + crun design must run cost by themselves, beside mocker's whole command.

Rows (medians):
- `python -c pass`: the bare interpreter mocker runs in (no imports of ours);
- `crun run`: the container alone, from a prepared bundle (mocker's own config.json: seccomp,
  capabilities, masked paths), no supervisor, no overlay, no store;
- conmon + crun create/start/delete: the same bundle driven the way mocker drives it (conmon's sync
  and start pipes, `crun start`, wait for the exit file, `crun delete`) by a minimal Python script;
  that is the floor of the design the issue asks for (conmon supervises every container);
- mocker `run --rm --network none IMG true`, and on the default bridge.
Asserts nothing. Run as root: `.venv/bin/python bench/run_floor.py [--runs 20]`.
"""

from __future__ import annotations

import argparse
import json
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

DRIVER = r'''
import os, socket, subprocess, sys, time
bundle, state, cid, work = sys.argv[1:5]
d = os.path.join(work, cid)
os.makedirs(d)
sync, sync_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
start_child, start = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
env = dict(os.environ, _OCI_SYNCPIPE=str(sync_child.fileno()), _OCI_STARTPIPE=str(start_child.fileno()))
argv = ["/usr/bin/conmon", "--api-version", "1", "-c", cid, "-u", cid, "-r", "/usr/bin/crun", "-b", bundle,
        "-p", d + "/pid", "-n", cid, "--exit-dir", d, "--runtime-arg", "--root=" + state, "--persist-dir", d,
        "-l", "k8s-file:" + d + "/log", "--log-level", "error", "--conmon-pidfile", d + "/conmon.pid",
        "--socket-dir-path", d]
p = subprocess.Popen(argv, env=env, pass_fds=[sync_child.fileno(), start_child.fileno()], stdin=subprocess.DEVNULL)
sync_child.close(); start_child.close()
start.send(b"\0")
p.wait()
sync.recv(65536)
subprocess.run(["crun", "--root=" + state, "start", cid], check=True)
while not os.path.exists(os.path.join(d, cid)):
    time.sleep(0.0005)
subprocess.run(["crun", "--root=" + state, "delete", "-f", cid], check=True)
'''


def median_ms(argvs: list[list[str]], runs: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for i in range(runs):
        t = time.perf_counter()
        for argv in argvs:
            subprocess.run([a.replace("{i}", str(i)) for a in argv], check=True, env=env,
                           stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mocker-bench-floor-"))
    env = {**os.environ, "MOCKER_ROOT": str(work / "root")}
    try:
        rootfs = work / "bundle" / "rootfs"
        rootfs.mkdir(parents=True)
        with tarfile.open(work / "rootfs.tar", "w") as tar:
            tar.add("/bin/busybox", arcname="bin/busybox")
            for applet in ("sh", "true", "sleep"):
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type, info.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(info)
        with tarfile.open(work / "rootfs.tar") as tar:
            tar.extractall(rootfs, filter="tar")
        subprocess.run([MOCKER, "import", str(work / "rootfs.tar"), "floor-bb"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        cid = subprocess.run([MOCKER, "run", "-d", "--network", "none", "floor-bb", "sleep", "100"], env=env,
                             check=True, capture_output=True, text=True).stdout.strip()
        config = json.loads((work / "root" / "containers" / cid / "config.json").read_text())
        subprocess.run([MOCKER, "rm", "-f", cid], env=env, check=True, stdout=subprocess.DEVNULL)
        config["root"] = {"path": "rootfs", "readonly": False}
        config["process"]["args"] = ["true"]
        config["process"]["terminal"] = False
        config["mounts"] = [m for m in config["mounts"] if not str(m.get("source", "")).startswith(str(work))]
        config["linux"].pop("cgroupsPath", None)
        config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"] if "path" not in n]
        (work / "bundle" / "config.json").write_text(json.dumps(config))
        state, drv = str(work / "crun-state"), work / "driver.py"
        drv.write_text(DRIVER)
        (work / "conmon").mkdir()
        py = sys.executable
        rows = [
            ("python -c pass", median_ms([[py, "-c", "pass"]], args.runs)),
            ("crun run (prepared bundle)", median_ms([["crun", f"--root={state}", "run", "--bundle",
                                                       str(work / "bundle"), "floor{i}"]], args.runs)),
            ("conmon + crun create/start/delete", median_ms(
                [[py, str(drv), str(work / "bundle"), state, "c{i}", str(work / "conmon")]], args.runs)),
            ("mocker run --rm --network none", median_ms([[MOCKER, "run", "--rm", "--network", "none", "floor-bb",
                                                          "true"]], args.runs, env)),
            ("mocker run --rm (default bridge)", median_ms([[MOCKER, "run", "--rm", "floor-bb", "true"]],
                                                           args.runs, env)),
        ]
    finally:
        release_bridges(env["MOCKER_ROOT"])
        shutil.rmtree(work, ignore_errors=True)
    for name, ms in rows:
        print(f"{name:40s} {ms:8.1f} ms")


if __name__ == "__main__":
    main()
