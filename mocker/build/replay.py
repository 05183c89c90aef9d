"""A no-change rebuild answered from its last run, when nothing that run read has changed
(DECISIONS 39).

A build that ran no step, pulled nothing and fetched no URL is a function of what it read: its
command line and environment, the files it opened or looked for (Dockerfile, ignore files, mocker's
config), the context directory, the code that ran, and the store's database. When such a build of
``mocker build`` succeeds, its output is kept with a fingerprint of all of that in
``<root>/build/replay/<key>.json``; the key hashes argv, working directory, environment, user,
which output streams are terminals and the interpreter. The next ``mocker build`` with that key
compares the fingerprint before it imports the CLI or opens SQLite: if every part matches, it
prints the kept output (and writes ``--iidfile``), which is what the build would print and do; if
anything differs, it builds as usual and keeps a new record.

What makes a match sound:
- A file or directory matches on (device, inode, mode, size, mtime, ctime in ns); ctime cannot be
  set by users and moves with every write. A stat is kept only when its ctime is 2 s older than the
  build's start (DECISIONS 26's racy rule): the file did not change while the build read it, and
  any later write moves its ctime to another tick.
- Files the build opened by an absolute path are seen through an audit hook (``open``,
  ``os.listdir``, ``os.scandir``); relative ones are not trusted (the event does not say which
  ``dir_fd`` they were relative to). Paths only looked for (the Dockerfile, ignore files, a
  relative ``-f``, the layer directories a cached step found) are named by the CLI and the
  builder; a path that was absent is kept as absent, with its parent directory's stat.
- The context is every entry under its directory (at most :data:`MAX_ENTRIES`; a larger context is
  not recorded) but the ``--iidfile`` the build rewrites; a symlink leading out of it is followed
  to its file, and one leading to a directory outside means no record. The code is every
  ``mocker`` and site-packages module file that was loaded.
- The database: ``mocker.db``'s stat with its WAL absent or empty, the same before and after the
  build; when it changed less than 2 s before the build, also its SHA-256, compared on replay.
- Time: a cache hit rewrites ``last_used`` once it is 60 s old (``cache.TOUCH_SLACK``); a record is
  used only while the build would not have written that.
Blobs and layer directories are written once under names derived from their content, so they are
exempt from the racy rule (one written just now never changes after), not from the comparison: a
damaged or missing one must be met by the build. Records are private to their user (a record
names the file ``--iidfile`` writes). The API's ``POST /build`` never replays: it calls the engine.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

VERSION = 1
RACY_NS = 2_000_000_000
MAX_ENTRIES = 2000  # context entries; walking more would cost what the build costs
DB_HASH_LIMIT = 8 << 20  # a racy database larger than this is not recorded
LIMIT = 64  # records kept per store
COMMANDS = (("build",), ("image", "build"), ("builder", "build"))

_pending: Pending | None = None


def attempt(argv: list[str]) -> int | None:
    """The exit code of a replayed build, or None: then build as usual (and :func:`pending` is
    set when this build may be recorded)."""
    global _pending
    if sys.platform == "darwin" or not any(tuple(argv[:len(c)]) == c for c in COMMANDS):
        return None  # macOS builds go to Apple's backend, which this does not fingerprint
    if sys.stdout is None or sys.stderr is None:
        return None  # a closed stream: the CLI reports that as it always does
    from mocker.store.paths import default_root_text

    start = time.time_ns()
    root = default_root_text()
    try:
        record_path = os.path.join(root, "build", "replay", _key(argv) + ".json")
        db = _db_state(root)
    except OSError:
        return None  # no working directory, an unreadable store: the build will say what is wrong
    if db is None:
        return None  # the WAL holds a write in progress (or there is no store yet)
    hit = None
    try:
        rec = _load(record_path)
        if rec is not None and _matches(rec, root, db):
            hit = rec
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        pass  # a damaged record, or files that vanished while looking: build as usual, record anew
    if hit is not None:
        return _play(hit)
    try:
        db_sha = None if db[5] <= start - RACY_NS else _file_sha(os.path.join(root, "mocker.db"))
    except OSError:
        return None
    if db_sha != "":  # "": changed just now and too large to compare by content
        _pending = Pending(record_path, root, start, db, db_sha)
        sys.addaudithook(_pending.audit)
    return None


def pending() -> Pending | None:
    """What :func:`attempt` left for this process's build to record, if anything."""
    return _pending


# ---- matching ------------------------------------------------------------------------------------

def _key(argv: list[str]) -> str:
    from mocker.shortsha import sha256_hex

    parts = [str(VERSION), sys.executable, str(sys.hexversion), os.getcwd(), str(os.geteuid()),
             str(os.getegid()), str(os.isatty(1)), str(os.isatty(2)), "argv", str(len(argv)), *argv,
             "env", *sorted(f"{k}={v}" for k, v in os.environ.items())]
    return sha256_hex("\0".join(parts).encode("utf-8", "surrogateescape"))


def _ident(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def _probe(path: str, follow: bool) -> list[int] | None:
    try:
        return _ident(os.stat(path) if follow else os.lstat(path))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _db_state(root: str) -> list[int] | None:
    """``mocker.db``'s identity while its WAL holds nothing; None otherwise (or without a DB).
    The WAL is looked at first: if it was empty then and the DB file still is as it was, the
    database was in that state at that moment."""
    db = os.path.join(root, "mocker.db")
    try:
        if os.stat(db + "-wal").st_size:
            return None
    except FileNotFoundError:
        pass
    return _probe(db, True)


def _file_sha(path: str) -> str:
    """SHA-256 of a file up to :data:`DB_HASH_LIMIT` bytes; "" for a larger one."""
    from mocker.shortsha import sha256_hex

    with open(path, "rb") as f:
        data = f.read(DB_HASH_LIMIT + 1)
    return "" if len(data) > DB_HASH_LIMIT else sha256_hex(data)


def _tree(root: str, skip: str | None = None, links: list[str] | None = None) -> tuple[str, int] | None:
    """A digest of every entry's stat under ``root`` but ``skip`` (the ``--iidfile`` the build itself
    rewrites) and the newest ctime; None past MAX_ENTRIES. Symlinks found go to ``links``."""
    from mocker.shortsha import sha256

    top = os.lstat(root)
    h = sha256(f"{_ident(top)}\n".encode())
    count, newest = 0, top.st_ctime_ns
    todo = [("", root)]
    while todo:
        rel, path = todo.pop()
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            if e.path == skip:
                continue
            count += 1
            if count > MAX_ENTRIES:
                return None
            st = e.stat(follow_symlinks=False)
            if links is not None and e.is_symlink():
                links.append(e.path)
            name = f"{rel}/{e.name}"
            h.update(f"{name}\0{st.st_ino}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\n"
                     .encode("utf-8", "surrogateescape"))
            newest = max(newest, st.st_ctime_ns)
            if e.is_dir(follow_symlinks=False):
                todo.append((name, e.path))
    return h.hexdigest(), newest


def _load(path: str) -> dict[str, Any] | None:
    from mocker import jsonc

    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if st.st_uid != os.geteuid() or st.st_mode & 0o022:
                return None  # not one this user wrote: a record makes this process write a file
            rec = jsonc.loads(f.read())
    except FileNotFoundError:
        return None
    return rec if isinstance(rec, dict) and rec.get("v") == VERSION else None


def _matches(rec: dict[str, Any], root: str, db: list[int]) -> bool:
    until = rec["until"]
    if until is not None and time.time() >= until:
        return False
    if rec["db"] != db or rec["db_sha"] is not None and _file_sha(os.path.join(root, "mocker.db")) != rec["db_sha"]:
        return False
    for path, follow, ident in rec["files"]:
        if _probe(path, follow) != ident:
            return False
    if os.path.realpath(rec["location"]) != rec["context"]:
        return False
    tree = _tree(rec["context"], rec["skip"])
    if tree is None or tree[0] != rec["tree"]:
        return False
    from mocker.build.parse_memo import parser_identity

    return bool(rec["parser"] == parser_identity())


def _play(rec: dict[str, Any]) -> int:
    """What the build printed and wrote; a failing write reported as the CLI reports it (a closed
    pipe goes up to the launcher: exit 141)."""
    try:
        sys.stdout.write(rec["out"])
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        sys.stderr.write(f"Error: {e.strerror or e}\n")
        return 1
    if rec["iid"] is not None:
        path, content = rec["iid"]
        try:
            with open(path, "w") as f:
                f.write(content)
        except OSError as e:
            sys.stderr.write(f"Error: {e.strerror or e}" + (f": {e.filename}" if e.filename else "") + "\n")
            return 1
    return 0


# ---- recording -----------------------------------------------------------------------------------

class Pending:
    """A build that may be recorded: its key, the database as it was, and what it opens."""

    def __init__(self, path: str, root: str, start: int, db: list[int], db_sha: str | None) -> None:
        self.path = path
        self.root = root
        self.start = start
        self.db = db
        self.db_sha = db_sha
        self.opened: dict[str, bool] = {}  # path -> follows symlinks (open) or not (a listing)
        self.watching = True
        self.out: Tee | None = None
        self.err: Tee | None = None
        # Not inputs: the parse memo (named by the text it parsed), the digest cache (keyed on the
        # stats it saves reading), the records, and a step's scratch mounts and staging dirs, which
        # live for one build and hold what layers and blobs hold.
        self.skip = tuple(os.path.join(root, "build", *p) for p in (
            ("dockerfiles", ""), ("replay", ""), ("context-hashes.json",), ("step-",), ("staging", "")))
        # Written once under a content-derived name, so exempt from the racy rule.
        self.stored = (os.path.join(root, "blobs", ""), os.path.join(root, "layers", ""))

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if not self.watching:
            return
        if event == "open":
            path, mode, flags = args
            if isinstance(path, int):
                return
            writes = (flags & (os.O_WRONLY | os.O_RDWR)) if mode is None else any(c in mode for c in "wax+")
            if not writes:
                self._note(path, True)
        elif event in ("os.listdir", "os.scandir") and args and isinstance(args[0], str | bytes):
            self._note(args[0], False)

    def _note(self, path: Any, follow: bool) -> None:
        text = os.fsdecode(path)
        # A relative path may be relative to a dir_fd the event does not show (a step's scratch
        # mounts): not this process's cwd. The CLI's own relative paths come in as ``probed``.
        if os.path.isabs(text) and "__pycache__" not in text and not text.startswith(self.skip):
            self.opened.setdefault(os.path.normpath(text), follow)

    def watch(self, stdout: TextIO, stderr: TextIO) -> tuple[TextIO, TextIO]:
        """The streams to give the build: they keep what it prints."""
        self.out, self.err = Tee(stdout), Tee(stderr)
        return self.out, self.err  # type: ignore[return-value]

    def save(self, *, iid: tuple[str, str] | None, location: str, context: str,
             probed: list[str], fresh_until: float | None) -> bool:
        """Keep the record; False (and nothing kept) when any input is too fresh to be trusted,
        the database changed during the build, or the context is too large."""
        self.watching = False
        if self.out is None or self.err is None or self.out.bypassed or self.err.parts:
            return False  # output this record would not have (a warning, a RUN step's raw bytes)
        if fresh_until is not None and fresh_until <= time.time():
            return False
        db_file = os.path.join(self.root, "mocker.db")
        if _db_state(self.root) != self.db or self.db_sha is not None and _file_sha(db_file) != self.db_sha:
            return False
        skip = os.path.abspath(iid[0]) if iid is not None else None
        links: list[str] = []
        tree = _tree(context, skip, links)
        if tree is None or tree[1] > self.start - RACY_NS:
            return False
        files = self._files(context, probed, links)
        if files is None:
            return False
        from mocker.build.memo_files import keep_newest, write_json
        from mocker.build.parse_memo import parser_identity

        write_json(self.path, {
            "v": VERSION, "until": fresh_until, "db": self.db, "db_sha": self.db_sha, "files": files,
            "location": location, "context": context, "skip": skip, "tree": tree[0], "parser": parser_identity(),
            "out": self.out.text(), "iid": list(iid) if iid is not None else None,
        })
        keep_newest(os.path.dirname(self.path), LIMIT)
        return True

    def _files(self, context: str, probed: list[str], links: list[str]) -> list[list[Any]] | None:
        """``[path, follow, stat]`` of every input outside the context's tree; None if one is
        racy, or a symlink in the context leads to a directory outside it (not fingerprinted)."""
        inside = context.rstrip(os.sep) + os.sep
        wanted = {(path, follow) for path, follow in self.opened.items() if not path.startswith(inside)}
        for p in probed:  # looked for by the CLI: the name itself and what it leads to
            wanted |= {(os.path.abspath(p), False), (os.path.abspath(p), True)}
        for link in links:  # the tree has the link; what it points at outside needs its own stat
            real = os.path.realpath(link)
            if real != context and not real.startswith(inside):
                if os.path.isdir(real):
                    return None
                wanted.add((link, True))
        for name, mod in list(sys.modules.items()):
            file = getattr(mod, "__file__", None)
            if isinstance(file, str) and (name.split(".", 1)[0] == "mocker" or "-packages" + os.sep in file):
                wanted.add((file, True))
        out: list[list[Any]] = []
        for path, follow in sorted(wanted):
            ident = _probe(path, follow)
            if ident is None:  # absent: kept as such, with the directory whose change would show it
                parent = os.path.dirname(path)
                pident = _probe(parent, True)
                if pident is not None and pident[5] > self.start - RACY_NS:
                    return None
                out.append([parent, True, pident])
            elif ident[5] > self.start - RACY_NS and not path.startswith(self.stored):
                return None
            out.append([path, follow, ident])
        return out


class Tee:
    """The build's output stream, kept as it is written; output that bypasses it (a RUN step's
    bytes written to the file descriptor) spoils the record."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []
        self.bypassed = False

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        self.bypassed = True
        return self.stream.fileno()

    def text(self) -> str:
        return "".join(self.parts)
