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
import signal
import subprocess
import sys
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
    desc = {"digest": img["digest"], "mediaType": "application/vnd.oci.image.index.v1+json", "size": 1024}
    variant = {"config": {"architecture": "arm64", "os": "linux", "created": img["created"],
                          "config": img["config"], "rootfs": {"type": "layers", "diff_ids": [img["layer"]]}},
               "digest": digest_of(ref + "manifest"), "platform": {"architecture": "arm64", "os": "linux"},
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


# ---- commands --------------------------------------------------------------------------------------------

def cmd_create(args: list[str], *, run: bool = False) -> int:
    values = dict(CREATE_VALUES)
    if run:
        values["--progress"] = "progress"
    opts, pos = parse(args, values, CREATE_FLAGS, passthrough=True)
    if not pos:
        raise Fail("Error: Missing expected argument '<image>'", 64)
    for v in opts.get("cpus", []):
        if not v.isdigit():
            raise Fail(f"Error: The value '{v}' is invalid for '-c, --cpus <cpus>'", 64)
    if opts.get("no-dns") and any(k.startswith("dns") for k in opts):
        raise Fail("Error: --no-dns cannot be used with --dns*", 64)
    image, command = normalize(pos[0]), pos[1:]
    images = load("images")
    if image not in images:
        add_image(images, image)
        save("images", images)
    img = images[image]
    containers = load("containers")
    cid = one(opts, "name") or _uuid()
    if cid in containers:
        raise Fail(f"Error: container with id {cid} already exists")
    memory = 1024 * 1024 * 1024
    if opts.get("memory"):
        memory = parse_size(one(opts, "memory"))
        if memory < 200 * 1024 * 1024:
            raise Fail(f"Error: minimum memory amount allowed is 200 MiB (got {memory} bytes)")
    cfg = img["config"]
    entry = [one(opts, "entrypoint")] if opts.get("entrypoint") else list(cfg.get("Entrypoint") or [])
    cmd = command or ([] if opts.get("entrypoint") else list(cfg.get("Cmd") or []))
    full = entry + cmd
    if not full:
        raise Fail("Error: command/entrypoint not specified for container process")
    env = list(cfg.get("Env") or [])
    for e in opts.get("env", []):
        if "=" not in e:
            if e in os.environ:
                env.append(f"{e}={os.environ[e]}")
            continue
        env.append(e)
    mounts = []
    for v in opts.get("volume", []):
        parts = v.split(":")
        if len(parts) == 1:
            mounts.append({"destination": parts[0], "options": [], "source": str(STATE / "volumes" / "anon"),
                           "type": {"volume": {"name": _uuid(), "format": "ext4"}}})
        elif parts[0].startswith("/") or parts[0].startswith("."):
            if not os.path.exists(parts[0]):
                raise Fail(f"Error: path '{parts[0]}' does not exist")
            mounts.append({"destination": parts[1], "options": [o for o in parts[2:3] if o], "source": parts[0],
                           "type": {"virtiofs": {}}})
        else:
            mounts.append({"destination": parts[1], "options": [o for o in parts[2:3] if o],
                           "source": str(STATE / "volumes" / parts[0]),
                           "type": {"volume": {"name": parts[0], "format": "ext4"}}})
    for m in opts.get("mount", []):
        kv = dict((x.split("=", 1) + [""])[:2] for x in m.split(","))
        allowed = {"type", "source", "src", "target", "destination", "dst", "readonly", "ro", "size", "mode"}
        bad = set(kv) - allowed
        if bad:
            raise Fail(f"Error: unknown mount option {sorted(bad)[0]}")
        kind = kv.get("type", "virtiofs")
        src = kv.get("source") or kv.get("src") or ""
        if kind in ("bind", "virtiofs") and not os.path.isdir(src):
            raise Fail(f"Error: path '{src}' is not a directory")
        tag = {"bind": "virtiofs"}.get(kind, kind)
        mounts.append({"destination": kv.get("target") or kv.get("destination") or kv.get("dst"),
                       "options": ["ro"] if ("readonly" in kv or "ro" in kv) else [], "source": src or kind,
                       "type": {tag: {"name": src} if tag == "volume" else {}}})
    ports = []
    for p in opts.get("publish", []):
        rest, _, proto = p.partition("/")
        parts = rest.rsplit(":", 2)
        if len(parts) < 2:
            raise Fail(f"Error: invalid publish value: {p}")
        host_ip = parts[0] if len(parts) == 3 else "0.0.0.0"  # noqa: S104 - the CLI's default
        ports.append({"containerPort": int(parts[-1]), "count": 1, "hostAddress": host_ip,
                      "hostPort": int(parts[-2]), "proto": proto or "tcp"})
    labels = {}
    for lb in opts.get("label", []):
        if lb.count("=") > 1:
            raise Fail("Error: invalid label format")
        k, _, v = lb.partition("=")
        labels[k] = v
    networks = [n.split(",")[0] for n in opts.get("network", [])] or ["default"]
    if "none" in networks:
        networks = []
    platform = one(opts, "platform") or f"{one(opts, 'os', 'linux')}/{one(opts, 'arch', 'arm64')}"
    rlimits = []
    for u in opts.get("ulimit", []):
        name, _, limits = u.partition("=")
        soft, _, hard = limits.partition(":")
        rlimits.append({"hard": int(hard or soft), "limit": f"RLIMIT_{name.upper()}", "soft": int(soft)})
    containers[cid] = {
        "id": cid, "image": image, "digest": img["digest"], "executable": full[0], "arguments": full[1:],
        "env": env, "workdir": one(opts, "workdir") or cfg.get("WorkingDir") or "/", "user": one(opts, "user"),
        "tty": bool(opts.get("tty")), "interactive": bool(opts.get("interactive")), "labels": labels,
        "mounts": mounts, "ports": ports, "networks": networks, "platform": platform,
        "cpus": int(one(opts, "cpus", "4")), "memory": memory, "created": now_date(), "started": None,
        "read_only": bool(opts.get("read-only")), "init": bool(opts.get("init")), "rlimits": rlimits,
        "cap_add": opts.get("cap-add", []), "cap_drop": opts.get("cap-drop", []), "state": "stopped",
        "auto_remove": bool(opts.get("rm")), "pid": 0,
    }
    save("containers", containers)
    if opts.get("cidfile"):
        Path(one(opts, "cidfile")).write_text(cid)
    if run:
        if opts.get("detach"):
            start_detached(cid)
            print(cid)
            return 0
        return start_attached(cid, bool(opts.get("interactive")))
    print(cid)
    return 0


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
    images[ref] = {"digest": digest_of(ref), "created": now_date(1_700_000_000), "size": 4_400_000,
                   "layer": digest_of(ref + "layer"),
                   "config": {"Cmd": cmd or ["sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                                                               "/sbin:/bin"], "WorkingDir": "/"}}


def get_container(cid: str, containers: dict[str, Any], *, op: str = "get") -> dict[str, Any]:
    if cid not in containers:
        if op == "get":
            raise Fail(f"Error: get failed: container {cid} not found")
        raise Fail(f"Error: container with ID {cid} not found")
    return dict(containers[cid])


def start_detached(cid: str) -> None:
    containers = load("containers")
    c = containers[cid]
    log_path(cid).parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path(cid), "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(argv_of(c), env=proc_env(c, []), stdin=subprocess.DEVNULL, stdout=log,  # noqa: S603
                            stderr=subprocess.STDOUT, start_new_session=True)
    c.update(state="running", pid=proc.pid, started=now_date())
    save("containers", containers)


def start_attached(cid: str, interactive: bool) -> int:
    containers = load("containers")
    c = containers[cid]
    c.update(state="running", pid=os.getpid(), started=now_date())
    save("containers", containers)
    log_path(cid).parent.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.Popen(argv_of(c), env=proc_env(c, []),  # noqa: S603
                                stdin=None if interactive else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT if c["tty"] else subprocess.PIPE)
    except OSError:
        c.update(state="stopped", pid=0)
        save("containers", containers)
        raise Fail(f"Error: failed to find target executable {c['executable']}") from None
    out, err = proc.communicate()
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    if err:
        sys.stderr.buffer.write(err)
        sys.stderr.flush()
    with open(log_path(cid), "ab") as f:
        f.write(out + (err or b""))
    containers = load("containers")
    if c["auto_remove"]:
        containers.pop(cid, None)
    else:
        containers[cid].update(state="stopped", pid=0)
    save("containers", containers)
    return proc.returncode


def cmd_start(args: list[str]) -> int:
    opts, pos = parse(args, {}, {"-a": "attach", "--attach": "attach", "-i": "interactive",
                                 "--interactive": "interactive"}, npos=1)
    containers = load("containers")
    c = get_container(pos[0], containers)
    if live_state(c) == "running":
        if opts.get("attach"):
            raise Fail("Error: attach is currently unsupported on already running containers")
        print(c["id"])
        return 0
    if opts.get("attach"):
        return start_attached(c["id"], bool(opts.get("interactive")))
    start_detached(c["id"])
    print(c["id"])
    return 0


def _signal(name: str) -> int:
    n = name.upper()
    if n.isdigit():
        return int(n)
    return int(getattr(signal, n if n.startswith("SIG") else "SIG" + n))


def cmd_stop(args: list[str]) -> int:
    opts, pos = parse(args, {"-s": "signal", "--signal": "signal", "-t": "time", "--time": "time"},
                      {"-a": "all", "--all": "all"})
    containers = load("containers")
    for cid in pos:
        c = get_container(cid, containers, op="stop")
        if live_state(c) == "running" and c.get("pid") and c["pid"] != os.getpid():
            try:
                os.killpg(c["pid"], _signal(one(opts, "signal", "SIGTERM")))
                deadline = time.time() + int(one(opts, "time", "5"))
                while time.time() < deadline and _alive(c["pid"]):
                    time.sleep(0.05)
                if _alive(c["pid"]):
                    os.killpg(c["pid"], signal.SIGKILL)
            except ProcessLookupError:
                pass
        containers[cid].update(state="stopped", pid=0)
        if containers[cid].get("auto_remove"):
            containers.pop(cid)
        print(cid)
    save("containers", containers)
    return 0


def cmd_kill(args: list[str]) -> int:
    opts, pos = parse(args, {"-s": "signal", "--signal": "signal"}, {"-a": "all", "--all": "all"})
    containers = load("containers")
    for cid in pos:
        c = get_container(cid, containers, op="kill")
        if live_state(c) != "running":
            raise Fail(f"Error: container {cid} is not running")
        try:
            os.killpg(c["pid"], _signal(one(opts, "signal", "KILL")))
        except ProcessLookupError:
            pass
        print(cid)
    return 0


def cmd_delete(args: list[str]) -> int:
    opts, pos = parse(args, {}, {"-f": "force", "--force": "force", "-a": "all", "--all": "all"})
    containers = load("containers")
    for cid in pos:
        c = get_container(cid, containers, op="delete")
        if live_state(c) == "running":
            if not opts.get("force"):
                raise Fail(f"Error: container {cid} is running and can not be deleted")
            try:
                os.killpg(c["pid"], signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        containers.pop(cid)
        print(cid)
    save("containers", containers)
    return 0


def cmd_list(args: list[str]) -> int:
    opts, _ = parse(args, {"--format": "format"}, {"-a": "all", "--all": "all", "-q": "quiet", "--quiet": "quiet"},
                    npos=0)
    containers = load("containers")
    docs = [container_doc(c) for c in containers.values()]
    show_all = bool(opts.get("all")) or (one(opts, "format") == "json" and VERSION < (0, 10))
    if not show_all:
        docs = [d for d in docs if (d["status"]["state"] if isinstance(d["status"], dict) else d["status"]) ==
                "running"]
    if opts.get("quiet"):
        for d in docs:
            print(d.get("id") or d["configuration"]["id"])
    elif one(opts, "format") == "json":
        emit(docs)
    else:
        print("ID  IMAGE  STATE")
    return 0


def cmd_inspect(args: list[str]) -> int:
    _, pos = parse(args, {}, {})
    containers = load("containers")
    missing = [p for p in pos if p not in containers]
    if missing and VERSION >= (1, 0, 0):
        raise Fail(f"Error: container not found: {', '.join(missing)}")
    emit([container_doc(containers[p]) for p in pos if p in containers], pretty=True)
    return 0


def cmd_logs(args: list[str]) -> int:
    opts, pos = parse(args, {"-n": "n"}, {"-f": "follow", "--follow": "follow", "--boot": "boot"}, npos=1)
    get_container(pos[0], load("containers"))
    path = log_path(pos[0])
    data = path.read_bytes() if path.exists() else b""
    if opts.get("n"):
        lines = [ln for ln in data.split(b"\n") if ln]
        count = int(one(opts, "n"))
        data = b"".join(ln + b"\n" for ln in lines[-count:]) if count else b""
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    if not opts.get("follow"):
        return 0
    pos_ = path.stat().st_size if path.exists() else 0
    while True:                     # like the real CLI: never exits on its own
        time.sleep(0.05)
        if path.exists() and path.stat().st_size > pos_:
            with open(path, "rb") as f:
                f.seek(pos_)
                chunk = f.read()
            pos_ += len(chunk)
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()


def cmd_exec(args: list[str]) -> int:
    values = {"-e": "env", "--env": "env", "-u": "user", "--user": "user", "-w": "workdir", "--workdir": "workdir",
              "--env-file": "env-file"}
    flags = {"-i": "interactive", "--interactive": "interactive", "-t": "tty", "--tty": "tty", "-d": "detach",
             "--detach": "detach"}
    opts, pos = parse(args, values, flags, passthrough=True)
    if len(pos) < 2:
        raise Fail("Error: Missing expected argument '<arguments> ...'", 64)
    c = get_container(pos[0], load("containers"))
    if live_state(c) != "running":
        raise Fail(f"Error: container {c['id']} is not running")
    env = proc_env(c, opts.get("env", []))
    try:
        if opts.get("detach"):
            subprocess.Popen(pos[1:], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # noqa: S603
                             stderr=subprocess.DEVNULL, start_new_session=True)
            print(c["id"])
            return 0
        return subprocess.run(pos[1:], env=env, check=False,  # noqa: S603
                              stdin=None if opts.get("interactive") else subprocess.DEVNULL).returncode
    except OSError:
        raise Fail(f"Error: failed to find target executable {pos[1]}") from None


def cmd_copy(args: list[str]) -> int:
    if VERSION < (1, 0, 0):
        raise Fail("Error: Unknown command 'copy'", 64)
    _, pos = parse(args, {}, {}, npos=2)
    containers = load("containers")

    def side(arg: str) -> tuple[dict[str, Any] | None, str]:
        if ":" in arg and not arg.startswith(("/", ".")):
            cid, _, path = arg.partition(":")
            return get_container(cid, containers), path
        return None, arg

    (sc, sp), (dc, dp) = side(pos[0]), side(pos[1])
    c = sc or dc
    if c is None or (sc and dc):
        raise Fail("Error: exactly one side must be a container path")
    if live_state(c) != "running":
        raise Fail(f"Error: container {c['id']} is not running")
    root = STATE / "fs" / c["id"]
    import shutil

    if sc:
        src, dst = root / sp.lstrip("/"), Path(dp)
    else:
        src, dst = Path(sp), root / dp.lstrip("/")
        dst.parent.mkdir(parents=True, exist_ok=True)
    if not src.exists():
        raise Fail(f"Error: path '{src}' does not exist")
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        shutil.copyfile(src, dst)
    print(pos[1])
    return 0


def cmd_export(args: list[str]) -> int:
    import tarfile

    opts, pos = parse(args, {"-o": "output", "--output": "output"}, {}, npos=1)
    c = get_container(pos[0], load("containers"))
    root = STATE / "fs" / c["id"]
    root.mkdir(parents=True, exist_ok=True)
    target = one(opts, "output")
    out = open(target, "wb") if target else sys.stdout.buffer  # noqa: SIM115
    with tarfile.open(fileobj=out, mode="w|") as tar:
        tar.add(root, arcname=".")
    out.flush()
    return 0


def cmd_stats(args: list[str]) -> int:
    opts, pos = parse(args, {"--format": "format"}, {"--no-stream": "no-stream"})
    if not opts.get("no-stream"):
        raise Fail("Error: the fake has no TUI", 64)
    containers = load("containers")
    for p in pos:
        get_container(p, containers)
    emit([{"id": p, "memoryUsageBytes": 50 * 1024 * 1024, "memoryLimitBytes": containers[p]["memory"],
           "cpuUsageUsec": 1000, "networkRxBytes": 1000, "networkTxBytes": 2000, "blockReadBytes": 0,
           "blockWriteBytes": 4096, "numProcesses": 1} for p in pos])
    return 0


def cmd_image(args: list[str]) -> int:
    import tarfile

    if not args:
        raise Fail("Error: Missing expected subcommand", 64)
    sub, rest = args[0], args[1:]
    images = load("images")
    progress_values = {"--progress": "progress", "--platform": "platform", "-a": "arch", "--arch": "arch",
                       "--os": "os", "--scheme": "scheme"}
    progress_flags = {"--disable-progress-updates": "noprogress"}
    if sub in ("list", "ls"):
        opts, _ = parse(rest, {"--format": "format"}, {"-q": "quiet", "--quiet": "quiet", "-v": "verbose"}, npos=0)
        if one(opts, "format") == "json":
            emit([image_doc(r, i) for r, i in images.items()])
        else:
            for r in images:
                print(r)
        return 0
    if sub == "pull":
        opts, pos = parse(rest, progress_values, progress_flags, npos=1)
        ref = normalize(pos[0])
        if "missing" in ref:
            raise Fail(f"Error: failed to pull image {ref}: not found")
        add_image(images, ref)
        save("images", images)
        return 0
    if sub == "push":
        opts, pos = parse(rest, progress_values, progress_flags, npos=1)
        ref = normalize(pos[0])
        if ref not in images:
            raise Fail(f"Error: image not found: {ref}")
        pushed = load("pushed")
        pushed[ref] = images[ref]["digest"]
        save("pushed", pushed)
        if VERSION >= (0, 12, 3):
            print(ref)
        return 0
    if sub == "tag":
        _, pos = parse(rest, {}, {}, npos=2)
        src, dst = normalize(pos[0]), normalize(pos[1])
        if src not in images:
            raise Fail(f"Error: image not found: {src}")
        images[dst] = dict(images[src])
        save("images", images)
        print(dst)
        return 0
    if sub in ("delete", "rm"):
        opts, pos = parse(rest, {}, {"-f": "force", "--force": "force", "-a": "all", "--all": "all"})
        for p in pos:
            ref = normalize(p)
            if ref not in images:
                if opts.get("force"):
                    continue
                raise Fail(f'Error: failed to delete one or more images: ["{p}"]')
            images.pop(ref)
            print(ref)
        save("images", images)
        return 0
    if sub == "inspect":
        _, pos = parse(rest, {}, {})
        refs = [normalize(p) for p in pos]
        missing = [r for r in refs if r not in images]
        if missing and VERSION >= (1, 0, 0):
            raise Fail(f"Error: image not found: {missing[0]}")
        emit([image_doc(r, images[r], inspect=True) for r in refs if r in images], pretty=True)
        return 1 if missing else 0
    if sub == "save":
        opts, pos = parse(rest, {"-o": "output", "--output": "output", "--platform": "platform"}, {})
        refs = [normalize(p) for p in pos]
        for r in refs:
            if r not in images:
                raise Fail(f"Error: image not found: {r}")
        data = json.dumps({r: images[r] for r in refs}).encode()
        target = one(opts, "output")
        out = open(target, "wb") if target else sys.stdout.buffer  # noqa: SIM115
        with tarfile.open(fileobj=out, mode="w|") as tar:
            info = tarfile.TarInfo("fake-images.json")
            info.size = len(data)
            import io

            tar.addfile(info, io.BytesIO(data))
        out.flush()
        return 0
    if sub == "load":
        opts, _ = parse(rest, {"-i": "input", "--input": "input"}, {"-f": "force", "--force": "force"}, npos=0)
        src = open(one(opts, "input"), "rb") if opts.get("input") else sys.stdin.buffer  # noqa: SIM115
        try:
            with tarfile.open(fileobj=src, mode="r|") as tar:
                loaded: dict[str, Any] = {}
                for member in tar:
                    f = tar.extractfile(member)
                    if f is not None and member.name == "fake-images.json":
                        loaded = json.loads(f.read())
        except tarfile.TarError:
            raise Fail("Error: failed to load archive: not a tar archive") from None
        images.update(loaded)
        save("images", images)
        for r in loaded:
            print(r)
        return 0
    raise Fail(f"Error: Unknown subcommand '{sub}'", 64)


def cmd_build(args: list[str]) -> int:
    values = {"-t": "tag", "--tag": "tag", "-f": "file", "--file": "file", "--build-arg": "build-arg",
              "-l": "label", "--label": "label", "--target": "target", "-o": "output", "--output": "output",
              "-a": "arch", "--arch": "arch", "--os": "os", "--platform": "platform", "--secret": "secret",
              "-c": "cpus", "--cpus": "cpus", "-m": "memory", "--memory": "memory", "--progress": "progress",
              "--vsock-port": "vsock-port", "--dns": "dns"}
    opts, pos = parse(args, values, {"--no-cache": "no-cache", "--pull": "pull", "-q": "quiet", "--quiet": "quiet"})
    context = Path(pos[0] if pos else ".")
    dockerfile = Path(one(opts, "file")) if opts.get("file") else context / "Dockerfile"
    if not dockerfile.exists():
        raise Fail(f"Error: failed to read dockerfile: {dockerfile} does not exist")
    text = dockerfile.read_text()
    cmd = ["sh"]
    for line in text.splitlines():
        if line.strip().upper().startswith("CMD "):
            cmd = json.loads(line.strip()[4:])
    print("#1 [internal] load build definition from Dockerfile", file=sys.stderr)
    print("#2 DONE", file=sys.stderr)
    images = load("images")
    tags = opts.get("tag") or [_uuid()]
    for t in tags:
        add_image(images, normalize(t), cmd=cmd)
        print(normalize(t))
    save("images", images)
    return 0


def cmd_resource(kind: str, args: list[str]) -> int:
    if not args:
        raise Fail("Error: Missing expected subcommand", 64)
    sub, rest = args[0], args[1:]
    data = load(kind + "s")
    if sub == "create":
        values = {"--label": "label", "--opt": "opt", "-s": "size", "--subnet": "subnet", "--subnet-v6": "subnet6"}
        opts, pos = parse(rest, values, {"--internal": "internal"}, npos=1)
        name = pos[0]
        if name in data:
            raise Fail(f"Error: {kind} '{name}' already exists")
        labels = dict((lb.split("=", 1) + [""])[:2] for lb in opts.get("label", []))
        data[name] = {"name": name, "labels": labels, "created": now_date(),
                      "options": dict((o.split("=", 1) + [""])[:2] for o in opts.get("opt", [])),
                      "internal": bool(opts.get("internal")), "subnet": one(opts, "subnet", "192.168.100.0/24")}
        save(kind + "s", data)
        print(name)
        return 0
    if sub in ("list", "ls"):
        parse(rest, {"--format": "format"}, {"-q": "quiet", "--quiet": "quiet"}, npos=0)
        docs = []
        for name, d in sorted(data.items()):
            if kind == "volume":
                cfg = {"creationDate": d["created"], "driver": "local", "format": "ext4", "labels": d["labels"],
                       "name": name, "options": d["options"], "source": str(STATE / "volumes" / name / "volume.img")}
                docs.append({"configuration": cfg, "id": name} if VERSION >= (1, 0, 0) else
                            {**{k: v for k, v in cfg.items() if k != "creationDate"}, "createdAt": d["created"]})
            else:
                docs.append({"configuration": {"creationDate": d["created"], "labels": d["labels"],
                                               "mode": "hostOnly" if d["internal"] else "nat", "name": name,
                                               "options": {}, "plugin": "container-network-vmnet"},
                             "id": name, "status": {"ipv4Gateway": d["subnet"].rsplit(".", 1)[0] + ".1",
                                                    "ipv4Subnet": d["subnet"]}})
        emit(docs)
        return 0
    if sub in ("delete", "rm"):
        _, pos = parse(rest, {}, {"-a": "all", "--all": "all"})
        for p in pos:
            if p not in data:
                raise Fail(f'Error: failed to delete one or more {kind}s: ["{p}"]')
            data.pop(p)
            print(p)
        save(kind + "s", data)
        return 0
    raise Fail(f"Error: Unknown subcommand '{sub}'", 64)


def cmd_system(args: list[str]) -> int:
    sub, rest = (args[0], args[1:]) if args else ("", [])
    running = (STATE / "service").read_text().strip() == "running" if (STATE / "service").exists() else True
    if sub == "status":
        opts, _ = parse(rest, {"--format": "format", "-p": "prefix", "--prefix": "prefix"}, {}, npos=0)
        if one(opts, "format") == "json":
            doc = {"apiServerAppName": "container-apiserver" if running else "", "apiServerBuild": "release"
                   if running else "", "apiServerCommit": "abcdef1" if running else "",
                   "apiServerVersion": f"container-apiserver version {'.'.join(map(str, VERSION))} (build: release, "
                                       "commit: abcdef1)" if running else "",
                   "appRoot": "/Users/me/Library/Application Support/com.apple.container/" if running else "",
                   "installRoot": "/usr/local/" if running else "",
                   "status": "running" if running else "unregistered"}
            emit(doc)
        else:
            print("apiserver is running" if running else "apiserver is not running and not registered with launchd")
        return 0 if running else 1
    if sub == "start":
        (STATE / "service").write_text("running")
        return 0
    if sub == "stop":
        (STATE / "service").write_text("stopped")
        return 0
    raise Fail(f"Error: Unknown subcommand '{sub}'", 64)


def main(argv: list[str]) -> int:
    STATE.mkdir(parents=True, exist_ok=True)
    with open(STATE / "argv.jsonl", "a") as f:
        f.write(json.dumps(argv) + "\n")
    if argv == ["--version"]:
        print(f"container CLI version {'.'.join(map(str, VERSION))} (build: release, commit: abcdef1)")
        return 0
    if not argv:
        raise Fail("Error: Missing expected subcommand", 64)
    cmd, rest = argv[0], argv[1:]
    if cmd in ("system", "s"):
        return cmd_system(rest)
    service = STATE / "service"
    if service.exists() and service.read_text().strip() != "running":
        sys.stderr.write(XPC)
        return 1
    image_group = "image" if VERSION >= (0, 5) else "images"
    table: dict[str, Any] = {
        "create": cmd_create, "run": lambda a: cmd_create(a, run=True), "start": cmd_start, "stop": cmd_stop,
        "kill": cmd_kill, "delete": cmd_delete, "rm": cmd_delete, "list": cmd_list, "ls": cmd_list,
        "inspect": cmd_inspect, "logs": cmd_logs, "exec": cmd_exec, "copy": cmd_copy, "cp": cmd_copy,
        "export": cmd_export, "stats": cmd_stats, "build": cmd_build, image_group: cmd_image, "i": cmd_image,
        "volume": lambda a: cmd_resource("volume", a), "network": lambda a: cmd_resource("network", a),
    }
    if cmd not in table:
        raise Fail(f"Error: Unknown command '{cmd}'", 64)
    return int(table[cmd](rest))


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Fail as e:
        sys.stderr.write(str(e) + "\n")
        if e.code == 64:
            sys.stderr.write("Usage: container <subcommand>\n  See 'container --help' for more information.\n")
        code = e.code
    sys.exit(code)
