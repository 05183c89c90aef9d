"""Health checks without a daemon: Docker 28's semantics (moby ``daemon/health.go``) in a monitor process.

When a container whose merged ``Config.Healthcheck`` has a ``CMD``/``CMD-SHELL`` test starts,
:func:`on_start` resets ``State.Health`` to ``starting`` (keeping the log, as Docker does) and spawns
``mocker container health-monitor ID`` in a session of its own (the pattern of the restart back-off
in :mod:`mocker.engine.containers`). That process (:func:`monitor`) runs the probe through the
runtime's exec at each interval and keeps ``{Status, FailingStreak, Log}`` in the record's
``health`` column. It owns ``<run>/health/<id>.pid``: a monitor for a newer start takes the file over
and stops the older one; the owner exits when the file names another process, when the container is
no longer running, or when its start time changed. :func:`on_stop` (called by ``cleanup``) stops it
and marks the state ``unhealthy``, as moby's ``CloseMonitorChannel`` does. While the container is
paused the monitor probes nothing and the status reads ``unhealthy``, as in Docker.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mocker.errors import Conflict, ContainerNotFound, MockerError
from mocker.store import containers as cdb
from mocker.store.db import transaction

if TYPE_CHECKING:
    from mocker.engine.types.containers import HealthCheck
    from mocker.store.containers import ContainerRecord
    from mocker.store.store import Store

SECOND = 1_000_000_000
DEFAULT_INTERVAL = 30 * SECOND
DEFAULT_TIMEOUT = 30 * SECOND
DEFAULT_START_PERIOD = 0
DEFAULT_START_INTERVAL = 5 * SECOND
DEFAULT_RETRIES = 3
MAX_LOG_ENTRIES = 5
MAX_OUTPUT_LEN = 4096
EXEC_START_TIMEOUT = 30.0           # moby: a wedged exec start is an error, not a timeout of the probe
_POLL = 1.0                         # how often an idle monitor checks that it is still wanted

_KEYS = (("interval", "Interval"), ("timeout", "Timeout"), ("start_period", "StartPeriod"),
         ("start_interval", "StartInterval"), ("retries", "Retries"))


# ---- configuration ---------------------------------------------------------------------------------

def resolve(user: HealthCheck | None, image: dict[str, Any] | None) -> dict[str, Any] | None:
    """``Config.Healthcheck`` of a new container: the ``--health-*`` options over the image's
    ``Healthcheck`` (moby ``merge`` in ``daemon/commit.go``); zero fields are left out (omitempty)."""
    if user is None:
        return _omit_empty({"Test": list(image.get("Test") or []),
                            **{key: image.get(key) or 0 for _, key in _KEYS}}) if image else None
    out: dict[str, Any] = {"Test": list(user.test) if user.test else []}
    for attr, key in _KEYS:
        out[key] = getattr(user, attr)
    if image:
        if not out["Test"]:
            out["Test"] = list(image.get("Test") or [])
        for _, key in _KEYS:
            if not out[key]:
                out[key] = image.get(key) or 0
    return _omit_empty(out)


def _omit_empty(hc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in hc.items() if v}


def config_of(rec: ContainerRecord) -> dict[str, Any] | None:
    hc = rec.config.get("healthcheck")
    return hc if isinstance(hc, dict) else None


def probe_args(rec: ContainerRecord) -> list[str] | None:
    """The probe's argv (moby ``getProbe`` + ``cmdProbe.run``), None if nothing is to be probed."""
    hc = config_of(rec)
    test = list((hc or {}).get("Test") or [])
    if not test or test[0] not in ("CMD", "CMD-SHELL") or len(test) < 2:
        return None
    if test[0] == "CMD":
        return test[1:]
    shell = list((rec.config.get("image_config") or {}).get("Shell") or []) or ["/bin/sh", "-c"]
    return [*shell, *test[1:]]


def _setting(hc: dict[str, Any], key: str, default: int) -> int:
    value = int(hc.get(key) or 0)
    return value if value > 0 else default


# ---- start and stop (called by engine.containers) -------------------------------------------------

def on_start(store: Store, rec: ContainerRecord) -> None:
    """The container ``rec`` has just started: reset its health and spawn its monitor (moby
    ``initHealthMonitor``). Nothing happens without a probe."""
    if probe_args(rec) is None:
        return
    log = list((rec.health or {}).get("Log") or [])
    cdb.update_state(store.db, rec.id, health={"Status": "starting", "FailingStreak": 0, "Log": log})
    import subprocess

    subprocess.Popen(  # noqa: S603 - fixed argv of our own interpreter and module
        [sys.executable, "-m", "mocker", "--root", str(store.paths.root), "container", "health-monitor", rec.id],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True,
    )


def on_stop(store: Store, rec: ContainerRecord) -> None:
    """The container stopped: stop its monitor and report ``unhealthy`` (moby ``CloseMonitorChannel``)."""
    with _lock(store):
        _signal_monitor(store, rec.id, signal.SIGTERM)
        _remove(_pidfile(store, rec.id))
    with transaction(store.db) as conn:
        now = cdb.get(conn, rec.id)
        if now is not None and now.health and now.health.get("Status") != "unhealthy":
            cdb.update_state(conn, rec.id, health=dict(now.health, Status="unhealthy"))


# ---- the monitor's pidfile ------------------------------------------------------------------------

def _pidfile(store: Store, cid: str) -> str:
    return os.path.join(str(store.paths.run), "health", f"{cid}.pid")


def _read_owner(store: Store, cid: str) -> int:
    try:
        with open(_pidfile(store, cid)) as f:
            text = f.read().strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def _is_monitor(pid: int, cid: str) -> bool:
    """True if ``pid`` is a live ``container health-monitor`` for ``cid`` (never a recycled pid)."""
    if pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return b"health-monitor" in argv and cid.encode() in argv


def _signal_monitor(store: Store, cid: str, sig: int) -> None:
    pid = _read_owner(store, cid)
    if pid != os.getpid() and _is_monitor(pid, cid):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _lock(store: Store) -> Any:
    """Serialises taking over, giving up and removing monitors' pidfiles (one lock per store)."""
    from pathlib import Path

    from mocker.store.locks import file_lock

    return file_lock(Path(str(store.paths.run), "health", ".lock"))


def _take_over(store: Store, cid: str, started: float | None) -> bool:
    """Become the container's monitor: stop the previous one, then name ourselves in the pidfile.
    False if the container was started again meanwhile (that start's monitor is the one wanted)."""
    path = _pidfile(store, cid)
    with _lock(store):
        rec = cdb.get(store.db, cid)
        if rec is None or rec.started_at != started:
            return False
        _signal_monitor(store, cid, signal.SIGTERM)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            f.write(str(os.getpid()))
        os.replace(tmp, path)
    return True


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


# ---- the monitor process --------------------------------------------------------------------------

def monitor(store: Store, cid: str) -> None:
    """Run the health checks of container ``cid`` until it stops (``container health-monitor``)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    rec = cdb.get(store.db, cid)
    if rec is None or rec.status not in ("running", "paused") or probe_args(rec) is None:
        return
    if not _take_over(store, cid, rec.started_at):
        return
    try:
        _loop(store, rec)
    except Exception as e:  # noqa: BLE001 - a detached process: leave the reason where it can be found
        import traceback

        with open(os.path.join(str(store.paths.run), "health", f"{cid}.error"), "a") as f:
            f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {type(e).__name__}: {e}\n{traceback.format_exc()}")
        raise
    finally:
        with _lock(store):
            if _read_owner(store, cid) == os.getpid():
                _remove(_pidfile(store, cid))


def _loop(store: Store, rec: ContainerRecord) -> None:
    hc = config_of(rec) or {}
    started = rec.started_at
    interval = _setting(hc, "Interval", DEFAULT_INTERVAL)
    start_interval = _setting(hc, "StartInterval", DEFAULT_START_INTERVAL)
    start_period = _setting(hc, "StartPeriod", DEFAULT_START_PERIOD)
    while True:
        delay = _next_interval(store, rec.id, started or time.time(), interval, start_interval, start_period)
        state = _idle(store, rec.id, started, delay)
        if state == "gone":
            return
        if state == "paused":
            if not _wait_unpaused(store, rec.id, started):
                return
            continue    # moby restarts the monitor on unpause: a fresh interval
        current = _still_wanted(store, rec.id, started)
        if current is None:
            return
        result = run_probe(store, current, hc)
        if result is None:      # not running as the runtime sees it: let the record say so too
            from mocker.engine.containers import reconcile

            reconcile(store, current)
        elif not _record(store, rec.id, started, result, hc):
            return


def _idle(store: Store, cid: str, started: float | None, delay: int) -> str:
    """Wait ``delay`` ns while the monitor is wanted: "due", "paused" or "gone"."""
    due = time.monotonic() + delay / SECOND
    while True:
        rec = _still_wanted(store, cid, started)
        if rec is None:
            return "gone"
        if rec.status == "paused":
            _mark_paused(store, rec)
            return "paused"
        left = due - time.monotonic()
        if left <= 0:
            return "due"
        time.sleep(min(left, _POLL))


def _next_interval(store: Store, cid: str, started: float, interval: int, start_interval: int,
                   start_period: int) -> int:
    """moby ``monitor``'s ``getInterval``: the start interval while starting in the start period,
    and never past the end of the start period."""
    elapsed = int((time.time() - started) * SECOND)
    if elapsed >= start_period:
        return interval
    remaining = start_period - elapsed
    if remaining < interval:
        return remaining
    rec = cdb.get(store.db, cid)
    status = ((rec.health if rec else None) or {}).get("Status")
    return start_interval if status == "starting" else interval


def _still_wanted(store: Store, cid: str, started: float | None) -> ContainerRecord | None:
    """The record while this monitor should go on, else None (stopped, restarted, replaced)."""
    if _read_owner(store, cid) != os.getpid():
        return None
    rec = cdb.get(store.db, cid)
    if rec is None or rec.status not in ("running", "paused") or rec.started_at != started:
        return None
    return rec


def _mark_paused(store: Store, rec: ContainerRecord) -> None:
    with transaction(store.db) as conn:
        now = cdb.get(conn, rec.id)
        if now is not None and now.status == "paused" and now.health and now.health.get("Status") != "unhealthy":
            cdb.update_state(conn, rec.id, health=dict(now.health, Status="unhealthy"))


def _wait_unpaused(store: Store, cid: str, started: float | None) -> bool:
    while True:
        rec = _still_wanted(store, cid, started)
        if rec is None:
            return False
        if rec.status == "running":
            return True
        time.sleep(_POLL)


def _record(store: Store, cid: str, started: float | None, result: dict[str, Any], hc: dict[str, Any]) -> bool:
    """moby ``handleProbeResult``; False if this monitor is no longer wanted (nothing written)."""
    with transaction(store.db) as conn:
        if _read_owner(store, cid) != os.getpid():
            return False
        rec = cdb.get(conn, cid)
        if rec is None or rec.status != "running" or rec.started_at != started:
            return rec is not None and rec.status == "paused" and rec.started_at == started
        cdb.update_state(conn, cid, health=apply_result(rec.health, result, hc, started or 0.0))
    return True


def apply_result(health: dict[str, Any] | None, result: dict[str, Any], hc: dict[str, Any],
                 started: float) -> dict[str, Any]:
    """The new ``State.Health`` after one probe ``result`` (with ``_start`` = its start, epoch seconds)."""
    h = dict(health or {})
    status = h.get("Status") or "unhealthy"
    streak = int(h.get("FailingStreak") or 0)
    entry = {k: v for k, v in result.items() if not k.startswith("_")}
    log = [*(h.get("Log") or []), entry][-MAX_LOG_ENTRIES:]
    if result["ExitCode"] == 0:
        streak, status = 0, "healthy"
    else:
        in_start_period = (status == "starting" and
                           (result["_start"] - started) * SECOND < _setting(hc, "StartPeriod", DEFAULT_START_PERIOD))
        if not in_start_period:
            streak += 1
            if streak >= _setting(hc, "Retries", DEFAULT_RETRIES):
                status = "unhealthy"
    return {"Status": status, "FailingStreak": streak, "Log": log}


# ---- one probe --------------------------------------------------------------------------------------

class _LimitedBuffer:
    """moby's ``limitedBuffer``: the first 4096 bytes of the output, "..." if more was lost."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.truncated = False
        import threading

        self.lock = threading.Lock()

    def write(self, chunk: bytes) -> None:
        with self.lock:
            keep = max(0, min(MAX_OUTPUT_LEN - len(self.data), len(chunk)))
            self.data += chunk[:keep]
            if keep < len(chunk):
                self.truncated = True

    def text(self) -> str:
        with self.lock:
            return self.data.decode(errors="replace") + ("..." if self.truncated else "")


def run_probe(store: Store, rec: ContainerRecord, hc: dict[str, Any]) -> dict[str, Any] | None:
    """Run the probe once in the container: a ``HealthcheckResult`` (plus ``_start``), or None if
    the container is not running (nothing to record). A probe that cannot run counts as exit -1."""
    from mocker.engine.containers import runtime_for
    from mocker.runtime.base import ExecSpec

    args = probe_args(rec)
    assert args is not None
    rt = runtime_for(store, (rec.config.get("options") or {}).get("runtime"))
    start = time.time()
    timeout = _setting(hc, "Timeout", DEFAULT_TIMEOUT)
    try:
        session = rt.exec_start(rec.id, ExecSpec(args=tuple(args)))
    except (Conflict, ContainerNotFound):
        return None
    except MockerError as e:
        return _result(start, -1, str(e))
    out = _LimitedBuffer()
    import threading

    done = threading.Event()

    def pump() -> None:
        from mocker.runtime.linux import attach

        try:
            if session.socket is not None:
                attach.pump(session.socket, stdout=out.write, stderr=out.write, tty=False, detach_keys=None)
        except OSError:
            pass
        finally:
            done.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        if not done.wait(timeout / SECOND):
            try:
                os.kill(session.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            done.wait(5.0)
            try:
                session.wait(timeout=5.0)
            except MockerError:
                pass
            text = out.text()
            msg = f"Health check exceeded timeout ({go_duration(timeout)})" + (f": {text}" if text else "")
            return _result(start, -1, msg)
        try:
            code = session.wait(timeout=EXEC_START_TIMEOUT)
        except MockerError as e:
            return _result(start, -1, str(e))
        return _result(start, code, out.text())
    finally:
        session.close()


def _result(start: float, code: int, output: str) -> dict[str, Any]:
    return {"Start": go_time(start), "End": go_time(time.time()), "ExitCode": code, "Output": output,
            "_start": start}


# ---- Go's text forms --------------------------------------------------------------------------------

def go_time(ts: float) -> str:
    """Go's ``time.Time`` in JSON (RFC 3339 with nanoseconds, trailing zeros trimmed), local time."""
    dt = datetime.fromtimestamp(ts).astimezone()
    frac = f"{dt.microsecond:06d}".rstrip("0")
    offset = dt.strftime("%z")
    zone = "Z" if offset in ("+0000", "-0000", "") else f"{offset[:3]}:{offset[3:]}"
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + zone


def go_duration(ns: int) -> str:
    """Go's ``time.Duration.String()``: ``1s``, ``500ms``, ``1m30s``, ``1h0m0s``."""
    if ns == 0:
        return "0s"
    sign, u = ("-" if ns < 0 else ""), abs(ns)

    def fixed(value: int, unit: int) -> str:
        whole, frac = divmod(value, unit)
        digits = f"{frac:0{len(str(unit)) - 1}d}".rstrip("0")
        return f"{whole}.{digits}" if digits else str(whole)

    if u < 1000:
        return f"{sign}{u}ns"
    if u < 1_000_000:
        return f"{sign}{fixed(u, 1000)}µs"
    if u < SECOND:
        return f"{sign}{fixed(u, 1_000_000)}ms"
    hours, rest = divmod(u, 3600 * SECOND)
    minutes, rest = divmod(rest, 60 * SECOND)
    text = f"{fixed(rest, SECOND)}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text
