"""The fake's image, build, volume, network, registry and system commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fakebase import (
    STATE,
    VERSION,
    Fail,
    _uuid,
    add_image,
    emit,
    image_doc,
    load,
    normalize,
    now_date,
    one,
    parse,
    save,
)


def cmd_image(args: list[str]) -> int:
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
        from fakeoci import write_archive

        opts, pos = parse(rest, {"-o": "output", "--output": "output", "--platform": "platform"}, {})
        refs = [normalize(p) for p in pos]
        for r in refs:
            if r not in images:
                raise Fail(f"Error: image not found: {r}")
        target = one(opts, "output")
        out = open(target, "wb") if target else sys.stdout.buffer  # noqa: SIM115
        write_archive(out, {r: images[r] for r in refs})
        out.flush()
        return 0
    if sub == "load":
        from fakeoci import read_archive

        opts, _ = parse(rest, {"-i": "input", "--input": "input"}, {"-f": "force", "--force": "force"}, npos=0)
        src = open(one(opts, "input"), "rb") if opts.get("input") else sys.stdin.buffer  # noqa: SIM115
        loaded = read_archive(src)
        images.update(loaded)
        save("images", images)
        for r in loaded:
            print(r)
        return 0
    if sub == "prune":
        opts, _ = parse(rest, {}, {"-a": "all", "--all": "all"}, npos=0)
        used = {c["image"] for c in load("containers").values()}
        for ref in sorted(images):
            dangling = ref.rpartition("/")[2].count("-") >= 4     # an untagged build (UUID name)
            if (opts.get("all") and ref not in used) or dangling:
                print(f"untagged {ref}")
                print(f"deleted {images.pop(ref)['digest']}")
        save("images", images)
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
    if sub == "prune" and kind == "network":
        parse(rest, {}, {}, npos=0)
        used = {n for c in load("containers").values() for n in c["networks"]}
        for name in sorted(data):
            if name not in used:
                data.pop(name)
                print(name)
        save(kind + "s", data)
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


def cmd_registry(args: list[str]) -> int:
    sub, rest = (args[0], args[1:]) if args else ("", [])
    logins = load("logins")
    if sub == "login":
        opts, pos = parse(rest, {"-u": "username", "--username": "username", "--scheme": "scheme"},
                          {"--password-stdin": "password-stdin"}, npos=1)
        if opts.get("password-stdin") and not opts.get("username"):
            raise Fail("Error: --password-stdin requires --username", 64)
        password = sys.stdin.read() if opts.get("password-stdin") else ""
        if password != "secret":
            raise Fail(f"Error: failed to authenticate to {pos[0]}: unauthorized")
        logins[pos[0]] = one(opts, "username")
        save("logins", logins)
        return 0
    if sub == "logout":
        _, pos = parse(rest, {}, {}, npos=1)
        logins.pop(pos[0], None)
        save("logins", logins)
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
    if sub == "df":
        parse(rest, {"--format": "format"}, {}, npos=0)
        images, containers = load("images"), load("containers")
        used = {c["image"] for c in containers.values()}
        size = sum(i["size"] for i in images.values())
        emit({"containers": {"active": sum(1 for c in containers.values() if c["state"] == "running"),
                             "reclaimable": 0, "sizeInBytes": 0, "total": len(containers)},
              "images": {"active": len(used & set(images)), "reclaimable": sum(
                  i["size"] for r, i in images.items() if r not in used), "sizeInBytes": size, "total": len(images)},
              "volumes": {"active": 0, "reclaimable": 0, "sizeInBytes": 0, "total": len(load("volumes"))}})
        return 0
    if sub == "start":
        (STATE / "service").write_text("running")
        return 0
    if sub == "stop":
        (STATE / "service").write_text("stopped")
        return 0
    raise Fail(f"Error: Unknown subcommand '{sub}'", 64)
