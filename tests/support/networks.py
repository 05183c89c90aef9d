"""Helpers for network tests: inspect as JSON, a free loopback port, the host's links."""

from __future__ import annotations

import json
import socket
import subprocess
from typing import Any


def inspect(mocker: Any, *names: str, kind: str = "container") -> Any:
    docs = json.loads(mocker(kind, "inspect", *names).stdout)
    return docs[0] if len(names) == 1 else docs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def host_links() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
