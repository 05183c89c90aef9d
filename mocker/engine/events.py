"""The event log: what ``mocker events`` and the API's ``GET /events`` report, as Docker's daemon does.

mocker has no daemon to watch objects change, so the engine functions that change them append an
event here as they do it, from whichever process runs them. The log is one JSON object per line in
``<root>/events.jsonl``; every append takes ``events.lock`` exclusively, so lines of concurrent
processes never interleave. When the file passes :data:`MAX_BYTES` the appender rewrites it with
the newest half (a temp file renamed over it); readers that follow notice the new inode.

Recording never fails the operation it reports: an event log that cannot be written is skipped.
Events are Docker's shape: ``Type``, ``Action``, ``Actor {ID, Attributes}``, ``scope``, ``time``,
``timeNano``, and for containers and images the legacy ``status``/``id``/``from`` fields.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from mocker.store.store import Store

MAX_BYTES = 4 << 20
TYPES = ("container", "image", "network", "volume")
FILTER_KEYS = ("container", "event", "image", "label", "network", "type", "volume", "scope")


def _paths(store: Store) -> tuple[Any, Any]:
    root = store.paths.root
    return root / "events.jsonl", root / "events.lock"


def record(store: Store, type_: str, action: str, actor_id: str, attributes: dict[str, str] | None = None,
           *, from_image: str | None = None) -> None:
    """Append one event (best effort: an unwritable log never fails the operation)."""
    now = time.time_ns()
    attrs = {k: str(v) for k, v in (attributes or {}).items()}
    ev: dict[str, Any] = {}
    if type_ in ("container", "image"):
        ev.update(status=action, id=actor_id)
        if from_image is not None:
            ev["from"] = from_image
    ev.update(Type=type_, Action=action, Actor={"ID": actor_id, "Attributes": attrs}, scope="local",
              time=now // 1_000_000_000, timeNano=now)
    line = (json.dumps(ev, separators=(",", ":")) + "\n").encode()
    try:
        from mocker.store.locks import file_lock

        log, lock = _paths(store)
        with file_lock(lock):
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                os.write(fd, line)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size > MAX_BYTES:
                _shrink(log)
    except OSError:
        pass


def container_event(store: Store, rec: Any, action: str, extra: dict[str, str] | None = None) -> None:
    """A container event with Docker's attributes: its labels, ``image`` and ``name`` (+ ``extra``)."""
    image = str(getattr(rec, "image_name", "") or getattr(rec, "image_id", "") or "")
    attrs = dict(getattr(rec, "labels", None) or {})
    attrs.update(image=image, name=str(getattr(rec, "name", "")))
    attrs.update(extra or {})
    record(store, "container", action, rec.id, attrs, from_image=image)


def _shrink(log: Any) -> None:
    with open(log, "rb") as f:
        f.seek(-(MAX_BYTES // 2), os.SEEK_END)
        data = f.read()
    data = data[data.find(b"\n") + 1:]
    tmp = log.with_name(log.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, log)


# ---- reading ---------------------------------------------------------------------------------


def parse_time(text: str, now: float | None = None) -> float:
    """``--since``/``--until``: a Unix timestamp (``1700000000.5``), an RFC 3339 time, or a Go
    duration before now (``10m``)."""
    now = time.time() if now is None else now
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        pass
    from mocker.engine.image_inspect import parse_time as parse_rfc3339

    value = parse_rfc3339(text)
    if value:
        return float(value)
    from mocker.errors import InvalidArgument
    from mocker.image.changes import parse_go_duration

    try:
        return now - parse_go_duration(text) / 1e9
    except (InvalidArgument, ValueError):
        raise InvalidArgument(f'failed to parse value as time or duration: "{text}"') from None


def check_filters(filters: dict[str, list[str]]) -> None:
    from mocker.errors import InvalidArgument

    for key, values in filters.items():
        if key not in FILTER_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'")
        if key == "type":
            for v in values:
                if v not in (*TYPES, "daemon", "plugin", "service", "node", "secret", "config"):
                    raise InvalidArgument(f"Invalid filter value: type={v}")


def matches(ev: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    """Docker's event filters: values of one key are OR-ed, keys AND-ed."""
    typ = ev.get("Type", "")
    actor = ev.get("Actor") or {}
    attrs = actor.get("Attributes") or {}
    ident = str(actor.get("ID", ""))
    for key, values in filters.items():
        if not values:
            continue
        if key == "type":
            ok = typ in values
        elif key == "event":
            action = str(ev.get("Action", ""))
            ok = any(action == v or action.split(":", 1)[0] == v for v in values)
        elif key == "scope":
            ok = ev.get("scope", "local") in values
        elif key == "label":
            ok = any(_label_match(attrs, v) for v in values)
        elif key in ("container", "network", "volume"):
            name = attrs.get("name", "")
            if typ == key:
                ok = any(v in (ident, name) or (len(v) >= 1 and ident.startswith(v)) for v in values)
            elif key == "container" and typ in ("network", "volume"):
                ok = attrs.get("container", "") != "" and any(attrs["container"].startswith(v) for v in values)
            else:
                ok = False
        elif key == "image":
            image = attrs.get("image", "") if typ == "container" else ident
            name = attrs.get("name", "")
            ok = any(v in (image, name, ident) or image.split(":", 1)[0] == v or name.split(":", 1)[0] == v
                     for v in values) and typ in ("container", "image")
        else:
            ok = False
        if not ok:
            return False
    return True


def _label_match(attrs: dict[str, str], want: str) -> bool:
    key, eq, value = want.partition("=")
    if key not in attrs:
        return False
    return not eq or attrs[key] == value


def _lines(path: Any, offset: int) -> tuple[list[dict[str, Any]], int]:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return [], 0
    end = data.rfind(b"\n") + 1     # a line still being written waits for the next read
    out = []
    for raw in data[:end].splitlines():
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue
    return out, offset + end


def history(store: Store, *, since: float | None, until: float | None,
            filters: dict[str, list[str]]) -> tuple[list[dict[str, Any]], int, int]:
    """Past events in ``[since, until]`` that match; also the file's inode and offset to follow from."""
    log, _ = _paths(store)
    try:
        inode = os.stat(log).st_ino
    except FileNotFoundError:
        inode = 0
    events, offset = _lines(log, 0)
    return [e for e in events if _in_window(e, since, until) and matches(e, filters)], inode, offset


def _in_window(ev: dict[str, Any], since: float | None, until: float | None) -> bool:
    t = int(ev.get("timeNano", 0)) / 1e9
    return (since is None or t >= since) and (until is None or t <= until)


def stream(store: Store, *, since: float | None, until: float | None, filters: dict[str, list[str]],
           stop: Callable[[], bool] | None = None, poll: float = 0.2) -> Iterator[dict[str, Any]]:
    """Past events, then (while ``until`` is not reached and ``stop()`` is false) new ones as they
    are appended: Docker's ``events`` without ``--until`` follows for ever. With neither since nor
    until, only new events: the daemon does not replay its buffer then."""
    log, _ = _paths(store)
    past, inode, offset = history(store, since=since, until=until, filters=filters)
    if since is not None or until is not None:
        yield from past
    seen = _last_time(log)
    while True:
        if until is not None and time.time() > until:
            return
        if stop is not None and stop():
            return
        time.sleep(poll)
        try:
            st = os.stat(log)
        except FileNotFoundError:
            continue
        if st.st_ino != inode or st.st_size < offset:
            inode, offset = st.st_ino, 0
            fresh, offset = _lines(log, 0)
            fresh = [e for e in fresh if int(e.get("timeNano", 0)) > seen]
        else:
            fresh, offset = _lines(log, offset)
        for ev in fresh:
            seen = max(seen, int(ev.get("timeNano", 0)))
            if _in_window(ev, since, until) and matches(ev, filters):
                yield ev


def _last_time(log: Any) -> int:
    events, _ = _lines(log, max(0, _size(log) - 65536))
    return max((int(e.get("timeNano", 0)) for e in events), default=0)


def _size(path: Any) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0
