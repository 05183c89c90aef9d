"""Streams to and from a container through conmon: its attach socket and ``ctl`` fifo.

The attach socket (``<bundle>/attach``, SOCK_SEQPACKET) carries, from conmon, one packet per read
of the container's output whose first byte names the stream (2 stdout, 3 stderr; with a tty
everything is stdout) and, to conmon, raw stdin bytes (no prefix). Shutting down our write side
makes conmon close the container's stdin (``-i`` without ``--leave-stdin-open``); conmon closes
the socket when the container exits. conmon does not replay output: an attach sees only what is
written after it connects.

Terminal size goes through the ``ctl`` fifo beside it: one line ``"1 <height> <width>\\n"``.

Helpers for the CLI (which owns the local terminal): :func:`raw_terminal`, :func:`terminal_size`,
:func:`forward_signals` (``--sig-proxy``), :func:`parse_detach_keys` (Docker's ``--detach-keys``).
"""

from __future__ import annotations

import errno
import os
import select
import signal
import socket
import termios
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from mocker.errors import InvalidArgument, OCIRuntimeError
from mocker.runtime.base import DEFAULT_DETACH_KEYS, AttachResult, OutputSink

STDOUT = 2
STDERR = 3
PACKET_SIZE = 32768 + 1

Sink = OutputSink


def connect(path: str) -> socket.socket:
    """Connect to an attach socket, whatever the length of its path (via ``/proc/self/fd``)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    dir_fd = os.open(os.path.dirname(path) or ".", os.O_PATH | os.O_CLOEXEC)
    try:
        sock.connect(f"/proc/self/fd/{dir_fd}/{os.path.basename(path)}")
    except OSError as exc:
        sock.close()
        raise OCIRuntimeError(f"failed to connect to container's attach socket: {path}: {exc.strerror}") from exc
    finally:
        os.close(dir_fd)
    return sock


def resize(ctl_path: str, height: int, width: int) -> None:
    """Ask conmon to resize the container's terminal (no-op if conmon is gone)."""
    try:
        fd = os.open(ctl_path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.ENOENT):
            return
        raise OCIRuntimeError(f"could not open ctl file for terminal resize: {exc}") from exc
    try:
        os.write(fd, f"1 {height} {width}\n".encode())
    finally:
        os.close(fd)


def parse_detach_keys(spec: str) -> bytes:
    """Docker's ``--detach-keys`` ("ctrl-p,ctrl-q", "a", "ctrl-@") -> the byte sequence."""
    out = bytearray()
    for key in spec.split(","):
        key = key.strip()
        if len(key) == 1:
            out.append(ord(key))
            continue
        if key.startswith("ctrl-") and len(key) == 6:
            char = key[5]
            if "a" <= char <= "z":
                out.append(ord(char) - ord("a") + 1)
                continue
            if char in "@[\\]^_":
                out.append(ord(char) - ord("@"))
                continue
        raise InvalidArgument(f"Unknown character: '{key}'")
    return bytes(out)


class DetachMatcher:
    """Finds the detach sequence in a stdin stream; bytes held back while they could start it."""

    def __init__(self, keys: bytes) -> None:
        self.keys = keys
        self.held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to forward, detached?). Held bytes that turn out not to be the sequence go on."""
        if not self.keys:
            return data, False
        out = bytearray()
        for value in data:
            byte = bytes((value,))
            if not self.keys.startswith(self.held + byte):
                out += self.held
                self.held = b""
                if not self.keys.startswith(byte):
                    out += byte
                    continue
            self.held += byte
            if self.held == self.keys:
                return bytes(out), True
        return bytes(out), False

    def flush(self) -> bytes:
        held, self.held = self.held, b""
        return held


def _writer(sink: Sink) -> Callable[[bytes], object] | None:
    if sink is None:
        return None
    if isinstance(sink, int):
        fd = sink

        def write_fd(data: bytes) -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]

        return write_fd
    if callable(sink):
        return sink
    stream = sink

    def write_stream(data: bytes) -> None:
        stream.write(data)
        stream.flush()

    return write_stream


def pump(
    sock: socket.socket,
    *,
    stdin: int | None = None,
    stdout: Sink = None,
    stderr: Sink = None,
    tty: bool = False,
    detach_keys: bytes | None = DEFAULT_DETACH_KEYS,
    close_stdin: bool = True,
) -> AttachResult:
    """Copy ``stdin`` (a file descriptor) to the container and its output to ``stdout``/``stderr``
    (file descriptors, binary streams or callables) until conmon closes the socket or the user
    detaches. At stdin EOF the socket's write side is shut down (``close_stdin``), which closes the
    container's stdin. Detach keys are only looked for with a tty, as Docker does."""
    out, err = _writer(stdout), _writer(stderr)
    matcher = DetachMatcher(detach_keys if (tty and detach_keys) else b"")
    stdin_open = stdin is not None
    stdin_closed = False
    while True:
        watch: list[int] = [sock.fileno()]
        if stdin_open and stdin is not None:
            watch.append(stdin)
        try:
            ready, _, _ = select.select(watch, [], [])
        except InterruptedError:
            continue
        if sock.fileno() in ready:
            try:
                packet = sock.recv(PACKET_SIZE)
            except ConnectionResetError:
                packet = b""
            if not packet:
                return AttachResult(stdin_closed=stdin_closed)
            target = err if (packet[0] == STDERR and not tty) else out
            if target is not None and len(packet) > 1:
                target(packet[1:])
        if stdin is not None and stdin in ready:
            try:
                data = os.read(stdin, 32768)
            except OSError:
                data = b""
            if not data:
                stdin_open = False
                if matcher.held:
                    _send(sock, matcher.flush())
                if close_stdin:
                    _shutdown_write(sock)
                    stdin_closed = True
                continue
            data, detached = matcher.feed(data)
            if data:
                _send(sock, data)
            if detached:
                return AttachResult(detached=True)


def _send(sock: socket.socket, data: bytes) -> None:
    for i in range(0, len(data), PACKET_SIZE - 1):
        try:
            sock.sendall(data[i:i + PACKET_SIZE - 1])
        except (BrokenPipeError, ConnectionResetError):
            return


def _shutdown_write(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass


# ---- local terminal helpers (for the CLI) --------------------------------------------------------


@contextmanager
def raw_terminal(fd: int) -> Iterator[None]:
    """Put the local terminal in raw mode for a tty session; restored on exit (no-op if not a tty)."""
    if not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def terminal_size(fd: int) -> tuple[int, int] | None:
    """(height, width) of the local terminal, or None."""
    try:
        size = os.get_terminal_size(fd)
    except OSError:
        return None
    return size.lines, size.columns


@contextmanager
def forward_signals(send: Callable[[int], object], *, on_winch: Callable[[], object] | None = None,
                    signals: tuple[int, ...] | None = None) -> Iterator[None]:
    """Proxy signals received by this process to the container (``send(signum)``), as
    ``docker run/attach --sig-proxy`` does; SIGWINCH calls ``on_winch`` instead. Main thread only.

    The C-level ``_signal.signal``: the ``signal`` module's wrapper converts every old handler to an
    enum through a raised ValueError, ~8 ms for the ~50 calls of one foreground ``run``."""
    import _signal

    if signals is None:
        skip = {signal.SIGCHLD, signal.SIGWINCH, signal.SIGKILL, signal.SIGSTOP, signal.SIGPIPE, signal.SIGURG}
        signals = tuple(s for s in signal.valid_signals() if isinstance(s, signal.Signals) and s not in skip)
    previous: dict[int, object] = {}

    def handler(signum: int, _frame: object) -> None:
        with suppress(Exception):   # the container may be gone; never raise in a handler
            send(signum)

    try:
        for sig in signals:
            try:
                previous[sig] = _signal.signal(sig, handler)
            except (OSError, ValueError):
                continue
        if on_winch is not None:
            previous[signal.SIGWINCH] = _signal.signal(signal.SIGWINCH, lambda *_: on_winch())
        yield
    finally:
        for sig, old in previous.items():
            _signal.signal(sig, old)
