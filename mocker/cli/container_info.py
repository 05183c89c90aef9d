"""``ps``, ``container inspect``, ``logs``, ``exec``, ``port``, ``top``."""

from __future__ import annotations

import os

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.cli.output import print_formatted, print_inspected
from mocker.errors import Conflict, MockerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _ps(ctx: Context, p: Parsed) -> int:
    from mocker.engine.container_filters import list_filtered, parse_filters
    from mocker.engine.container_inspect import PS_HEADERS, network_columns, ps_row

    store = ctx.store()
    f = parse_filters(p.filter)
    recs = list_filtered(store, f, all_=p.all or p.latest or (p.last or 0) > 0)
    if p.latest:
        recs = recs[:1]
    elif p.last and p.last > 0:
        recs = recs[:p.last]
    if p.size:
        raise MockerError("--size is not supported by mocker yet (container sizes)")
    cols = network_columns(store) if recs else {}
    rows = [ps_row(r, no_trunc=p.no_trunc, net=cols.get(r.id)) for r in recs]
    if p.quiet:
        for r in rows:
            ctx.out(r["ID"])
        return 0
    default = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    print_formatted(ctx, rows, p.format, default=default, headers=PS_HEADERS)
    return 0


PS = Command(
    name="ps", usage="ps [OPTIONS]", summary="List containers", handler=_ps, max_args=0,
    flags=(
        Flag("all", "a", help="Show all containers (default shows just running)"),
        Flag("filter", "f", kind="list", metavar="filter", help="Filter output based on conditions provided"),
        Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("last", "n", kind="int", default=-1, metavar="int", help="Show n last created containers"),
        Flag("latest", "l", help="Show the latest created container (includes all states)"),
        Flag("no-trunc", help="Don't truncate output"),
        Flag("quiet", "q", help="Only display container IDs"),
        Flag("size", "s", unsupported="container sizes are not computed yet"),
    ),
)


def inspect_containers(ctx: Context, names: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    from mocker.engine import containers
    from mocker.engine.container_inspect import container_json
    from mocker.errors import NotFound

    store = ctx.store()
    docs, missing = [], []
    for n in names:
        try:
            docs.append(container_json(store, containers.get(store, n)))
        except NotFound:
            missing.append(n)
    return docs, missing


def _inspect(ctx: Context, p: Parsed) -> int:
    docs, missing = inspect_containers(ctx, p.args)
    return print_inspected(ctx, docs, missing, p.format, missing_message="No such container")


INSPECT = Command(
    name="container inspect", usage="container inspect [OPTIONS] CONTAINER [CONTAINER...]",
    summary="Display detailed information on one or more containers", handler=_inspect, min_args=1,
    flags=(
        Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("size", "s", unsupported="container sizes are not computed yet"),
    ),
)


def _logs(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers
    from mocker.engine.logs import parse_time, read_logs

    store = ctx.store()
    rec = containers.get(store, p.args[0])
    spec = rec.config["spec"]
    if spec.get("log_driver") == "none":
        raise MockerError('configured logging driver does not support reading')
    tail = None
    if p.tail not in (None, "all"):
        try:
            tail = int(p.tail)
        except ValueError:
            tail = None  # Docker's daemon reads a tail it cannot parse as "all"
    since = parse_time(p.since) if p.since else None
    until = parse_time(p.until) if p.until else None

    def running() -> bool:
        return containers.get(store, rec.id).status in ("running", "paused", "restarting")

    for line in read_logs(spec["log_path"], since=since, until=until, tail=tail, timestamps=p.timestamps,
                          follow=p.follow, is_running=running):
        data = line.output()
        target = ctx.stdout if line.stream == "stdout" else ctx.stderr
        buf = getattr(target, "buffer", None)
        if buf is not None:
            target.flush()
            buf.write(data)
            buf.flush()
        else:
            target.write(data.decode(errors="replace"))
    return 0


LOGS = Command(
    name="logs", usage="logs [OPTIONS] CONTAINER", summary="Fetch the logs of a container", handler=_logs,
    min_args=1, max_args=1,
    flags=(
        Flag("follow", "f", help="Follow log output"),
        Flag("since", kind="str", metavar="string", help="Show logs since timestamp or relative (e.g. 42m)"),
        Flag("tail", "n", kind="str", default="all", metavar="string", help="Number of lines to show from the end"),
        Flag("timestamps", "t", help="Show timestamps"),
        Flag("until", kind="str", metavar="string", help="Show logs before a timestamp or relative (e.g. 42m)"),
        Flag("details", unsupported="log attributes (--log-opt labels/env) are not recorded"),
    ),
)


def _exec(ctx: Context, p: Parsed) -> int:
    from mocker.cli.container_flags import read_kv_file
    from mocker.engine import containers
    from mocker.runtime.base import ExecSpec
    from mocker.runtime.linux import attach as term

    store = ctx.store()
    try:
        rec = containers.get(store, p.args[0])
        if rec.status == "paused":
            raise Conflict(f"container {rec.id} is paused, unpause the container before exec")
        if rec.status != "running":
            raise Conflict(f"container {rec.id} is not running")
        env = []
        for f in p.env_file:
            env += read_kv_file(f, os.environ.get)
        for e in p.env:
            env.append(e if "=" in e else (f"{e}={os.environ[e]}" if e in os.environ else e))
        spec = ExecSpec(args=tuple(p.args[1:]), env=tuple(x for x in env if "=" in x), workdir=p.workdir or "",
                        user=p.user or "", tty=p.tty, open_stdin=p.interactive, privileged=p.privileged,
                        detach=p.detach)
        rt = containers.runtime_for(store, (rec.config.get("options") or {}).get("runtime"))
        in_fd = ctx.stdin.fileno() if p.interactive and hasattr(ctx.stdin, "fileno") else None
        if p.tty and in_fd is not None and not os.isatty(in_fd):
            raise MockerError("the input device is not a TTY")
        size = term.terminal_size(in_fd) if (p.tty and in_fd is not None) else None
        out = _fd_or_writer(ctx.stdout)
        err = _fd_or_writer(ctx.stderr)
        if p.tty and in_fd is not None:
            with term.raw_terminal(in_fd):
                return rt.exec(rec.id, spec, stdin=in_fd, stdout=out, stderr=err, size=size)
        return rt.exec(rec.id, spec, stdin=in_fd, stdout=out, stderr=err, size=size)
    except MockerError as e:
        if e.exit_code not in (126, 127):
            e.exit_code = 125 if not isinstance(e, Conflict) else 1
        raise


def _fd_or_writer(stream: Any) -> Any:
    try:
        fd = stream.fileno()
        stream.flush()
        return fd
    except (AttributeError, OSError, ValueError):
        return lambda data: stream.write(data.decode(errors="replace"))


EXEC = Command(
    name="exec", usage="exec [OPTIONS] CONTAINER COMMAND [ARG...]",
    summary="Execute a command in a running container", handler=_exec, min_args=2, interspersed=False,
    flags=(
        Flag("detach", "d", help="Detached mode: run command in the background"),
        Flag("detach-keys", kind="str", metavar="string", help="Override the key sequence for detaching a container"),
        Flag("env", "e", kind="list", metavar="list", help="Set environment variables"),
        Flag("env-file", kind="list", metavar="list", help="Read in a file of environment variables"),
        Flag("interactive", "i", help="Keep STDIN open even if not attached"),
        Flag("privileged", help="Give extended privileges to the command"),
        Flag("tty", "t", help="Allocate a pseudo-TTY"),
        Flag("user", "u", kind="str", metavar="string", help="Username or UID (format: \"<name|uid>[:<group|gid>]\")"),
        Flag("workdir", "w", kind="str", metavar="string", help="Working directory inside the container"),
    ),
)


def _top(ctx: Context, p: Parsed) -> int:
    from mocker.engine.container_top import top

    header, rows = top(ctx.store(), p.args[0], p.args[1:])
    if header:
        ctx.out(header)
    for line in rows:
        ctx.out(line)
    return 0


TOP = Command(name="top", usage="top CONTAINER [ps OPTIONS]", summary="Display the running processes of a container",
              handler=_top, min_args=1, interspersed=False)


def _port(ctx: Context, p: Parsed) -> int:
    from mocker.engine import containers, network_attach

    store = ctx.store()
    rec = containers.get(store, p.args[0])
    bound = network_attach.published(store, rec)
    if len(p.args) > 1:
        port, _, proto = p.args[1].partition("/")
        proto = proto or "tcp"
        hits = [b for b in bound if str(b[0]) == port and b[1] == proto]
        if not hits:
            raise MockerError(f"No public port '{port}/{proto}' published for {p.args[0]}")
        for _, _, ip, hp in hits:
            ctx.out(f"{ip}:{hp}")
        return 0
    for cp, proto, ip, hp in bound:
        ctx.out(f"{cp}/{proto} -> {ip}:{hp}")
    return 0


PORT = Command(name="port", usage="port CONTAINER [PRIVATE_PORT[/PROTO]]",
               summary="List port mappings or a specific mapping for the container", handler=_port, min_args=1,
               max_args=2)

