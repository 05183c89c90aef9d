"""Container commands on the apple backend: thin handlers over ``mocker/engine/apple/containers``."""

from __future__ import annotations

import os

from mocker.cli.apple.common import as_125, container_cli, fileno, refuse_flags, sink
from mocker.engine.apple import containers as engine
from mocker.errors import MockerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mocker.cli.command import Context
    from mocker.cli.flags import Parsed


def _create(ctx: Context, p: Parsed, command: str) -> tuple[Any, str, Any]:
    from mocker.cli.container_flags import parse_run

    cli = container_cli()
    try:
        opts = parse_run(p, command=command)
        cid = engine.create(cli, opts, given=p.given, root=ctx.root)
    except MockerError as e:
        raise as_125(e) from None
    return cli, cid, opts


def create(ctx: Context, p: Parsed) -> int:
    _, cid, _ = _create(ctx, p, "create")
    ctx.out(cid)
    return 0


def run(ctx: Context, p: Parsed) -> int:
    """``create`` then ``start``: a failed create is told apart from the process's own exit status."""
    cli, cid, opts = _create(ctx, p, "run")
    try:
        if opts.detach:
            engine.start_new(cli, cid)
            ctx.out(cid)
            return 0
        interactive = opts.open_stdin and opts.attach_stdin
        in_fd = fileno(ctx.stdin) if interactive else None
        if opts.tty and interactive and (in_fd is None or not os.isatty(in_fd)):
            raise MockerError("the input device is not a TTY")
        return engine.start_attached(cli, cid, interactive=interactive, stdin=in_fd, stdout=sink(ctx.stdout),
                                     stderr=sink(ctx.stderr))
    except engine.RunFailed:
        return 125  # the CLI already printed its "Error: ..." line
    except MockerError as e:
        raise as_125(e) from None


def _each(ctx: Context, names: list[str], fn: Any) -> int:
    failed = 0
    for n in names:
        try:
            fn(n)
            ctx.out(n)
        except MockerError as e:
            ctx.err(f"Error: {e}")
            failed = 1
    return failed


def start(ctx: Context, p: Parsed) -> int:
    refuse_flags(p, "start")
    cli = container_cli()
    if p.attach or p.interactive:
        if len(p.args) > 1:
            raise MockerError("you cannot start and attach multiple containers at once")
        c = engine.get(cli, p.args[0])
        if c.state in ("running", "stopping"):
            raise MockerError(f"cannot attach: container {c.id} is already running")
        in_fd = fileno(ctx.stdin) if p.interactive else None
        try:
            return engine.start_attached(cli, c.id, interactive=bool(p.interactive), stdin=in_fd,
                                         stdout=sink(ctx.stdout), stderr=sink(ctx.stderr))
        except engine.RunFailed:
            return 1
    return _each(ctx, p.args, lambda n: engine.start(cli, n))


def stop(ctx: Context, p: Parsed) -> int:
    cli = container_cli()
    t = p.time if p.time is not None else p.timeout
    return _each(ctx, p.args, lambda n: engine.stop(cli, n, timeout=t, signal=p.signal))


def restart(ctx: Context, p: Parsed) -> int:
    cli = container_cli()
    t = p.time if p.time is not None else p.timeout
    return _each(ctx, p.args, lambda n: engine.restart(cli, n, timeout=t, signal=p.signal))


def kill(ctx: Context, p: Parsed) -> int:
    cli = container_cli()
    return _each(ctx, p.args, lambda n: engine.kill(cli, n, p.signal or "KILL"))


def rm(ctx: Context, p: Parsed) -> int:
    refuse_flags(p, "rm")
    cli = container_cli()
    return _each(ctx, p.args, lambda n: engine.remove(cli, n, force=bool(p.force)))


def ps(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_formatted
    from mocker.engine.apple.inspect import PS_HEADERS, ps_row

    refuse_flags(p, "ps")
    filters = _ps_filters(p.filter)
    show_all = bool(p.all or p.last > 0 or p.latest or filters.get("status"))
    found = [c for c in engine.list_containers(container_cli(), all_=show_all) if _ps_match(c, filters)]
    if p.latest:
        found = found[:1]
    elif p.last and p.last > 0:
        found = found[:p.last]
    rows = [ps_row(c, no_trunc=bool(p.no_trunc)) for c in found]
    if p.quiet:
        for r in rows:
            ctx.out(r["ID"])
        return 0
    default = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    print_formatted(ctx, rows, p.format, default=default, headers=PS_HEADERS)
    return 0


def _ps_filters(items: list[str]) -> dict[str, list[str]]:
    """Docker's ``ps --filter`` keys the runtime can answer (``exited=`` needs exit codes: refused)."""
    if not items:
        return {}       # container_filters pulls in the Linux store (sqlite3): only when filtering
    from mocker.engine.container_filters import PS_KEYS, STATUSES
    from mocker.errors import InvalidArgument
    from mocker.runtime.apple.support import refuse

    out: dict[str, list[str]] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        if key not in PS_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'")
        if key == "status" and value not in STATUSES:
            raise InvalidArgument(f"invalid filter 'status={value}'")
        if key not in ("id", "name", "label", "status", "ancestor"):
            raise refuse(f"ps --filter {key}", "the runtime reports no exit codes" if key == "exited" else
                         "the runtime reports no health" if key == "health" else
                         "not implemented for the apple backend yet")
        out.setdefault(key, []).append(value)
    return out


def _ps_match(c: Any, f: dict[str, list[str]]) -> bool:
    from mocker.engine.apple.inspect import docker_state

    if "id" in f and not any(c.id.startswith(v) for v in f["id"]):
        return False
    if "name" in f and not any(v in c.id for v in f["name"]):
        return False
    if "status" in f and docker_state(c) not in f["status"]:
        return False
    for want in f.get("label", []):
        k, eq, v = want.partition("=")
        if k not in c.labels or (eq and c.labels[k] != v):
            return False
    return "ancestor" not in f or any(_ancestor(c, a) for a in f["ancestor"])


def _ancestor(c: Any, a: str) -> bool:
    from mocker.runtime.apple.shapes import short_reference

    repo, tag = short_reference(c.image)
    if a in (c.image, f"{repo}:{tag}", c.image_digest) or (tag == "latest" and a == repo):
        return True
    hexa = a.removeprefix("sha256:")
    return len(hexa) >= 4 and all(ch in "0123456789abcdef" for ch in hexa) and \
        c.image_digest.removeprefix("sha256:").startswith(hexa)


def inspect_docs(names: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    from mocker.engine.apple.inspect import container_json
    from mocker.errors import NotFound

    cli = container_cli()
    docs, missing = [], []
    for n in names:
        try:
            docs.append(container_json(engine.get(cli, n)))
        except NotFound:
            missing.append(n)
    return docs, missing


def inspect(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_inspected

    docs, missing = inspect_docs(p.args)
    return print_inspected(ctx, docs, missing, p.format, missing_message="No such container")


def logs(ctx: Context, p: Parsed) -> int:
    refuse_flags(p, "logs")
    tail = None
    if p.tail not in (None, "all"):
        try:
            tail = int(p.tail)
        except ValueError:
            tail = None
    if tail is not None and tail < 0:
        tail = None
    return engine.logs(container_cli(), p.args[0], follow=bool(p.follow), tail=tail, stdout=sink(ctx.stdout),
                       stderr=sink(ctx.stderr))


def exec_(ctx: Context, p: Parsed) -> int:
    from mocker.cli.container_flags import read_kv_file

    refuse_flags(p, "exec")
    try:
        env: list[str] = []
        for f in p.env_file:
            env += read_kv_file(f, os.environ.get)
        for e in p.env:
            env.append(e if "=" in e else (f"{e}={os.environ[e]}" if e in os.environ else e))
        in_fd = fileno(ctx.stdin) if p.interactive else None
        if p.tty and in_fd is not None and not os.isatty(in_fd):
            raise MockerError("the input device is not a TTY")
        code = engine.exec_(container_cli(), p.args[0], p.args[1:], env=[x for x in env if "=" in x],
                            workdir=p.workdir or "", user=p.user or "", tty=bool(p.tty),
                            interactive=bool(p.interactive), detach=bool(p.detach), stdin=in_fd,
                            stdout=sink(ctx.stdout), stderr=sink(ctx.stderr))
    except engine.RunFailed:
        return 126
    except MockerError as e:
        from mocker.errors import Conflict, NotFound

        if not isinstance(e, (Conflict, NotFound)) and e.exit_code not in (126, 127):
            e.exit_code = 125
        raise
    return code


def port(ctx: Context, p: Parsed) -> int:
    c = engine.get(container_cli(), p.args[0])
    want = p.args[1] if len(p.args) > 1 else None
    if want is not None and "/" not in want:
        want += "/tcp"
    shown = False
    for pp in c.ports:
        for i in range(pp.count):
            key = f"{pp.container_port + i}/{pp.proto}"
            if want is None:
                ctx.out(f"{key} -> {pp.host_ip}:{pp.host_port + i}")
            elif key == want:
                ctx.out(f"{pp.host_ip}:{pp.host_port + i}")
                shown = True
    if want is not None and not shown:
        raise MockerError(f"No public port '{want}' published for {p.args[0]}")
    return 0


def cp(ctx: Context, p: Parsed) -> int:
    for dest in ("archive", "follow_link"):
        if p.values.get(dest):
            from mocker.runtime.apple.support import flag_name, refuse

            raise refuse(flag_name(dest), "the CLI's copy has no such option")
    engine.copy(container_cli(), p.args[0], p.args[1])
    return 0


def export(ctx: Context, p: Parsed) -> int:
    output = p.output or None
    if output is None and ctx.stdout_is_tty():
        raise MockerError("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    engine.export(container_cli(), p.args[0], output=output, stdout=sink(ctx.stdout))
    return 0


def stats(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_formatted
    from mocker.format.units import bytes_size

    refuse_flags(p, "stats")
    if not p.no_stream:
        from mocker.runtime.apple.support import refuse

        raise refuse("stats without --no-stream", "only a single sample is read from the CLI")
    rows = []
    for d in engine.stats(container_cli(), p.args):
        used, limit = d.get("memoryUsageBytes") or 0, d.get("memoryLimitBytes") or 0
        rows.append({
            "ID": d.get("id", ""), "Container": d.get("id", ""), "Name": d.get("id", ""),
            "CPUPerc": "--",  # one sample of cumulative counters gives no percentage
            "MemUsage": f"{bytes_size(used)} / {bytes_size(limit)}",
            "MemPerc": f"{used * 100 / limit:.2f}%" if limit else "--",
            "NetIO": f"{bytes_size(d.get('networkRxBytes') or 0)} / {bytes_size(d.get('networkTxBytes') or 0)}",
            "BlockIO": f"{bytes_size(d.get('blockReadBytes') or 0)} / {bytes_size(d.get('blockWriteBytes') or 0)}",
            "PIDs": str(d.get("numProcesses") or 0),
        })
    default = ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}"
               "\t{{.PIDs}}")
    headers = {"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME", "CPUPerc": "CPU %",
               "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O",
               "PIDs": "PIDS"}
    print_formatted(ctx, rows, p.format, default=default, headers=headers)
    return 0


def prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm

    if p.filter:
        from mocker.runtime.apple.support import refuse

        raise refuse("container prune --filter", "not implemented for the apple backend yet")
    if not p.force and not confirm(ctx, "WARNING! This will remove all stopped containers."):
        return 0
    deleted = engine.prune(container_cli())
    if deleted:
        ctx.out("Deleted Containers:")
        for d in deleted:
            ctx.out(d)
        ctx.out("")
    ctx.out("Total reclaimed space: unknown (the apple backend does not report sizes)")
    return 0
