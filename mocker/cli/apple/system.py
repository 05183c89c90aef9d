"""``info`` and ``version`` on the apple backend: which backend, which ``container``, is it running."""

from __future__ import annotations

import platform
from typing import Any

from mocker import __version__
from mocker.cli.apple.common import container_cli
from mocker.cli.command import Context
from mocker.cli.flags import Parsed
from mocker.errors import MockerError


def info_doc() -> dict[str, Any]:
    """Raises ServiceNotRunning (``container system start``) when the apiserver is down."""
    from mocker.engine.apple.containers import list_containers
    from mocker.engine.apple.images import list_images
    from mocker.engine.backends import select

    cli = container_cli()
    version = ".".join(map(str, cli.version()))
    status = cli.status()
    ctrs = list_containers(cli)
    running = sum(1 for c in ctrs if c.state in ("running", "stopping"))
    return {
        "ID": "", "Containers": len(ctrs), "ContainersRunning": running, "ContainersPaused": 0,
        "ContainersStopped": len(ctrs) - running, "Images": len(list_images(cli)),
        "Driver": "apple-container", "DockerRootDir": str(status.get("appRoot") or ""),
        "Name": platform.node(), "OperatingSystem": platform.system(), "OSType": "linux",
        "Architecture": platform.machine(), "KernelVersion": platform.release(), "ServerVersion": __version__,
        "Backend": "apple", "BackendSource": select().source, "ContainerCLI": cli.path,
        "ContainerVersion": version, "ContainerVersionText": cli.version_text,
        "ContainerService": status.get("status", ""),
        "ContainerServer": status.get("apiServerVersion") or (status.get("server") or {}).get("version", ""),
        "Runtimes": {"container-runtime-linux": {"path": cli.path}}, "DefaultRuntime": "container-runtime-linux",
        "RegistryConfig": {"InsecureRegistryCIDRs": [], "IndexConfigs": {}},
    }


def info(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import render_each
    from mocker.cli.system import print_info_head

    d = info_doc()
    if p.format:
        render_each(ctx, p.format, [d])
        return 0
    print_info_head(ctx, d)
    ctx.out(f" Backend: apple (Apple's container {d['ContainerVersion']}, selected by {d['BackendSource']})")
    ctx.out(f" Container CLI: {d['ContainerCLI']}")
    ctx.out(f" Container Service: {d['ContainerService']}" +
            (f" ({d['ContainerServer']})" if d["ContainerServer"] else ""))
    ctx.out(f" Storage Driver: {d['Driver']}")
    ctx.out(f" Default Runtime: {d['DefaultRuntime']}")
    ctx.out(f" Operating System: {d['OperatingSystem']}")
    ctx.out(f" Architecture: {d['Architecture']}")
    ctx.out(f" Name: {d['Name']}")
    ctx.out(f" Docker Root Dir: {d['DockerRootDir']}")
    return 0


def version(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import render_each

    cli = container_cli()
    doc = {"Client": {"Version": __version__, "Python": platform.python_version()},
           "Server": {"Engine": "apple", "Version": ".".join(map(str, cli.version())), "Text": cli.version_text}}
    if p.format:
        render_each(ctx, p.format, [doc])
        return 0
    ctx.out("Client:")
    ctx.out(f" Version:           {__version__}")
    ctx.out(f" Python version:    {platform.python_version()}")
    ctx.out("")
    ctx.out("Server: Apple container (apple backend)")
    ctx.out(f" Version:           {doc['Server']['Version']}")
    ctx.out(f" CLI:               {cli.version_text}")
    return 0


def login(ctx: Context, p: Parsed) -> int:
    """``registry login``: the CLI keeps credentials in the macOS Keychain, which its pulls use."""
    from mocker.cli.registry import _registry_host
    from mocker.errors import UsageError

    host = _registry_host(p.args[0] if p.args else None)
    password = p.password
    if p.password_stdin:
        if password:
            raise UsageError("--password and --password-stdin are mutually exclusive")
        text = ctx.stdin.read()
        password = text.rstrip("\n").rstrip("\r") if isinstance(text, str) else text.decode().rstrip("\r\n")
    elif password:
        ctx.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
    if not p.username or not password:
        from mocker.runtime.apple.support import refuse

        raise refuse("interactive login", "give --username and --password-stdin (the password goes to "
                                          "`container registry login` on its stdin)")
    container_cli().call(["registry", "login", "--username", p.username, "--password-stdin", host],
                         input=password.encode())
    ctx.out("Login Succeeded")
    return 0


def logout(ctx: Context, p: Parsed) -> int:
    from mocker.cli.registry import _registry_host

    host = _registry_host(p.args[0] if p.args else None)
    shown = "https://index.docker.io/v1/" if host == "docker.io" else host
    ctx.out(f"Removing login credentials for {shown}")
    container_cli().call(["registry", "logout", host])
    return 0


def df(ctx: Context, p: Parsed) -> int:
    """``system df`` from the CLI's ``system df --format json`` (0.7+)."""
    from mocker.cli.output import print_formatted
    from mocker.format.units import human_size
    from mocker.runtime.apple.support import refuse

    if p.verbose:
        raise refuse("system df -v", "the CLI reports totals only")
    cli = container_cli()
    if not cli.at_least(0, 7):
        raise refuse("system df", "needs container 0.7 or newer")
    doc = cli.json(["system", "df", "--format", "json"])
    rows = []
    for key, kind in (("images", "Images"), ("containers", "Containers"), ("volumes", "Local Volumes")):
        d = doc.get(key) or {} if isinstance(doc, dict) else {}
        size, reclaim = int(d.get("sizeInBytes") or 0), int(d.get("reclaimable") or 0)
        pct = f" ({reclaim * 100 // size}%)" if size else ""
        rows.append({"Type": kind, "TotalCount": str(d.get("total", 0)), "Active": str(d.get("active", 0)),
                     "Size": human_size(size), "Reclaimable": human_size(reclaim) + pct})
    default = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
    print_formatted(ctx, rows, p.format, default=default, headers={
        "Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"})
    return 0


def prune(ctx: Context, p: Parsed) -> int:
    """``system prune``: stopped containers, unused networks, dangling (``-a``: unused) images and,
    with ``--volumes``, unused anonymous volumes — each through the same paths as its own prune.
    The builder's cache is not touched (the CLI cannot prune it), so the warning does not list it."""
    from mocker.cli.images import confirm
    from mocker.engine.apple import containers as engine
    from mocker.runtime.apple.support import refuse

    if p.filter:
        raise refuse("system prune --filter", "not implemented for the apple backend yet")
    items = ["all stopped containers", "all networks not used by at least one container",
             "all images without at least one container associated to them" if p.all else "all dangling images"]
    if p.volumes:
        items.insert(1, "all anonymous volumes not used by at least one container")
    if not p.force and not confirm(ctx, "WARNING! This will remove:\n" + "".join(f"  - {w}\n" for w in items)):
        return 0
    cli = container_cli()
    sections: list[tuple[str, list[str]]] = [("Deleted Containers", engine.prune(cli))]
    if p.volumes:
        from mocker.cli.apple.resources import prune_volumes

        sections.append(("Deleted Volumes", prune_volumes(False)))
    try:
        nets = cli.call(["network", "prune"]).text.split()
    except MockerError as e:
        ctx.err(f"Error: networks: {e}")
        nets = []
    sections.append(("Deleted Networks", nets))
    out = cli.call([cli.image_group(), "prune", *(["--all"] if p.all else [])], timeout=None).text
    imgs = []
    for ln in out.splitlines():
        word, _, rest = ln.strip().partition(" ")
        if word.rstrip(":") in ("untagged", "deleted"):
            imgs.append(f"{word.rstrip(':')}: {rest.strip()}")
    sections.append(("Deleted Images", imgs))
    for title, lines in sections:
        if lines:
            ctx.out(f"{title}:")
            for line in lines:
                ctx.out(line)
            ctx.out("")
    ctx.out("Total reclaimed space: unknown (the apple backend does not report sizes)")
    return 0
