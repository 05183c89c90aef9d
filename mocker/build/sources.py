"""COPY/ADD sources: from the context, from another stage or image, heredocs, URLs and local tars.

Everything is turned into :class:`~mocker.build.copy.CopyItem` values plus a content digest (the
step's cache key), before anything is written. Paths inside a stage's rootfs are resolved as
moby's ``FollowSymlinkInScope`` does (symlinks followed, but never above the root).
"""

from __future__ import annotations

import os
import posixpath
import stat

from mocker.build.dockerfile import DockerfileError
from mocker.errors import InvalidArgument
from mocker.records import frozen

TYPE_CHECKING = False  # from_context is on a cached rebuild's path: no ``typing``/``pathlib``/``hashlib`` there
if TYPE_CHECKING:
    from collections.abc import Callable
    from hashlib import _Hash

    from mocker.build.context import BuildContext, Source
    from mocker.build.dockerfile import Instruction


@frozen
class CopyItem:
    """A source: ``rel`` under the host directory ``root`` (or inline ``data`` for a heredoc)."""

    root: str = ""
    rel: str = ""
    is_dir: bool = False
    data: bytes | None = None
    name: str = ""  # the file name an inline or downloaded source gets
    mode: int | None = None  # inline sources: their mode (0644 by default)
    entries: tuple[str, ...] | None = None  # the rels to copy (below a dir); None: everything


def resolve_in_scope(root: str, path: str) -> str:
    """``path`` inside ``root`` with symlinks followed within it; returns the relative result."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    done: list[str] = []
    hops = 0
    while parts:
        comp = parts.pop(0)
        if comp == "..":
            if done:
                done.pop()
            continue
        here = os.path.join(root, *done, comp)
        try:
            st = os.lstat(here)
        except OSError:
            done.append(comp)
            done.extend(p for p in parts)
            return "/".join(done)
        if stat.S_ISLNK(st.st_mode):
            hops += 1
            if hops > 255:
                raise InvalidArgument(f"too many symlinks resolving {path}")
            target = os.readlink(here)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        done.append(comp)
    return "/".join(done)


def _tree_digest(root: str, rel: str, h: _Hash) -> None:
    top = os.path.join(root, rel) if rel else root
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames) + dirnames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            h.update(f"{os.path.relpath(path, top)}\0{st.st_mode:o}\0".encode())
            if stat.S_ISLNK(st.st_mode):
                h.update(os.readlink(path).encode())
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    while chunk := f.read(1 << 20):
                        h.update(chunk)


def from_rootfs(ins: Instruction, root: str, srcs: list[str]) -> tuple[list[CopyItem], str]:
    """Sources inside another stage's (or image's) mounted rootfs."""
    import fnmatch
    import hashlib

    items = []
    h = hashlib.sha256()
    for src in srcs:
        parent, base = posixpath.split(posixpath.normpath("/" + src.lstrip("/")))
        names = [base]
        if set("*?[") & set(base):
            pdir = os.path.join(root, resolve_in_scope(root, parent))
            try:
                names = sorted(n for n in os.listdir(pdir) if fnmatch.fnmatchcase(n, base))
            except OSError:
                names = []
            if not names:
                raise DockerfileError(f"COPY failed: no source files were specified ({src})", line=ins.line)
        for name in names:
            rel = resolve_in_scope(root, posixpath.join(parent, name))
            path = os.path.join(root, rel) if rel else root
            try:
                st = os.lstat(path)
            except OSError:
                raise DockerfileError(f"COPY failed: stat {posixpath.join(parent, name)}: file does not exist",
                                      line=ins.line) from None
            items.append(CopyItem(root=root, rel=rel, is_dir=stat.S_ISDIR(st.st_mode)))
            h.update(rel.encode() + b"\0")
            if stat.S_ISDIR(st.st_mode):
                _tree_digest(root, rel, h)
            else:
                if stat.S_ISREG(st.st_mode):
                    with open(path, "rb") as f:
                        h.update(hashlib.sha256(f.read()).digest())
                h.update(f"{st.st_mode:o}".encode())
    return items, "sha256:" + h.hexdigest()


def from_context(ins: Instruction, ctx: BuildContext, srcs: list[str], *, add: bool,
                 staging: Callable[[], str]) -> tuple[list[CopyItem], str]:
    """Context sources (``.dockerignore`` applied); ADD also unpacks local tar archives."""
    selected: list[Source] = []
    for src in srcs:
        try:
            selected.extend(ctx.select(src))
        except InvalidArgument as e:
            raise DockerfileError(e.message, line=ins.line) from None
    digest = ctx.digest(selected)
    items = []
    for s in selected:
        if s.is_dir:
            found = {rel for rel, _ in ctx.walk(s) if rel != s.rel}
            for rel in list(found):  # a directory kept only for an exception below it comes along
                parent = posixpath.dirname(rel)
                while parent and parent != s.rel and parent not in found:
                    found.add(parent)
                    parent = posixpath.dirname(parent)
            entries = tuple(sorted(found))
            items.append(CopyItem(root=s.root, rel=s.rel, is_dir=True, entries=entries))
            continue
        path = os.path.join(s.root, s.rel)
        if add and _is_archive(path):
            import tarfile

            out = staging()
            try:
                with tarfile.open(path, mode="r:*") as tar:
                    tar.extractall(out, filter="data")
            except (tarfile.TarError, OSError) as e:
                raise DockerfileError(f"failed to extract {s.rel}: {e}", line=ins.line) from None
            items.append(CopyItem(root=out, rel="", is_dir=True))
        else:
            items.append(CopyItem(root=s.root, rel=s.rel))
    return items, digest


def _is_archive(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        return False
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00":
        return True
    return len(head) >= 262 and head[257:262] == b"ustar"


def heredoc_items(ins: Instruction, srcs: list[str], expand: Callable[[str], str]) -> tuple[list[CopyItem], str]:
    from mocker.shortsha import sha256

    docs = {d.name: d for d in ins.heredocs}
    items = []
    h = sha256()
    for src in srcs:
        name = src.lstrip("<-").strip("'\"")
        doc = docs.get(name)
        if doc is None:
            raise DockerfileError(f"unknown heredoc {src}", line=ins.line)
        content = expand(doc.content) if doc.expand else doc.content
        items.append(CopyItem(data=content.encode(), name=name, mode=0o644))
        h.update(name.encode() + b"\0" + content.encode())
    return items, "sha256:" + h.hexdigest()


def download(ins: Instruction, url: str, staging: Callable[[], str]) -> tuple[CopyItem, str]:
    """ADD of a URL: fetched now (its digest is the cache key), stored 0600 as Docker does."""
    import hashlib

    import httpx

    name = posixpath.basename(url.split("?", 1)[0].split("#", 1)[0].rstrip("/")) or "index.html"
    out = staging()
    path = os.path.join(out, name)
    h = hashlib.sha256()
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=60) as r:
            if r.status_code >= 400:
                raise DockerfileError(f"failed to GET {url} with status {r.status_code} {r.reason_phrase}",
                                      line=ins.line)
            with open(path, "wb") as f:
                for chunk in r.iter_bytes():
                    f.write(chunk)
                    h.update(chunk)
    except httpx.HTTPError as e:
        raise DockerfileError(f"failed to GET {url}: {e}", line=ins.line) from None
    os.chmod(path, 0o600)
    return CopyItem(root=out, rel=name), "sha256:" + h.hexdigest()


class Staging:
    """Temp dirs for unpacked archives and downloads, removed when the step is done."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.dirs: list[str] = []

    def __call__(self) -> str:
        import tempfile

        os.makedirs(self.base, exist_ok=True)
        d = tempfile.mkdtemp(prefix="stage-", dir=self.base)
        self.dirs.append(d)
        return d

    def close(self) -> None:
        import shutil

        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.dirs.clear()
