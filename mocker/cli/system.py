"""``version``, ``info``, ``system df``, ``system prune``."""

from __future__ import annotations

from typing import Any

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.cli.output import print_formatted, render_each

FORMAT = Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template")


def _version(ctx: Context, p: Parsed) -> int:
    from mocker.engine.system import runtime_versions, version_info

    v = version_info()
    if p.format:
        render_each(ctx, p.format, [v])
        return 0
    c, s = v["Client"], v["Server"]
    ctx.out("Client:")
    ctx.out(f" Version:           {c['Version']}")
    ctx.out(f" API version:       {c['ApiVersion']}")
    ctx.out(f" Python version:    {c['Python']}")
    ctx.out(f" OS/Arch:           {c['Os']}/{c['Arch']}")
    ctx.out("")
    ctx.out("Server: mocker (daemonless)")
    ctx.out(" Engine:")
    ctx.out(f"  Version:          {s['Version']}")
    ctx.out(f"  API version:      {s['ApiVersion']} (minimum version {s['MinAPIVersion']})")
    ctx.out(f"  OS/Arch:          {s['Os']}/{s['Arch']}")
    ctx.out(f"  Kernel version:   {s['KernelVersion']}")
    for name, text in runtime_versions().items():
        ctx.out(f" {name}:")
        ctx.out(f"  Version:          {text}")
    return 0


VERSION = Command(
    name="version", usage="version [OPTIONS]", summary="Show the mocker version information",
    handler=_version, max_args=0, flags=(FORMAT,),
)


def print_info_head(ctx: Context, d: dict[str, Any]) -> None:
    """The lines of ``docker info`` every backend prints the same way (client, container counts)."""
    ctx.out("Client:")
    ctx.out(" Context:    default")
    ctx.out(" Debug Mode: " + ("true" if ctx.debug else "false"))
    ctx.out("")
    ctx.out("Server:")
    ctx.out(f" Containers: {d['Containers']}")
    ctx.out(f"  Running: {d['ContainersRunning']}")
    ctx.out(f"  Paused: {d['ContainersPaused']}")
    ctx.out(f"  Stopped: {d['ContainersStopped']}")
    ctx.out(f" Images: {d['Images']}")
    ctx.out(f" Server Version: {d['ServerVersion']}")


def _info(ctx: Context, p: Parsed) -> int:
    from mocker.engine.system import info
    from mocker.format.units import bytes_size

    d = info(ctx.store())
    if p.format:
        render_each(ctx, p.format, [d])
        return 0
    print_info_head(ctx, d)
    ctx.out(f" Storage Driver: {d['Driver']}")
    ctx.out(f" Backend: {d['Backend']}")
    ctx.out(f" Cgroup Version: {d['CgroupVersion']}")
    ctx.out(" Runtimes: " + " ".join(sorted(d["Runtimes"])))
    ctx.out(f" Default Runtime: {d['DefaultRuntime'] or '(none found)'}")
    for name, text in d["RuntimeVersions"].items():
        ctx.out(f"  {name}: {text}")
    ctx.out(f" Kernel Version: {d['KernelVersion']}")
    ctx.out(f" Operating System: {d['OperatingSystem']}")
    ctx.out(f" OSType: {d['OSType']}")
    ctx.out(f" Architecture: {d['Architecture']}")
    ctx.out(f" CPUs: {d['NCPU']}")
    ctx.out(f" Total Memory: {bytes_size(d['MemTotal'])}")
    ctx.out(f" Name: {d['Name']}")
    ctx.out(f" Docker Root Dir: {d['DockerRootDir']}")
    ctx.out(" Insecure Registries:")
    for cidr in d["RegistryConfig"]["InsecureRegistryCIDRs"]:
        ctx.out(f"  {cidr}")
    return 0


INFO = Command(
    name="info", usage="info [OPTIONS]", summary="Display system-wide information", handler=_info,
    max_args=0, flags=(FORMAT,),
)


def _df(ctx: Context, p: Parsed) -> int:
    from mocker.engine.system import disk_usage
    from mocker.format.units import human_size

    rows = []
    for u in disk_usage(ctx.store()):
        pct = f" ({u.reclaimable * 100 // u.size}%)" if u.size else ""
        rows.append({"Type": u.kind, "TotalCount": str(u.total), "Active": str(u.active),
                     "Size": human_size(u.size), "Reclaimable": human_size(u.reclaimable) + pct})
    default = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
    print_formatted(ctx, rows, p.format, default=default, headers={
        "Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"})
    return 0


DF = Command(
    name="system df", usage="system df [OPTIONS]", summary="Show docker disk usage", handler=_df,
    max_args=0,
    flags=(
        Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("verbose", "v", unsupported="per-object disk usage is not implemented yet"),
    ),
)


def _service(ctx: Context, p: Parsed) -> int:
    """Serve the Docker Engine API on a unix socket until interrupted or idle for ``--time`` seconds."""
    from mocker.api.server import default_socket_path, parse_address, serve
    from mocker.errors import UsageError

    if p.time is not None and p.time < 0:
        raise UsageError(f"invalid argument \"{p.time}\" for \"-t, --time\" flag: must not be negative")
    path = parse_address(p.args[0]) if p.args else default_socket_path(ctx.root)
    store = ctx.store()     # the store must exist before the first request
    store.close()

    def ready(where: str) -> None:
        ctx.out(f"API service listening on \"unix://{where}\". URL: \"unix://{where}\"")
        ctx.out(f"Use it with: export DOCKER_HOST=unix://{where}")
        ctx.stdout.flush()

    import signal

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        serve(path, ctx.root, idle_timeout=float(5 if p.time is None else p.time), debug=ctx.debug, ready=ready,
              private_dir=not p.args)
    except KeyboardInterrupt:
        pass
    return 0


SERVICE = Command(
    name="system service", usage="system service [OPTIONS] [URI]",
    summary="Serve the Docker Engine API on a unix socket (default: the store's run dir, mocker.sock)",
    handler=_service, max_args=1,
    flags=(
        Flag("time", "t", kind="int", metavar="int",
             help="Seconds without a connection before the service exits; 0 runs forever (default 5)"),
    ),
)


def _prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm
    from mocker.engine import system_prune
    from mocker.format.units import human_size

    opts = system_prune.PruneOptions(all=p.all, volumes=p.volumes, filters=p.filter)
    system_prune.validate(opts)
    if not p.force:
        text = "WARNING! This will remove:\n" + "".join(f"  - {w}\n" for w in system_prune.warnings(opts))
        if opts.filters:
            text += "\n  Items to be pruned will be filtered with:\n" + "".join(
                f"  - {f}\n" for f in sorted(opts.filters))
        if not confirm(ctx, text):
            return 0
    sections, leftovers = system_prune.prune(ctx.store(), opts)
    reclaimed = 0
    for section in sections:
        for e in section.errors:
            ctx.err(f"Error: {e}")
        reclaimed += section.reclaimed
        if section.lines:
            ctx.out(f"{section.title}:")
            for line in section.lines:
                ctx.out(line)
            ctx.out("")
    if leftovers:
        ctx.out("Removed leftovers of interrupted mocker processes:")
        for line in leftovers:
            ctx.out(line)
        ctx.out("")
    ctx.out(f"Total reclaimed space: {human_size(reclaimed)}")
    return 0


PRUNE = Command(
    name="system prune", usage="system prune [OPTIONS]", summary="Remove unused data", handler=_prune,
    max_args=0,
    flags=(
        Flag("all", "a", help="Remove all unused images not just dangling ones"),
        Flag("filter", kind="list", metavar="filter", help='Provide filter values (e.g. "label=<key>=<value>")'),
        Flag("force", "f", help="Do not prompt for confirmation"),
        Flag("volumes", help="Prune anonymous volumes"),
    ),
)
