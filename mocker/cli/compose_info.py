"""``mocker compose ps``, ``logs``, ``ls`` and ``images``: what a project's containers are doing."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mocker.cli.compose import Session, Sub, color_enabled
from mocker.cli.compose_cmds import _selected
from mocker.cli.flags import Flag, Parsed
from mocker.errors import UsageError

if TYPE_CHECKING:
    from mocker.store.containers import ContainerRecord


def _ps_row(rec: ContainerRecord, no_trunc: bool) -> dict[str, Any]:
    from mocker.compose import labels as L
    from mocker.engine.container_inspect import ps_row

    row = ps_row(rec, no_trunc=no_trunc)
    return {
        "Command": row["Command"], "CreatedAt": row["CreatedAt"], "ExitCode": rec.exit_code or 0,
        "Health": (rec.health or {}).get("Status", ""), "ID": rec.id, "Image": rec.image_name,
        "Labels": row["Labels"], "LocalVolumes": str(len(rec.config.get("volumes") or [])),
        "Mounts": row["Mounts"], "Name": rec.name, "Names": rec.name, "Networks": row["Networks"],
        "Ports": "", "Project": rec.labels.get(L.PROJECT, ""), "Publishers": None,
        "RunningFor": row["RunningFor"], "Service": rec.labels.get(L.SERVICE, ""), "Size": "",
        "State": rec.status, "Status": row["Status"],
    }


PS_HEADERS = {"Name": "NAME", "Image": "IMAGE", "Command": "COMMAND", "Service": "SERVICE", "RunningFor": "CREATED",
              "Status": "STATUS", "Ports": "PORTS", "ID": "CONTAINER ID", "State": "STATE", "Project": "PROJECT",
              "CreatedAt": "CREATED AT", "ExitCode": "EXIT CODE", "Health": "HEALTH", "Names": "NAMES",
              "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS", "LocalVolumes": "LOCAL VOLUMES",
              "Size": "SIZE", "Publishers": "PUBLISHERS"}


def _ps(s: Session, p: Parsed) -> int:
    from mocker.cli.output import print_formatted

    recs = _selected(s, p, oneoff=None if p.all else False)
    wanted = set(p.status)
    for f in p.filter:
        key, _, value = f.partition("=")
        if key != "status":
            raise UsageError(f"invalid filter '{key}'")
        wanted.add(value)
    if wanted:
        recs = [r for r in recs if r.status in wanted]
    elif not p.all:
        recs = [r for r in recs if r.status in ("running", "paused", "restarting")]
    if p.services:
        seen: list[str] = []
        for r in recs:
            svc = r.labels.get("com.docker.compose.service", "")
            if svc not in seen:
                seen.append(svc)
        for svc in seen:
            s.ctx.out(svc)
        return 0
    if p.quiet:
        for r in recs:
            s.ctx.out(r.id)
        return 0
    rows = [_ps_row(r, p.no_trunc) for r in recs]
    if p.format == "json":
        for row in rows:
            s.ctx.out(json.dumps(row, separators=(",", ":")))
        return 0
    default = "table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}"
    print_formatted(s.ctx, rows, p.format, default=default, headers=PS_HEADERS)
    return 0


PS = Sub("ps", "ps [OPTIONS] [SERVICE...]", "List containers", _ps,
         flags=(Flag("all", "a", help="Show all stopped containers (including those created by the run command)"),
                Flag("quiet", "q", help="Only display IDs"),
                Flag("services", help="Display services"),
                Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
                Flag("status", kind="list", metavar="stringArray", help="Filter services by status"),
                Flag("filter", kind="list", metavar="string", help="Filter services by a property"),
                Flag("no-trunc", help="Don't truncate output"),
                Flag("orphans", default=True, help="Include orphaned services (not declared by project)")))


def _logs(s: Session, p: Parsed) -> int:
    from mocker.compose.log_printer import LogPrinter
    from mocker.engine.logs import parse_time

    recs = [r for r in _selected(s, p) if r.labels.get("com.docker.compose.oneoff") != "True"]
    if p.index:
        recs = [r for r in recs if r.labels.get("com.docker.compose.container-number") == str(p.index)]
    tail = None if p.tail in (None, "all") else int(p.tail)
    printer = LogPrinter(s.ctx.stdout, color=color_enabled(s, p.no_color), prefix=not p.no_log_prefix,
                         timestamps=p.timestamps, err=s.ctx.stderr)
    threads = printer.follow(s.ctx.store(), recs, follow=p.follow, tail=tail,
                             since=parse_time(p.since) if p.since else None,
                             until=parse_time(p.until) if p.until else None)
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.2)
    except KeyboardInterrupt:
        return 130
    return 0


LOGS = Sub("logs", "logs [OPTIONS] [SERVICE...]", "View output from containers", _logs,
           flags=(Flag("follow", "f", help="Follow log output"),
                  Flag("tail", "n", kind="str", default="all", metavar="string",
                       help="Number of lines to show from the end of the logs for each container"),
                  Flag("timestamps", "t", help="Show timestamps"),
                  Flag("since", kind="str", metavar="string", help="Show logs since timestamp or relative"),
                  Flag("until", kind="str", metavar="string", help="Show logs before a timestamp or relative"),
                  Flag("no-color", help="Produce monochrome output"),
                  Flag("no-log-prefix", help="Don't print prefix in logs"),
                  Flag("index", kind="int", default=0, metavar="int", help="index of the container if service has "
                                                                           "multiple replicas")))


def _ls(s: Session, p: Parsed) -> int:
    from mocker.cli.output import print_formatted
    from mocker.compose import labels as L
    from mocker.engine import containers

    projects: dict[str, dict[str, Any]] = {}
    for rec in containers.list_containers(s.ctx.store()):
        name = rec.labels.get(L.PROJECT)
        if not name:
            continue
        pr = projects.setdefault(name, {"states": {}, "files": rec.labels.get(L.CONFIG_FILES, "")})
        pr["states"][rec.status] = pr["states"].get(rec.status, 0) + 1
    rows = []
    for name in sorted(projects):
        states = projects[name]["states"]
        if not p.all and not any(st in states for st in ("running", "paused", "restarting")):
            continue
        status = ", ".join(f"{st}({n})" for st, n in sorted(states.items()))
        rows.append({"Name": name, "Status": status, "ConfigFiles": projects[name]["files"]})
    for f in p.filter:
        key, _, value = f.partition("=")
        if key != "name":
            raise UsageError(f"invalid filter '{key}'")
        rows = [r for r in rows if value in r["Name"]]
    if p.quiet:
        for r in rows:
            s.ctx.out(r["Name"])
        return 0
    if p.format == "json":
        s.ctx.out(json.dumps(rows, separators=(",", ":")))
        return 0
    print_formatted(s.ctx, rows, None if p.format in (None, "table") else p.format,
                    default="table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}",
                    headers={"Name": "NAME", "Status": "STATUS", "ConfigFiles": "CONFIG FILES"})
    return 0


LS = Sub("ls", "ls [OPTIONS]", "List running compose projects", _ls, max_args=0, needs_project=False,
         flags=(Flag("all", "a", help="Show all stopped Compose projects"),
                Flag("quiet", "q", help="Only display project names"),
                Flag("format", kind="str", default="table", metavar="string",
                     help='Format the output. Values: [table | json]'),
                Flag("filter", kind="list", metavar="filter", help="Filter output based on conditions provided")))


def _images(s: Session, p: Parsed) -> int:
    from mocker.cli.output import print_formatted
    from mocker.engine.images import find_image
    from mocker.format.units import human_size

    store = s.ctx.store()
    rows = []
    for rec in _selected(s, p):
        img = find_image(store, rec.image_id)
        repo, _, tag = rec.image_name.rpartition(":")
        if not repo or "/" in tag:
            repo, tag = rec.image_name, "latest"
        rows.append({"ContainerName": rec.name, "Repository": repo, "Tag": tag, "ID": rec.image_id[7:19],
                     "Size": human_size(img.size) if img is not None and getattr(img, "size", None) else ""})
    if p.quiet:
        for r in rows:
            s.ctx.out(r["ID"])
        return 0
    if p.format == "json":
        s.ctx.out(json.dumps(rows, separators=(",", ":")))
        return 0
    print_formatted(s.ctx, rows, None,
                    default="table {{.ContainerName}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}",
                    headers={"ContainerName": "CONTAINER", "Repository": "REPOSITORY", "Tag": "TAG",
                             "ID": "IMAGE ID", "Size": "SIZE"})
    return 0


IMAGES = Sub("images", "images [OPTIONS] [SERVICE...]", "List images used by the created containers", _images,
             flags=(Flag("quiet", "q", help="Only display IDs"),
                    Flag("format", kind="str", default="table", metavar="string",
                         help="Format the output. Values: [table | json]")))
