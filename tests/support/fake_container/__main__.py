"""Entry point of the FAKE ``container`` CLI (see fakebase.py for what it emulates)."""

from __future__ import annotations

import json
import sys
from typing import Any

from fakebase import STATE, VERSION, XPC, Fail
from fakecontainers import (
    cmd_copy,
    cmd_create,
    cmd_delete,
    cmd_exec,
    cmd_export,
    cmd_inspect,
    cmd_kill,
    cmd_list,
    cmd_logs,
    cmd_start,
    cmd_stats,
    cmd_stop,
)
from fakeimages import cmd_build, cmd_image, cmd_registry, cmd_resource, cmd_system


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
        "registry": cmd_registry, "volume": lambda a: cmd_resource("volume", a),
        "network": lambda a: cmd_resource("network", a),
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
