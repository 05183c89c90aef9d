"""``mocker compose run``, ``exec``, ``top`` and ``cp``: a service's container, then the same code
paths as ``mocker run``/``exec``/``top``/``cp``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mocker.cli.compose import Session, Sub
from mocker.cli.flags import Flag, Parsed
from mocker.errors import MockerError, NotSupported

if TYPE_CHECKING:
    from mocker.store.containers import ContainerRecord


def _container(s: Session, service: str, index: int) -> ContainerRecord:
    from mocker.compose import labels as L
    from mocker.compose import orchestrator as orch

    project = s.project()
    if service not in project.services:
        raise MockerError(f"no such service: {service}")
    recs = [r for r in orch.containers_of(s.ctx.store(), project.name, services=(service,))
            if r.status in ("running", "paused", "restarting")]
    if index:
        recs = [r for r in recs if L.number_of(r) == index]
    if not recs:
        raise MockerError(f"service \"{service}\" is not running")
    return recs[0]


def _stdin_tty(s: Session) -> bool:
    try:
        return os.isatty(s.ctx.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def _exec(s: Session, p: Parsed) -> int:
    from mocker.cli.main import run as cli_run

    rec = _container(s, p.args[0], p.index)
    argv = ["exec"]
    if p.detach:
        argv.append("-d")
    else:
        argv.append("-i")
        if not p.no_tty and _stdin_tty(s):
            argv.append("-t")
    for e in p.env:
        argv += ["-e", e]
    if p.user:
        argv += ["-u", p.user]
    if p.workdir:
        argv += ["-w", p.workdir]
    if p.privileged:
        argv.append("--privileged")
    return cli_run([*argv, rec.id, *p.args[1:]], s.ctx)


EXEC = Sub("exec", "exec [OPTIONS] SERVICE COMMAND [ARGS...]", "Execute a command in a running container", _exec,
           min_args=2, interspersed=False,
           flags=(Flag("detach", "d", help="Detached mode: Run command in the background"),
                  Flag("env", "e", kind="list", metavar="stringArray", help="Set environment variables"),
                  Flag("index", kind="int", default=0, metavar="int", help="Index of the container if service has "
                                                                           "multiple replicas"),
                  Flag("no-tty", "T", help="Disable pseudo-TTY allocation. By default docker compose exec "
                                           "allocates a TTY."),
                  Flag("privileged", help="Give extended privileges to the process"),
                  Flag("user", "u", kind="str", metavar="string", help="Run the command as this user"),
                  Flag("workdir", "w", kind="str", metavar="string", help="Path to workdir directory for this "
                                                                          "command"),
                  Flag("interactive", "i", default=True, hidden=True, help="Keep STDIN open even if not attached"),
                  Flag("tty", "t", default=True, hidden=True, help="Allocate a pseudo-TTY")))


def _run(s: Session, p: Parsed) -> int:
    from mocker.cli.containers import _attached
    from mocker.compose import labels as L
    from mocker.compose import orchestrator as orch
    from mocker.compose.service_options import create_options
    from mocker.engine import containers
    from mocker.engine.container_create import create

    service = p.args[0]
    project = s.project((service,))
    if service not in project.services:
        raise MockerError(f"no such service: {service}")
    svc = dict(project.services[service])
    if not p.service_ports:
        svc.pop("ports", None)      # a one-off publishes the service's ports only with --service-ports
    if p.publish:
        from mocker.compose.normalize import parse_port

        svc["ports"] = [*(svc.get("ports") or ()),
                        *(e for item in p.publish for e in parse_port(item, "run --publish"))]
    if p.volume:
        from mocker.compose.normalize import parse_volume

        svc["volumes"] = [*(svc.get("volumes") or ()),
                          *(parse_volume(_abs_source(v, project.working_dir), "run --volume") for v in p.volume)]
        named = {m.get("source") for m in svc["volumes"] if m.get("type") == "volume" and m.get("source")}
        missing = named - set(project.model.get("volumes") or {})
        if missing:
            raise MockerError(f"service uses undefined volume {sorted(missing)[0]}")
    if p.label:
        svc["labels"] = {**(svc.get("labels") or {}), **dict(lb.partition("=")[::2] for lb in p.label)}
    if p.cap_add or p.cap_drop:
        svc["cap_add"] = [*(svc.get("cap_add") or ()), *p.cap_add]
        svc["cap_drop"] = [*(svc.get("cap_drop") or ()), *p.cap_drop]
    store = s.ctx.store()
    from mocker.compose.networking import ensure_networks

    ensure_networks(store, project, [service], s.report)      # the project's networks and volumes, as up
    orch.ensure_volumes(store, project, s.report)
    if not p.no_deps and svc.get("depends_on"):
        deps = tuple(d for d in orch.dependency_order(project, (service,)) if d != service)
        orch.converge(store, project, orch.UpOptions(services=deps), s.report)
        orch.wait_dependencies(store, project, service, s.report)
    from mocker.cli.compose_cmds import builder_for

    image = orch.service_image(store, project, service, orch.UpOptions(pull=p.pull, build=p.build,
                                                                       builder=builder_for(s, project)), s.report)
    name = p.name or L.oneoff_name(project.name, service)
    labels = orch._labels(project, service, svc, 1, image.id, oneoff=True)
    tty = not _no_tty(p) and _stdin_tty(s) and not p.detach
    opts = create_options(project, service, svc, container_name=name, labels=labels,
                          command=tuple(p.args[1:]) if len(p.args) > 1 else None,
                          entrypoint=(tuple(__import__("shlex").split(p.entrypoint)) if p.entrypoint else ())
                          if p.entrypoint is not None else None,
                          extra_env=tuple(p.env), tty=tty, stdin_open=not p.detach and p.interactive,
                          workdir=p.workdir, user=p.user, auto_remove=p.rm, oneoff=True,
                          use_aliases=p.use_aliases)
    try:
        rec = create(store, opts, image)
    except MockerError as e:
        e.exit_code = 125 if e.exit_code not in (126, 127) else e.exit_code
        raise
    if p.detach:
        containers.start(store, rec.id)
        s.ctx.out(rec.name)
        return 0
    return _attached(s.ctx, store, rec, stdin=opts.open_stdin, tty=tty, sig_proxy=True, detach_keys=None,
                     auto_remove=p.rm)


RUN = Sub("run", "run [OPTIONS] SERVICE [COMMAND] [ARGS...]", "Run a one-off command on a service", _run,
          min_args=1, interspersed=False,
          flags=(Flag("build", help="Build image before starting container"),
                 Flag("cap-add", kind="list", metavar="list", help="Add Linux capabilities"),
                 Flag("cap-drop", kind="list", metavar="list", help="Drop Linux capabilities"),
                 Flag("detach", "d", help="Run container in background and print container ID"),
                 Flag("entrypoint", kind="str", metavar="string", help="Override the entrypoint of the image"),
                 Flag("env", "e", kind="list", metavar="stringArray", help="Set environment variables"),
                 Flag("interactive", "i", default=True, help="Keep STDIN open even if not attached"),
                 Flag("label", "l", kind="list", metavar="stringArray", help="Add or override a label"),
                 Flag("name", kind="str", metavar="string", help="Assign a name to the container"),
                 Flag("no-TTY", "T", help="Disable pseudo-TTY allocation (default: auto-detected)"),
                 Flag("no-deps", help="Don't start linked services"),
                 Flag("publish", "p", kind="list", metavar="stringArray", help="Publish a container's port(s) to "
                                                                               "the host"),
                 Flag("pull", kind="str", metavar="string", help='Pull image before running ("always"|"missing"|'
                                                                 '"never")'),
                 Flag("quiet-pull", help="Pull without printing progress information"),
                 Flag("remove-orphans", help="Remove containers for services not defined in the Compose file"),
                 Flag("rm", help="Automatically remove the container when it exits"),
                 Flag("service-ports", help="Run command with all service's ports enabled and mapped to the host"),
                 Flag("use-aliases", help="Use the service's network useAliases in the network(s) the container "
                                                       "connects to"),
                 Flag("user", "u", kind="str", metavar="string", help="Run as specified username or uid"),
                 Flag("volume", "v", kind="list", metavar="stringArray", help="Bind mount a volume"),
                 Flag("workdir", "w", kind="str", metavar="string", help="Working directory inside the container"),
                 Flag("tty", "t", default=True, hidden=True, help="Allocate a pseudo-TTY")))


def _abs_source(spec: str, workdir: str) -> str:
    """``-v ./dir:/x`` is relative to the project directory, as in the compose file."""
    src, colon, rest = spec.partition(":")
    if colon and src.startswith((".", "~")):
        return os.path.normpath(os.path.join(workdir, os.path.expanduser(src))) + ":" + rest
    return spec


def _no_tty(p: Parsed) -> Any:
    return p.values.get("no_TTY")


def _top(s: Session, p: Parsed) -> int:
    from mocker.cli.main import run as cli_run
    from mocker.compose import orchestrator as orch

    project = s.project()
    recs = [r for r in orch.containers_of(s.ctx.store(), project.name, services=tuple(p.args))
            if r.status == "running"]
    code = 0
    for rec in recs:
        s.ctx.out(rec.name)
        code = cli_run(["top", rec.id], s.ctx) or code
        s.ctx.out("")
    return code


TOP = Sub("top", "top [SERVICES...]", "Display the running processes", _top)


def _cp(s: Session, p: Parsed) -> int:
    from mocker.cli.main import run as cli_run

    src, dst = p.args
    args = []
    for a in (src, dst):
        svc, colon, path = a.partition(":")
        if colon and not a.startswith(("/", ".")):
            rec = _container(s, svc, p.index)
            args.append(f"{rec.id}:{path}")
        else:
            args.append(a)
    argv = ["cp"]
    if p.archive:
        argv.append("-a")
    if p.follow_link:
        argv.append("-L")
    return cli_run([*argv, *args], s.ctx)


CP = Sub("cp", "cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-", "Copy files/folders between a service container and "
         "the local filesystem", _cp, min_args=2, max_args=2,
         flags=(Flag("archive", "a", help="Archive mode (copy all uid/gid information)"),
                Flag("follow-link", "L", help="Always follow symbol link in SRC_PATH"),
                Flag("index", kind="int", default=0, metavar="int", help="Index of the container if service has "
                                                                         "multiple replicas"),
                Flag("all", unsupported="copying to every replica is not implemented")))


# ---- thin wrappers over the container commands -----------------------------------------------------

def _delegate(command: str, flags: tuple[tuple[str, str], ...] = (), positional: int = 0) -> Any:
    """``compose <verb> SERVICE [ARG]`` -> ``mocker <command> [flags] <container> [ARG]`` for one replica."""
    def handler(s: Session, p: Parsed) -> int:
        from mocker.cli.main import run as cli_run

        rec = _container_any(s, p.args[0], p.index)
        argv = [command]
        for dest, opt in flags:
            value = p.values.get(dest)
            if value is True:
                argv.append(opt)
            elif value not in (None, False, "", []):
                argv += [opt, str(value)]
        return cli_run([*argv, rec.id, *p.args[1:1 + positional]], s.ctx)
    return handler


def _container_any(s: Session, service: str, index: int) -> ContainerRecord:
    """A service's container in any state (``commit``/``export`` work on stopped ones too)."""
    from mocker.compose import labels as L
    from mocker.compose import orchestrator as orch

    project = s.project()
    recs = orch.containers_of(s.ctx.store(), project.name, services=(service,))
    if index:
        recs = [r for r in recs if L.number_of(r) == index]
    if not recs:
        raise MockerError(f"no container found for service \"{service}\"")
    return recs[0]


_INDEX = Flag("index", kind="int", default=0, metavar="int", help="index of the container if service has multiple "
                                                                  "replicas.")
ATTACH = Sub("attach", "attach [OPTIONS] SERVICE", "Attach local standard input, output, and error streams to a "
             "service's running container", _delegate("attach", (("detach_keys", "--detach-keys"),
                                                                 ("no_stdin", "--no-stdin"))),
             min_args=1, max_args=1,
             flags=(_INDEX, Flag("detach-keys", kind="str", metavar="string", help="Override the key sequence for "
                                                                                 "detaching from a container."),
                    Flag("no-stdin", help="Do not attach STDIN"),
                    Flag("sig-proxy", default=True, help="Proxy all received signals to the process")))
COMMIT = Sub("commit", "commit [OPTIONS] SERVICE [REPOSITORY[:TAG]]", "Create a new image from a service "
             "container's changes", _delegate("commit", (("author", "--author"), ("message", "--message")),
                                               positional=1), min_args=1, max_args=2,
             flags=(_INDEX, Flag("author", "a", kind="str", metavar="string", help="Author"),
                    Flag("message", "m", kind="str", metavar="string", help="Commit message"),
                    Flag("change", "c", kind="list", unsupported="use 'mocker commit --change' on the container"),
                    Flag("pause", "p", default=True, help="Pause container during commit")))
EXPORT = Sub("export", "export [OPTIONS] SERVICE", "Export a service container's filesystem as a tar archive",
             _delegate("export", (("output", "--output"),)), min_args=1, max_args=1,
             flags=(_INDEX, Flag("output", "o", kind="str", metavar="string",
                                 help="Write to a file, instead of STDOUT")))


def _stats(s: Session, p: Parsed) -> int:
    from mocker.cli.main import run as cli_run
    from mocker.compose import orchestrator as orch

    project = s.project()
    recs = orch.containers_of(s.ctx.store(), project.name, services=tuple(p.args), all_=p.all)
    argv = ["stats"] + (["--no-stream"] if p.no_stream else []) + (["--no-trunc"] if p.no_trunc else [])
    if p.format:
        argv += ["--format", p.format]
    if not recs:
        return 0
    return cli_run([*argv, *(r.id for r in recs)], s.ctx)


STATS = Sub("stats", "stats [OPTIONS] [SERVICE]", "Display a live stream of container(s) resource usage statistics",
            _stats, flags=(Flag("all", "a", help="Show all containers (default shows just running)"),
                           Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
                           Flag("no-stream", help="Disable streaming stats and only pull the first result"),
                           Flag("no-trunc", help="Do not truncate output")))


def _scale(s: Session, p: Parsed) -> int:
    from mocker.cli.compose_cmds import _scale as parse_scale
    from mocker.compose import orchestrator as orch

    scale = parse_scale(p.args)
    project = s.project(tuple(scale))
    orch.converge(s.ctx.store(), project, orch.UpOptions(services=tuple(scale), scale=scale, no_recreate=True,
                                                         no_deps=p.no_deps), s.report)
    return 0


SCALE = Sub("scale", "scale [SERVICE=REPLICAS...]", "Scale services", _scale, min_args=1,
            flags=(Flag("no-deps", help="Don't start linked services"),))


def _volumes(s: Session, p: Parsed) -> int:
    import json

    from mocker.cli.output import print_formatted
    from mocker.engine import volumes

    name = s.project_name()
    rows = [{"Name": v.name, "Driver": v.driver, "Mountpoint": v.mountpoint, "Labels": ",".join(
        f"{k}={val}" for k, val in v.labels), "Scope": "local"}
            for v in volumes.list_volumes(s.ctx.store()) if dict(v.labels).get("com.docker.compose.project") == name
            and (not p.args or dict(v.labels).get("com.docker.compose.volume") in p.args)]
    if p.quiet:
        for r in rows:
            s.ctx.out(r["Name"])
        return 0
    if p.format == "json":
        for r in rows:
            s.ctx.out(json.dumps(r, separators=(",", ":")))
        return 0
    print_formatted(s.ctx, rows, None if p.format in (None, "table") else p.format,
                    default="table {{.Driver}}\t{{.Name}}", headers={"Driver": "DRIVER", "Name": "VOLUME NAME",
                                                                     "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
                                                                     "Scope": "SCOPE"})
    return 0


VOLUMES = Sub("volumes", "volumes [OPTIONS] [SERVICE...]", "List volumes", _volumes,
              flags=(Flag("quiet", "q", help="Only display volume names"),
                     Flag("format", kind="str", default="table", metavar="string", help="Format output using a custom "
                                                                                        "template")))


def _not_supported(verb: str, reason: str) -> Sub:
    def handler(s: Session, p: Parsed) -> int:
        raise NotSupported(f"'mocker compose {verb}'", reason)
    return Sub(verb, f"{verb} [OPTIONS]", f"(not supported by mocker: {reason})", handler, interspersed=False)


UNSUPPORTED = (
    _not_supported("watch", "file watching (compose develop) is not implemented"),
    _not_supported("events", "there is no event stream without a daemon"),
    _not_supported("publish", "publishing compose applications as OCI artifacts is not implemented"),
    _not_supported("bridge", "converting projects to Kubernetes/Helm is not implemented"),
    _not_supported("alpha", "experimental commands are not implemented"),
)
