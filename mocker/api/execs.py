"""Exec endpoints: create, start (hijacked, or detached), resize, inspect.

As in Docker, an exec instance lives in the service's memory between ``create`` and ``start``
and keeps its exit code for ``inspect`` afterwards (the docker CLI reads it there); the process
itself runs under its own conmon, through the runtime's exec session — the CLI's ``exec`` path.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from mocker.engine import containers
from mocker.errors import Conflict, InvalidArgument, MockerError, NotFound

if TYPE_CHECKING:
    from mocker.api.http import Request
    from mocker.runtime.base import ExecSpec

KEEP_FINISHED_SECONDS = 600


class ExecInstance:
    def __init__(self, container_id: str, spec: ExecSpec, body: dict[str, Any]) -> None:
        self.id = os.urandom(32).hex()
        self.container_id = container_id
        self.spec = spec
        self.attach_stdin = bool(body.get("AttachStdin"))
        self.attach_stdout = bool(body.get("AttachStdout"))
        self.attach_stderr = bool(body.get("AttachStderr"))
        self.detach_keys = body.get("DetachKeys") or ""
        self.running = False
        self.started = False
        self.exit_code: int | None = None
        self.pid = 0
        self.finished_at = 0.0
        self.created_at = time.time()
        self.session: Any = None
        self.pending_size: tuple[int, int] | None = None
        self.lock = threading.Lock()

    def json(self) -> dict[str, Any]:
        args = list(self.spec.args)
        return {
            "ID": self.id, "Running": self.running, "ExitCode": self.exit_code, "ProcessConfig": {
                "tty": self.spec.tty, "entrypoint": args[0] if args else "", "arguments": args[1:],
                "privileged": self.spec.privileged, "user": self.spec.user},
            "OpenStdin": self.attach_stdin, "OpenStderr": self.attach_stderr, "OpenStdout": self.attach_stdout,
            "CanRemove": False, "ContainerID": self.container_id, "DetachKeys": self.detach_keys, "Pid": self.pid,
        }


_EXECS: dict[str, ExecInstance] = {}
_LOCK = threading.Lock()


def _forget_old() -> None:
    """Drop instances that ended (or were never started) more than KEEP_FINISHED_SECONDS ago."""
    now = time.time()
    with _LOCK:
        for key in [k for k, e in _EXECS.items() if _expired(e, now)]:
            del _EXECS[key]


def _expired(e: ExecInstance, now: float) -> bool:
    if e.finished_at:
        return now - e.finished_at > KEEP_FINISHED_SECONDS
    return not e.started and now - e.created_at > KEEP_FINISHED_SECONDS


def _get(exec_id: str) -> ExecInstance:
    with _LOCK:
        inst = _EXECS.get(exec_id)
    if inst is None:
        raise NotFound(f"No such exec instance: {exec_id}")
    return inst


def create(req: Request) -> None:
    from mocker.runtime.base import ExecSpec

    body = req.json()
    store = req.store
    rec = containers.get(store, req.params["id"])
    if rec.status == "paused":
        raise Conflict(f"container {rec.id} is paused, unpause the container before exec")
    if rec.status != "running":
        raise Conflict(f"container {rec.id} is not running")
    cmd = body.get("Cmd")
    if isinstance(cmd, str):
        cmd = [cmd]
    if not cmd or not isinstance(cmd, list) or not all(isinstance(c, str) for c in cmd):
        raise InvalidArgument("No exec command specified")
    env = body.get("Env") or []
    if not isinstance(env, list):
        raise InvalidArgument("invalid Env: expected a list of strings")
    if body.get("DetachKeys"):
        from mocker.runtime.linux.attach import parse_detach_keys

        parse_detach_keys(body["DetachKeys"])
    spec = ExecSpec(args=tuple(cmd), env=tuple(e for e in env if "=" in e), workdir=body.get("WorkingDir") or "",
                    user=body.get("User") or "", tty=bool(body.get("Tty")), open_stdin=bool(body.get("AttachStdin")),
                    privileged=bool(body.get("Privileged")))
    inst = ExecInstance(rec.id, spec, body)
    size = body.get("ConsoleSize")
    if isinstance(size, list) and len(size) == 2 and all(isinstance(x, int) and x > 0 for x in size):
        inst.pending_size = (size[0], size[1])
    _forget_old()
    with _LOCK:
        _EXECS[inst.id] = inst
    req.send_json({"Id": inst.id}, status=201)


def start(req: Request) -> None:
    from mocker.api.container_streams import socket_writer
    from mocker.records import replace
    from mocker.runtime.linux import attach as term

    body = req.json()
    inst = _get(req.params["id"])
    with inst.lock:
        if inst.started:
            raise Conflict(f"Error: Exec command {inst.id} has already run")
        inst.started = True
    detach = bool(body.get("Detach"))
    spec = replace(inst.spec, detach=detach)
    if "Tty" in body and bool(body["Tty"]) != spec.tty and not detach:
        spec = replace(spec, tty=bool(body["Tty"]))
    size = body.get("ConsoleSize")
    if isinstance(size, list) and len(size) == 2 and all(isinstance(x, int) and x > 0 for x in size):
        inst.pending_size = (size[0], size[1])
    store = req.store
    rec = containers.get(store, inst.container_id)
    rt = containers.runtime_for(store, (rec.config.get("options") or {}).get("runtime"))
    # Docker answers first and reports a process that cannot start inside the stream (the exec's
    # exit code, 126 or 127, is what the client then reads from inspect).
    sock = None if detach else req.hijack()
    try:
        session = rt.exec_start(rec.id, spec, size=inst.pending_size if spec.tty else None)
    except MockerError as e:
        _finish(inst, e.exit_code if e.exit_code in (126, 127) else 126)
        if sock is None:
            raise
        try:
            sock.sendall(socket_writer_bytes(str(e), spec.tty))
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        return
    with inst.lock:
        inst.session, inst.pid, inst.running = session, session.pid, True
        pending, inst.pending_size = inst.pending_size, None
    if pending and spec.tty:
        session.resize(*pending)
    if sock is None:
        threading.Thread(target=_wait_detached, args=(inst, session), daemon=True).start()
        req.send_empty(200)
        return
    keys = term.parse_detach_keys(inst.detach_keys) if inst.detach_keys else term.DEFAULT_DETACH_KEYS
    try:
        code = session.run(stdin=sock.fileno() if inst.attach_stdin else None,
                           stdout=socket_writer(sock, 1, spec.tty) if inst.attach_stdout else None,
                           stderr=socket_writer(sock, 2, spec.tty) if inst.attach_stderr else None,
                           detach_keys=keys)
    except OSError:
        code = -1     # the client went away mid-stream; the session is closed, its code unknown
    _finish(inst, code)
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def socket_writer_bytes(message: str, tty: bool) -> bytes:
    from mocker.api.container_streams import frame

    data = (message + "\r\n").encode()
    return data if tty else frame(1, data)


def _finish(inst: ExecInstance, code: int) -> None:
    with inst.lock:
        inst.exit_code, inst.running, inst.finished_at, inst.session = code, False, time.time(), None


def _wait_detached(inst: ExecInstance, session: Any) -> None:
    try:
        code = session.wait()
    except Exception:  # noqa: BLE001 - a lost supervisor leaves the code unknown
        code = -1
    finally:
        session.close()
    _finish(inst, code)


def resize(req: Request) -> None:
    h, w = req.q_int("h", 0) or 0, req.q_int("w", 0) or 0
    if h <= 0 or w <= 0:
        raise InvalidArgument(f"invalid size: {h}x{w}")
    inst = _get(req.params["id"])
    with inst.lock:
        session = inst.session
        if session is None:
            if inst.finished_at:
                raise Conflict(f"exec {inst.id} is not running")
            inst.pending_size = (h, w)
    if session is not None and inst.spec.tty:
        session.resize(h, w)
    req.send_empty(200)


def inspect(req: Request) -> None:
    req.send_json(_get(req.params["id"]).json())
