"""Bringing a project's containers to what its compose model says, with the engine's functions.

``converge`` is ``up``/``create``: volumes first, then services in dependency order; per service
the image (pulled per ``pull_policy``), then its replicas: an existing container whose
``config-hash`` label matches is kept (``Running``), a changed one is recreated, missing numbers are
created, surplus ones removed. Dependencies are waited for per ``depends_on`` condition before a
service starts. Everything else (stop/start/kill/rm/down) selects containers by the project's
labels, so another project's containers are never touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mocker.compose import labels as L
from mocker.compose.model import Project
from mocker.errors import InvalidArgument, MockerError, NotFound
from mocker.records import field, frozen
from mocker.store.containers import ContainerRecord
from mocker.store.store import Store

Report = Callable[[str], None]
LIVE = ("running", "paused", "restarting")


@frozen(kw_only=True)
class UpOptions:
    services: tuple[str, ...] = ()
    no_deps: bool = False
    force_recreate: bool = False
    no_recreate: bool = False
    start: bool = True                      # False: "create" (creates, never starts)
    scale: dict[str, int] = field(default_factory=dict)
    pull: str | None = None                 # --pull: always|missing|never (None: the service's policy)
    remove_orphans: bool = False
    quiet_pull: bool = False
    wait_timeout: float | None = None       # seconds for depends_on conditions (None: no limit)
    build: bool = False                     # --build: build every selected service that has build:
    no_build: bool = False                  # --no-build: never build, even a missing image
    # Builds one service's image and returns its record (the CLI passes one writing to its streams).
    builder: Callable[[str], Any] | None = None


def in_parallel(store: Store, items: list[Any], fn: Callable[[Store, Any], Any]) -> list[Any]:
    """``fn(store, item)`` for every item at once, each thread with its own store connection (SQLite
    connections are per thread); Docker Compose starts and stops a service's containers in parallel.
    The first error is raised after all have finished."""
    if len(items) <= 1:
        return [fn(store, it) for it in items]
    import threading

    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []

    def work(i: int, item: Any) -> None:
        local = Store.open(str(store.paths.root))
        try:
            results[i] = fn(local, item)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(e)
        finally:
            local.close()

    threads = [threading.Thread(target=work, args=(i, it)) for i, it in enumerate(items)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def levels(project: Project, names: list[str]) -> list[list[str]]:
    """``names`` grouped so that each group depends only on earlier groups (started together)."""
    done: set[str] = set()
    out: list[list[str]] = []
    rest = list(names)
    while rest:
        level = [n for n in rest
                 if all(d in done or d not in rest for d in project.services[n].get("depends_on") or {})]
        if not level:
            raise InvalidArgument(f"dependency cycle detected among {', '.join(rest)}")
        out.append(level)
        done.update(level)
        rest = [n for n in rest if n not in level]
    return out


def containers_of(store: Store, project: str, *, services: tuple[str, ...] = (), oneoff: bool | None = False,
                  all_: bool = True) -> list[ContainerRecord]:
    from mocker.engine import containers

    def ours(rec: ContainerRecord) -> bool:
        lab = rec.labels
        if lab.get(L.PROJECT) != project:
            return False
        if services and lab.get(L.SERVICE) not in services:
            return False
        return oneoff is None or (lab.get(L.ONEOFF) == "True") == oneoff

    out = containers.list_containers(store, all_=all_, match=ours)
    out.sort(key=lambda r: (r.labels.get(L.SERVICE, ""), L.number_of(r)))
    return out


def dependency_order(project: Project, names: list[str] | tuple[str, ...], *, with_deps: bool = True) -> list[str]:
    """Services in start order (dependencies first); ``with_deps`` adds what the named ones need."""
    services = project.services
    order: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in order:
            return
        if n in visiting:
            raise InvalidArgument(f"dependency cycle detected: {n}")
        visiting.add(n)
        if with_deps:
            for d in (services[n].get("depends_on") or {}):
                if d in services:
                    visit(d)
        visiting.discard(n)
        order.append(n)

    for n in names or sorted(services):
        if n not in services:
            raise NotFound(f"no such service: {n}")
        visit(n)
    return order


def replicas(svc: dict[str, Any], override: dict[str, int], name: str) -> int:
    if name in override:
        return override[name]
    deploy = svc.get("deploy") or {}
    if deploy.get("replicas") is not None:
        return int(deploy["replicas"])
    if svc.get("scale") is not None:
        return int(svc["scale"])
    return 1


def ensure_volumes(store: Store, project: Project, report: Report) -> None:
    from mocker.engine import volumes
    from mocker.errors import VolumeNotFound

    for key, spec in (project.model.get("volumes") or {}).items():
        name = project.volume_name(key)
        if spec.get("external"):
            try:
                volumes.get_volume(store, name)
            except VolumeNotFound:
                raise NotFound(f"external volume \"{name}\" not found") from None
            continue
        try:
            volumes.get_volume(store, name)
            continue
        except VolumeNotFound:
            pass
        report(f' Volume "{name}"  Creating')
        labels = {L.PROJECT: project.name, L.VOLUME: key, L.VERSION: L.COMPOSE_VERSION,
                  **(spec.get("labels") or {})}
        volumes.create_volume(store, name, driver=spec.get("driver") or "local", labels=labels,
                              options={str(k): str(v) for k, v in (spec.get("driver_opts") or {}).items()})
        report(f' Volume "{name}"  Created')


def service_image(store: Store, project: Project, name: str, opts: UpOptions, report: Report) -> Any:
    """The image a service's containers run: built (``--build``, ``pull_policy: build``, or a missing
    image of a service with ``build:``), else local or pulled per ``pull_policy`` / ``--pull``."""
    from mocker.compose.building import image_name
    from mocker.engine.images import find_image
    from mocker.errors import NotSupported

    svc = project.services[name]
    policy = opts.pull or svc.get("pull_policy") or "missing"
    if policy == "if_not_present":
        policy = "missing"
    image = image_name(project, name, svc)
    if svc.get("build") and not opts.no_build and (opts.build or policy == "build" or find_image(store, image) is None):
        if opts.builder is None:
            raise NotSupported(f"services.{name}.build", "this command does not build images")
        report(f" {name}  Building")
        rec = opts.builder(name)
        report(f" {name}  Built")
        return rec
    if policy == "build":
        raise MockerError(f"service {name}: pull_policy build needs a build section")
    return ensure_image(store, image, policy, report, service=name, platform=svc.get("platform"))


def ensure_image(store: Store, image: str, policy: str, report: Report, *, service: str,
                 platform: str | None = None) -> Any:
    """A local image, or pulled per ``pull_policy``."""
    from mocker.engine.distribution import pull
    from mocker.engine.images import find_image, get_image

    rec = find_image(store, image)
    if rec is not None and policy not in ("always",):
        return rec
    if policy == "never" and rec is None:
        raise NotFound(f"No such image: {image}")
    report(f" {service} Pulling")
    pull(store, image, platform=platform)
    report(f" {service} Pulled")
    return get_image(store, image)


def _labels(project: Project, name: str, svc: dict[str, Any], number: int, image_id: str,
            oneoff: bool = False) -> dict[str, str]:
    return {
        L.PROJECT: project.name, L.SERVICE: name, L.NUMBER: str(number), L.ONEOFF: "True" if oneoff else "False",
        L.CONFIG_HASH: L.config_hash(svc), L.WORKING_DIR: project.working_dir,
        L.CONFIG_FILES: ",".join(project.config_files), L.VERSION: L.COMPOSE_VERSION,
        L.DEPENDS_ON: L.depends_on_label(svc), L.IMAGE: image_id,
    }


def create_container(store: Store, project: Project, name: str, number: int, image: Any,
                     report: Report, anon_volumes: dict[str, str] | None = None) -> ContainerRecord:
    from mocker.compose.service_options import create_options
    from mocker.engine.container_create import create

    svc = project.services[name]
    cname = svc.get("container_name") or L.container_name(project.name, name, number)
    report(f" Container {cname}  Creating")
    opts = create_options(project, name, svc, container_name=cname,
                          labels=_labels(project, name, svc, number, image.id), anon_volumes=anon_volumes)
    rec = create(store, opts, image)
    report(f" Container {cname}  Created")
    return rec


def _remove(store: Store, rec: ContainerRecord, report: Report, *, timeout: int | None = None,
            volumes_too: bool = False) -> None:
    from mocker.engine import containers

    if rec.status in LIVE:
        report(f" Container {rec.name}  Stopping")
        containers.stop(store, rec.id, timeout=timeout)
        report(f" Container {rec.name}  Stopped")
    report(f" Container {rec.name}  Removing")
    containers.remove(store, rec.id, force=True, volumes_too=volumes_too)
    report(f" Container {rec.name}  Removed")


def converge(store: Store, project: Project, opts: UpOptions, report: Report) -> list[ContainerRecord]:
    """``up``/``create``: returns the containers of the selected services, in start order."""

    names = dependency_order(project, opts.services, with_deps=not opts.no_deps)
    for n in names:
        if project.services[n].get("container_name") and replicas(project.services[n], opts.scale, n) > 1:
            raise InvalidArgument(f'services.{n}: container name "{project.services[n]["container_name"]}" is '
                                  "already in use by a replica; a service with container_name cannot be scaled")
    # Check every service before touching anything: an unsupported key fails the whole command.
    from mocker.compose.service_options import create_options

    for n in names:
        svc = project.services[n]
        create_options(project, n, svc, container_name="x", labels={})
    _orphans(store, project, opts.remove_orphans, report)
    from mocker.compose.networking import ensure_networks

    ensure_networks(store, project, names, report)
    ensure_volumes(store, project, report)
    planned: dict[str, list[ContainerRecord]] = {}
    changed: set[str] = set()           # services whose containers were created or recreated
    groups = levels(project, names)
    # Docker Compose's order: create (or recreate) everything first, then start level by level.
    for level in groups:
        for n in level:
            before = {r.id for r in containers_of(store, project.name, services=(n,))}
            planned[n] = _plan_service(store, project, n, opts, report)
            if {r.id for r in planned[n]} - before:
                changed.add(n)
    for level in groups if opts.start else []:
        for n in level:
            wait_dependencies(store, project, n, report, timeout=opts.wait_timeout)
            _restart_for_dependencies(store, project, n, planned[n], changed, report)
        todo = [r for n in level for r in planned[n]]
        started = in_parallel(store, todo, lambda st, r: _start_one(st, r, report))
        for n in level:
            planned[n] = [r for r in started if r.labels.get(L.SERVICE) == n]
    return [r for n in names for r in sorted(planned[n], key=L.number_of)]


def _restart_for_dependencies(store: Store, project: Project, name: str, recs: list[ContainerRecord],
                              changed: set[str], report: Report) -> None:
    """``depends_on: {db: {restart: true}}``: a running container restarts when its dependency changed."""
    from mocker.engine import containers

    deps = project.services[name].get("depends_on") or {}
    if not any(spec.get("restart") and d in changed for d, spec in deps.items()):
        return
    for rec in recs:
        if containers.get(store, rec.id).status in LIVE:
            report(f" Container {rec.name}  Restarting")
            containers.restart(store, rec.id, timeout=_stop_timeout(project.services[name]))
            report(f" Container {rec.name}  Started")


def _start_one(store: Store, rec: ContainerRecord, report: Report) -> ContainerRecord:
    from mocker.engine import containers

    fresh = containers.get(store, rec.id)
    if fresh.status not in LIVE:
        report(f" Container {fresh.name}  Starting")
        fresh = containers.start(store, fresh.id)
        report(f" Container {fresh.name}  Started")
    return fresh


def _plan_service(store: Store, project: Project, n: str, opts: UpOptions, report: Report) -> list[ContainerRecord]:
    """One service's containers as the model wants them: kept, recreated, created or removed."""
    svc = project.services[n]
    image = service_image(store, project, n, opts, report)
    want = replicas(svc, opts.scale, n)
    want_hash = L.config_hash(svc)
    existing = containers_of(store, project.name, services=(n,))
    keep: list[ContainerRecord] = []
    for rec in existing:
        number = L.number_of(rec)
        if number > want or number < 1:
            _remove(store, rec, report)
            continue
        changed = rec.labels.get(L.CONFIG_HASH) != want_hash or rec.image_id != image.id
        if (changed or opts.force_recreate) and not opts.no_recreate:
            report(f" Container {rec.name}  Recreate")
            anon = _anonymous_volumes(store, rec)
            _remove(store, rec, lambda _m: None, timeout=_stop_timeout(svc))
            new = create_container(store, project, n, number, image, lambda _m: None, anon_volumes=anon)
            report(f" Container {new.name}  Recreated")
            keep.append(new)
        else:
            if opts.start and rec.status in LIVE:
                report(f" Container {rec.name}  Running")
            keep.append(rec)
    have = {L.number_of(r) for r in keep}
    for number in range(1, want + 1):
        if number not in have:
            keep.append(create_container(store, project, n, number, image, report))
    keep.sort(key=L.number_of)
    return keep


def _anonymous_volumes(store: Store, rec: ContainerRecord) -> dict[str, str]:
    """Target -> name of the container's anonymous volumes (the volume record knows, also for one a
    previous recreation passed on by name)."""
    from mocker.engine import volumes
    from mocker.errors import VolumeNotFound

    out = {}
    for a in rec.config.get("volumes") or []:
        try:
            if volumes.get_volume(store, a["name"]).anonymous:
                out[a["destination"]] = a["name"]
        except VolumeNotFound:
            continue
    return out


def _stop_timeout(svc: dict[str, Any]) -> int | None:
    from mocker.compose import durations

    g = svc.get("stop_grace_period")
    return durations.parse(g) // 1_000_000_000 if g else None


def _orphans(store: Store, project: Project, remove: bool, report: Report) -> None:
    known = set(project.services) | set(project.disabled)
    orphans = [r for r in containers_of(store, project.name) if r.labels.get(L.SERVICE) not in known]
    if not orphans:
        return
    if remove:
        for rec in orphans:
            _remove(store, rec, report)
    else:
        report(f"WARN[0000] Found orphan containers ([{' '.join(r.name for r in orphans)}]) for this project. "
               "If you removed or renamed this service in your compose file, you can run this command with "
               "the --remove-orphans flag to clean it up.")


def wait_dependencies(store: Store, project: Project, name: str, report: Report, *,
                      timeout: float | None = None) -> None:
    """Block until each ``depends_on`` condition of ``name`` holds; fail as Docker Compose does."""
    deps = project.services[name].get("depends_on") or {}
    for dep, spec in deps.items():
        cond = spec.get("condition", "service_started")
        if cond == "service_started" or dep not in project.services:
            continue
        recs = containers_of(store, project.name, services=(dep,))
        if not recs and not spec.get("required", True):
            continue
        for rec in recs:
            report(f" Container {rec.name}  Waiting")
            _wait_condition(store, rec, cond, timeout)
            report(f" Container {rec.name}  {'Healthy' if cond == 'service_healthy' else 'Exited'}")


def _wait_condition(store: Store, rec: ContainerRecord, cond: str, timeout: float | None) -> None:
    from mocker.engine import containers

    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        now = containers.get(store, rec.id)
        if cond == "service_healthy":
            if not (now.config.get("healthcheck") or {}).get("Test"):
                raise MockerError(f"container {now.name} has no healthcheck configured")
            status = (now.health or {}).get("Status")
            if status == "healthy":
                return
            if status == "unhealthy" or now.status not in LIVE:
                raise MockerError(f"dependency failed to start: container {now.name} is unhealthy")
        elif cond == "service_completed_successfully":
            if now.status in ("exited", "dead"):
                if now.exit_code == 0:
                    return
                raise MockerError(f'service "{now.labels.get(L.SERVICE)}" didn\'t complete successfully: '
                                  f"exit {now.exit_code}")
            if now.status == "created":
                raise MockerError(f"container {now.name} was never started")
        else:
            raise InvalidArgument(f"unknown depends_on condition: {cond}")
        if deadline is not None and time.monotonic() > deadline:
            raise MockerError(f"timeout waiting for {now.name} ({cond})")
        time.sleep(0.1)


def wait_healthy_or_running(store: Store, recs: list[ContainerRecord], report: Report,
                            timeout: float | None) -> None:
    """``up --wait``: running containers, healthy where they have a health check."""
    from mocker.engine import containers

    deadline = None if timeout is None else time.monotonic() + timeout
    for rec in recs:
        report(f" Container {rec.name}  Waiting")
        while True:
            now = containers.get(store, rec.id)
            has_hc = bool((now.config.get("healthcheck") or {}).get("Test"))
            status = (now.health or {}).get("Status")
            if now.status not in LIVE:
                if now.exit_code == 0 and not has_hc:
                    break
                raise MockerError(f"container {now.name} exited ({now.exit_code})")
            if not has_hc or status == "healthy":
                break
            if status == "unhealthy":
                raise MockerError(f"container {now.name} is unhealthy")
            if deadline is not None and time.monotonic() > deadline:
                raise MockerError(f"timeout waiting for {now.name} to be healthy")
            time.sleep(0.1)
        report(f" Container {rec.name}  {'Healthy' if has_hc else 'Running'}")


def down(store: Store, project: Project | None, project_name: str, report: Report, *, volumes: bool = False,
         remove_orphans: bool = False, timeout: int | None = None, rmi: str | None = None) -> None:
    """Stop and remove the project's containers (services in reverse dependency order), then its
    named volumes with ``-v`` and images with ``--rmi``; only what carries the project's label."""
    from mocker.engine import volumes as vols

    recs = containers_of(store, project_name, oneoff=None)
    known = set(project.services) | set(project.disabled) if project is not None else None
    groups = levels(project, list(project.services)) if project is not None else []
    rank = {n: i for i, level in enumerate(groups) for n in level}
    batches: dict[int, list[ContainerRecord]] = {}
    for rec in recs:
        orphan = known is not None and rec.labels.get(L.SERVICE) not in known
        if orphan and not remove_orphans and rec.labels.get(L.ONEOFF) != "True":
            continue
        batches.setdefault(rank.get(rec.labels.get(L.SERVICE, ""), len(groups)), []).append(rec)
    # Dependents first (reverse start order); containers of one level stop in parallel.
    for key in sorted(batches, reverse=True):
        in_parallel(store, batches[key], lambda st, r: _remove(st, r, report, timeout=timeout, volumes_too=volumes))
    from mocker.compose.networking import remove_networks

    remove_networks(store, project_name, report)
    if volumes:
        for v in vols.list_volumes(store):
            if dict(v.labels).get(L.PROJECT) != project_name:
                continue
            report(f" Volume {v.name}  Removing")
            result = vols.remove(store, [v.name], force=False)
            for err in result.errors:
                raise err
            report(f" Volume {v.name}  Removed")
    if rmi:
        _remove_images(store, project, project_name, rmi, report)


def _remove_images(store: Store, project: Project | None, project_name: str, rmi: str, report: Report) -> None:
    from mocker.engine import image_remove

    if rmi not in ("all", "local"):
        raise InvalidArgument(f"invalid value for --rmi: {rmi}")
    if project is None:
        return
    from mocker.compose.building import image_name

    for n, svc in project.services.items():
        if rmi == "local" and svc.get("image"):
            continue            # "local": only images without a custom name (built as <project>-<service>)
        image = image_name(project, n, svc)
        from mocker.engine.images import find_image

        if find_image(store, image) is None:
            continue
        result = image_remove.remove(store, [str(image)], force=False, prune=True)
        errors = getattr(result, "errors", None) or []
        report(f" Image {image}  " + (f"Error: {errors[0]}" if errors else "Removed"))
