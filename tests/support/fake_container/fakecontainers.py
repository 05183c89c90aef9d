"""The fake's container commands (create/run/start/stop/kill/delete/list/inspect/logs/exec/copy/export/stats)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from fakebase import (
    CREATE_FLAGS,
    CREATE_VALUES,
    STATE,
    VERSION,
    Fail,
    _alive,
    _uuid,
    add_image,
    argv_of,
    container_doc,
    emit,
    get_container,
    live_state,
    load,
    log_path,
    normalize,
    now_date,
    one,
    parse,
    parse_size,
    proc_env,
    save,
)


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
        if "missing" in image:          # the CLI pulls what its store lacks; a name no registry has fails
            raise Fail(f"Error: failed to pull image {image}: not found")
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
