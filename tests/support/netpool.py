"""Per-store network ranges for tests, so test runs of several sessions on one machine never share a
bridge or a subnet: each store gets its own /16 from 10.64.0.0/10 (leased machine-wide in a small
JSON file under a lock, freed when the test ends or its process is gone) and its own bridge name.

The store's ``daemon.json`` says so with Docker's keys (see ``mocker/network/ipam.py``).
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

REGISTRY = Path("/tmp/mocker-test-netpool.json")
LOCK = Path("/tmp/mocker-test-netpool.lock")
FIRST, LAST = 64, 127          # 10.64.0.0 - 10.127.255.255


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _routes() -> set[int]:
    """Second octets of 10.x routes the host already has (another tool's bridges)."""
    used = set()
    try:
        lines = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return used
    for line in lines:
        cols = line.split()
        dest = int(cols[1], 16).to_bytes(4, "little")
        if dest[0] == 10:
            used.add(dest[1])
    return used


def lease(root: Path) -> int:
    """Reserve a block for ``root``; writes ``root/daemon.json``. Returns the second octet."""
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            held = json.loads(REGISTRY.read_text())
        except (OSError, ValueError):
            held = {}
        held = {k: v for k, v in held.items() if _alive(v["pid"]) and Path(v["root"]).exists()}
        busy = {int(k) for k in held} | _routes()
        octet = next((o for o in range(FIRST, LAST + 1) if o not in busy), None)
        if octet is None:
            raise RuntimeError("no free test network block in 10.64.0.0/10")
        held[str(octet)] = {"pid": os.getpid(), "root": str(root)}
        tmp = REGISTRY.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(held))
        os.replace(tmp, REGISTRY)
    finally:
        os.close(fd)
    config = {"bip": f"10.{octet}.0.1/24", "bridge": f"mkt{octet}d{os.getpid() % 1000}",
              "default-address-pools": [{"base": f"10.{octet}.0.0/16", "size": 24}]}
    (root / "daemon.json").write_text(json.dumps(config))
    return octet


def release(octet: int) -> None:
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            held = json.loads(REGISTRY.read_text())
        except (OSError, ValueError):
            return
        held.pop(str(octet), None)
        tmp = REGISTRY.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(held))
        os.replace(tmp, REGISTRY)
    finally:
        os.close(fd)
