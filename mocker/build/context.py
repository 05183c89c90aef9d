"""The build context: a directory (or a tar from stdin, unpacked to one) seen through .dockerignore.

COPY/ADD only ever read files of the context that .dockerignore lets through, and never leave the
context: a source path is cleaned and joined to the root, symlinks among the sources are copied as
links, not followed. The cache key of a COPY is :meth:`BuildContext.digest` of its sources: names,
modes, sizes, link targets and contents, never mtimes, so touching a file does not bust the cache.
"""

from __future__ import annotations

import os
import posixpath
import stat

from mocker.errors import InvalidArgument
from mocker.records import frozen

TYPE_CHECKING = False  # a cached rebuild walks the context: no ``typing``/``pathlib`` (DECISIONS 37)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import BinaryIO

    from mocker.build.ignore import IgnoreMatcher

_GLOB = set("*?[")
_SMALL_FILE = 1 << 16


@frozen
class Source:
    """One selected source: ``rel`` inside ``root`` (``""`` = the root itself)."""

    root: str
    rel: str
    is_dir: bool


class BuildContext:
    """A context directory, its ignore rules, and the temp dir to remove when it came from a tar."""

    def __init__(self, root: str | os.PathLike[str], matcher: IgnoreMatcher | _NoIgnoreFile, *,
                 temp: str | os.PathLike[str] | None = None) -> None:
        self.root = os.fspath(root)  # text: the context's absolute path, symlinks resolved
        self.matcher = matcher
        self.temp = os.fspath(temp) if temp is not None else None
        self.hashes: HashCache | None = None  # set by the engine for directory contexts

    def close(self) -> None:
        if self.temp is not None:
            import shutil

            shutil.rmtree(self.temp, ignore_errors=True)
            self.temp = None

    # ---- selecting sources --------------------------------------------------------------------

    def included(self, rel: str) -> bool:
        return not rel or not self.matcher.excluded(rel)

    def select(self, src: str) -> list[Source]:
        """The context entries a COPY/ADD source names (globs expanded), as Docker resolves them."""
        cleaned = posixpath.normpath("/" + src).lstrip("/")
        if cleaned in ("", "."):
            cleaned = ""
        if not (_GLOB & set(cleaned)):
            return [self._one(cleaned, src)]
        import fnmatch

        found: list[Source] = []
        depth = cleaned.count("/")
        for rel in self._walk_names(""):
            if rel.count("/") == depth and fnmatch.fnmatchcase(rel, cleaned) and self.included(rel):
                st = os.lstat(os.path.join(self.root, rel))
                found.append(Source(self.root, rel, stat.S_ISDIR(st.st_mode)))
        if not found:
            raise InvalidArgument("COPY failed: no source files were specified")
        return sorted(found, key=lambda s: s.rel)

    def _one(self, rel: str, shown: str) -> Source:
        path = os.path.join(self.root, rel) if rel else self.root
        try:
            st = os.lstat(path)
        except OSError:
            st = None
        if st is None or not self.included(rel) and not (stat.S_ISDIR(st.st_mode)
                                                         and self.matcher.may_include_below(rel)):
            raise InvalidArgument("COPY failed: file not found in build context or excluded by .dockerignore: "
                                  f"stat {shown.lstrip('/') or '.'}: file does not exist")
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(path)
            if not (target == self.root or target.startswith(self.root + os.sep)):
                raise InvalidArgument(f"COPY failed: forbidden path outside the build context: {shown}")
            rel = os.path.relpath(target, self.root)
            rel = "" if rel == "." else rel
            st = os.lstat(target)
        return Source(self.root, rel, stat.S_ISDIR(st.st_mode))

    def _walk_names(self, rel: str) -> Iterator[str]:
        base = os.path.join(self.root, rel) if rel else self.root
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            child = f"{rel}/{e.name}" if rel else e.name
            yield child
            if e.is_dir(follow_symlinks=False):
                yield from self._walk_names(child)

    def walk(self, source: Source) -> Iterator[tuple[str, os.stat_result]]:
        """Entries under ``source`` (itself first) that are not ignored, parents before children."""
        root = source.root
        top = os.path.join(root, source.rel) if source.rel else root
        st = os.lstat(top)
        yield source.rel, st
        if not stat.S_ISDIR(st.st_mode):
            return
        stack = [source.rel]
        while stack:
            rel = stack.pop()
            base = os.path.join(root, rel) if rel else root
            for e in sorted(os.scandir(base), key=lambda e: e.name, reverse=True):
                child = f"{rel}/{e.name}" if rel else e.name
                est = e.stat(follow_symlinks=False)
                is_dir = stat.S_ISDIR(est.st_mode)
                if source.root == self.root and not self.included(child):
                    if is_dir and self.matcher.may_include_below(child):
                        stack.append(child)  # an exception may re-include something below
                    continue
                yield child, est
                if is_dir:
                    stack.append(child)

    def digest(self, sources: list[Source]) -> str:
        """Content digest of the sources: what a COPY's cache key depends on (no mtimes)."""
        from mocker.shortsha import sha256

        h = sha256()  # small input: names, modes and the files' own digests
        for src in sources:
            for rel, st in sorted(self.walk(src)):
                h.update(f"{rel}\0{stat.S_IFMT(st.st_mode)}\0{stat.S_IMODE(st.st_mode):o}\0".encode())
                path = os.path.join(src.root, rel) if rel else src.root
                if stat.S_ISLNK(st.st_mode):
                    h.update(os.readlink(path).encode() + b"\0")
                elif stat.S_ISREG(st.st_mode):
                    h.update((self.hashes.digest(path, st) if self.hashes else _file_digest(path)).encode())
                h.update(b"\n")
        return "sha256:" + h.hexdigest()


def _file_digest(path: str | os.PathLike[str]) -> str:
    with open(path, "rb") as f:
        head = f.read(_SMALL_FILE + 1)
        if len(head) <= _SMALL_FILE:  # most context files: no OpenSSL load (mocker.shortsha)
            from mocker.shortsha import sha256_hex

            return sha256_hex(head)
        import hashlib  # OpenSSL's SHA-256: faster on large files

        h = hashlib.sha256(head)
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class HashCache:
    """Content digests of context files from earlier builds, so an unchanged file is not read again.

    An entry is keyed on the file's absolute path, device, inode, size, mtime and ctime (ns). The
    ctime cannot be set by users and changes with every write, so a changed file never matches. A
    digest is remembered only when the file's ctime is 2 s older than the moment it was read
    (git's "racy" rule): a write within the same timestamp tick can then not go unnoticed. The
    file (``<root>/build/context-hashes.json``) is replaced atomically; two builds writing it at
    once lose at most entries, which only costs a re-read.
    """

    LIMIT = 50_000  # entries kept; beyond it, only this build's
    RACY_NS = 2_000_000_000  # how much older than its reading a file's ctime must be to be remembered

    def __init__(self, path: str) -> None:
        from mocker import jsonc

        self.path = path
        self.used: dict[str, str] = {}
        self.dirty = False
        try:
            with open(path, "rb") as f:
                data = jsonc.loads(f.read())
            self.known: dict[str, str] = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.known = {}

    def digest(self, path: str | os.PathLike[str], st: os.stat_result) -> str:
        full = os.path.abspath(path)
        key = f"{full}\0{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
        found = self.known.get(key)
        if isinstance(found, str):
            self.used[key] = found
            return found
        import time

        now = time.time_ns()
        value = _file_digest(path)
        if now - st.st_ctime_ns > self.RACY_NS and os.lstat(path).st_ctime_ns == st.st_ctime_ns:
            self.used[key] = value
            self.dirty = True
        return value

    def save(self) -> None:
        if not self.dirty:
            return
        from mocker.build.memo_files import write_json

        merged = {**self.known, **self.used} if len(self.known) + len(self.used) <= self.LIMIT else self.used
        write_json(self.path, merged)
        self.dirty = False


class _NoIgnoreFile:
    """The rules of a context without a .dockerignore (``IgnoreMatcher([])``): nothing is left out."""

    __slots__ = ()
    has_exceptions = False

    def excluded(self, rel: str) -> bool:
        return False

    def may_include_below(self, rel_dir: str) -> bool:
        return False


def ignore_candidates(context: str, dockerfile: str | None) -> list[str]:
    """Where an ignore file may be: the context's ``.dockerignore`` and ``<Dockerfile>.dockerignore``."""
    candidates = [os.path.join(context, ".dockerignore")]
    if dockerfile is not None:
        candidates.append(dockerfile + ".dockerignore")
    return candidates


def _ignore_rules(context: str, dockerfile: str | None) -> IgnoreMatcher | _NoIgnoreFile:
    """:func:`~mocker.build.ignore.load_ignore_file`'s rules; its module is imported only when there
    is an ignore file to read."""
    if not any(os.path.lexists(c) for c in ignore_candidates(context, dockerfile)):
        return _NoIgnoreFile()
    from mocker.build.ignore import load_ignore_file

    return load_ignore_file(context, dockerfile)


def open_context(path: str, dockerfile: str | os.PathLike[str] | None) -> BuildContext:
    """A directory context. ``dockerfile`` picks the per-Dockerfile ignore file."""
    root = os.path.realpath(path)
    if not os.path.isdir(root):
        raise InvalidArgument(f'unable to prepare context: path "{path}" not found')
    return BuildContext(root, _ignore_rules(root, os.fspath(dockerfile) if dockerfile is not None else None))


def context_from_tar(stream: BinaryIO, store_tmp: str | os.PathLike[str], *, source: str = "stdin") -> BuildContext:
    """A tar (optionally compressed) read from stdin (or an API request body), unpacked safely."""
    import shutil
    import tarfile
    import tempfile

    os.makedirs(store_tmp, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="build-context-", dir=store_tmp)
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:
            tar.extractall(temp, filter="data")
    except (tarfile.TarError, OSError) as e:
        shutil.rmtree(temp, ignore_errors=True)
        raise InvalidArgument(f"failed to read the build context from {source}: {e}") from None
    return BuildContext(temp, _ignore_rules(temp, None), temp=temp)


def empty_context(store_tmp: str | os.PathLike[str]) -> BuildContext:
    """``docker build - < Dockerfile``: no context files at all."""
    import tempfile

    os.makedirs(store_tmp, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="build-context-", dir=store_tmp)
    return BuildContext(temp, _NoIgnoreFile(), temp=temp)
