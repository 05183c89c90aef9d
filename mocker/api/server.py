"""``mocker system service``: an HTTP/1.1 server on a unix socket, one thread per connection.

Standard library only (``http.server`` + ``socketserver``): connection hijacking for attach and
exec is then just "keep the socket". Security follows Docker's: the socket is mode 0660 in a 0700
directory, owned by the user running the service (root in the default set-up); no TCP listener.

``--time N`` stops the service after N seconds without a connection, as ``podman system service``
does (0: never).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import socketserver
import stat
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler
from typing import Any

from mocker import __version__
from mocker.api import router
from mocker.api.errors import body_of, status_of
from mocker.api.http import Request
from mocker.errors import InvalidArgument, MockerError

MAX_HEADER_BYTES = 1 << 20


def default_socket_path(root: str | None) -> str:
    """``/run/mocker/mocker.sock`` for the default store; ``<root>/run/mocker.sock`` for ``--root``."""
    from mocker.store.paths import StorePaths

    return os.path.join(str(StorePaths.at(root).run), "mocker.sock")


def parse_address(text: str) -> str:
    """``unix:///path`` (or a bare absolute path) -> the path; anything else is refused."""
    if text.startswith("unix://"):
        path = text[len("unix://"):]
    elif text.startswith("/"):
        path = text
    elif "://" in text:
        scheme = text.split("://", 1)[0]
        from mocker.errors import NotSupported

        raise NotSupported(f"listening on {scheme}://", "only unix sockets are served; a TCP listener "
                                                       "would need TLS client authentication")
    else:
        raise InvalidArgument(f"invalid address {text!r}: use unix:///path/to/socket")
    if not path.startswith("/"):
        raise InvalidArgument(f"invalid address {text!r}: the socket path must be absolute")
    if len(path.encode()) > 107:
        raise InvalidArgument(f"socket path too long for a unix socket (max 107 bytes): {path}")
    return path


class Activity:
    """Open connections and the time the last one ended, for ``--time``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0
        self.last = time.monotonic()

    def enter(self) -> None:
        with self.lock:
            self.open += 1

    def leave(self) -> None:
        with self.lock:
            self.open -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        with self.lock:
            return 0.0 if self.open else time.monotonic() - self.last


class Handler(BaseHTTPRequestHandler):
    """Parses requests, resolves routes, maps errors; keep-alive as HTTP/1.1 wants."""

    protocol_version = "HTTP/1.1"
    server_version = f"mocker/{__version__}"
    sys_version = ""
    rbufsize = 0   # unbuffered: nothing the client sends after a hijack is stuck in a read buffer
    server: Server

    def setup(self) -> None:
        super().setup()
        self.server.activity.enter()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.activity.leave()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        if self.server.debug:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def address_string(self) -> str:
        return "unix"

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors of the HTTP layer itself (bad request line, headers) as Docker's JSON too."""
        if self.request_version == "HTTP/0.9":
            self.request_version = "HTTP/1.1"   # always answer with a status line
        self.close_connection = True
        body = json.dumps({"message": message or self.responses.get(code, ("error",))[0]}).encode() + b"\n"
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def _dispatch(self) -> None:
        method = self.command
        raw_path, _, query = self.path.partition("?")
        version, path = router.split_version(raw_path)
        req = Request(self, method, path, query, router.MAX_VERSION, self.server.root)
        try:
            req.version = router.check_version(version)
            fn, params = router.resolve(method, path)
            req.params = params
            fn(req)
            if not req.answered:
                req.send_empty(204)
            req.drain()
        except MockerError as e:
            self._fail(req, status_of(e), body_of(e))
        except (ConnectionError, BrokenPipeError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001 - one request's bug must not end the service
            if self.server.debug:
                traceback.print_exc()
            self._fail(req, 500, {"message": f"internal error: {type(e).__name__}: {e}"})
        finally:
            req.close()
            if req.hijacked:
                self.close_connection = True

    def _fail(self, req: Request, status: int, body: dict[str, str]) -> None:
        if req.answered:
            # The status line is gone already (a stream broke half-way): all we can do is hang up.
            self.close_connection = True
            return
        try:
            left = req.unread_body()
            if left is not None and 0 < left <= _DRAIN_BEFORE_ERROR:
                req.drain()     # a client still sending would see a reset instead of our answer
                left = 0
        except (MockerError, OSError):
            left = None
        try:
            data = json.dumps(body).encode() + b"\n"
            req.send_bytes(data, status=status)
            if left != 0:
                self.close_connection = True
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _dispatch


_DRAIN_BEFORE_ERROR = 4 << 20    # bytes of an unread body read (and dropped) before an error answer


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128    # each `docker run` opens several connections at once
    allow_reuse_address = False

    def __init__(self, path: str, root: str | None, *, debug: bool = False, private_dir: bool = False) -> None:
        self.private_dir = private_dir
        self.root = root
        self.debug = debug
        self.activity = Activity()
        self.path = path
        super().__init__(path, Handler, bind_and_activate=False)

    def server_bind(self) -> None:
        """Bind under a temporary name: the socket gets its final name only once it listens
        (:meth:`server_activate`), so a client never finds a socket that refuses it."""
        _prepare_socket_dir(self.path, private_dir=self.private_dir)
        self._tmp = os.path.join(os.path.dirname(self.path), f".s{os.getpid()}")
        if len(self._tmp.encode()) > 107:
            self._tmp = self.path       # no room for a longer name: bind in place
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)
        old = os.umask(0o117)
        try:
            self.socket.bind(self._tmp)
        finally:
            os.umask(old)
        os.chmod(self._tmp, 0o660)

    def server_activate(self) -> None:
        super().server_activate()
        if self._tmp != self.path:
            os.rename(self._tmp, self.path)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.debug:
            traceback.print_exc()


def _prepare_socket_dir(path: str, *, private_dir: bool = False) -> None:
    """A 0700 directory (made if missing; made 0700 when ``private_dir``: the store's run dir, which
    only the store's owner uses); a stale socket is replaced, a live one is an error."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700)
    elif private_dir:
        os.chmod(directory, 0o700)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise MockerError(f"cannot listen on {path}: a file that is not a socket is in the way")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError as e:
        if e.errno not in (errno.ECONNREFUSED, errno.ENOENT):
            raise MockerError(f"cannot listen on {path}: {e.strerror}") from None
        os.unlink(path)  # stale: nobody listens
    else:
        raise MockerError(f"cannot listen on {path}: another service is listening there")
    finally:
        probe.close()


def serve(path: str, root: str | None, *, idle_timeout: float = 0, debug: bool = False,
          ready: Any = None, private_dir: bool = False) -> None:
    """Serve until interrupted, or until ``idle_timeout`` seconds pass without a connection.
    ``private_dir``: make the socket's directory 0700 even if it exists (the default socket)."""
    server = Server(path, root, debug=debug, private_dir=private_dir)
    if debug:
        import faulthandler
        import signal

        faulthandler.register(signal.SIGUSR1, all_threads=True)   # where is every thread? (kill -USR1)
    try:
        server.server_bind()
    except BaseException:
        server.server_close()
        raise
    tmp = server._tmp
    try:
        server.server_activate()
        if ready is not None:
            ready(path)
        if idle_timeout > 0:
            threading.Thread(target=_idle_watch, args=(server, idle_timeout), daemon=True).start()
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        for leftover in (path, tmp):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def _idle_watch(server: Server, limit: float) -> None:
    while True:
        left = limit - server.activity.idle_for()
        if left <= 0:
            server.shutdown()
            return
        time.sleep(min(max(left, 0.05), 1.0))
