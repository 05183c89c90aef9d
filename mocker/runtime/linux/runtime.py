"""``LinuxRuntime``: the Runtime protocol on crun/runc + conmon + overlayfs, with no daemon.

Per container ``<id>``::

    <root>/containers/<id>/          the bundle (persistent)
        config.json  launch.json     OCI config; how conmon is started (for restarts, after reboots)
        merged/ upper/ work/         overlay mountpoint and the container's own layer
        ctr.log                      k8s-file log (default ``log_path``)
        attach  ctl  winsz           conmon's attach socket and fifos (``--full-attach``)
        exit  oom  started           conmon's persist files (exit code, OOM seen) and our start time
    <run>/containers/<id>/           runtime state (lost at reboot)
        pidfile  conmon.pid  proc.json   container pid, conmon pid, pid + start ticks + cgroup dirs
        exits/<id>                   conmon's exit file: exit code, mtime = finished time
        exec/<session>/              one dir per exec (its own exit dir, attach socket, process.json)

:meth:`LinuxRuntime.state` runs no subprocess: it reads the exit file, the pid's ``/proc`` stat
(checking the start ticks recorded at create, so a reused pid is not mistaken for the container)
and the freezer state. :meth:`LinuxRuntime.start` of an exited container creates it anew from
``launch.json`` (new conmon, same upper dir): that is how ``restart`` and restart policies work.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from signal import SIGKILL, pidfd_send_signal
from typing import TYPE_CHECKING, Any

from mocker.errors import Conflict, ContainerNotFound, OCIRuntimeError
from mocker.runtime.base import DEFAULT_DETACH_KEYS, Capabilities, RuntimeState, Status
from mocker.runtime.linux import cgroups
from mocker.runtime.linux.procfiles import TRASH, discard_dir, is_conmon, proc_stat, read_pid, remove_tree
from mocker.store.paths import StorePaths

if TYPE_CHECKING:       # `state()` (every `ps` row) needs none of these: they load when used
    from mocker.runtime.base import AttachResult, ContainerSpec, ExecSpec, OutputSink, Runtime
    from mocker.runtime.linux.conmon import ExecSession
    from mocker.runtime.linux.oci import OCIRuntime
    from mocker.runtime.stats import Sample

SpecBuilder = Callable[..., dict[str, Any]]
LOST_EXIT_CODE = 255        # Docker's code for a container whose end nobody saw (e.g. a reboot)


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _write_json(path: str, data: object) -> None:
    # json.dumps, not json.dump: dump encodes in Python chunk by chunk (~1500 writes for a config.json
    # with its seccomp profile), dumps in one call of the C encoder.
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write(json.dumps(data))
    os.replace(tmp, path)


class LinuxRuntime:
    """Containers under one store. ``runtime``: "crun" (default, "runc" if crun cannot run here) or
    "runc"; ``spec_builder`` defaults to ``runtime.linux.spec.build_oci_spec``."""

    def __init__(self, paths: StorePaths | None = None, *, runtime: str | None = None, conmon_path: str = "conmon",
                 spec_builder: SpecBuilder | None = None, cgroup_parent: str = "/mocker") -> None:
        self.paths = paths or StorePaths.at()
        self._root = os.fspath(self.paths.containers)
        self._run = os.path.join(os.fspath(self.paths.run), "containers")
        self._state_root = os.fspath(self.paths.run)
        self._requested = runtime
        self._chosen: str | None = None
        self._conmon = conmon_path
        self._spec_builder = spec_builder
        self._cgroup_parent = "/" + cgroup_parent.strip("/")

    # ---- paths ----------------------------------------------------------------------------------

    def bundle_dir(self, container_id: str) -> str:
        return os.path.join(self._root, container_id)

    def run_dir(self, container_id: str) -> str:
        return os.path.join(self._run, container_id)

    def log_path(self, container_id: str) -> str:
        return str(self._launch(container_id).get("log_path") or "")

    def _launch(self, container_id: str) -> dict[str, Any]:
        text = _read(os.path.join(self.bundle_dir(container_id), "launch.json"))
        if text is None:
            raise ContainerNotFound(f"No such container: {container_id}")
        data: dict[str, Any] = json.loads(text)
        return data

    def _oci(self, name: str) -> OCIRuntime:
        from mocker.runtime.linux.oci import OCIRuntime

        return OCIRuntime(name, state_root=self._state_root)

    def _oci_of(self, container_id: str) -> OCIRuntime:
        return self._oci(str(self._launch(container_id).get("runtime", "crun")))

    # ---- capabilities ---------------------------------------------------------------------------

    def capabilities(self) -> Capabilities:
        has = cgroups.available_controllers().__contains__
        from mocker.runtime.linux.binfmt import registered_platforms
        from mocker.runtime.linux.spec import swap_limit_supported

        platforms = registered_platforms()
        return Capabilities(name="linux", pause=has("freezer"), cgroups_memory=has("memory"), cgroups_cpu=has("cpu"),
                            cgroups_pids=has("pids"), exec=True, tty=True, swap_limit=swap_limit_supported(),
                            foreign_platforms=platforms)

    def runtime_name(self) -> str:
        """The OCI runtime new containers get (crun, with the cgroup hybrid trap fixed; else runc)."""
        if self._chosen is None:
            from mocker.runtime.linux.oci import choose_runtime

            self._chosen = choose_runtime(self._requested)
        return self._chosen

    # ---- lifecycle ------------------------------------------------------------------------------

    def create(self, spec: ContainerSpec, *, exit_command: Sequence[str] = ()) -> None:
        """Mount the rootfs, write config.json, start conmon (``<runtime> create``): not started."""
        bundle, run = self.bundle_dir(spec.id), self.run_dir(spec.id)
        if os.path.exists(os.path.join(bundle, "launch.json")):
            raise OCIRuntimeError(f"container {spec.id} already exists")
        from mocker.runtime.linux import rootfs

        made_bundle = not os.path.isdir(bundle)
        os.makedirs(bundle, mode=0o700, exist_ok=True)
        try:
            merged = rootfs.mount_rootfs(bundle, spec.rootfs_layers, volatile=spec.volatile_rootfs)
            cgroups_path = f"{self._cgroup_parent}/{spec.id}"
            builder = self._spec_builder or _default_builder()
            config = builder(spec, rootfs=merged, cgroups_path=cgroups_path)
            section = (config.get("linux") or {}).get("seccomp")
            if section and self.runtime_name() == "crun":
                from mocker.runtime.linux.seccomp_bpf import ANNOTATION, annotation_for

                data = annotation_for(section, os.path.join(self._state_root, "seccomp"))
                if data:
                    config.setdefault("annotations", {})[ANNOTATION] = data
            _write_json(os.path.join(bundle, "config.json"), config)
            log_path = spec.log_path or os.path.join(bundle, "ctr.log")
            launch = {
                "name": spec.name, "runtime": self.runtime_name(), "tty": spec.tty, "stdin": spec.open_stdin,
                "stdin_once": spec.stdin_once,
                "log_driver": spec.log_driver, "log_path": "" if spec.log_driver == "none" else log_path,
                "log_size_max": spec.log_size_max, "exit_command": list(exit_command),
                "cgroups_path": cgroups_path, "layers": list(spec.rootfs_layers), "platform": spec.platform,
                "volatile": spec.volatile_rootfs,
            }
            _write_json(os.path.join(bundle, "launch.json"), launch)
        except BaseException:
            import shutil

            self._teardown(spec.id, bundle, run)
            if made_bundle:
                shutil.rmtree(bundle, ignore_errors=True)
            else:           # the engine's files (hosts, resolv.conf...) stay; ours go
                for name in ("merged", "upper", "work", "empty", "l", "config.json", "launch.json"):
                    path = os.path.join(bundle, name)
                    if os.path.isdir(path):
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        _remove(path)
            raise
        try:
            self._launch_conmon(spec.id, launch, fallback=self._requested is None)
        except BaseException:
            # The bundle stays (state: created, pid 0), as Docker's `create` keeps a container whose
            # command cannot run: start() tries again, delete(remove_storage=True) removes it.
            self._teardown(spec.id, bundle, run)
            raise

    def _launch_conmon(self, container_id: str, launch: dict[str, Any], *, fallback: bool = False) -> int:
        bundle, run = self.bundle_dir(container_id), self.run_dir(container_id)
        remove_tree(run)
        os.makedirs(os.path.join(run, "exits"), mode=0o700)
        for name in ("exit", "oom", "started"):
            _remove(os.path.join(bundle, name))
        from mocker.runtime.linux import conmon

        oci = self._oci(launch["runtime"])
        opts = conmon.ConmonOptions(
            cid=container_id, cuuid=container_id, name=launch["name"] or container_id, runtime=oci, bundle=bundle,
            pidfile=os.path.join(run, "pidfile"), exit_dir=os.path.join(run, "exits"), persist_dir=bundle,
            conmon_pidfile=os.path.join(run, "conmon.pid"),
            log=f"k8s-file:{launch['log_path']}" if launch["log_path"] else "none",
            # With a tty, stdin is the terminal: -i would close it when the first client detaches.
            log_size_max=launch.get("log_size_max"), tty=launch["tty"], stdin=launch["stdin"] and not launch["tty"],
            leave_stdin_open=not launch.get("stdin_once", False),
            exit_command=tuple(launch.get("exit_command") or ()),
        )
        try:
            with cgroups.cgroup_lock(shared=True):
                pid = conmon.launch(opts, conmon=self._conmon, cwd=run)
        except OCIRuntimeError as exc:
            if not (fallback and oci.name == "crun" and "hybrid" in str(exc)):
                raise
            oci.delete(container_id)
            self._chosen = launch["runtime"] = "runc"
            _write_json(os.path.join(bundle, "launch.json"), launch)
            return self._launch_conmon(container_id, launch)
        stat = proc_stat(pid)
        try:
            paths = cgroups.paths_of_pid(pid).to_json()
        except OSError:
            paths = {}
        _write_json(os.path.join(run, "proc.json"), {"pid": pid, "ticks": stat[1] if stat else 0, "cgroups": paths})
        return pid

    def start(self, container_id: str) -> int:
        """Start the created process; an exited (or never launched) container is created anew first."""
        launch = self._launch(container_id)
        with self._locked(container_id):
            state = self.state(container_id)
            if state.status in (Status.RUNNING, Status.PAUSED):
                return state.pid
            from mocker.runtime.linux.binfmt import ensure_can_run

            ensure_can_run(str(launch.get("platform") or ""))  # not a bare "exec format error" later
            bundle = self.bundle_dir(container_id)
            self._relaunch_if_needed(container_id, launch, state)
            started = os.path.join(bundle, "started")
            with open(started, "w") as f:       # before: a fast exit must not finish before it started
                f.write(repr(time.time()))
            try:
                self._oci(launch["runtime"]).start(container_id)
            except BaseException:
                _remove(started)
                raise
            return int(self._proc(container_id).get("pid", 0))

    def recreate(self, container_id: str) -> None:
        """Give an exited container a new supervisor and runtime process, not started yet — so a
        client can attach (``start -a``) before the process runs and no output is lost."""
        launch = self._launch(container_id)
        with self._locked(container_id):
            self._relaunch_if_needed(container_id, launch, self.state(container_id))

    def _relaunch_if_needed(self, container_id: str, launch: dict[str, Any], state: RuntimeState) -> None:
        if state.status is Status.CREATED and state.pid != 0:
            return
        from mocker.runtime.linux import rootfs

        bundle, run = self.bundle_dir(container_id), self.run_dir(container_id)
        self._oci(launch["runtime"]).delete(container_id)
        cgroups.remove_leftovers(launch["cgroups_path"])
        rootfs.mount_rootfs(bundle, launch["layers"], volatile=bool(launch.get("volatile")))
        for stale in ("attach", "ctl", "winsz"):  # the last supervisor's endpoints; conmon makes new ones
            _remove(os.path.join(bundle, stale))
        try:
            self._launch_conmon(container_id, launch)
        except BaseException:
            self._teardown(container_id, bundle, run)
            raise

    @contextmanager
    def _locked(self, container_id: str) -> Iterator[None]:
        """Serialise start/delete of one container between mocker processes (e.g. an exit command)."""
        from pathlib import Path

        from mocker.store.locks import file_lock

        bundle = self.bundle_dir(container_id)
        if not os.path.isdir(bundle):
            raise ContainerNotFound(f"No such container: {container_id}")
        with file_lock(Path(bundle, "lock")):
            yield

    def _proc(self, container_id: str) -> dict[str, Any]:
        text = _read(os.path.join(self.run_dir(container_id), "proc.json"))
        return json.loads(text) if text else {}

    def state(self, container_id: str) -> RuntimeState:
        """What conmon's files and /proc say now; no subprocess (cheap enough for every ``ps`` row)."""
        bundle, run = os.path.join(self._root, container_id), os.path.join(self._run, container_id)
        exited = self._exit_state(container_id, bundle, run)
        if exited is not None:
            return exited
        text = _read(os.path.join(run, "proc.json"))
        if text is None:
            if not os.path.exists(os.path.join(bundle, "launch.json")):
                raise ContainerNotFound(f"No such container: {container_id}")
            return self._lost_state(bundle)
        proc = json.loads(text)
        pid = proc["pid"]
        stat = proc_stat(pid)
        if stat is not None and stat[0] != "Z" and stat[1] == proc["ticks"]:
            started = _read(os.path.join(bundle, "started"))
            if started is None:
                return RuntimeState(status=Status.CREATED, pid=pid)
            paths = cgroups.CgroupPaths.from_json(proc.get("cgroups") or {})
            status = Status.PAUSED if cgroups.is_frozen(paths) else Status.RUNNING
            return RuntimeState(status=status, pid=pid, started_at=float(started))
        # The process is gone: conmon is about to write the exit file, or conmon is gone too.
        conmon_pid = read_pid(os.path.join(run, "conmon.pid"))
        deadline = time.monotonic() + 2.0
        while is_conmon(conmon_pid, container_id) and time.monotonic() < deadline:
            time.sleep(0.005)
            exited = self._exit_state(container_id, bundle, run)
            if exited is not None:
                return exited
        return self._exit_state(container_id, bundle, run) or self._lost_state(bundle)

    def _exit_state(self, container_id: str, bundle: str, run: str) -> RuntimeState | None:
        path = os.path.join(run, "exits", container_id)
        try:
            with open(path) as f:
                text = f.read().strip()
                finished = os.fstat(f.fileno()).st_mtime
        except (FileNotFoundError, NotADirectoryError):
            return None
        started = _read(os.path.join(bundle, "started"))
        code = int(text) if text.lstrip("-").isdigit() else LOST_EXIT_CODE
        return RuntimeState(status=Status.EXITED, exit_code=code, finished_at=finished,
                            started_at=float(started) if started else None, oom_killed=self._oom(bundle, run))

    def _lost_state(self, bundle: str) -> RuntimeState:
        """No live process and no exit file: after a reboot, or conmon was killed."""
        started = _read(os.path.join(bundle, "started"))
        if started is None:
            return RuntimeState(status=Status.CREATED)     # never started: start() launches it anew
        exit_path = os.path.join(bundle, "exit")      # conmon's persist copy: survives the run dir
        code = (_read(exit_path) or "").strip()
        if code.lstrip("-").isdigit():
            return RuntimeState(status=Status.EXITED, exit_code=int(code), started_at=float(started),
                                finished_at=os.stat(exit_path).st_mtime,
                                oom_killed=os.path.exists(os.path.join(bundle, "oom")), supervised=False)
        return RuntimeState(status=Status.EXITED, exit_code=LOST_EXIT_CODE, started_at=float(started),
                            error="container state lost: its supervisor (conmon) is gone", supervised=False)

    def _oom(self, bundle: str, run: str) -> bool:
        if os.path.exists(os.path.join(bundle, "oom")):
            return True
        text = _read(os.path.join(run, "proc.json"))
        if not text:
            return False
        kills = cgroups.oom_kills(cgroups.CgroupPaths.from_json(json.loads(text).get("cgroups") or {}))
        return bool(kills)

    def wait(self, container_id: str, timeout: float | None = None) -> int:
        """Block until the container exits; its exit code. Raises TimeoutError after ``timeout`` s."""
        exit_file = os.path.join(self._run, container_id, "exits", container_id)
        deadline = None if timeout is None else time.monotonic() + timeout
        if not os.path.exists(exit_file):
            self._wait_process(container_id, deadline)
        delay, checked = 0.001, time.monotonic()
        while not os.path.exists(exit_file):
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutError(f"container {container_id} did not exit within {timeout:g}s")
            if now - checked > 1.0:         # conmon gone without an exit file?
                checked = now
                state = self.state(container_id)
                if state.status is Status.EXITED:
                    return state.exit_code if state.exit_code is not None else LOST_EXIT_CODE
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        state = self.state(container_id)
        return state.exit_code if state.exit_code is not None else LOST_EXIT_CODE

    def _wait_process(self, container_id: str, deadline: float | None) -> None:
        """Sleep until the container's process ends (its pidfd turns readable at the exit), so the
        exit file is looked for right after instead of on a back-off timer; returns at once if the
        process is not (or no longer) the container's, and at ``deadline``."""
        proc = self._proc(container_id)
        pid = proc.get("pid")
        if not pid:
            return
        try:
            pidfd = os.pidfd_open(pid)
        except OSError:
            return
        try:
            stat = proc_stat(pid)
            if stat is None or stat[1] != proc.get("ticks"):
                return
            import select

            # What the teardown after the exit needs loads while the process exits, not after it
            # (compose down's threads would queue on the import lock for ~15 ms).
            from mocker.runtime.linux import oci, rootfs  # noqa: F401

            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            while True:
                left = None if deadline is None else max(0, int((deadline - time.monotonic()) * 1000))
                if poller.poll(left) or left == 0:
                    return
        finally:
            os.close(pidfd)

    def kill(self, container_id: str, signal: int) -> None:
        """Signal the container's PID 1 (pidfd: never a recycled pid). SIGKILL also thaws a paused one."""
        state = self.state(container_id)
        if state.status not in (Status.RUNNING, Status.PAUSED, Status.CREATED) or not state.pid:
            raise OCIRuntimeError(f"container {container_id} is not running")
        if state.status is Status.CREATED:
            self._oci_of(container_id).kill(container_id, signal)
            return
        self._send(container_id, state.pid, signal, thaw=state.status is Status.PAUSED)

    def _send(self, container_id: str, pid: int, signal: int, *, thaw: bool = False) -> bool:
        """Send ``signal`` to ``pid`` if it still is the container's process; False if it is gone."""
        ticks = self._proc(container_id).get("ticks")
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            return False
        try:
            stat = proc_stat(pid)
            if stat is None or stat[1] != ticks:
                return False
            pidfd_send_signal(pidfd, signal)
        except ProcessLookupError:
            return False
        finally:
            os.close(pidfd)
        if thaw and signal == SIGKILL:
            with suppress(OCIRuntimeError):     # a frozen process dies when thawed
                self.resume(container_id)
        return True

    def pause(self, container_id: str) -> None:
        """Freeze the container's cgroup; returns once it is frozen (not merely freezing)."""
        self._oci_of(container_id).pause(container_id)
        paths = cgroups.CgroupPaths.from_json(self._proc(container_id).get("cgroups") or {})
        if not cgroups.wait_frozen(paths):
            raise OCIRuntimeError(f"container {container_id} did not freeze")

    def resume(self, container_id: str) -> None:
        self._oci_of(container_id).resume(container_id)

    def update(self, spec: ContainerSpec, *, live: bool) -> None:
        """New resource limits from ``spec.resources``: applied to the running container's cgroups
        (``<runtime> update``) when ``live``, and written into the bundle's config.json, which the
        next start reuses."""
        import tempfile

        from mocker.runtime.linux.spec import resources_section, swap_limit_supported

        body = resources_section(spec)
        r = spec.resources
        if r.memory and r.memory_swap == -1 and swap_limit_supported():
            body["memory"]["swap"] = -1     # unlimited: an update must say so, or the old limit stays
        if live:
            fd, path = tempfile.mkstemp(prefix="update-", suffix=".json", dir=self.run_dir(spec.id))
            try:
                with os.fdopen(fd, "w") as f:
                    json.dump(body, f)
                self._oci_of(spec.id).run("update", f"--resources={path}", spec.id)
            finally:
                os.unlink(path)
        path = os.path.join(self.bundle_dir(spec.id), "config.json")
        try:
            with open(path) as f:
                config = json.load(f)
        except FileNotFoundError:
            return      # never started: start builds config.json from the stored spec
        current = config.setdefault("linux", {}).setdefault("resources", {})
        for key in ("memory", "cpu", "pids"):
            if key in body:
                current[key] = body[key]
        _write_json(path, config)

    def stats(self, container_id: str, *, pid: int, own_network: bool = True) -> Sample | None:
        """One reading of the container's cgroups (and network namespace); None if it is gone."""
        from mocker.runtime.linux.cgroup_stats import read_sample

        return read_sample(pid, own_network=own_network)

    def delete(self, container_id: str, *, remove_storage: bool = False) -> None:
        """Kill (if needed) and delete the runtime's container, unmount the rootfs, remove leftover
        cgroup dirs and the run dir; with ``remove_storage`` also the bundle (upper dir, logs)."""
        bundle, run = self.bundle_dir(container_id), self.run_dir(container_id)
        if not os.path.exists(bundle) and not os.path.exists(run):
            raise ContainerNotFound(f"No such container: {container_id}")
        if not os.path.isdir(bundle):
            self._teardown(container_id, bundle, run)
            return
        with self._locked(container_id):
            if os.path.exists(run):
                self._teardown(container_id, bundle, run)
            else:
                # Torn down already (the run dir goes last, after the runtime's delete and the
                # unmount succeeded), e.g. by the cleanup of a `run --rm` just before its removal:
                # a second `<runtime> delete` and cgroup sweep would only cost time.
                from mocker.runtime.linux import rootfs

                rootfs.unmount_rootfs(bundle)
        if remove_storage:
            discard_dir(bundle, os.path.join(self._root, TRASH))

    def _teardown(self, container_id: str, bundle: str, run: str) -> None:
        from mocker.runtime.linux import rootfs

        launch = _read(os.path.join(bundle, "launch.json"))
        info = json.loads(launch) if launch else {}
        proc = self._proc(container_id)
        paths = cgroups.CgroupPaths.from_json(proc.get("cgroups") or {})
        exit_file = os.path.join(run, "exits", container_id)
        if proc.get("pid") and not os.path.exists(exit_file):
            # Kill it ourselves: faster than `runc delete --force`, which polls.
            self._send(container_id, proc["pid"], SIGKILL, thaw=cgroups.is_frozen(paths))
        # conmon writes the exit file, then runs the exit command (which may be what calls us): wait
        # for the file, not for conmon, before its directory goes.
        conmon_pid = read_pid(os.path.join(run, "conmon.pid"))
        deadline = time.monotonic() + 2.0
        while (not os.path.exists(exit_file) and is_conmon(conmon_pid, container_id)
               and time.monotonic() < deadline):
            time.sleep(0.002)
        if cgroups.oom_kills(paths) and os.path.isdir(bundle):
            open(os.path.join(bundle, "oom"), "a").close()
        if info.get("runtime"):
            self._oci(info["runtime"]).delete(container_id)
        rootfs.unmount_rootfs(bundle)
        cgroups.remove_leftovers(info.get("cgroups_path") or f"{self._cgroup_parent}/{container_id}")
        remove_tree(run)

    # ---- streams --------------------------------------------------------------------------------

    def attach(self, container_id: str, *, stdin: int | None = None, stdout: OutputSink = None,
               stderr: OutputSink = None, detach_keys: bytes | None = DEFAULT_DETACH_KEYS,
               on_connect: Callable[[], object] | None = None) -> AttachResult:
        """Stream to/from the container's main process until it exits or the user detaches.
        ``on_connect`` runs once the socket is connected (e.g. ``start`` for ``docker start -a``)."""
        launch = self._launch(container_id)
        from mocker.runtime.linux import attach

        sock = attach.connect(os.path.join(self.bundle_dir(container_id), "attach"))
        try:
            if on_connect is not None:
                on_connect()
            return attach.pump(sock, stdin=stdin if launch["stdin"] else None, stdout=stdout, stderr=stderr,
                                tty=launch["tty"], detach_keys=detach_keys)
        finally:
            sock.close()

    def resize(self, container_id: str, height: int, width: int) -> None:
        from mocker.runtime.linux.attach import resize

        resize(os.path.join(self.bundle_dir(container_id), "ctl"), height, width)

    def exec(self, container_id: str, spec: ExecSpec, *, stdin: int | None = None, stdout: OutputSink = None,
             stderr: OutputSink = None, size: tuple[int, int] | None = None,
             detach_keys: bytes | None = DEFAULT_DETACH_KEYS) -> int:
        """Run a process in the running container; its exit code (0 at once for ``spec.detach``)."""
        session = self.exec_start(container_id, spec, size=size)
        return session.run(stdin=stdin, stdout=stdout, stderr=stderr, detach_keys=detach_keys)

    def exec_start(self, container_id: str, spec: ExecSpec, *, size: tuple[int, int] | None = None,
                   ) -> ExecSession:
        """Start an exec session (connected, process running); see :class:`conmon.ExecSession`."""
        from mocker.runtime.linux.conmon import ExecSession

        state = self.state(container_id)
        if state.status is Status.PAUSED:
            raise Conflict(f"container {container_id} is paused, unpause the container before exec")
        if state.status is not Status.RUNNING:
            raise Conflict(f"container {container_id} is not running")
        launch = self._launch(container_id)
        session_dir = os.path.join(self.run_dir(container_id), "exec", os.urandom(16).hex())
        return ExecSession.start(
            container_id=container_id, session_dir=session_dir, bundle=self.bundle_dir(container_id),
            runtime=self._oci(launch["runtime"]), spec=spec, conmon_path=self._conmon, size=size,
        )


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _default_builder() -> SpecBuilder:
    from mocker.runtime.linux.spec import build_oci_spec

    return build_oci_spec


def _conforms(runtime: LinuxRuntime) -> Runtime:
    return runtime  # mypy checks that LinuxRuntime implements the Runtime protocol
