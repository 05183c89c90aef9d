"""Streams: ``attach`` (hijacked connection), ``logs`` (chunked body) and ``resize``.

Without a tty both carry Docker's multiplexed framing (``stdcopy``): every piece of output is
preceded by 8 bytes — the stream (1 stdout, 2 stderr), three zero bytes and the length as a
big-endian uint32. With a tty the output is the raw byte stream. Input (attach's stdin) is raw.
"""

from __future__ import annotations

import select
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from mocker.engine import containers
from mocker.errors import Conflict, InvalidArgument, MockerError

if TYPE_CHECKING:
    from mocker.api.http import Request

STDOUT, STDERR = 1, 2


def frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(data)) + data


def socket_writer(sock: socket.socket, stream: int, tty: bool) -> Callable[[bytes], None]:
    if tty:
        return sock.sendall
    return lambda data: sock.sendall(frame(stream, data))


def client_gone(sock: socket.socket) -> bool:
    """True if the peer closed its side (readable with nothing to read) or the socket broke."""
    try:
        ready, _, _ = select.select([sock], [], [], 0)
        if not ready:
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def attach(req: Request) -> None:
    from mocker.runtime.linux import attach as term

    store = req.store
    rec = containers.get(store, req.params["id"])
    if rec.status == "paused":
        raise Conflict("You cannot attach to a paused container, unpause it first")
    keys = term.DEFAULT_DETACH_KEYS
    if req.q("detachKeys"):
        keys = term.parse_detach_keys(req.q("detachKeys") or "")
    want_in, want_out, want_err = req.q_bool("stdin"), req.q_bool("stdout"), req.q_bool("stderr")
    stream, logs = req.q_bool("stream"), req.q_bool("logs")
    tty = bool(rec.config["spec"].get("tty"))
    rt = containers.runtime_for(store, (rec.config.get("options") or {}).get("runtime"))
    conn = None
    if stream:
        try:
            if rec.status not in ("running", "restarting"):
                rec = containers.prepare(store, rec.id)   # attach before start: no output is missed
            conn = term.connect(rt.bundle_dir(rec.id) + "/attach")
        except MockerError:
            # The process cannot be set up (e.g. its command does not exist): the stream ends at
            # once and ``start`` reports why, as with Docker, whose attach only waits for a start.
            conn = None
    try:
        content = "application/vnd.docker.raw-stream" if tty or req.version < (1, 42) else \
            "application/vnd.docker.multiplexed-stream"
        sock = req.hijack(content)
        out = socket_writer(sock, STDOUT, tty) if want_out else None
        err = socket_writer(sock, STDERR, tty) if want_err else None
        if logs:
            _replay_logs(store, rec, out, err)
        if conn is None:
            return
        launch_stdin = bool(rec.config["spec"].get("open_stdin"))
        try:
            term.pump(conn, stdin=sock.fileno() if (want_in and launch_stdin) else None, stdout=out, stderr=err,
                      tty=tty, detach_keys=keys)
        except OSError:
            return      # the client went away; the container keeps running
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    finally:
        if conn is not None:
            conn.close()


def _replay_logs(store: object, rec: object, out: Callable[[bytes], None] | None,
                 err: Callable[[bytes], None] | None) -> None:
    from mocker.engine.logs import read_logs

    spec = rec.config["spec"]  # type: ignore[attr-defined]
    if spec.get("log_driver") == "none" or not spec.get("log_path"):
        return
    for line in read_logs(spec["log_path"]):
        target = out if line.stream == "stdout" else err
        if target is not None:
            target(line.output())


def logs(req: Request) -> None:
    from mocker.engine.logs import parse_time, read_logs

    store = req.store
    rec = containers.get(store, req.params["id"])
    want_out, want_err = req.q_bool("stdout"), req.q_bool("stderr")
    if not (want_out or want_err):
        raise InvalidArgument("Bad parameters: you must choose at least one stream")
    if req.q_bool("details"):
        from mocker.errors import NotSupported

        raise NotSupported("details=true", "log attributes (--log-opt labels/env) are not recorded")
    spec = rec.config["spec"]
    if spec.get("log_driver") == "none":
        raise MockerError("configured logging driver does not support reading")
    tail_text = req.q("tail") or "all"
    try:
        tail = None if tail_text == "all" else int(tail_text)
    except ValueError:
        tail = None
    if tail is not None and tail < 0:
        tail = None
    since = req.q("since")
    until = req.q("until")
    since_t = parse_time(since) if since not in (None, "", "0") else None
    until_t = parse_time(until) if until not in (None, "", "0") else None
    tty = bool(spec.get("tty"))
    follow = req.q_bool("follow")
    content = "application/vnd.docker.raw-stream" if tty or req.version < (1, 42) else \
        "application/vnd.docker.multiplexed-stream"
    sock: socket.socket = req.handler.connection

    def running() -> bool:
        if client_gone(sock):
            return False
        try:
            return containers.get(store, rec.id).status in ("running", "paused", "restarting")
        except MockerError:
            return False

    body = req.stream(content)
    try:
        for line in read_logs(spec["log_path"], since=since_t, until=until_t, tail=tail,
                              timestamps=req.q_bool("timestamps"), follow=follow, is_running=running):
            if line.stream == "stdout" and not want_out or line.stream == "stderr" and not want_err:
                continue
            data = line.output()
            body.write(data if tty else frame(STDOUT if line.stream == "stdout" else STDERR, data))
    except OSError:
        req.handler.close_connection = True
        return
    body.close()


def resize(req: Request) -> None:
    h, w = req.q_int("h", 0), req.q_int("w", 0)
    store = req.store
    rec = containers.get(store, req.params["id"])
    if rec.status not in ("running", "paused"):
        raise Conflict(f"Container {rec.id} is not running")
    if not h or not w or h < 0 or w < 0:
        raise InvalidArgument(f"invalid size: {h}x{w}")
    containers.runtime_for(store, (rec.config.get("options") or {}).get("runtime")).resize(rec.id, h, w)
    req.send_empty(200)
