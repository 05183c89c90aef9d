"""``top``: the host's ``ps`` output, narrowed to the container's processes (as moby's ``ContainerTop``).

Returns the header line and the matching lines as ``ps`` printed them; :func:`split_rows` cuts them
into the API's ``Titles``/``Processes`` (the last column keeps its spaces, e.g. the command line).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from mocker.errors import Conflict, MockerError
from mocker.store.store import Store


def top(store: Store, name_or_id: str, ps_args: list[str]) -> tuple[str, list[str]]:
    from mocker.engine import containers

    rec = containers.get(store, name_or_id)
    if rec.status not in ("running", "paused"):
        raise Conflict(f"container {rec.id} is not running")
    pids = container_pids(rec.pid)
    # argv list, no shell: the user's ps options go to ps as arguments, as Docker's daemon passes them
    ps = shutil.which("ps") or "/bin/ps"
    out = subprocess.run([ps, *(ps_args or ["-ef"])], capture_output=True, text=True,  # noqa: S603
                         check=False)
    if out.returncode != 0:
        raise MockerError(f"ps: {out.stderr.strip()}")
    lines = out.stdout.splitlines()
    if not lines:
        return "", []
    header = lines[0].split()
    try:
        col = header.index("PID")
    except ValueError:
        raise MockerError("Couldn't find PID field in ps output") from None
    rows = []
    for line in lines[1:]:
        fields = line.split()
        if len(fields) > col and fields[col].isdigit() and int(fields[col]) in pids:
            rows.append(line)
    return lines[0], rows


def split_rows(header: str, rows: list[str]) -> tuple[list[str], list[list[str]]]:
    titles = header.split()
    n = len(titles)
    return titles, [line.split(None, n - 1) if n else [] for line in rows]


def container_pids(pid: int) -> set[int]:
    """PIDs in the container's PID namespace, read from /proc (its init and every descendant)."""
    try:
        ns = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return {pid}
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/ns/pid") == ns:
                    found.add(int(entry))
            except OSError:
                continue
    return found
