"""Container lifecycle endpoints: create, list, inspect, start, stop, restart, kill, wait, rename,
pause, unpause, delete, prune. Each calls the engine function the CLI command calls."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from mocker.engine import containers
from mocker.errors import ImageNotFound, InvalidArgument, MockerError

if TYPE_CHECKING:
    from mocker.api.http import Request

# Terminal sizes asked for at create time (``ConsoleSize``), applied when the container starts.
_CONSOLE_SIZES: dict[str, tuple[int, int]] = {}
_SIZES_LOCK = threading.Lock()


def create(req: Request) -> None:
    from mocker.api.container_config import create_options
    from mocker.engine.container_create import create as engine_create
    from mocker.engine.images import find_image

    body = req.json()
    opts = create_options(body, name=req.q("name"), platform=req.q("platform"))
    store = req.store
    image = find_image(store, opts.image)
    if image is None:
        raise ImageNotFound(f"No such image: {_familiar(opts.image)}")
    rec = engine_create(store, opts, image)
    size = (body.get("HostConfig") or {}).get("ConsoleSize") or [0, 0]
    if opts.tty and isinstance(size, list) and len(size) == 2 and all(isinstance(x, int) and x > 0 for x in size):
        with _SIZES_LOCK:
            _CONSOLE_SIZES[rec.id] = (size[0], size[1])
    req.send_json({"Id": rec.id, "Warnings": []}, status=201)


def _familiar(name: str) -> str:
    from mocker.image.reference import parse_reference

    try:
        ref = parse_reference(name)
    except MockerError:
        return name
    text = ref.familiar()
    return text if (ref.tag or ref.digest) else f"{text}:latest"


def list_(req: Request) -> None:
    from mocker.engine.container_filters import list_filtered, summary

    if req.q_bool("size"):
        from mocker.errors import NotSupported

        raise NotSupported("size=true", "container sizes are not computed yet")
    limit = req.q_int("limit", -1) or -1
    recs = list_filtered(req.store, req.filters(), all_=req.q_bool("all"), limit=limit)
    req.send_json([summary(r, req.store) for r in recs])


def inspect(req: Request) -> None:
    from mocker.engine.container_inspect import container_json

    if req.q_bool("size"):
        from mocker.errors import NotSupported

        raise NotSupported("size=true", "container sizes are not computed yet")
    store = req.store
    req.send_json(container_json(store, containers.get(store, req.params["id"])))


def start(req: Request) -> None:
    if req.q("checkpoint"):
        from mocker.errors import NotSupported

        raise NotSupported("checkpoint", "checkpoint/restore (CRIU) is not implemented")
    store = req.store
    rec = containers.get(store, req.params["id"])
    if rec.status == "running":
        req.send_empty(304)
        return
    rec = containers.start(store, rec.id)
    with _SIZES_LOCK:
        size = _CONSOLE_SIZES.pop(rec.id, None)
    if size is not None:
        try:
            containers.runtime_for(store, (rec.config.get("options") or {}).get("runtime")).resize(rec.id, *size)
        except MockerError:
            pass  # the process may have exited already; nothing to size
    req.send_empty(204)


def _timeout(req: Request) -> int | None:
    return req.q_int("t", req.q_int("timeout"))


def stop(req: Request) -> None:
    store = req.store
    rec = containers.get(store, req.params["id"])
    if rec.status not in ("running", "paused", "restarting"):
        req.send_empty(304)
        return
    containers.stop(store, rec.id, timeout=_timeout(req), signal=req.q("signal") or None)
    req.send_empty(204)


def restart(req: Request) -> None:
    containers.restart(req.store, req.params["id"], timeout=_timeout(req), signal=req.q("signal") or None)
    req.send_empty(204)


def kill(req: Request) -> None:
    from mocker.engine.types.containers import parse_signal

    sig = req.q("signal") or "KILL"
    parse_signal(sig)
    containers.kill(req.store, req.params["id"], sig)
    req.send_empty(204)


def wait(req: Request) -> None:
    """The status line goes out at once (the docker CLI waits for it before it starts the
    container); the body follows when the condition is met. The waiter is in place (lock taken,
    state noted) before the status line leaves, so a start that follows at once is not missed."""
    from mocker.api.container_streams import client_gone
    from mocker.engine.container_wait import CONDITIONS, Cancelled, Waiter

    condition = req.q("condition") or "not-running"
    if condition not in CONDITIONS:
        raise InvalidArgument(f"invalid condition: \"{condition}\"")
    waiter = Waiter(req.store, req.params["id"], condition)
    sock = req.handler.connection
    try:
        out = req.stream()
    except OSError:
        waiter.close()
        raise
    try:
        code = waiter.result(cancelled=lambda: client_gone(sock))
        out.json({"StatusCode": code, "Error": None})
    except Cancelled:
        req.handler.close_connection = True
        return
    except MockerError as e:
        out.json({"StatusCode": -1, "Error": {"Message": str(e)}})
    out.close()


def rename(req: Request) -> None:
    name = req.q("name")
    if not name:
        raise InvalidArgument("Neither old nor new names may be empty")
    containers.rename(req.store, req.params["id"], name)
    req.send_empty(204)


def pause(req: Request) -> None:
    containers.pause(req.store, req.params["id"])
    req.send_empty(204)


def unpause(req: Request) -> None:
    containers.unpause(req.store, req.params["id"])
    req.send_empty(204)


def delete(req: Request) -> None:
    if req.q_bool("link"):
        from mocker.errors import NotSupported

        raise NotSupported("link=true", "legacy container links are not implemented")
    rec = containers.remove(req.store, req.params["id"], force=req.q_bool("force"), volumes_too=req.q_bool("v"))
    with _SIZES_LOCK:
        _CONSOLE_SIZES.pop(rec.id, None)
    req.send_empty(204)


def prune(req: Request) -> None:
    from mocker.engine.container_prune import prune as engine_prune

    items = [f"{k}={v}" for k, values in req.filters().items() for v in values]
    report = engine_prune(req.store, items)
    req.send_json({"ContainersDeleted": report.deleted or None, "SpaceReclaimed": report.reclaimed})
