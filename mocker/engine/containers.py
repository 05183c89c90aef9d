"""Container lifecycle on the runtime seam: start, stop, kill, remove, pause, rename, wait, cleanup.

Daemonless: each started container gets conmon as supervisor, and conmon runs
``mocker container cleanup ID`` when the process exits. That command records the exit, tears the
runtime down and applies the restart policy — the supervisor path, not a daemon. Every read
reconciles the record with the runtime (:func:`reconcile`): a container that died while nobody
watched shows as exited with its real code.
"""

from __future__ import annotations

import os
import signal as _signal
import sys
import time
from typing import TYPE_CHECKING, Any

from mocker.engine import cleanup_handoff
from mocker.errors import Conflict, ContainerNotFound, MockerError, OCIRuntimeError
from mocker.store import containers as cdb
from mocker.store.containers import ContainerRecord
from mocker.store.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable

    from mocker.runtime.linux.runtime import LinuxRuntime

LIVE = ("running", "paused", "restarting")


def runtime_for(store: Store, name: str | None = None) -> LinuxRuntime:
    from mocker.runtime.linux.runtime import LinuxRuntime

    return LinuxRuntime(store.paths, runtime=name)


def get(store: Store, name_or_id: str) -> ContainerRecord:
    found = cdb.find(store.db, name_or_id)
    if not found:
        raise ContainerNotFound(f"No such container: {name_or_id}")
    if len(found) > 1:
        raise Conflict(f"multiple IDs found with provided prefix: {name_or_id}")
    return reconcile(store, found[0])


def _runtime_name(rec: ContainerRecord) -> str | None:
    return (rec.config.get("options") or {}).get("runtime")


def reconcile(store: Store, rec: ContainerRecord) -> ContainerRecord:
    """Bring the record in line with what the runtime says now (the runtime is the source of truth).

    "restarting" is left alone: its process has exited on purpose and a restart is pending.
    """
    if rec.status not in ("running", "paused"):
        return rec
    try:
        st = runtime_for(store, _runtime_name(rec)).state(rec.id)
    except ContainerNotFound:
        st = None
    if st is None:
        changes: dict[str, Any] = {"status": "exited", "pid": 0, "exit_code": rec.exit_code if rec.exit_code
                                   is not None else 255, "finished_at": time.time(),
                                   "error": "container state lost: no runtime state found"}
    elif st.status.value == "exited":
        changes = {"status": "exited", "pid": 0, "exit_code": st.exit_code, "oom_killed": st.oom_killed,
                   "finished_at": st.finished_at or time.time(), "error": st.error}
    elif st.status.value != rec.status:
        changes = {"status": st.status.value, "pid": st.pid}
    else:
        return rec
    cdb.update_state(store.db, rec.id, **changes)
    if st is not None and (not st.supervised or (st.status.value == "exited"
                                                 and cleanup_handoff.needs_cleanup(store, rec.id))):
        cleanup_handoff.spawn_cleanup(store, rec.id)
    return rec.replace(**changes)


def list_containers(store: Store, *, all_: bool = True,
                    match: Callable[[ContainerRecord], bool] | None = None) -> list[ContainerRecord]:
    """Every container, reconciled; ``match`` picks records before that (on what reconciling does
    not change, e.g. labels), so a caller interested in a few does not read every one's runtime."""
    recs = [reconcile(store, r) for r in cdb.list_all(store.db) if match is None or match(r)]
    return recs if all_ else [r for r in recs if r.status in LIVE]


def container_lock(store: Store, cid: str) -> Any:
    """Serialises start and the exit command's cleanup of one container (a fast exit cannot overtake
    the start that is still recording "running")."""
    from mocker.store.locks import file_lock

    return file_lock(store.paths.run / "locks" / f"{cid}.lock")


def start(store: Store, name_or_id: str) -> ContainerRecord:
    """Start a container; one with ``--rm`` that fails to start is removed, as Docker's daemon does."""
    rec = get(store, name_or_id)
    try:
        with container_lock(store, rec.id):
            return _start_locked(store, get(store, rec.id))
    except MockerError:
        if (rec.config.get("options") or {}).get("auto_remove"):
            try:
                remove(store, rec.id, force=True, volumes_too=True)
            except MockerError:
                pass
        raise


def prepare(store: Store, name_or_id: str) -> ContainerRecord:
    """Give a container that is not running its supervisor and runtime container, without starting
    the process, so a client can attach before ``start`` and miss no output (the API's attach
    before start, as ``docker run`` and ``docker start -a`` do it). ``start`` then starts this one."""
    rec = get(store, name_or_id)
    if rec.status in LIVE:
        return rec
    rt = runtime_for(store, _runtime_name(rec))
    with container_lock(store, rec.id):
        _prepare(store, rt, get(store, rec.id))
    return rec


def _start_for_restart(store: Store, container_id: str) -> None:
    with container_lock(store, container_id):
        rec = cdb.get(store.db, container_id)
        if rec is None or rec.status != "restarting" or rec.config.get("manually_stopped"):
            if rec is not None and rec.status == "restarting":
                cdb.update_state(store.db, rec.id, status="exited")
            return
        _start_locked(store, rec, restarting=True)


def _prepare(store: Store, rt: LinuxRuntime, rec: ContainerRecord) -> None:
    """Mount volumes and the rootfs, copy image content into new volumes, then create the runtime
    container (conmon + ``<runtime> create``). Copy-up comes first: Docker fills a new volume before
    the runtime puts mountpoints (e.g. /etc/hosts) into it."""
    from mocker.engine import network_attach, volumes

    for a in rec.config.get("volumes") or []:
        volumes.mount(store, a["name"], rec.id)
    if not _runtime_prepared(rt, rec.id):  # (prepare() for an API attach already set it up)
        network_attach.setup(store, rec)    # namespace, ports, netavark: before the process exists
    try:
        _create_runtime(store, rt, rec)
    except BaseException:
        network_attach.teardown(store, rec.id)
        raise


def _runtime_prepared(rt: LinuxRuntime, cid: str) -> bool:
    """A runtime container created and waiting for ``start`` (what :func:`prepare` leaves)."""
    if not os.path.exists(os.path.join(rt.bundle_dir(cid), "launch.json")):
        return False
    try:
        st = rt.state(cid)
    except ContainerNotFound:
        return False
    return st.status.value == "created" and st.pid != 0


def _create_runtime(store: Store, rt: LinuxRuntime, rec: ContainerRecord) -> None:
    from mocker.engine.container_create import spec_from_record
    from mocker.runtime.linux import rootfs

    if os.path.exists(os.path.join(rt.bundle_dir(rec.id), "launch.json")):
        rt.recreate(rec.id)  # a container that ran before gets a fresh supervisor to attach to
        return
    spec = spec_from_record(rec)
    if any(a.get("copy_up") and not a.get("copied") for a in rec.config.get("volumes") or []):
        rootfs.mount_rootfs(rt.bundle_dir(rec.id), spec.rootfs_layers, volatile=spec.volatile_rootfs)
        _copy_up_volumes(store, rt, rec)
    rt.create(spec, exit_command=cleanup_handoff.exit_command(store, rec.id))


def _start_locked(store: Store, rec: ContainerRecord, *, restarting: bool = False) -> ContainerRecord:
    if rec.status == "running" or (rec.status == "restarting" and not restarting):
        return rec
    if rec.status == "paused":
        raise Conflict(f"cannot start a paused container {rec.name}, try unpause instead")
    rt = runtime_for(store, _runtime_name(rec))
    try:
        _prepare(store, rt, rec)
        pid = rt.start(rec.id)
    except MockerError as e:
        cdb.update_state(store.db, rec.id, status="exited" if rec.started_at else "created", error=str(e),
                         exit_code=_exit_code_for(e))
        raise
    config = dict(rec.config, manually_stopped=False, restart_in_progress=False)
    cdb.update_config(store.db, rec.id, config)
    now = time.time()
    cdb.update_state(store.db, rec.id, status="running", pid=pid, started_at=now, finished_at=None,
                     exit_code=None, oom_killed=False, error="")
    started = rec.replace(status="running", pid=pid, started_at=now, config=config)
    from mocker.engine import health

    health.on_start(store, started)     # spawns the health monitor if there is a probe
    from mocker.engine.events import container_event

    container_event(store, started, "start")
    return started


def _exit_code_for(e: MockerError) -> int:
    code = getattr(e, "exit_code", 125)
    return code if code in (126, 127) else 128


def _copy_up_volumes(store: Store, rt: LinuxRuntime, rec: ContainerRecord) -> None:
    """Docker copies image content at a volume's path into the volume when it is new and empty."""
    from mocker.engine import volumes

    merged = os.path.join(rt.bundle_dir(rec.id), "merged")
    for a in rec.config.get("volumes") or []:
        if not a.get("copy_up") or a.get("copied"):
            continue
        vol = volumes.get_volume(store, a["name"])
        if os.path.isdir(vol.mountpoint) and not os.listdir(vol.mountpoint):
            volumes.copy_up(merged, a["destination"], vol.mountpoint)
        a["copied"] = True
    cdb.update_config(store.db, rec.id, rec.config)


def _signal_number(sig: str | int) -> int:
    if isinstance(sig, int):
        return sig
    text = sig.upper()
    if text.isdigit():
        return int(text)
    if not text.startswith("SIG"):
        text = "SIG" + text
    try:
        return int(getattr(_signal.Signals, text))
    except AttributeError:
        raise MockerError(f"Invalid signal: {sig}") from None


def kill(store: Store, name_or_id: str, signal: str | int = "KILL") -> ContainerRecord:
    rec = get(store, name_or_id)
    num = _signal_number(signal)
    if rec.status not in ("running", "paused"):
        raise Conflict(f"cannot kill container: {name_or_id}: container {rec.id} is not running")
    _mark_stopped(store, rec)
    runtime_for(store, _runtime_name(rec)).kill(rec.id, num)
    from mocker.engine.events import container_event

    container_event(store, rec, "kill", {"signal": str(num)})
    return rec


def _mark_stopped(store: Store, rec: ContainerRecord, *, restarting: bool = False) -> None:
    """A container the user stopped or killed is not restarted by its policy (Docker's HasBeenManuallyStopped).
    ``restarting``: the stop is half of ``restart``, so ``--rm`` must not remove the container (as
    Docker turns AutoRemove off for the duration of a restart)."""
    cdb.update_config(store.db, rec.id, dict(rec.config, manually_stopped=True, restart_in_progress=restarting))


def stop(store: Store, name_or_id: str, *, timeout: int | None = None, signal: str | None = None,
         _restarting: bool = False) -> ContainerRecord:
    rec = get(store, name_or_id)
    if rec.status not in ("running", "paused", "restarting"):
        return rec
    with container_lock(store, rec.id):
        # Under the lock a policy restart in progress (whose network set-up takes a while) finishes
        # first; marked stopped afterwards, its new process is the one killed below.
        rec = get(store, rec.id)
        _mark_stopped(store, rec, restarting=_restarting)
    rt = runtime_for(store, _runtime_name(rec))
    opts = rec.config.get("options") or {}
    sig = _signal_number(signal or rec.config["spec"].get("stop_signal") or "SIGTERM")
    wait_s: int = timeout if timeout is not None else int(opts["stop_timeout"] if opts.get("stop_timeout")
                                                          is not None else 10)
    if rec.status == "paused":
        sig = 9  # a frozen process cannot handle a signal; Docker kills paused containers too
    with cleanup_handoff.cleaning_up_here(store, rec.id):
        try:
            rt.kill(rec.id, sig)
            _load_cleanup_modules()
            if sig != 9:
                try:
                    rt.wait(rec.id, timeout=max(0, wait_s) if wait_s >= 0 else None)
                except TimeoutError:
                    rt.kill(rec.id, 9)
        except OCIRuntimeError:
            pass  # it exited meanwhile
        rt.wait(rec.id, timeout=30)
        done = cleanup(store, rec.id, restart=False, auto_remove=False)
    if _auto_remove_due(done) and not cleanup_handoff.client_waits(store, done.id):
        remove(store, done.id, force=True, volumes_too=True)
    from mocker.engine.events import container_event

    container_event(store, rec, "stop")
    return done


def cleanup(store: Store, container_id: str, *, restart: bool = True, auto_remove: bool = True) -> ContainerRecord:
    """After the process exited: record it, tear the runtime down, then restart or auto-remove.

    Run by conmon's exit command and by ``stop``/``wait``; safe to run twice (the second run finds
    nothing left to do). ``auto_remove=False``: the caller holds the attached lock (so it would
    count as a waiter) and removes an ``--rm`` container itself afterwards.
    """
    from mocker.engine import network_attach, volumes

    with container_lock(store, container_id):
        found = cdb.get(store.db, container_id)
        if found is None:
            raise ContainerNotFound(f"No such container: {container_id}")
        rec = reconcile(store, found)
        if rec.status in ("running", "paused"):
            return rec
        from mocker.engine import health

        health.on_stop(store, rec)      # stops the health monitor; Health.Status becomes "unhealthy"
        rt = runtime_for(store, _runtime_name(rec))
        bundle = rt.bundle_dir(rec.id)
        if os.path.exists(os.path.join(bundle, "launch.json")):
            try:
                # A late cleanup (conmon's, handed over) must not touch a newer run that already has
                # its supervisor (e.g. "start -a" re-created it): only an exited one is ours.
                if rt.state(rec.id).status.value != "exited":
                    return rec
                rt.delete(rec.id)
            except ContainerNotFound:
                pass
        if rec.started_at:
            _die_event(store, rec)
        network_attach.teardown(store, rec.id)
        cleanup_handoff.done(store, rec.id)
        from mocker.engine.events import record

        for a in rec.config.get("volumes") or []:
            volumes.unmount(store, a["name"], rec.id)
            record(store, "volume", "unmount", a["name"], {"container": rec.id, "driver": "local"})
        opts = rec.config.get("options") or {}
        if restart and _should_restart(rec, opts):
            cdb.update_state(store.db, rec.id, status="restarting", restart_count=rec.restart_count + 1)
            rec = rec.replace(status="restarting", restart_count=rec.restart_count + 1)
            restart_now = True
        else:
            restart_now = False
            if rec.status == "restarting":  # stopped while a restart was pending
                cdb.update_state(store.db, rec.id, status="exited")
                rec = rec.replace(status="exited")
        if (not restart_now and auto_remove and _auto_remove_due(rec)
                and not cleanup_handoff.client_waits(store, rec.id)):
            remove(store, rec.id, force=True, volumes_too=True)
            return rec
    if restart_now:
        _spawn_restart(store, rec)
    return rec


def _die_event(store: Store, rec: ContainerRecord) -> None:
    """One ``die`` per run: both the attached client and conmon's exit command clean up (under the
    container lock); a marker holding the run's start time tells the second one it was reported."""
    from mocker.engine.events import container_event

    marker = store.paths.run / "locks" / f"{rec.id}.died"
    run = repr(rec.started_at)
    try:
        if marker.read_text() == run:
            return
    except OSError:
        pass
    try:
        marker.write_text(run)
    except OSError:
        pass
    container_event(store, rec, "die", {"exitCode": str(rec.exit_code if rec.exit_code is not None else -1)})


def _spawn_restart(store: Store, rec: ContainerRecord) -> None:
    """Restart from a process of its own session: conmon's exit-command child does not live long
    enough to sit out Docker's back-off delay."""
    import subprocess

    subprocess.Popen(  # noqa: S603 - fixed argv of our own interpreter and module
        [sys.executable, "-m", "mocker", "--root", str(store.paths.root), "container", "restart-policy", rec.id],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True,
    )


def restart_later(store: Store, container_id: str) -> None:
    rec = cdb.get(store.db, container_id)
    if rec is not None:
        _restart_later(store, rec)


def _should_restart(rec: ContainerRecord, opts: dict[str, Any]) -> bool:
    policy = opts.get("restart") or {}
    name = policy.get("name") or "no"
    if rec.config.get("manually_stopped") or name == "no":
        return False
    if name in ("always", "unless-stopped"):
        return True
    if name == "on-failure":
        limit = int(policy.get("maximum_retry_count") or 0)
        return rec.exit_code not in (0, None) and (limit == 0 or rec.restart_count < limit)
    return False


def _restart_later(store: Store, rec: ContainerRecord) -> None:
    """Docker waits 100 ms before the first restart, doubling each time; the exit command may block."""
    delay = min(0.1 * (2 ** max(0, rec.restart_count - 1)), 60.0)
    time.sleep(delay)
    try:
        _start_for_restart(store, rec.id)
    except MockerError as e:
        cdb.update_state(store.db, rec.id, status="exited", error=str(e))


def _load_cleanup_modules() -> None:
    """Import what :func:`cleanup` needs while the signalled process exits, rather than after (the
    threads of ``compose down`` would each wait for the first one's imports)."""
    from mocker.engine import events, health, network_attach, volumes  # noqa: F401


def _auto_remove_due(rec: ContainerRecord) -> bool:
    """``--rm``, unless the exit is half of a ``restart`` (Docker turns AutoRemove off meanwhile)."""
    return bool((rec.config.get("options") or {}).get("auto_remove")) and not rec.config.get("restart_in_progress")


def remove(store: Store, name_or_id: str, *, force: bool = False, volumes_too: bool = False) -> ContainerRecord:
    rec = get(store, name_or_id)
    if rec.status in ("running", "paused", "restarting"):
        if not force:
            state = "paused" if rec.status == "paused" else "running"
            raise Conflict(f'cannot remove container "/{rec.name}": container is {state}: stop the container '
                           "before removing or force remove")
        with cleanup_handoff.cleaning_up_here(store, rec.id):
            return _remove(store, rec, volumes_too=volumes_too, live=True)
    return _remove(store, rec, volumes_too=volumes_too, live=False)


def _remove(store: Store, rec: ContainerRecord, *, volumes_too: bool, live: bool) -> ContainerRecord:
    from mocker.engine import network_attach, volumes

    if live:
        _mark_stopped(store, rec)
        rt = runtime_for(store, _runtime_name(rec))
        try:
            rt.kill(rec.id, 9)
        except OCIRuntimeError:
            pass
        rt.wait(rec.id, timeout=30)
    rt = runtime_for(store, _runtime_name(rec))
    if os.path.exists(rt.bundle_dir(rec.id)) or os.path.exists(rt.run_dir(rec.id)):
        try:
            rt.delete(rec.id, remove_storage=True)
        except ContainerNotFound:
            pass
    for a in rec.config.get("volumes") or []:
        volumes.unmount(store, a["name"], rec.id)
    network_attach.teardown(store, rec.id)
    if rec.started_at:
        _die_event(store, cdb.get(store.db, rec.id) or rec)
    names = [a["name"] for a in rec.config.get("volumes") or []]
    cdb.delete(store.db, rec.id)    # its endpoints (address leases) and port rows go with it
    if volumes_too:
        volumes.remove_anonymous_for(store, rec.id, names=names)
    leftover = store.paths.containers / rec.id      # the runtime moved its bundle to the trash already
    if os.path.lexists(leftover):
        import shutil

        shutil.rmtree(leftover, ignore_errors=True)
    for suffix in (".lock", ".attached", ".died"):   # a waiter on the unlinked file then finds no record
        (store.paths.run / "locks" / f"{rec.id}{suffix}").unlink(missing_ok=True)
    from mocker.engine.events import container_event

    container_event(store, rec, "destroy")
    return rec


def pause(store: Store, name_or_id: str) -> None:
    rec = get(store, name_or_id)
    if rec.status == "paused":
        raise Conflict(f"Container {rec.id} is already paused")
    if rec.status != "running":
        raise Conflict(f"Container {rec.id} is not running")
    runtime_for(store, _runtime_name(rec)).pause(rec.id)
    if rec.health:
        # moby stops the health monitor on pause and the status reads unhealthy; a probe that was in
        # flight is frozen with the container, so the monitor cannot be relied on to say it.
        cdb.update_state(store.db, rec.id, status="paused", health=dict(rec.health, Status="unhealthy"))
    else:
        cdb.update_state(store.db, rec.id, status="paused")
    from mocker.engine.events import container_event

    container_event(store, rec, "pause")


def unpause(store: Store, name_or_id: str) -> None:
    rec = get(store, name_or_id)
    if rec.status != "paused":
        raise Conflict(f"Container {rec.id} is not paused")
    runtime_for(store, _runtime_name(rec)).resume(rec.id)
    cdb.update_state(store.db, rec.id, status="running")
    from mocker.engine.events import container_event

    container_event(store, rec, "unpause")


def rename(store: Store, name_or_id: str, new_name: str) -> None:
    from mocker.engine.names import validate_name

    rec = get(store, name_or_id)
    new = validate_name(new_name)
    if new == rec.name:
        raise Conflict("Renaming a container with the same name as its current name")
    cdb.rename(store.db, rec.id, new)
    from mocker.engine.events import container_event

    container_event(store, rec.replace(name=new), "rename", {"oldName": "/" + rec.name})


def wait(store: Store, name_or_id: str) -> int:
    rec = get(store, name_or_id)
    if rec.status in LIVE:
        code = runtime_for(store, _runtime_name(rec)).wait(rec.id)
        try:
            rec = cleanup(store, rec.id)
        except ContainerNotFound:
            return code
        return rec.exit_code if rec.exit_code is not None else code
    if rec.status == "created":
        # Docker's wait blocks until a created container has run and exited.
        while True:
            time.sleep(0.1)
            rec = get(store, rec.id)
            if rec.status in LIVE:
                return wait(store, rec.id)
            if rec.status != "created":
                break
    return rec.exit_code if rec.exit_code is not None else 0


def restart(store: Store, name_or_id: str, *, timeout: int | None = None, signal: str | None = None) -> None:
    stop(store, name_or_id, timeout=timeout, signal=signal, _restarting=True)
    start(store, name_or_id)


def run_attached(store: Store, rec: ContainerRecord, *, stdin: int | None, stdout: Any, stderr: Any,
                 detach_keys: bytes | None, on_tty: Any = None) -> int | None:
    """Start ``rec`` with its streams connected before the process runs (no output is lost).

    Returns the exit code, or None when the user detached (ctrl-p ctrl-q). ``on_tty(rt)`` runs once
    the process started, for terminal size and signal forwarding.
    """
    rt = runtime_for(store, _runtime_name(rec))
    with container_lock(store, rec.id):
        # Under the lock a late cleanup of the previous run (conmon's, handed over) cannot tear down
        # the supervisor this run is about to attach to.
        _prepare(store, rt, rec)

    def begin() -> None:
        from mocker.engine import health

        with container_lock(store, rec.id):
            pid = rt.start(rec.id)
            now = time.time()
            cdb.update_state(store.db, rec.id, status="running", pid=pid, started_at=now,
                             finished_at=None, exit_code=None, error="")
            health.on_start(store, rec.replace(status="running", pid=pid, started_at=now))
        from mocker.engine.events import container_event

        container_event(store, rec, "start")
        if on_tty is not None:
            on_tty(rt)

    result = rt.attach(rec.id, stdin=stdin, stdout=stdout, stderr=stderr, detach_keys=detach_keys,
                       on_connect=begin)
    if getattr(result, "detached", False):
        return None
    code = rt.wait(rec.id)
    try:
        done = cleanup(store, rec.id)
    except ContainerNotFound:
        return code
    return done.exit_code if done.exit_code is not None else code
