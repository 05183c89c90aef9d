"""``events`` / ``system events``: the engine's event log (engine/events.py), past and as it grows.

Like Docker's: without ``--since`` only new events, without ``--until`` it follows until
interrupted; one line per event (``TIME TYPE ACTION ID (attr=value, ...)``), or ``--format``
(a Go template, or ``json``).
"""

from __future__ import annotations

from typing import Any

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.cli.volumes import _filter_flag, filters_of


def _line(ev: dict[str, Any]) -> str:
    """Docker's default line: local time with nanoseconds, type, action, ID, sorted attributes."""
    import datetime

    nano = int(ev.get("timeNano", 0))
    when = datetime.datetime.fromtimestamp(nano // 1_000_000_000).astimezone()
    zone = when.strftime("%z")
    zone = "Z" if zone in ("+0000", "") else zone[:3] + ":" + zone[3:]
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S") + f".{nano % 1_000_000_000:09d}" + zone
    actor = ev.get("Actor") or {}
    attrs = actor.get("Attributes") or {}
    text = f"{stamp} {ev.get('Type')} {ev.get('Action')} {actor.get('ID')}"
    if attrs:
        text += " (" + ", ".join(f"{k}={attrs[k]}" for k in sorted(attrs)) + ")"
    return text


def _events(ctx: Context, p: Parsed) -> int:
    import json

    from mocker.engine import events

    filters = filters_of(p.filter)
    events.check_filters(filters)
    since = events.parse_time(p.since) if p.since else None
    until = events.parse_time(p.until) if p.until else None
    render = None
    if p.format and p.format.strip() != "json":
        from mocker.format.template import compile_template, prepare_format

        tpl = compile_template(prepare_format(p.format))
        render = tpl.render
    store = ctx.store()
    try:
        for ev in events.stream(store, since=since, until=until, filters=filters):
            if p.format and p.format.strip() == "json":
                ctx.out(json.dumps(ev, separators=(",", ":")))
            elif render is not None:
                ctx.out(render(ev))
            else:
                ctx.out(_line(ev))
            ctx.stdout.flush()
    except KeyboardInterrupt:
        pass
    return 0


_FLAGS = (
    Flag("filter", "f", kind="list", metavar="filter", convert=_filter_flag("-f, --filter"),
         help="Filter output based on conditions provided"),
    Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
    Flag("since", kind="str", metavar="string", help="Show all events created since timestamp"),
    Flag("until", kind="str", metavar="string", help="Stream events until this timestamp"),
)
EVENTS = Command(name="events", usage="events [OPTIONS]", summary="Get real time events from the server",
                 handler=_events, flags=_FLAGS, max_args=0)
SYSTEM_EVENTS = Command(name="system events", usage="system events [OPTIONS]",
                        summary="Get real time events from the server", handler=_events, flags=_FLAGS, max_args=0)
