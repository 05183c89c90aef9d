"""One API request as the endpoints see it: query, JSON body, and the ways to answer.

Answers come in four shapes, as the Engine API uses them:

- :meth:`Request.send_json` / :meth:`send_empty` / :meth:`send_bytes`: a complete body;
- :meth:`Request.stream`: a chunked body written as it is produced (pull progress, logs, events,
  stats, and ``wait``, whose headers must reach the client before the container even starts);
- :meth:`Request.hijack`: the connection becomes a raw two-way stream (attach, exec start), with
  ``101 UPGRADED`` when the client asked for ``Upgrade: tcp`` and ``200`` otherwise;
- request bodies are read whole (:meth:`body`, :meth:`json`) or streamed (:meth:`body_stream`,
  for tar archives), with ``Content-Length`` or chunked transfer encoding.
"""

from __future__ import annotations

import json
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from mocker.errors import InvalidArgument

if TYPE_CHECKING:
    from http.server import BaseHTTPRequestHandler

    from mocker.store.store import Store

API_VERSION = "1.41"    # the newest version served (router.MAX_VERSION), sent on every answer as moby does
MAX_JSON_BODY = 64 * 1024 * 1024
TRUE_WORDS = ("1", "true", "True", "TRUE", "yes")
FALSE_WORDS = ("", "0", "false", "False", "FALSE", "no")


class Request:
    """A parsed request plus its connection; ``params`` are the route's named path parts."""

    def __init__(self, handler: BaseHTTPRequestHandler, method: str, path: str, query: str,
                 version: tuple[int, int], root: str | None) -> None:
        self.handler = handler
        self.method = method
        self.path = path
        self.version = version
        self.params: dict[str, str] = {}
        self.headers = handler.headers
        self._query = parse_qs(query, keep_blank_values=True)
        self._root = root
        self._store: Store | None = None
        self.answered = False
        self.hijacked = False
        self._body_used = False
        self._reader: BodyReader | None = None

    # ---- the store: one connection per request (sqlite connections stay in their thread) -------

    @property
    def store(self) -> Store:
        if self._store is None:
            from mocker.store.store import Store

            self._store = Store.open(self._root)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # ---- query -----------------------------------------------------------------------------------

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self._query.get(name)
        return values[-1] if values else default

    def q_all(self, name: str) -> list[str]:
        return list(self._query.get(name, []))

    def q_bool(self, name: str, default: bool = False) -> bool:
        """Docker's ``httputils.BoolValue``: anything but "", "0", "no", "false", "none" is true."""
        value = self.q(name)
        if value is None:
            return default
        return value.strip().lower() not in ("", "0", "no", "false", "none")

    def q_int(self, name: str, default: int | None = None) -> int | None:
        value = self.q(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise InvalidArgument(f"invalid value for {name}: {value!r}") from None

    def filters(self) -> dict[str, list[str]]:
        """The ``filters`` parameter: ``{"key": ["v"]}`` or the older ``{"key": {"v": true}}``."""
        text = self.q("filters")
        if not text:
            return {}
        try:
            raw = json.loads(text)
        except ValueError:
            raise InvalidArgument(f"invalid filter: {text}") from None
        if not isinstance(raw, dict):
            raise InvalidArgument(f"invalid filter: {text}")
        out: dict[str, list[str]] = {}
        for key, value in raw.items():
            if isinstance(value, dict):
                out[key] = [k for k, on in value.items() if on]
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
            elif isinstance(value, str):
                out[key] = [value]
            else:
                raise InvalidArgument(f"invalid filter: {text}")
        return out

    # ---- body ------------------------------------------------------------------------------------

    def body_stream(self) -> BodyReader:
        if self._reader is None:
            self._reader = BodyReader(self.handler)
        self._body_used = True
        return self._reader

    def body(self, limit: int = MAX_JSON_BODY) -> bytes:
        reader = self.body_stream()
        data = reader.read(limit + 1)
        if len(data) > limit:
            raise InvalidArgument("request body too large")
        return data

    def json(self) -> dict[str, Any]:
        data = self.body()
        if not data.strip():
            return {}
        try:
            doc = json.loads(data)
        except ValueError as e:
            raise InvalidArgument(f"invalid JSON: {e}") from None
        if doc is None:
            return {}
        if not isinstance(doc, dict):
            raise InvalidArgument("invalid JSON: expected an object")
        return doc

    def drain(self) -> None:
        """Read what is left of the body (all of it, or the rest after a handler that stopped
        early, e.g. on a bad tar), so the next request on a kept-alive connection starts cleanly."""
        if not self.hijacked:
            reader = self.body_stream()
            while reader.read(65536):
                pass

    def unread_body(self) -> int | None:
        """Bytes of the body not read yet (0 when none is left); None when unknown (chunked)."""
        if self.hijacked:
            return 0
        return self.body_stream().left

    # ---- answers ---------------------------------------------------------------------------------

    def _start(self, status: int, headers: dict[str, str]) -> None:
        h = self.handler
        h.send_response(status)
        h.send_header("Api-Version", API_VERSION)
        for k, v in headers.items():
            h.send_header(k, v)
        h.end_headers()
        self.answered = True

    def send_bytes(self, data: bytes, content_type: str = "application/json", status: int = 200,
                   headers: dict[str, str] | None = None) -> None:
        self._start(status, {"Content-Type": content_type, "Content-Length": str(len(data)), **(headers or {})})
        if self.method != "HEAD" and data:
            self.handler.wfile.write(data)

    def send_json(self, obj: Any, status: int = 200) -> None:
        self.send_bytes(json.dumps(obj).encode() + b"\n", status=status)

    def send_empty(self, status: int = 204, headers: dict[str, str] | None = None) -> None:
        h = {"Content-Length": "0"} if status != 204 else {}
        self._start(status, {**h, **(headers or {})})

    def send_text(self, text: str, status: int = 200) -> None:
        self.send_bytes(text.encode(), "text/plain; charset=utf-8", status)

    def stream(self, content_type: str = "application/json", status: int = 200,
               headers: dict[str, str] | None = None) -> ChunkedWriter:
        self._start(status, {"Content-Type": content_type, "Transfer-Encoding": "chunked", **(headers or {})})
        return ChunkedWriter(self.handler)

    def hijack(self, content_type: str = "application/vnd.docker.raw-stream") -> socket.socket:
        """Hand the raw connection over (attach, exec start); it is closed after the handler."""
        upgrade = (self.headers.get("Upgrade") or "").lower() == "tcp"
        h = self.handler
        if upgrade:
            h.send_response_only(101, "UPGRADED")
            h.send_header("Content-Type", content_type)
            h.send_header("Connection", "Upgrade")
            h.send_header("Upgrade", "tcp")
        else:
            h.send_response_only(200)
            h.send_header("Content-Type", content_type)
        h.send_header("Api-Version", API_VERSION)
        h.end_headers()
        self.answered = True
        self.hijacked = True
        h.close_connection = True
        sock: socket.socket = h.connection
        return sock


class ChunkedWriter:
    """Chunked transfer encoding; :meth:`close` ends the body. A gone client raises ``OSError``.
    A binary file object too (``write``/``flush``), for engine functions that write archives."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._wfile = handler.wfile
        self.closed = False

    def write(self, data: bytes) -> int:
        if data:
            self._wfile.write(b"%x\r\n%s\r\n" % (len(data), bytes(data)))
            self._wfile.flush()
        return len(data)

    def flush(self) -> None:
        pass

    def json(self, obj: Any) -> None:
        self.write(json.dumps(obj).encode() + b"\n")

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._wfile.write(b"0\r\n\r\n")
                self._wfile.flush()
            except OSError:
                pass


class BodyReader:
    """The request body as a binary stream: ``Content-Length`` bytes, or chunked, or nothing."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self._rfile = handler.rfile
        te = (handler.headers.get("Transfer-Encoding") or "").lower()
        self._chunked = "chunked" in te
        length = handler.headers.get("Content-Length")
        try:
            self._left = int(length) if length is not None and not self._chunked else 0
        except ValueError:
            raise InvalidArgument(f"invalid Content-Length: {length}") from None
        if self._left < 0:
            raise InvalidArgument(f"invalid Content-Length: {length}")
        self._chunk_left = 0
        self._done = not self._chunked and self._left == 0

    @property
    def left(self) -> int | None:
        if self._done:
            return 0
        return None if self._chunked else self._left

    def _raw(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            piece = self._rfile.read(n - len(out))
            if not piece:
                raise InvalidArgument("unexpected end of request body")
            out += piece
        return bytes(out)

    def _next_chunk(self) -> None:
        line = self._rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise InvalidArgument("malformed chunked request body")
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise InvalidArgument("malformed chunked request body") from None
        if size == 0:
            while self._rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass      # trailers
            self._done = True
        self._chunk_left = size

    def read(self, n: int = -1) -> bytes:
        if self._done:
            return b""
        if n is None or n < 0:
            parts: list[bytes] = []
            while True:
                part = self.read(1 << 20)
                if not part:
                    return b"".join(parts)
                parts.append(part)
        if not self._chunked:
            want = min(n, self._left)
            piece = self._rfile.read(want) if want else b""
            if want and not piece:
                raise InvalidArgument("unexpected end of request body")
            self._left -= len(piece)
            self._done = self._left == 0
            return piece
        if self._chunk_left == 0:
            self._next_chunk()
            if self._done:
                return b""
        piece = self._rfile.read(min(n, self._chunk_left))
        if not piece:
            raise InvalidArgument("unexpected end of request body")
        self._chunk_left -= len(piece)
        if self._chunk_left == 0:
            self._raw(2)   # CRLF after the chunk
        return piece

    def readable(self) -> bool:
        return True
