"""conmon, the per-container supervisor that replaces a daemon.

conmon double-forks away from the mocker process that started it, runs ``<runtime> create`` (or
``exec``), waits for the container's process, writes its output to the k8s-file log and to attach
clients, and when it exits writes the exit code to ``<exit-dir>/<cid>`` and ``<persist-dir>/exit``,
touches ``<persist-dir>/oom`` if the kernel OOM-killed something in the container, and finally runs
the exit command. Nothing of mocker needs to stay alive.

The handshake (as podman does it): two SOCK_SEQPACKET socketpairs passed as ``_OCI_SYNCPIPE`` and
``_OCI_STARTPIPE``. conmon blocks on the start pipe until we write a byte, then forks (the process
we started exits at once); it answers on the sync pipe with ``{"data": <pid>}`` once the runtime
created the container, or ``{"data": -1, "message": "<runtime stderr>"}``. An exec with
``--exec-attach`` adds ``_OCI_ATTACHPIPE``: conmon writes ``{"data": 0}`` there once its attach socket
listens, and waits for a second byte on the start pipe before running ``<runtime> exec``; the sync
pipe then carries the pid and, at the end, ``{"data": <exit code>}``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mocker.errors import OCIRuntimeError
from mocker.records import frozen
from mocker.runtime.base import ExecSpec

if TYPE_CHECKING:
    from mocker.runtime.linux.oci import OCIRuntime

HANDSHAKE_TIMEOUT = 60.0


@frozen(kw_only=True)
class ConmonOptions:
    """One conmon invocation. ``bundle`` holds config.json for a container (it also gets conmon's
    ``attach`` socket and ``ctl``/``winsz`` fifos); for an exec it is the session's own directory."""

    cid: str
    cuuid: str
    name: str
    runtime: OCIRuntime
    bundle: str
    pidfile: str
    exit_dir: str
    persist_dir: str = ""
    conmon_pidfile: str = ""
    log: str = ""                       # "k8s-file:<path>" or "none"
    log_size_max: int | None = None
    log_level: str = "error"
    tty: bool = False
    stdin: bool = False                 # -i: a stdin pipe, closed when an attached client leaves ...
    leave_stdin_open: bool = False      # ... unless this is set (Docker's StdinOnce=false)
    exit_command: tuple[str, ...] = ()
    exec_process_spec: str = ""         # set: an exec session (with --exec-attach)


def conmon_argv(opts: ConmonOptions, conmon: str = "conmon") -> list[str]:
    """conmon's argv, in podman's order (``sharedConmonArgs`` + create/exec specifics)."""
    from mocker.runtime.linux.oci import find_binary

    args = [
        conmon if os.path.isabs(conmon) else find_binary(conmon),
        "--api-version", "1",
        "-c", opts.cid,
        "-u", opts.cuuid,
        "-r", opts.runtime.path,
        "-b", opts.bundle,
        "-p", opts.pidfile,
        "-n", opts.name,
        "--exit-dir", opts.exit_dir,
        "--full-attach",
    ]  # fmt: skip
    for arg in opts.runtime.global_args:
        args += ["--runtime-arg", arg]
    if opts.persist_dir:
        args += ["--persist-dir", opts.persist_dir]
    args += ["-l", opts.log or "none", "--log-level", opts.log_level]
    if opts.log_size_max is not None and opts.log_size_max > 0:
        args += ["--log-size-max", str(opts.log_size_max)]
    if opts.conmon_pidfile:
        args += ["--conmon-pidfile", opts.conmon_pidfile]
    if opts.tty:
        args.append("-t")
    if opts.stdin:
        args.append("-i")
        if opts.leave_stdin_open:
            args.append("--leave-stdin-open")
    if opts.exec_process_spec:
        args += ["-e", "--exec-attach", "--exec-process-spec", opts.exec_process_spec]
    if opts.exit_command:
        args += ["--exit-command", opts.exit_command[0]]
        for arg in opts.exit_command[1:]:
            args += ["--exit-command-arg", arg]
    return args


def conmon_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment conmon (and so the exit command) gets: the caller's, minus what must not leak."""
    env = dict(os.environ if base is None else base)
    for key in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
        env.pop(key, None)
    env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    return env


def _pair() -> tuple[socket.socket, socket.socket]:
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)


def read_sync(sock: socket.socket, *, timeout: float = HANDSHAKE_TIMEOUT) -> dict[str, object]:
    """One ``{"data": N[, "message": ...]}`` message; {} if conmon closed the pipe without one."""
    sock.settimeout(timeout)
    try:
        data = sock.recv(65536)
    except TimeoutError as exc:
        raise OCIRuntimeError("timed out waiting for conmon") from exc
    except OSError:
        return {}
    if not data:
        return {}
    try:
        message: dict[str, object] = json.loads(data.decode(errors="replace").strip().splitlines()[0])
    except (ValueError, IndexError) as exc:
        raise OCIRuntimeError(f"unexpected message from conmon: {data[:200]!r}") from exc
    return message


class ConmonProcess:
    """A conmon being started: spawn, then :meth:`go` (create) or the exec steps."""

    def __init__(self, opts: ConmonOptions, *, conmon: str = "conmon", env: Mapping[str, str] | None = None,
                 cwd: str | None = None) -> None:
        self.opts = opts
        self.sync, sync_child = _pair()
        start_child, self.start_pipe = _pair()
        self.attach_pipe: socket.socket | None = None
        children = [sync_child, start_child]
        environ = conmon_env(env)
        environ["_OCI_SYNCPIPE"] = str(sync_child.fileno())
        environ["_OCI_STARTPIPE"] = str(start_child.fileno())
        if opts.exec_process_spec:
            self.attach_pipe, attach_child = _pair()
            children.append(attach_child)
            environ["_OCI_ATTACHPIPE"] = str(attach_child.fileno())
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - conmon's own argv list, no shell
                conmon_argv(opts, conmon),
                env=environ, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, pass_fds=[c.fileno() for c in children], process_group=0,
            )
        except OSError as exc:
            self.close()
            raise OCIRuntimeError(f"cannot run conmon: {exc}") from exc
        finally:
            for child in children:
                child.close()

    def signal_start(self) -> None:
        try:
            self.start_pipe.send(b"\0")
        except OSError as exc:
            raise self._failure(f"conmon did not start: {exc}") from exc

    def wait_forked(self) -> None:
        """Wait for the process we started (it exits right after conmon daemonized). On its pidfd:
        ``Popen.wait(timeout)`` polls with sleeps that double up to 50 ms."""
        import select

        try:
            pidfd = os.pidfd_open(self.proc.pid)
        except OSError:
            pidfd = -1
        if pidfd >= 0:
            try:
                poller = select.poll()
                poller.register(pidfd, select.POLLIN)
                poller.poll(int(HANDSHAKE_TIMEOUT * 1000))
            finally:
                os.close(pidfd)
        try:
            code = self.proc.wait(timeout=HANDSHAKE_TIMEOUT if pidfd < 0 else 0.05)
        except subprocess.TimeoutExpired as exc:
            self.proc.kill()
            raise OCIRuntimeError("conmon did not daemonize") from exc
        if code != 0:
            raise self._failure(f"conmon exited {code}")

    def read_pid(self) -> int:
        """The container's (or exec's) pid, or the runtime's error as an exception."""
        message = read_sync(self.sync)
        data = message.get("data")
        if not isinstance(data, int):
            raise self._failure("conmon exited before the container was created")
        if data < 0:
            from mocker.runtime.linux.oci import runtime_error

            raise runtime_error(self.opts.runtime.name, str(message.get("message") or "container create failed"))
        return data

    def go(self) -> int:
        """Create handshake: start byte, wait for the fork, return the created process's pid."""
        try:
            self.signal_start()
            self.wait_forked()
            return self.read_pid()
        finally:
            self.close()

    def _failure(self, what: str) -> OCIRuntimeError:
        stderr = b""
        if self.proc.stderr is not None and self.proc.poll() is not None:
            stderr = self.proc.stderr.read() or b""
        text = " ".join(stderr.decode(errors="replace").split())
        return OCIRuntimeError(f"{what}: {text}" if text else what)

    def close(self) -> None:
        for sock in (self.sync, self.start_pipe, self.attach_pipe):
            if sock is not None:
                sock.close()
        proc = getattr(self, "proc", None)
        if proc is not None and proc.stderr is not None:
            proc.stderr.close()


def launch(opts: ConmonOptions, *, conmon: str = "conmon", env: Mapping[str, str] | None = None,
           cwd: str | None = None) -> int:
    """Start conmon for a container (it runs ``<runtime> create``); returns the created pid."""
    return ConmonProcess(opts, conmon=conmon, env=env, cwd=cwd).go()


# ---- exec sessions -------------------------------------------------------------------------------

def _env_key(item: str) -> str:
    return item.split("=", 1)[0]


def exec_process(base: dict[str, Any], spec: ExecSpec, rootfs: str,
                 size: tuple[int, int] | None = None) -> dict[str, Any]:
    """The OCI ``process`` of an exec: the container's, with the exec's args, env, cwd, user, tty
    (``size`` = (height, width): the runtime opens the pty at that size, before the process runs)."""
    from mocker.runtime.linux.users import read_file_in_root, resolve_user

    process = json.loads(json.dumps(base))
    process["args"] = list(spec.args)
    process["terminal"] = spec.tty
    process.pop("consoleSize", None)
    if spec.tty and size:
        process["consoleSize"] = {"height": size[0], "width": size[1]}
    env = [e for e in process.get("env", []) if _env_key(e) not in {_env_key(x) for x in spec.env}]
    env += list(spec.env)
    if spec.workdir:
        process["cwd"] = spec.workdir
    if spec.user:
        uid, gid, additional = resolve_user(rootfs, spec.user)
        process["user"] = {"uid": uid, "gid": gid, "additionalGids": list(additional)}
    keys = {_env_key(e) for e in env}
    if "HOME" not in keys:
        uid = int(process.get("user", {}).get("uid", 0))
        home = "/root" if uid == 0 else "/"
        for line in (read_file_in_root(rootfs, "/etc/passwd") or "").splitlines():
            fields = line.split(":")
            if len(fields) >= 6 and fields[2] == str(uid):
                home = fields[5] or "/"
                break
        env.append(f"HOME={home}")
    if spec.tty and "TERM" not in keys:
        env.append("TERM=xterm")
    process["env"] = env
    if spec.privileged:                 # what this host can give (spec.py: not CAP_SYS_RESOURCE here)
        from mocker.runtime.linux.spec import host_capabilities

        caps = list(host_capabilities())
        process["capabilities"] = dict(process.get("capabilities") or {}, bounding=caps, effective=caps,
                                       permitted=caps)
    return process


class ExecSession:
    """A process started in a running container by its own conmon (``--exec --exec-attach``).

    Its directory holds process.json, conmon's attach socket and ctl fifo, the pidfile and an exit
    dir of its own (conmon names the exit file after the container id)."""

    def __init__(self, proc: ConmonProcess, sock: socket.socket | None, pid: int, session_dir: str,
                 spec: ExecSpec) -> None:
        self._proc = proc
        self.socket = sock
        self.pid = pid
        self.dir = session_dir
        self.spec = spec
        self.exit_code: int | None = None

    @classmethod
    def start(cls, *, container_id: str, session_dir: str, bundle: str, runtime: OCIRuntime, spec: ExecSpec,
              conmon_path: str = "conmon", size: tuple[int, int] | None = None) -> ExecSession:
        from mocker.runtime.linux import attach

        os.makedirs(os.path.join(session_dir, "exits"), mode=0o700)
        with open(os.path.join(bundle, "config.json")) as f:
            base = json.load(f)["process"]
        spec_path = os.path.join(session_dir, "process.json")
        with open(spec_path, "w") as f:
            json.dump(exec_process(base, spec, os.path.join(bundle, "merged"), size), f)
        session_id = os.path.basename(session_dir)
        opts = ConmonOptions(
            cid=container_id, cuuid=session_id, name=session_id, runtime=runtime, bundle=session_dir,
            pidfile=os.path.join(session_dir, "pidfile"), exit_dir=os.path.join(session_dir, "exits"),
            log="none", tty=spec.tty, stdin=spec.open_stdin, exec_process_spec=spec_path,
        )
        proc = ConmonProcess(opts, conmon=conmon_path, cwd=session_dir)
        sock = None
        try:
            proc.signal_start()
            proc.wait_forked()
            if proc.attach_pipe is None:  # an exec session is always started with its sync pipe
                raise proc._failure("exec session did not start: conmon has no sync pipe")
            ready = read_sync(proc.attach_pipe)
            if not isinstance(ready.get("data"), int) or int(str(ready["data"])) < 0:
                raise proc._failure(f"exec session did not start: {ready.get('message', 'conmon exited')}")
            if not spec.detach:
                sock = attach.connect(os.path.join(session_dir, "attach"))
            proc.signal_start()         # second byte: conmon runs `<runtime> exec`
            pid = proc.read_pid()
        except BaseException:
            if sock is not None:
                sock.close()
            proc.close()
            import shutil

            shutil.rmtree(session_dir, ignore_errors=True)
            raise
        return cls(proc, sock, pid, session_dir, spec)

    def resize(self, height: int, width: int) -> None:
        from mocker.runtime.linux import attach

        attach.resize(os.path.join(self.dir, "ctl"), height, width)

    def run(self, *, stdin: int | None = None, stdout: Any = None, stderr: Any = None,
            detach_keys: bytes | None = None) -> int:
        """Pump the streams until the process ends; its exit code (0 if detached)."""
        from mocker.runtime.linux import attach

        if self.socket is None:
            self._proc.close()
            return 0
        if self.spec.open_stdin and stdin is None:
            self.socket.shutdown(socket.SHUT_WR)    # nothing to send: the process sees EOF at once
        try:
            result = attach.pump(self.socket, stdin=stdin if self.spec.open_stdin else None, stdout=stdout,
                                 stderr=stderr, tty=self.spec.tty, detach_keys=detach_keys)
            if result.detached:
                return 0
            return self.wait()
        finally:
            self.close()

    def wait(self, timeout: float | None = None) -> int:
        """The exit code (conmon sends it on the sync pipe; the exit file is the fallback)."""
        if self.exit_code is not None:
            return self.exit_code
        message = read_sync(self._proc.sync, timeout=timeout or 24 * 3600.0)
        data = message.get("data")
        if isinstance(data, int) and data >= 0:
            self.exit_code = data
        else:
            exit_file = os.path.join(self.dir, "exits", self._proc.opts.cid)
            deadline = time.monotonic() + (timeout or 5.0)
            while not os.path.exists(exit_file) and time.monotonic() < deadline:
                time.sleep(0.01)
            text = (_read_text(exit_file) or "").strip()
            self.exit_code = int(text) if text.lstrip("-").isdigit() else -1
        return self.exit_code

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        self._proc.close()
        if self.exit_code is not None:
            import shutil

            shutil.rmtree(self.dir, ignore_errors=True)


def _read_text(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None
