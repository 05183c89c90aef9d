"""The runtime seam: what the engine asks of a container backend, and nothing more.

The engine never asks *which* backend it holds; it asks :meth:`Runtime.capabilities` and passes a
backend-neutral :class:`ContainerSpec`. ``runtime/linux`` (crun/runc + conmon) implements
:class:`Runtime`; ``runtime/apple`` does not, because Apple's apiserver owns the containers: that
backend plugs in at the command table (docs/DECISIONS.md #17). A test double needs no base class
(it is a ``Protocol``).

Records here are plain, complete and serialisable (``to_json``/``from_json``) so the engine can
store them and later export them (e.g. as Kubernetes objects) without re-deriving them from flags.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from mocker.records import asdict, field, frozen

if TYPE_CHECKING:
    from mocker.runtime.stats import Sample


class Status(StrEnum):
    """Docker's container states (``State.Status``)."""

    CREATED = "created"
    RUNNING = "running"
    PAUSED = "paused"
    RESTARTING = "restarting"
    REMOVING = "removing"
    EXITED = "exited"
    DEAD = "dead"


@frozen(kw_only=True)
class Mount:
    """One mount in the container. ``type``: bind, volume (a bind of the volume's _data), tmpfs."""

    type: str
    target: str
    source: str = ""
    read_only: bool = False
    options: tuple[str, ...] = ()       # extra mount options (e.g. "nosuid", "size=65536k", "rprivate")
    name: str = ""                      # volume name, for inspect
    propagation: str = ""


@frozen(kw_only=True)
class Resources:
    """Limits; None means "not set" (no limit), never 0."""

    memory: int | None = None           # bytes
    memory_swap: int | None = None      # bytes, -1 unlimited
    memory_reservation: int | None = None
    nano_cpus: int | None = None        # --cpus * 1e9
    cpu_shares: int | None = None
    cpu_quota: int | None = None
    cpu_period: int | None = None
    cpuset_cpus: str | None = None
    pids_limit: int | None = None
    oom_kill_disable: bool = False
    shm_size: int | None = None         # bytes for /dev/shm


@frozen(kw_only=True)
class Ulimit:
    name: str                           # "nofile", "nproc", ... (Docker's names)
    soft: int
    hard: int


@frozen(kw_only=True)
class Device:
    path_on_host: str
    path_in_container: str
    permissions: str = "rwm"


@frozen(kw_only=True)
class Security:
    privileged: bool = False
    cap_add: tuple[str, ...] = ()       # "NET_ADMIN" (no CAP_ prefix), or "ALL"
    cap_drop: tuple[str, ...] = ()
    seccomp_profile: str | None = None  # None: default profile; "unconfined"; or a JSON file's path
    no_new_privileges: bool = False
    read_only_rootfs: bool = False
    masked_paths: tuple[str, ...] | None = None     # None: Docker's defaults
    readonly_paths: tuple[str, ...] | None = None
    apparmor_profile: str | None = None


@frozen(kw_only=True)
class ContainerSpec:
    """Everything a backend needs to create one container, resolved from image config + options."""

    id: str
    name: str
    rootfs_layers: tuple[str, ...]      # unpacked layer dirs, base first (overlay lowers)
    args: tuple[str, ...]               # entrypoint + cmd, already resolved
    env: tuple[str, ...] = ()
    workdir: str = "/"
    user: str = ""                      # "uid[:gid]" or "name[:group]" (resolved inside the rootfs)
    group_add: tuple[str, ...] = ()
    hostname: str = ""
    domainname: str = ""
    tty: bool = False
    open_stdin: bool = False
    stdin_once: bool = False            # Docker's StdinOnce: the first attached client's EOF/detach closes stdin
    mounts: tuple[Mount, ...] = ()
    resources: Resources = field(default_factory=Resources)
    security: Security = field(default_factory=Security)
    ulimits: tuple[Ulimit, ...] = ()
    devices: tuple[Device, ...] = ()
    init: bool = False                  # run a tiny init (catatonit/tini) as PID 1
    stop_signal: str = "SIGTERM"
    network_mode: str = "none"          # "none", "host", later "bridge"/"<network>"/"container:<id>"
    netns_path: str | None = None       # join this network namespace (set by the network layer)
    etc_files: dict[str, str] = field(default_factory=dict)  # "/etc/hosts" -> host file to bind
    sysctls: dict[str, str] = field(default_factory=dict)
    platform: str = ""                  # "linux/arm64" when foreign (qemu binfmt)
    labels: dict[str, str] = field(default_factory=dict)
    log_driver: str = "k8s-file"        # "k8s-file" (json-file is read the same way), "none"
    log_path: str = ""
    log_size_max: int | None = None
    volatile_rootfs: bool = False       # the upper dir dies with the container (--rm): no sync at unmount

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@frozen(kw_only=True)
class ExecSpec:
    args: tuple[str, ...]
    env: tuple[str, ...] = ()
    workdir: str = ""
    user: str = ""
    tty: bool = False
    open_stdin: bool = False
    privileged: bool = False
    detach: bool = False


@frozen(kw_only=True)
class RuntimeState:
    """What the runtime and the supervisor say, right now. The engine reconciles its records with it."""

    status: Status
    pid: int = 0
    exit_code: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    oom_killed: bool = False
    error: str = ""
    supervised: bool = True     # False: no supervisor is left to run the exit command (killed conmon, reboot)


@frozen(kw_only=True)
class Capabilities:
    """What this backend can do; the engine turns a missing capability into ``NotSupported``."""

    name: str
    pause: bool = True
    cgroups_memory: bool = True
    cgroups_cpu: bool = True
    cgroups_pids: bool = True
    exec: bool = True
    tty: bool = True
    checkpoint: bool = False
    swap_limit: bool = True             # memory+swap limits can be set (cgroup v1 memsw / v2 swap.max)
    foreign_platforms: tuple[str, ...] = ()


DEFAULT_DETACH_KEYS = b"\x10\x11"  # Docker's ctrl-p, ctrl-q
OutputSink = BinaryIO | int | Callable[[bytes], object] | None
"""Where a container's output goes: a file descriptor, a binary stream, a callable, or nowhere."""


@frozen(kw_only=True)
class AttachResult:
    detached: bool = False        # the user typed the detach keys (the container keeps running)
    stdin_closed: bool = False    # our stdin reached EOF, so the container's stdin was closed


class Runtime(Protocol):
    def capabilities(self) -> Capabilities: ...

    def create(self, spec: ContainerSpec, *, exit_command: Sequence[str] = ()) -> None:
        """Set up (rootfs, bundle, supervisor) without starting the process; ``docker create``.

        ``exit_command`` (argv) is run by the supervisor after the process exited and its exit code
        was recorded (e.g. ``mocker --root R container cleanup ID``): restart policies without a
        daemon. It must tolerate a container that is already being removed."""

    def start(self, container_id: str) -> int:
        """Start the created process; returns its pid. An exited container is created anew first."""

    def state(self, container_id: str) -> RuntimeState: ...

    def wait(self, container_id: str, timeout: float | None = None) -> int:
        """Block until the process exits; its exit code. ``TimeoutError`` after ``timeout`` seconds."""

    def kill(self, container_id: str, signal: int) -> None: ...

    def pause(self, container_id: str) -> None: ...

    def resume(self, container_id: str) -> None: ...

    def update(self, spec: ContainerSpec, *, live: bool) -> None:
        """New limits from ``spec.resources``: applied now when ``live``, and kept for the next start."""

    def stats(self, container_id: str, *, pid: int, own_network: bool = True) -> Sample | None:
        """One reading of the container's resource usage; None if it is not running."""

    def delete(self, container_id: str, *, remove_storage: bool = False) -> None:
        """Remove runtime state (killing a live process), unmount the rootfs; with ``remove_storage``
        also the container's own files (its writable layer, logs)."""

    def exec(self, container_id: str, spec: ExecSpec, *, stdin: int | None = None, stdout: OutputSink = None,
             stderr: OutputSink = None, size: tuple[int, int] | None = None,
             detach_keys: bytes | None = None) -> int:
        """Run a process in the running container, streaming it; its exit code."""

    def attach(self, container_id: str, *, stdin: int | None = None, stdout: OutputSink = None,
               stderr: OutputSink = None, detach_keys: bytes | None = None,
               on_connect: Callable[[], object] | None = None) -> AttachResult:
        """Stream to/from the main process until it exits or the user detaches."""

    def resize(self, container_id: str, height: int, width: int) -> None:
        """Set the terminal size of a container created with ``tty``."""
