"""Running Apple's ``container`` executable and translating its failures.

Every call is an argv list (ruff ``S`` clean): user input never meets a shell. stdout and stderr are
read concurrently (``communicate``), so large output cannot deadlock; calls that can hang (``logs
-f`` never exits on its own) stream instead and are interrupted by the user.

The CLI's conventions (see ../shared/docs/APPLE-CONTAINER.md §2 and §5): results on stdout, ``Error:
<text>`` on stderr with exit 1, argument-parser errors exit 64 (for us: a translation bug), and any
text containing ``XPC connection error`` means the system service is not running.
"""

from __future__ import annotations

import os

from mocker.errors import ContainerNotFound, ImageNotFound, MockerError, NotFound
from mocker.records import Record

# Start-up cost (``ps`` runs through here): typing, threading, re and subprocess (~12 ms; plain calls
# go through runtime/apple/spawn.py) are imported where used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    import threading
    from collections.abc import Callable, Sequence
    from typing import IO, Any

DEFAULT_TIMEOUT = 120.0
START_HINT = "start it with `container system start`"


class ServiceNotRunning(MockerError):
    """The apiserver (``com.apple.container.apiserver``) is not running or not registered."""

    def __init__(self, detail: str = "") -> None:
        text = "Apple's container system service is not running: " + START_HINT
        super().__init__(text + (f" ({detail})" if detail else ""))


class CLIUsageBug(MockerError):
    """Exit 64: the CLI rejected the arguments mocker built, i.e. a translation bug (or a CLI
    version without that option)."""


class Result(Record):
    __slots__ = ("code", "stdout", "stderr")

    code: int
    stdout: bytes
    stderr: str

    def __init__(self, code: int, stdout: bytes, stderr: str) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "stdout", stdout)
        object.__setattr__(self, "stderr", stderr)

    @property
    def text(self) -> str:
        return self.stdout.decode(errors="replace")


def _error_text(stderr: str) -> str:
    """The message of the CLI's ``Error: ...`` line(s), without usage text."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    for i, ln in enumerate(lines):
        if ln.startswith("Error: "):
            rest = [x for x in lines[i + 1:] if not x.startswith(("Usage:", "  See", "See "))]
            return " ".join([ln[len("Error: "):], *rest]).strip()
    return " ".join(lines).strip()


def translate_failure(args: Sequence[str], result: Result) -> MockerError:
    """One mocker error for a failed call, chosen by exit code and message."""
    text = _error_text(result.stderr) or f"exit status {result.code}"
    if "XPC connection error" in result.stderr or "container system start" in result.stderr \
            or "Plugins are unavailable" in result.stderr:
        return ServiceNotRunning()
    if result.code == 64:
        return CLIUsageBug(f"the container CLI rejected the arguments mocker built ({' '.join(args[:2])}): {text}")
    low = text.lower()
    if "not found" in low or "no such" in low:
        if "image" in low:
            return ImageNotFound(text)
        if "container" in low:
            return ContainerNotFound(text)
        return NotFound(text)
    return MockerError(text)


class ContainerCLI:
    """One ``container`` executable. Cheap to create; the version is asked once, lazily."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._version: tuple[int, int, int] | None = None
        self._version_text = ""

    # ---- plain calls ------------------------------------------------------------------------------

    def call(self, args: Sequence[str], *, input: bytes | None = None, timeout: float | None = DEFAULT_TIMEOUT,
             check: bool = True) -> Result:
        from mocker.runtime.apple.spawn import Timeout, capture

        argv = [self.path, *args]
        try:
            code, out, err = capture(argv, input=input, timeout=timeout)
        except FileNotFoundError:
            raise MockerError(f"Apple's container CLI not found at {self.path}") from None
        except PermissionError:
            raise MockerError(f"Apple's container CLI at {self.path} cannot be executed") from None
        except Timeout:
            raise MockerError(f"container {' '.join(args[:2])} did not finish within {timeout:.0f} s") from None
        result = Result(code, out, err.decode(errors="replace"))
        if check and result.code != 0:
            raise translate_failure(args, result)
        return result

    def json(self, args: Sequence[str], *, timeout: float | None = DEFAULT_TIMEOUT) -> Any:
        import json

        result = self.call(args, timeout=timeout)
        text = result.text.strip()
        if not text:
            return []
        try:
            return json.loads(text)
        except ValueError as e:
            raise MockerError(f"container {' '.join(args[:2])}: unreadable JSON output: {e}") from None

    # ---- streaming calls --------------------------------------------------------------------------

    def stream(self, args: Sequence[str], *, stdin: int | None = None, stdout: Any = None,
               stderr: Any = None, input_stream: IO[bytes] | None = None,
               stop: threading.Event | None = None) -> tuple[int, str]:
        """Run with the caller's streams: a file descriptor is passed straight through (a TTY stays
        a TTY), anything else (a callable taking bytes) is fed from a pipe by a thread. Returns the
        exit code and the last ``Error:`` line the CLI wrote. ``stop``, once set, ends the call
        (``logs -f`` never ends on its own)."""
        import subprocess
        import threading

        argv = [self.path, *args]
        out_fd = stdout if isinstance(stdout, int) else (subprocess.PIPE if stdout is not None else subprocess.DEVNULL)
        err_tail: list[str] = []
        # stderr always passes through us, so a CLI failure ("Error: ...", exit 1) can be told apart
        # from the container's own exit status 1 (with -t the CLI merges the container's stderr
        # into stdout anyway, so a terminal loses nothing).
        err_fd = subprocess.PIPE
        in_arg: Any = stdin if stdin is not None else (subprocess.PIPE if input_stream is not None
                                                        else subprocess.DEVNULL)
        try:
            proc = subprocess.Popen(argv, stdin=in_arg, stdout=out_fd, stderr=err_fd)  # noqa: S603
        except FileNotFoundError:
            raise MockerError(f"Apple's container CLI not found at {self.path}") from None
        threads = []
        if proc.stdout is not None and callable(stdout):
            threads.append(threading.Thread(target=_copy, args=(proc.stdout, stdout, None), daemon=True))
        if proc.stderr is not None:
            sink: Callable[[bytes], object] | None = stderr if callable(stderr) else None
            if isinstance(stderr, int):
                fd = stderr
                sink = lambda data: os.write(fd, data)  # noqa: E731
            threads.append(threading.Thread(target=_copy, args=(proc.stderr, sink, err_tail), daemon=True))
        if proc.stdin is not None and input_stream is not None:
            threads.append(threading.Thread(target=_feed, args=(input_stream, proc.stdin), daemon=True))
        if stop is not None:
            def _stopper() -> None:
                stop.wait()
                if proc.poll() is None:
                    proc.terminate()

            threads.append(threading.Thread(target=_stopper, daemon=True))
        for t in threads:
            t.start()
        code = _wait_forwarding(proc)
        if stop is not None:
            stop.set()
        for t in threads:
            t.join(timeout=5)
        tail = "".join(err_tail)
        return code, tail

    # ---- facts ------------------------------------------------------------------------------------

    def version(self) -> tuple[int, int, int]:
        """``container --version`` (needs no running service): ``container CLI version 1.2.2 (...)``.

        Remembered across mocker commands in a small cache keyed by the executable's identity (device,
        inode, size, mtime): an upgraded CLI is a different file and is asked again. That saves one CLI
        run per command (most commands pick options by version)."""
        if self._version is None:
            key = _identity(self.path)
            text = _cached_version(key) if key else None
            parsed = _parse_version(text) if text else None
            if parsed is None:
                text = self.call(["--version"], timeout=30).text.strip()
                parsed = _parse_version(text)
                if parsed is None:
                    raise MockerError(f"cannot read the version of Apple's container CLI from {text!r}")
                if key:
                    _remember_version(key, text)
            assert text is not None
            self._version_text, self._version = text, parsed
        return self._version

    @property
    def version_text(self) -> str:
        self.version()
        return self._version_text

    def at_least(self, major: int, minor: int = 0, patch: int = 0) -> bool:
        return self.version() >= (major, minor, patch)

    def status(self) -> dict[str, Any]:
        """``system status``: ``{"status": "running", ...}``; raises :class:`ServiceNotRunning` otherwise."""
        import json

        if not self.at_least(0, 10):
            result = self.call(["system", "status"], check=False, timeout=30)
            if result.code != 0 or "is running" not in result.text:
                raise ServiceNotRunning(result.text.strip())
            return {"status": "running"}
        result = self.call(["system", "status", "--format", "json"], check=False, timeout=30)
        try:
            doc = json.loads(result.text) if result.text.strip() else {}
        except ValueError:
            doc = {}
        state = doc.get("status") if isinstance(doc, dict) else None
        if result.code != 0 or state != "running":
            raise ServiceNotRunning(f"status: {state}" if state else _error_text(result.stderr))
        return dict(doc)

    def progress_flags(self) -> list[str]:
        """Quiet progress where the option exists (stderr is not for bars when mocker drives it)."""
        if self.at_least(0, 7):
            return ["--progress", "none"]
        return ["--disable-progress-updates"]

    def image_group(self) -> str:
        """``image`` since 0.5.0; before that the group was ``images``."""
        return "image" if self.at_least(0, 5) else "images"


def _parse_version(text: str) -> tuple[int, int, int] | None:
    import re

    m = re.search(r"version\s+(\d+)\.(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mocker", "apple-cli-version")


def _identity(path: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{os.path.abspath(path)}|{st.st_dev}|{st.st_ino}|{st.st_size}|{st.st_mtime_ns}"


def _cached_version(key: str) -> str | None:
    try:
        with open(_cache_path(), encoding="utf-8") as f:
            for line in f:
                k, tab, text = line.rstrip("\n").partition("\t")
                if tab and k == key:
                    return text
    except (OSError, UnicodeDecodeError):
        pass
    return None


def _remember_version(key: str, text: str) -> None:
    """Best effort (a cache): an unwritable cache directory only costs the next command a CLI run.
    Written to a temporary file and renamed, so a concurrent mocker never reads half a file."""
    path = _cache_path()
    try:
        with open(path, encoding="utf-8") as f:
            keep = [ln for ln in f.read().splitlines() if ln.partition("\t")[0] != key][-7:]
    except (OSError, UnicodeDecodeError):
        keep = []
    line = f"{key}\t{text}".replace("\n", " ")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("\n".join([*keep, line]) + "\n")
        os.replace(tmp, path)
    except OSError:
        pass


def _wait_forwarding(proc: subprocess.Popen[bytes]) -> int:
    """Wait for the CLI. Ctrl-C reaches it too (same process group) and it forwards the signal to
    the container, as Docker's sig-proxy does: keep waiting for its exit status. A second Ctrl-C
    ends the CLI."""
    interrupted = False
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            if interrupted:
                proc.terminate()
                proc.wait()
                raise
            interrupted = True


def _copy(src: IO[bytes], sink: Callable[[bytes], object] | None, tail: list[str] | None) -> None:
    last = b""
    while True:
        chunk = os.read(src.fileno(), 65536)
        if not chunk:
            break
        if sink is not None:
            sink(chunk)
        if tail is not None:
            last = (last + chunk)[-4096:]
    if tail is not None:
        # The CLI's own failure is the last thing it writes; an "Error:" line the container printed
        # earlier is the container's output, not a CLI failure.
        lines = [ln for ln in last.decode(errors="replace").splitlines() if ln.strip()]
        if lines and lines[-1].startswith("Error: "):
            tail.append(lines[-1])


def _feed(src: IO[bytes], dst: IO[bytes]) -> None:
    try:
        while True:
            chunk = src.read(65536)
            if not chunk:
                break
            dst.write(chunk)
            dst.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass
    finally:
        try:
            dst.close()
        except OSError:
            pass
