"""Container endpoints beyond the lifecycle: top, changes, export, stats, update, archive
(GET/HEAD/PUT, ``docker cp`` both ways) and commit."""

from __future__ import annotations

import base64
import json
import time
from typing import TYPE_CHECKING, Any

from mocker.engine import containers
from mocker.errors import InvalidArgument, MockerError, NotSupported

if TYPE_CHECKING:
    from mocker.api.http import ChunkedWriter, Request


def top(req: Request) -> None:
    import shlex

    from mocker.engine.container_top import split_rows
    from mocker.engine.container_top import top as engine_top

    args = shlex.split(req.q("ps_args") or "-ef")
    header, rows = engine_top(req.store, req.params["id"], args)
    titles, processes = split_rows(header, rows)
    req.send_json({"Titles": titles, "Processes": processes})


def changes(req: Request) -> None:
    from mocker.engine.container_fs import diff

    kinds = {"C": 0, "A": 1, "D": 2}
    req.send_json([{"Path": c.path, "Kind": kinds[str(c.kind)]} for c in diff(req.store, req.params["id"])] or None)


def export(req: Request) -> None:
    from mocker.engine.container_fs import export as engine_export

    store = req.store
    rec = containers.get(store, req.params["id"])
    out = req.stream("application/x-tar")
    engine_export(store, rec.id, out)  # type: ignore[arg-type]
    out.close()


def stats(req: Request) -> None:
    from mocker.engine.stats import sample, stats_json

    store = req.store
    rec = containers.get(store, req.params["id"])
    stream = req.q_bool("stream", True)
    one_shot = req.q_bool("one-shot")
    if one_shot and stream:
        raise InvalidArgument("cannot have stream=true and one-shot=true")
    prev = sample(store, rec) if rec.status in ("running", "paused") else None
    if not stream:
        if not one_shot and prev is not None:
            time.sleep(1.0)       # Docker's non-streaming answer carries two readings (CPU %)
            cur = sample(store, containers.get(store, rec.id))
            req.send_json(stats_json(rec, cur, prev))
        else:
            req.send_json(stats_json(rec, prev, None))
        return
    out = req.stream()
    cur_prev = None
    cur = prev
    try:
        while True:
            out.json(stats_json(rec, cur, cur_prev))
            time.sleep(1.0)
            rec = containers.get(store, rec.id)
            if rec.status not in ("running", "paused"):
                out.json(stats_json(rec, None, None))
                break
            cur_prev, cur = cur, sample(store, rec)
    except OSError:
        req.handler.close_connection = True
        return
    except MockerError:
        pass
    out.close()


def update(req: Request) -> None:
    from mocker.engine.container_update import ContainerUpdateOptions
    from mocker.engine.container_update import update as engine_update
    from mocker.engine.types.containers import RestartPolicy
    from mocker.runtime.base import Resources

    body = req.json()
    known = {"Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares", "CpuQuota", "CpuPeriod",
             "CpusetCpus", "PidsLimit", "RestartPolicy"}
    for key, value in body.items():
        if key not in known and value not in (None, 0, "", [], {}, False) and not (
                key == "MemorySwappiness" and value == -1):
            raise NotSupported(f"update of {key}", "only memory, CPU, pids limits and the restart policy can be "
                                                   "updated")

    def num(key: str) -> Any:
        value = body.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidArgument(f"invalid {key}: expected an integer")
        return value or None

    restart = None
    if body.get("RestartPolicy"):
        rp = body["RestartPolicy"]
        restart = RestartPolicy(name=rp.get("Name") or "no", maximum_retry_count=int(rp.get("MaximumRetryCount") or 0))
    opts = ContainerUpdateOptions(
        resources=Resources(memory=num("Memory"), memory_swap=num("MemorySwap"),
                            memory_reservation=num("MemoryReservation"), nano_cpus=num("NanoCpus"),
                            cpu_shares=num("CpuShares"), cpu_quota=num("CpuQuota"), cpu_period=num("CpuPeriod"),
                            cpuset_cpus=body.get("CpusetCpus") or None, pids_limit=num("PidsLimit")),
        restart=restart)
    warnings = engine_update(req.store, req.params["id"], opts)
    req.send_json({"Warnings": warnings or None})


def _path(req: Request) -> str:
    path = req.q("path")
    if not path:
        raise InvalidArgument("path is required")
    return path


def _stat_header(req: Request, path: str) -> dict[str, str]:
    from mocker.engine.container_fs import stat_path

    doc = stat_path(req.store, req.params["id"], path)
    return {"X-Docker-Container-Path-Stat": base64.b64encode(json.dumps(doc).encode()).decode()}


def archive_head(req: Request) -> None:
    req.send_empty(200, headers=_stat_header(req, _path(req)))


def archive_get(req: Request) -> None:
    from mocker.engine.container_fs import copy_from_container

    path = _path(req)
    headers = _stat_header(req, path)
    store = req.store
    sent: list[ChunkedWriter] = []

    class Lazy:
        """Starts the body with the first bytes: an error before them is still a status code."""

        def write(self, data: bytes) -> int:
            if not sent:
                sent.append(req.stream("application/x-tar", headers=headers))
            sent[0].write(bytes(data))
            return len(data)

        def flush(self) -> None:
            pass

    copy_from_container(store, req.params["id"], path, "-", out=Lazy())  # type: ignore[arg-type]
    if not sent:
        sent.append(req.stream("application/x-tar", headers=headers))
    sent[0].close()


def archive_put(req: Request) -> None:
    from mocker.engine.container_fs import copy_to_container

    path = _path(req)
    copy_to_container(req.store, req.params["id"], "-", path, copy_uid_gid=req.q_bool("copyUIDGID"),
                      stdin=req.body_stream())  # type: ignore[arg-type]
    req.send_empty(200)


def commit(req: Request) -> None:
    from mocker.engine.commit import commit as engine_commit

    container = req.q("container")
    if not container:
        raise InvalidArgument("container is required")
    body = req.json()
    if any(v not in (None, "", [], {}, False, 0) for v in body.values()):
        raise NotSupported("a Config in the commit request", "give the changes as changes= (Dockerfile "
                                                             "instructions), as the docker CLI does")
    repo, tag = req.q("repo") or "", req.q("tag") or ""
    reference = (f"{repo}:{tag}" if tag else repo) if repo else None
    image_id = engine_commit(req.store, container, reference=reference, author=req.q("author") or "",
                             message=req.q("comment") or "", changes=req.q_all("changes"),
                             pause=req.q_bool("pause", True))
    req.send_json({"Id": image_id}, status=201)
