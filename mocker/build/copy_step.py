"""COPY/ADD as a build step: arguments checked and sources gathered first (the cache key), then written.

Docker's argument rules: at least one source and a destination; a relative destination is under
WORKDIR; several sources need a destination ending in ``/``; ``--chown`` names are looked up in the
image's own /etc/passwd and /etc/group (a user without group uses its UID as GID, as documented);
``--chmod`` is octal. ``ADD`` also fetches URLs and unpacks local tar archives.
"""

from __future__ import annotations

import posixpath

from mocker.build.dockerfile import DockerfileError
from mocker.errors import MockerError

# Preparing (the cache key) is on a cached rebuild's path; writing (mounts, layers) is imported by write().
TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextlib import ExitStack
    from typing import Any

    from mocker.build.builder import PlatformBuild
    from mocker.build.dockerfile import Instruction
    from mocker.build.sources import CopyItem
    from mocker.build.state import ImageState
    from mocker.store.store import Store


class PreparedCopy:
    """A COPY/ADD's checked arguments and gathered sources; ``digest`` is their content's, for the key."""

    __slots__ = ("chmod", "chown", "dest", "digest", "ins", "items")

    def __init__(self, ins: Instruction, dest: str, items: list[CopyItem], digest: str, chown: str | None,
                 chmod: int | None) -> None:
        self.ins = ins
        self.dest = dest
        self.items = items
        self.digest = digest
        self.chown = chown
        self.chmod = chmod

    def write(self, store: Store, child: ImageState) -> tuple[dict[str, Any], str] | None:
        from mocker.build.copy import CopyJob, run_copy
        from mocker.build.layers import layer_from_upper, scratch_rootfs

        layers = child.layer_dirs(store)
        with scratch_rootfs(store, layers) as (upper, merged):
            owner = _owner(merged, self.chown, self.ins) if self.chown else None
            try:
                run_copy(merged, CopyJob(dest=self.dest, items=tuple(self.items), owner=owner, chmod=self.chmod))
            except MockerError as e:
                raise DockerfileError(e.message, line=self.ins.line) from None
            return layer_from_upper(store, layers, upper)


def _owner(merged: str, spec: str, ins: Instruction) -> tuple[int, int]:
    from mocker.runtime.linux.users import resolve_user

    user, colon, group = spec.partition(":")
    try:
        uid, gid, _ = resolve_user(merged, spec)
    except MockerError as e:
        raise DockerfileError(f"unable to convert uid/gid chown string to host mapping: {e.message}",
                              line=ins.line) from None
    if not colon and user.isdigit():
        gid = uid
    return uid, gid


def prepare_copy(build: PlatformBuild, stack: ExitStack, state: ImageState, ins: Instruction,
                 expand: Any) -> PreparedCopy:
    from mocker.build.sources import download, from_context, from_rootfs, heredoc_items

    what = ins.cmd.upper()
    if len(ins.args) < 2:
        raise DockerfileError(f"{what} requires at least two arguments, but only one was provided. "
                              "Destination could not be determined.", line=ins.line)
    heredoc_names = {h.name for h in ins.heredocs}
    words = [w if w.lstrip("<-").strip("'\"") in heredoc_names and w.startswith("<<") else expand(w)
             for w in ins.args]
    srcs, dest = words[:-1], words[-1]
    workdir = state.run_config.get("WorkingDir") or "/"
    if not dest.startswith("/"):
        trailing = dest.endswith("/") or dest in (".", "") or dest.endswith("/.")
        dest = posixpath.normpath(posixpath.join(workdir, dest)) + ("/" if trailing else "")
    chmod = None
    if ins.flag("chmod"):
        text = expand(ins.flag("chmod") or "")
        try:
            chmod = int(text, 8)
        except ValueError:
            raise DockerfileError(f"invalid chmod parameter: {text}", line=ins.line) from None
        if not 0 <= chmod <= 0o7777:
            raise DockerfileError(f"invalid chmod parameter: {text}", line=ins.line)
    chown = expand(ins.flag("chown")) if ins.flag("chown") else None
    items: list[CopyItem] = []
    digests: list[str] = []
    from_name = ins.flag("from")
    if from_name:
        from mocker.build.layers import scratch_rootfs

        other = build._other_image(expand(from_name), ins)
        _, merged = stack.enter_context(scratch_rootfs(build.store, other.layer_dirs(build.store)))
        found, digest = from_rootfs(ins, merged, srcs)
        items += found
        digests += [other.manifest_digest or "", digest]
    else:
        plain: list[str] = []
        for src in srcs:
            if src.startswith("<<") and src.lstrip("<-").strip("'\"") in heredoc_names:
                found, digest = heredoc_items(ins, [src], expand)
            elif ins.cmd == "add" and src.startswith(("http://", "https://")):
                build.settled = False  # the URL is fetched again by every build
                item, digest = download(ins, src, build.staging)
                found = [item]
            elif ins.cmd == "add" and (src.startswith("git@") or (src.endswith(".git") and "://" in src)):
                from mocker.errors import NotSupported

                raise NotSupported("ADD of a git repository", "git sources are not implemented")
            else:
                plain.append(src)
                continue
            items += found
            digests.append(digest)
        if plain:
            found, digest = from_context(ins, build.ctx, plain, add=ins.cmd == "add", staging=build.staging)
            items += found
            digests.append(digest)
    if (len(items) > 1 or len(srcs) > 1) and not dest.endswith("/"):
        raise DockerfileError(f"When using {what} with more than one source file, the destination must be a "
                              "directory and end with a /", line=ins.line)
    return PreparedCopy(ins=ins, dest=dest, items=items, digest=":".join(digests), chown=chown, chmod=chmod)
