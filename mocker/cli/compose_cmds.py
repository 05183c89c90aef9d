"""``mocker compose`` lifecycle subcommands: up, down, create, start, stop, restart, pause, unpause,
kill, rm, wait, pull, push, build, port. ``ps``/``logs``/``ls``/``images`` are in
:mod:`mocker.cli.compose_info`, ``run``/``exec``/``top``/``cp`` and the thin wrappers in
:mod:`mocker.cli.compose_run`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mocker.cli.compose import CONFIG, VERSION, Session, Sub, color_enabled
from mocker.cli.flags import Flag, Parsed
from mocker.errors import MockerError, UsageError

if TYPE_CHECKING:
    from mocker.store.containers import ContainerRecord


def _scale(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        name, eq, n = item.partition("=")
        if not eq or not n.isdigit():
            raise UsageError(f"invalid --scale value {item!r}: expected SERVICE=NUM")
        out[name] = int(n)
    return out


def _up(s: Session, p: Parsed) -> int:
    from mocker.compose import orchestrator as orch

    if p.exit_code_from:
        p.values["abort_on_container_exit"] = True
    if p.detach and p.abort_on_container_exit:
        raise UsageError("--abort-on-container-exit and --detach are incompatible")
    if p.build and p.no_build:
        raise UsageError("--build and --no-build are incompatible")
    if p.no_recreate and p.force_recreate:
        raise UsageError("--force-recreate and --no-recreate are incompatible")
    project = s.project(tuple(p.args))
    if p.exit_code_from and p.exit_code_from not in project.services:
        raise MockerError(f"no such service: {p.exit_code_from}")
    store = s.ctx.store()
    import time

    # Attaching shows what containers print from now on: earlier runs' output stays in `logs`.
    now = time.time()
    running_before = {r.id: now for r in orch.containers_of(store, project.name)}
    opts = orch.UpOptions(services=tuple(p.args), no_deps=p.no_deps, force_recreate=p.force_recreate,
                          no_recreate=p.no_recreate, start=not p.no_start, scale=_scale(p.scale), pull=p.pull,
                          remove_orphans=p.remove_orphans, quiet_pull=p.quiet_pull,
                          wait_timeout=float(p.wait_timeout) if p.wait_timeout else None, build=p.build,
                          no_build=p.no_build, builder=builder_for(s, project))
    recs = orch.converge(store, project, opts, s.report)
    if p.no_start:
        return 0
    if p.detach:
        if p.wait:
            orch.wait_healthy_or_running(store, recs, s.report, float(p.wait_timeout) if p.wait_timeout else None)
        return 0
    # Docker Compose attaches to the services named (all when none are), not to their dependencies
    # unless --attach-dependencies; a service with "attach: false" only with --attach.
    wanted = tuple(project.services) if not p.args or p.attach_dependencies else tuple(p.args)
    names = tuple(p.attach) or tuple(n for n in wanted if project.services[n].get("attach") is not False)
    shown = [r for r in recs if r.labels.get("com.docker.compose.service") in names
             and r.labels.get("com.docker.compose.service") not in p.no_attach]
    return _attached(s, store, recs, shown, abort=p.abort_on_container_exit, exit_code_from=p.exit_code_from,
                     no_color=p.no_color, no_prefix=p.no_log_prefix, timestamps=p.timestamps, timeout=p.timeout,
                     since_of=running_before)


def _attached(s: Session, store: Any, recs: list[ContainerRecord], shown: list[ContainerRecord], *, abort: bool,
              exit_code_from: str | None, no_color: bool, no_prefix: bool, timestamps: bool,
              timeout: int | None, since_of: dict[str, float] | None = None) -> int:
    """``up`` without ``-d``: the containers' output prefixed per container until they exit."""
    import queue

    from mocker.compose import labels as L
    from mocker.compose.log_printer import LogPrinter
    from mocker.engine import containers

    printer = LogPrinter(s.ctx.stdout, color=color_enabled(s, no_color), prefix=not no_prefix,
                         timestamps=timestamps, err=s.ctx.stderr)
    s.ctx.out("Attaching to " + ", ".join(L.short_name(r) for r in shown))
    exited: queue.Queue[ContainerRecord] = queue.Queue()
    # Log threads only for shown containers; the others are watched by polling.
    printer.follow(store, shown, follow=True, since=None, on_exit=exited.put, since_of=since_of)
    pending = {r.id for r in recs}
    shown_ids = {r.id for r in shown}
    first_code: int | None = None
    code_from: int | None = None
    try:
        while pending:
            try:
                rec = exited.get(timeout=0.2)
            except queue.Empty:
                for cid in list(pending - shown_ids):
                    now = containers.get(store, cid)
                    if now.status not in ("running", "paused", "restarting"):
                        exited.put(now)
                        shown_ids.add(cid)
                continue
            if rec.id not in pending:
                continue
            pending.discard(rec.id)
            now = containers.get(store, rec.id)
            code = now.exit_code if now.exit_code is not None else 0
            s.ctx.out(f"{L.short_name(now)} exited with code {code}")
            if exit_code_from and now.labels.get(L.SERVICE) == exit_code_from:
                code_from = code
            if first_code is None:
                first_code = code
            if abort:
                s.ctx.out("Aborting on container exit...")
                _stop_all(s, store, [r for r in recs if r.id in pending], timeout)
                break
    except KeyboardInterrupt:
        s.ctx.err("Gracefully Stopping... press Ctrl+C again to force")
        _stop_all(s, store, [r for r in recs if r.id in pending], timeout)
        return 130
    if exit_code_from:
        if code_from is None:
            target = next((r for r in recs if r.labels.get(L.SERVICE) == exit_code_from), None)
            if target is not None:
                done = containers.get(store, target.id)
                code_from = done.exit_code if done.exit_code is not None else 0
        return code_from or 0
    return (first_code or 0) if abort else 0


def _stop_all(s: Session, store: Any, recs: list[ContainerRecord], timeout: int | None) -> None:
    from mocker.engine import containers

    for rec in recs:
        now = containers.get(store, rec.id)
        if now.status in ("running", "paused", "restarting"):
            s.report(f" Container {now.name}  Stopping")
            containers.stop(store, now.id, timeout=timeout)
            s.report(f" Container {now.name}  Stopped")


UP = Sub(
    "up", "up [OPTIONS] [SERVICE...]", "Create and start containers", _up,
    flags=(
        Flag("detach", "d", help="Detached mode: Run containers in the background"),
        Flag("build", help="Build images before starting containers"),
        Flag("no-build", help="Don't build an image, even if it's policy"),
        Flag("force-recreate", help="Recreate containers even if their configuration and image haven't changed"),
        Flag("no-recreate", help="If containers already exist, don't recreate them"),
        Flag("remove-orphans", help="Remove containers for services not defined in the Compose file"),
        Flag("scale", kind="list", metavar="scale", help="Scale SERVICE to NUM instances"),
        Flag("wait", help="Wait for services to be running|healthy. Implies detached mode."),
        Flag("wait-timeout", kind="int", metavar="int", help="Maximum duration in seconds to wait for the project "
                                                              "to be running|healthy"),
        Flag("abort-on-container-exit", help="Stops all containers if any container was stopped"),
        Flag("abort-on-container-failure", unsupported="not implemented"),
        Flag("exit-code-from", kind="str", metavar="string", help="Return the exit code of the selected service "
                                                                  "container"),
        Flag("no-deps", help="Don't start linked services"),
        Flag("no-start", help="Don't start the services after creating them"),
        Flag("pull", kind="str", metavar="string", help='Pull image before running ("always"|"missing"|"never")'),
        Flag("quiet-pull", help="Pull without printing progress information"),
        Flag("no-color", help="Produce monochrome output"),
        Flag("no-log-prefix", help="Don't print prefix in logs"),
        Flag("timestamps", help="Show timestamps"),
        Flag("timeout", "t", kind="int", metavar="int", help="Use this timeout in seconds for container shutdown"),
        Flag("attach", kind="list", metavar="stringArray", help="Restrict attaching to the specified services"),
        Flag("no-attach", kind="list", metavar="stringArray", help="Do not attach (stream logs) to the specified "
                                                                   "services"),
        Flag("attach-dependencies", help="Automatically attach to log output of dependent services"),
        Flag("always-recreate-deps", unsupported="not implemented"),
        Flag("renew-anon-volumes", "V", unsupported="not implemented"),
        Flag("watch", "w", unsupported="compose watch is not implemented"),
        Flag("menu", unsupported="the interactive menu is a Docker Desktop feature"),
        Flag("yes", "y", help="Assume \"yes\" as answer to all prompts"),
    ),
)


def _create(s: Session, p: Parsed) -> int:
    from mocker.compose import orchestrator as orch

    project = s.project(tuple(p.args))
    orch.converge(s.ctx.store(), project, orch.UpOptions(
        services=tuple(p.args), force_recreate=p.force_recreate, no_recreate=p.no_recreate, start=False,
        scale=_scale(p.scale), pull=p.pull, remove_orphans=p.remove_orphans, build=p.build, no_build=p.no_build,
        builder=builder_for(s, project)), s.report)
    return 0


CREATE = Sub(
    "create", "create [OPTIONS] [SERVICE...]", "Creates containers for a service", _create,
    flags=(
        Flag("build", help="Build images before starting containers"),
        Flag("no-build", help="Don't build an image, even if it's policy"),
        Flag("force-recreate", help="Recreate containers even if their configuration and image haven't changed"),
        Flag("no-recreate", help="If containers already exist, don't recreate them"),
        Flag("remove-orphans", help="Remove containers for services not defined in the Compose file"),
        Flag("scale", kind="list", metavar="scale", help="Scale SERVICE to NUM instances"),
        Flag("pull", kind="str", metavar="string", help='Pull image before running ("always"|"missing"|"never")'),
        Flag("quiet-pull", help="Pull without printing progress information"),
        Flag("yes", "y", help="Assume \"yes\" as answer to all prompts"),
    ),
)


def _down(s: Session, p: Parsed) -> int:
    from mocker.compose import orchestrator as orch

    project = s.project_or_none()
    name = project.name if project is not None else s.project_name()
    orch.down(s.ctx.store(), project, name, s.report, volumes=p.volumes, remove_orphans=p.remove_orphans,
              timeout=p.timeout, rmi=p.rmi)
    return 0


DOWN = Sub(
    "down", "down [OPTIONS] [SERVICES]", "Stop and remove containers, networks", _down,
    flags=(
        Flag("volumes", "v", help="Remove named volumes declared in the \"volumes\" section of the Compose file "
                                  "and anonymous volumes attached to containers"),
        Flag("rmi", kind="str", metavar="string", help='Remove images used by services. "local" remove only images '
                                                       'that don\'t have a custom tag ("local"|"all")'),
        Flag("remove-orphans", help="Remove containers for services not defined in the Compose file"),
        Flag("timeout", "t", kind="int", metavar="int", help="Specify a shutdown timeout in seconds"),
    ),
)


def _selected(s: Session, p: Parsed, *, all_: bool = True, oneoff: bool | None = False) -> list[ContainerRecord]:
    from mocker.compose import orchestrator as orch

    name = s.project_name()
    if p.args:
        project = s.project()
        for n in p.args:
            if n not in project.services and n not in project.disabled:
                raise MockerError(f"no such service: {n}")
    return orch.containers_of(s.ctx.store(), name, services=tuple(p.args), all_=all_, oneoff=oneoff)


def _verb(action: str, done: str, fn_name: str, states: tuple[str, ...] | None) -> Any:
    def handler(s: Session, p: Parsed) -> int:
        from mocker.engine import containers

        store = s.ctx.store()
        failed = 0
        recs = _selected(s, p)
        if fn_name == "restart" and p.args and not p.no_deps:
            recs += _restart_dependents(s, p.args)
        for rec in recs:
            if states is not None and rec.status not in states:
                continue
            s.report(f" Container {rec.name}  {action}")
            try:
                if fn_name == "stop":
                    containers.stop(store, rec.id, timeout=p.timeout)
                elif fn_name == "restart":
                    containers.restart(store, rec.id, timeout=p.timeout)
                elif fn_name == "kill":
                    containers.kill(store, rec.id, p.signal or "SIGKILL")
                else:
                    getattr(containers, fn_name)(store, rec.id)
            except MockerError as e:
                s.ctx.err(f"Error response from daemon: {e}")
                failed = 1
                continue
            s.report(f" Container {rec.name}  {done}")
        return failed
    return handler


def _restart_dependents(s: Session, services: list[str]) -> list[ContainerRecord]:
    """Services that declare ``depends_on: {<restarted>: {restart: true}}`` restart with it."""
    from mocker.compose import orchestrator as orch

    project = s.project()
    extra = [n for n, svc in project.services.items() if n not in services
             and any(spec.get("restart") and d in services for d, spec in (svc.get("depends_on") or {}).items())]
    return orch.containers_of(s.ctx.store(), project.name, services=tuple(extra)) if extra else []


_TIMEOUT = Flag("timeout", "t", kind="int", metavar="int", help="Specify a shutdown timeout in seconds")
START = Sub("start", "start [SERVICE...]", "Start services", _verb("Starting", "Started", "start",
                                                                  ("created", "exited")))
STOP = Sub("stop", "stop [OPTIONS] [SERVICE...]", "Stop services",
           _verb("Stopping", "Stopped", "stop", ("running", "paused", "restarting")), flags=(_TIMEOUT,))
RESTART = Sub("restart", "restart [OPTIONS] [SERVICE...]", "Restart service containers",
              _verb("Restarting", "Started", "restart", None),
              flags=(_TIMEOUT, Flag("no-deps", help="Don't restart dependent services")))
PAUSE = Sub("pause", "pause [SERVICE...]", "Pause services", _verb("Pausing", "Paused", "pause", ("running",)))
UNPAUSE = Sub("unpause", "unpause [SERVICE...]", "Unpause services",
              _verb("Unpausing", "Unpaused", "unpause", ("paused",)))
KILL = Sub("kill", "kill [OPTIONS] [SERVICE...]", "Force stop service containers",
           _verb("Killing", "Killed", "kill", ("running", "paused")),
           flags=(Flag("signal", "s", kind="str", default="SIGKILL", metavar="string",
                       help='SIGNAL to send to the container (default "SIGKILL")'),
                  Flag("remove-orphans", help="Remove containers for services not defined in the Compose file")))


def _rm(s: Session, p: Parsed) -> int:
    from mocker.engine import containers

    store = s.ctx.store()
    recs = _selected(s, p)
    if p.stop:
        for rec in recs:
            if rec.status in ("running", "paused", "restarting"):
                s.report(f" Container {rec.name}  Stopping")
                containers.stop(store, rec.id)
                s.report(f" Container {rec.name}  Stopped")
        recs = _selected(s, p)
    stopped = [r for r in recs if r.status not in ("running", "paused", "restarting")]
    if not stopped:
        s.ctx.err("No stopped containers")
        return 0
    if not p.force:
        s.ctx.err("Going to remove " + ", ".join(r.name for r in stopped))
        s.ctx.stderr.write("? Are you sure? [yN] ")
        s.ctx.stderr.flush()
        answer = (s.ctx.stdin.readline() or "").strip().lower()
        if answer not in ("y", "yes"):
            return 0
    for rec in stopped:
        s.report(f" Container {rec.name}  Removing")
        containers.remove(store, rec.id, volumes_too=p.volumes)
        s.report(f" Container {rec.name}  Removed")
    return 0


RM = Sub("rm", "rm [OPTIONS] [SERVICE...]", "Removes stopped service containers", _rm,
         flags=(Flag("force", "f", help="Don't ask to confirm removal"),
                Flag("stop", "s", help="Stop the containers, if required, before removing"),
                Flag("volumes", "v", help="Remove any anonymous volumes attached to containers")))


def _wait(s: Session, p: Parsed) -> int:
    from mocker.compose import orchestrator as orch
    from mocker.engine import containers

    store = s.ctx.store()
    recs = [r for r in _selected(s, p) if r.labels.get("com.docker.compose.oneoff") != "True"]
    code = 0
    for rec in recs:
        code = containers.wait(store, rec.id)
        s.ctx.out(str(code))
    if p.down_project:
        orch.down(store, s.project_or_none(), s.project_name(), s.report)
    return code


WAIT = Sub("wait", "wait SERVICE [SERVICE...] [OPTIONS]", "Block until containers of all (or specified) services "
           "stop.", _wait, min_args=1,
           flags=(Flag("down-project", help="Drops project when the first container stops"),))


def _pull(s: Session, p: Parsed) -> int:
    from mocker.engine.distribution import pull

    project = s.project(tuple(p.args))
    store = s.ctx.store()
    failed = 0
    for name in p.args or sorted(project.services):
        svc = project.services[name]
        image = svc.get("image")
        if not image or svc.get("pull_policy") in ("build", "never"):
            continue
        s.report(f" {name} Pulling")
        try:
            pull(store, str(image))
        except MockerError as e:
            if p.ignore_pull_failures:
                s.report(f" {name} Warning {e}")
                continue
            s.report(f" {name} Error {e}")
            failed = 1
            continue
        s.report(f" {name} Pulled")
    return failed


PULL = Sub("pull", "pull [OPTIONS] [SERVICE...]", "Pull service images", _pull,
           flags=(Flag("ignore-pull-failures", help="Pull what it can and ignores images with pull failures"),
                  Flag("include-deps", help="Also pull services declared as dependencies"),
                  Flag("quiet", "q", help="Pull without printing progress information"),
                  Flag("policy", kind="str", metavar="string", help='Apply pull policy ("missing"|"always")'),
                  Flag("ignore-buildable", help="Ignore images that can be built")))


def _push(s: Session, p: Parsed) -> int:
    from mocker.engine.distribution import push

    project = s.project(tuple(p.args))
    store = s.ctx.store()
    failed = 0
    for name in p.args or sorted(project.services):
        image = project.services[name].get("image")
        if not image:
            continue
        s.report(f" {name} Pushing")
        try:
            push(store, str(image))
        except MockerError as e:
            if p.ignore_push_failures:
                continue
            s.ctx.err(f"Error: {e}")
            failed = 1
            continue
        s.report(f" {name} Pushed")
    return failed


PUSH = Sub("push", "push [OPTIONS] [SERVICE...]", "Push service images", _push,
           flags=(Flag("ignore-push-failures", help="Push what it can and ignores images with push failures"),
                  Flag("include-deps", help="Also push images of services declared as dependencies"),
                  Flag("quiet", "q", help="Push without printing progress information")))


def builder_for(s: Session, project: Any, *, no_cache: bool = False, pull: bool = False, quiet: bool = False,
                build_args: dict[str, str] | None = None) -> Any:
    """The function the orchestrator calls to build a service (progress on the CLI's streams)."""
    from mocker.compose.building import build_service

    def build(name: str) -> Any:
        return build_service(s.ctx.store(), project, name, project.services[name], s.ctx.stdout, s.ctx.stderr,
                             no_cache=no_cache, pull=pull, quiet=quiet, build_args=build_args)
    return build


def _build(s: Session, p: Parsed) -> int:
    project = s.project(tuple(p.args))
    for n in p.args:
        if n not in project.services:
            raise MockerError(f"no such service: {n}")
    buildable = [n for n in (p.args or sorted(project.services)) if project.services[n].get("build")]
    args = {}
    for item in p.build_arg:
        key, eq, value = item.partition("=")
        if eq:
            args[key] = value
        elif key in os.environ:
            args[key] = os.environ[key]
    build = builder_for(s, project, no_cache=p.no_cache, pull=p.pull, quiet=p.quiet, build_args=args)
    for n in buildable:
        s.report(f" {n}  Building")
        build(n)
        s.report(f" {n}  Built")
    return 0


BUILD = Sub("build", "build [OPTIONS] [SERVICE...]", "Build or rebuild services", _build,
            flags=(Flag("no-cache", help="Do not use cache when building the image"),
                   Flag("pull", help="Always attempt to pull a newer version of the image"),
                   Flag("quiet", "q", help="Don't print anything to STDOUT"),
                   Flag("build-arg", kind="list", metavar="stringArray", help="Set build-time variables for services")))


def _port(s: Session, p: Parsed) -> int:
    from mocker.cli.compose_run import _container
    from mocker.cli.main import run as cli_run
    if p.protocol not in ("tcp", "udp", "sctp"):
        raise UsageError(f"invalid protocol: {p.protocol}")
    rec = _container(s, p.args[0], p.index)
    return cli_run(["port", rec.id, f"{p.args[1]}/{p.protocol}"], s.ctx)


PORT = Sub("port", "port [OPTIONS] SERVICE PRIVATE_PORT", "Print the public port for a port binding", _port,
           min_args=2, max_args=2,
           flags=(Flag("index", kind="int", default=0, metavar="int", help="Index of the container"),
                  Flag("protocol", kind="str", default="tcp", metavar="string", help="tcp or udp")))


def _subcommands() -> dict[str, Sub]:
    from mocker.cli.compose_info import IMAGES, LOGS, LS, PS
    from mocker.cli.compose_run import (
        ATTACH,
        COMMIT,
        CP,
        EXEC,
        EXPORT,
        RUN,
        SCALE,
        STATS,
        TOP,
        UNSUPPORTED,
        VOLUMES,
    )

    subs = (CONFIG, VERSION, UP, DOWN, CREATE, START, STOP, RESTART, PAUSE, UNPAUSE, KILL, RM, PS, LOGS, LS, WAIT,
            PULL, PUSH, IMAGES, BUILD, PORT, RUN, EXEC, TOP, CP, ATTACH, COMMIT, EXPORT, STATS, SCALE, VOLUMES,
            *UNSUPPORTED)
    return {sub.name: sub for sub in subs}


SUBCOMMANDS = _subcommands()
