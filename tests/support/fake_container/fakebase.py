"""A FAKE of Apple's ``container`` CLI, for the apple backend's contract tests on Linux.

Apple's CLI cannot exist on Linux, so this stand-in answers as ../shared/docs/APPLE-CONTAINER.md
documents it: argument-parser rules (options before the first positional, everything after it
passed through literally, ``--`` included; no joined short values; whole ``--cpus``; unknown options
exit 64 with ``Error: Unknown option``), ``Error: <text>`` on stderr with exit 1, the 1.x JSON
shapes (``{id, configuration, status}``, ISO dates, sorted keys) or the 0.x flat shapes (2001-epoch
dates) chosen by ``FAKE_CONTAINER_VERSION``, and the XPC error of a stopped system service.

State lives in ``$FAKE_CONTAINER_STATE`` (JSON files); every argv is appended to ``argv.jsonl``
there so tests assert exactly what mocker sent. A container's "process" runs on the host (it is a
fake VM): ``start`` spawns it with its output in the container's log, ``start --attach`` and ``exec``
run it in the foreground and exit with its status.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

STATE = Path(os.environ.get("FAKE_CONTAINER_STATE", "/tmp/fake-container"))  # noqa: S108
VERSION = tuple(int(x) for x in os.environ.get("FAKE_CONTAINER_VERSION", "1.2.2").split("."))
APPLE_EPOCH = 978307200.0
XPC = ("Error: XPC connection error: Connection invalid\n"
       "Ensure container system service has been started with `container system start`.\n")


class Fail(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# ---- state -----------------------------------------------------------------------------------------

def load(name: str) -> dict[str, Any]:
    try:
        return dict(json.loads((STATE / f"{name}.json").read_text()))
    except (OSError, ValueError):
        return {}


def save(name: str, data: dict[str, Any]) -> None:
    tmp = STATE / f".{name}.json.tmp"
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    tmp.replace(STATE / f"{name}.json")


def now_date(t: float | None = None) -> Any:
    from datetime import UTC, datetime

    t = time.time() if t is None else t
    if VERSION >= (1, 0, 0):
        return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return t - APPLE_EPOCH


def normalize(ref: str) -> str:
    name, digest = (ref.split("@", 1) + [""])[:2]
    last = name.rpartition("/")[2]
    if ":" not in last and not digest:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name or not ("." in first or ":" in first or first == "localhost"):
        name = "docker.io/" + (name if "/" in name else "library/" + name)
    return name + ("@" + digest if digest else "")


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def digest_of(text: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# ---- argument parsing (swift-argument-parser's rules, as far as they matter here) -------------------

CREATE_VALUES = {
    "-e": "env", "--env": "env", "--env-file": "env-file", "--gid": "gid", "-u": "user", "--user": "user",
    "--uid": "uid", "-w": "workdir", "--workdir": "workdir", "--cwd": "workdir", "--ulimit": "ulimit",
    "-c": "cpus", "--cpus": "cpus", "-m": "memory", "--memory": "memory", "-a": "arch", "--arch": "arch",
    "--os": "os", "--platform": "platform", "--cap-add": "cap-add", "--cap-drop": "cap-drop",
    "--cidfile": "cidfile", "--dns": "dns", "--dns-domain": "dns-domain", "--dns-option": "dns-option",
    "--dns-search": "dns-search", "--entrypoint": "entrypoint", "--init-image": "init-image", "-k": "kernel",
    "--kernel": "kernel", "-l": "label", "--label": "label", "--mount": "mount", "--name": "name",
    "--network": "network", "-p": "publish", "--publish": "publish", "--publish-socket": "publish-socket",
    "--runtime": "runtime", "--shm-size": "shm-size", "--tmpfs": "tmpfs", "-v": "volume", "--volume": "volume",
}
CREATE_FLAGS = {"-i": "interactive", "--interactive": "interactive", "-t": "tty", "--tty": "tty", "-d": "detach",
                "--detach": "detach", "--no-dns": "no-dns", "--init": "init", "--read-only": "read-only",
                "--rm": "rm", "--remove": "rm", "--rosetta": "rosetta", "--ssh": "ssh",
                "--virtualization": "virtualization"}
SINCE = {"cap-add": (0, 12), "cap-drop": (0, 12), "shm-size": (1, 0), "read-only": (0, 8), "init": (0, 10),
         "ulimit": (0, 9), "progress": (0, 7), "platform": (0, 4), "publish": (0, 3), "network": (0, 2)}


def parse(args: list[str], values: dict[str, str], flags: dict[str, str], *, passthrough: bool = False,
          npos: int | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """Options (repeatable) and positionals. With ``passthrough``, everything after the first
    positional is taken literally (``.captureForPassthrough``)."""
    opts: dict[str, list[str]] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if pos and passthrough:
            pos.extend(args[i:])
            break
        if a == "--" and not passthrough:
            pos.extend(args[i + 1:])
            break
        if a.startswith("--"):
            key, eq, val = a.partition("=")
            if key in values:
                name = values[key]
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise Fail(f"Error: Missing value for '{key} <{name}>'", 64)
                    val = args[i]
                opts.setdefault(name, []).append(val)
            elif key in flags and not eq:
                opts.setdefault(flags[key], []).append("")
            elif key == "--debug":
                pass
            else:
                raise Fail(f"Error: Unknown option '{key}'", 64)
        elif a.startswith("-") and len(a) > 1:
            if a in values:
                i += 1
                if i >= len(args):
                    raise Fail(f"Error: Missing value for '{a}'", 64)
                opts.setdefault(values[a], []).append(args[i])
            else:
                for ch in a[1:]:        # combined boolean short flags (-it); a joined value is an error
                    if f"-{ch}" not in flags:
                        raise Fail(f"Error: Unknown option '-{ch}'", 64)
                    opts.setdefault(flags[f"-{ch}"], []).append("")
        else:
            pos.append(a)
        i += 1
    for name in opts:
        if name in SINCE and VERSION < SINCE[name]:
            raise Fail(f"Error: Unknown option '--{name}'", 64)
    if npos is not None and len(pos) != npos:
        raise Fail(f"Error: expected {npos} argument(s), got {len(pos)}", 64)
    return opts, pos


def one(opts: dict[str, list[str]], key: str, default: str = "") -> str:
    v = opts.get(key)
    return v[-1] if v else default


# ---- documents in the version's shape -----------------------------------------------------------------

def container_doc(c: dict[str, Any]) -> dict[str, Any]:
    state = live_state(c)
    cfg: dict[str, Any] = {
        "id": c["id"], "image": {"reference": c["image"], "descriptor": {
            "digest": c["digest"], "mediaType": "application/vnd.oci.image.index.v1+json", "size": 1024}},
        "initProcess": {"executable": c["executable"], "arguments": c["arguments"], "environment": c["env"],
                        "workingDirectory": c["workdir"], "terminal": c["tty"], "rlimits": c["rlimits"],
                        "supplementalGroups": [],
                        "user": {"raw": {"userString": c["user"]}} if c["user"] else {"id": {"uid": 0, "gid": 0}}},
        "labels": c["labels"], "mounts": c["mounts"], "publishedPorts": c["ports"],
        "networks": [{"network": n, "options": {"hostname": c["id"]}} for n in c["networks"]],
        "platform": {"os": c["platform"].split("/")[0], "architecture": c["platform"].split("/")[1]},
        "resources": {"cpus": c["cpus"], "memoryInBytes": c["memory"]},
        "rosetta": False, "ssh": False, "sysctls": {}, "virtualization": False,
    }
    if VERSION >= (0, 8):
        cfg["readOnly"] = c["read_only"]
    if VERSION >= (0, 10):
        cfg["useInit"] = c["init"]
    if VERSION >= (0, 12):
        cfg["capAdd"], cfg["capDrop"] = c["cap_add"], c["cap_drop"]
    nets = []
    if state == "running":
        for i, n in enumerate(c["networks"]):
            if VERSION >= (0, 8):
                nets.append({"network": n, "hostname": c["id"], "ipv4Address": f"192.168.64.{3 + i}/24",
                             "ipv4Gateway": "192.168.64.1", "macAddress": "5a:94:ef:e4:0c:ee"})
            else:
                nets.append({"network": n, "hostname": c["id"], "address": f"192.168.64.{3 + i}/24",
                             "gateway": "192.168.64.1"})
    if VERSION >= (1, 0, 0):
        cfg["creationDate"] = c["created"]
        cfg["resources"]["cpuOverhead"] = 1
        status: dict[str, Any] = {"state": state, "networks": nets}
        if c.get("started") is not None:
            status["startedDate"] = c["started"]
        return {"id": c["id"], "configuration": cfg, "status": status}
    doc: dict[str, Any] = {"status": state, "configuration": cfg, "networks": nets}
    if VERSION >= (0, 8) and c.get("started") is not None:
        doc["startedDate"] = c["started"]
    return doc


def image_doc(ref: str, img: dict[str, Any], *, inspect: bool = False) -> dict[str, Any]:
    desc = {"digest": img["digest"], "mediaType": img.get("media_type", "application/vnd.oci.image.index.v1+json"),
            "size": img.get("index_size", 1024)}
    os_, arch = img.get("platform", "linux/arm64").split("/")[:2]
    variant = {"config": {"architecture": arch, "os": os_, "created": img["created"],
                          "config": img["config"], "rootfs": {"type": "layers", "diff_ids": [img["layer"]]}},
               "digest": digest_of(ref + "manifest"), "platform": {"architecture": arch, "os": os_},
               "size": img["size"]}
    if VERSION >= (1, 0, 0):
        return {"id": img["digest"].removeprefix("sha256:"), "configuration": {
            "creationDate": img["created"], "descriptor": desc, "name": ref}, "variants": [variant]}
    if inspect:
        return {"name": ref, "index": desc, "variants": [variant]}
    doc: dict[str, Any] = {"reference": ref, "descriptor": desc}
    if VERSION >= (0, 9):
        doc["fullSize"] = f"{img['size'] / 1e6:.1f} MB"
    return doc


def emit(doc: Any, *, pretty: bool = False) -> None:
    if VERSION >= (1, 0, 0):
        text = json.dumps(doc, sort_keys=True, indent=2 if pretty else None, separators=None if pretty else (",", ":"))
    else:
        text = json.dumps(doc).replace("/", "\\/")     # Foundation's default escaping before 1.4.1
    print(text)


# ---- processes ------------------------------------------------------------------------------------------

def live_state(c: dict[str, Any]) -> str:
    if c["state"] != "running":
        return str(c["state"])
    pid = c.get("pid") or 0
    if pid and _alive(pid):
        return "running"
    c["state"] = "stopped"
    return "stopped"


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def proc_env(c: dict[str, Any], extra: list[str]) -> dict[str, str]:
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    for e in [*c["env"], *extra]:
        k, _, v = e.partition("=")
        env[k] = v
    return env


def argv_of(c: dict[str, Any]) -> list[str]:
    return [c["executable"], *c["arguments"]]


def log_path(cid: str) -> Path:
    return STATE / "logs" / f"{cid}.log"


def parse_size(text: str) -> int:
    t = text.lower().removesuffix("ib").removesuffix("b") if text.lower()[-1:] == "b" and \
        not text[:-1].isdigit() else text.lower()
    units = {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}
    if t and t[-1] in units:
        return int(float(t[:-1]) * units[t[-1]])
    if t.endswith("b"):
        t = t[:-1]
    return int(t)


def add_image(images: dict[str, Any], ref: str, *, cmd: list[str] | None = None) -> None:
    """A pulled (or built) image: real blobs in the fake's content store (fakeoci)."""
    from fakeoci import synthesize

    images[ref] = synthesize(ref, cmd or ["sh"])


def get_container(cid: str, containers: dict[str, Any], *, op: str = "get") -> dict[str, Any]:
    if cid not in containers:
        if op == "get":
            raise Fail(f"Error: get failed: container {cid} not found")
        raise Fail(f"Error: container with ID {cid} not found")
    return dict(containers[cid])
