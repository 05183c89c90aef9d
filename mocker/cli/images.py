"""``images``, ``rmi``, ``tag``, ``image inspect``, ``history``, ``image prune``.

Start-up cost: ``images`` splits the stored (normalised) names with ``split_stored_name`` rather than
running the reference grammar, and imports only what listing needs.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from mocker.cli.command import Command
from mocker.cli.flags import Flag
from mocker.cli.output import print_formatted, print_inspected

TYPE_CHECKING = False
if TYPE_CHECKING:  # start-up cost: ``typing`` is not imported by ``images``
    from typing import Any

    from mocker.cli.command import Context
    from mocker.cli.flags import Parsed

FORMAT = Flag("format", kind="str", metavar="string", help="Format output using a custom template")
NO_PLATFORM = "per-platform selection on local images is not implemented; use an image ID"


def created_at(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


def since(ts: float | None) -> str:
    from mocker.format.units import human_duration

    if ts is None:
        return "N/A"
    return human_duration(max(0.0, time.time() - ts)) + " ago"


def _ls(ctx: Context, p: Parsed) -> int:
    from mocker.engine.image_filters import LIST_KEYS, parse_filters, select_images
    from mocker.engine.image_inspect import parse_time
    from mocker.format.units import human_size
    from mocker.image.reference import split_stored_name

    store = ctx.store()
    filters = parse_filters(p.filter, allowed=LIST_KEYS)
    if p.args:
        filters.setdefault("reference", []).append(p.args[0])
    rows: list[dict[str, Any]] = []
    for rec in select_images(store, filters, all_=p.all):
        ts = parse_time(rec.created)
        short = rec.id if p.no_trunc else rec.id[7:19]
        base = {"ID": short, "CreatedSince": since(ts), "CreatedAt": created_at(ts),
                "Size": human_size(rec.size), "VirtualSize": human_size(rec.size),
                "SharedSize": "N/A", "UniqueSize": "N/A", "Containers": "N/A"}
        digests: dict[str, str] = {}
        for d in rec.repo_digests:
            repo, _, dig = d.partition("@")
            digests.setdefault(repo, dig)
        # Tags and repo digests are stored normalised: split them, the reference grammar is not needed.
        if not rec.tags:
            pairs = [(split_stored_name(d, default_tag=False)[1], "<none>", d.partition("@")[2])
                     for d in rec.repo_digests[:1]] or [("<none>", "<none>", "<none>")]
        else:
            pairs = []
            for t in rec.tags:
                name, familiar_name, tag = split_stored_name(t)
                pairs.append((familiar_name, tag or "<none>", digests.get(name, "<none>")))
        patterns = filters.get("reference")
        if patterns:
            from fnmatch import fnmatchcase
        for repo, tag, digest in pairs:
            # Docker lists only the tags that match a reference filter, not every tag of the image.
            if patterns and not any(fnmatchcase(repo, pat) or fnmatchcase(f"{repo}:{tag}", pat)
                                    for pat in patterns):
                continue
            rows.append({**base, "Repository": repo, "Tag": tag, "Digest": digest})
    if p.quiet:
        seen: set[str] = set()
        for r in rows:
            if r["ID"] not in seen:
                seen.add(r["ID"])
                ctx.out(r["ID"] if p.no_trunc else r["ID"])
        return 0
    default = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    if p.digests:
        default = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
    print_formatted(ctx, rows, p.format, default=default, headers=IMAGE_HEADERS)
    return 0


IMAGE_HEADERS = {
    "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
    "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "VirtualSize": "VIRTUAL SIZE",
    "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE", "Containers": "CONTAINERS",
}

LS = Command(
    name="images", usage="images [OPTIONS] [REPOSITORY[:TAG]]", summary="List images", handler=_ls,
    max_args=1,
    flags=(
        Flag("all", "a", help="Show all images (default hides intermediate images)"),
        Flag("digests", help="Show digests"),
        Flag("filter", "f", kind="list", metavar="filter", help="Filter output based on conditions provided"),
        FORMAT,
        Flag("no-trunc", help="Don't truncate output"),
        Flag("quiet", "q", help="Only show image IDs"),
        Flag("tree", unsupported="the experimental tree view is not implemented"),
    ),
)


def _rm(ctx: Context, p: Parsed) -> int:
    from mocker.engine.image_remove import remove

    report = remove(ctx.store(), p.args, force=p.force, prune=not p.no_prune)
    for u in report.untagged:
        ctx.out(f"Untagged: {u}")
    for d in report.deleted:
        ctx.out(f"Deleted: {d}")
    for e in report.errors:
        ctx.err(f"Error: {e}")
    return 1 if report.errors else 0


RM = Command(
    name="rmi", usage="rmi [OPTIONS] IMAGE [IMAGE...]", summary="Remove one or more images", handler=_rm,
    min_args=1,
    flags=(
        Flag("force", "f", help="Force removal of the image"),
        Flag("no-prune", help="Do not delete untagged parents"),
        Flag("platform", kind="list", unsupported=NO_PLATFORM),
    ),
)


def _tag(ctx: Context, p: Parsed) -> int:
    from mocker.engine.images import tag

    tag(ctx.store(), p.args[0], p.args[1])
    return 0


TAG = Command(
    name="tag", usage="tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    summary="Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", handler=_tag, min_args=2, max_args=2,
)


def inspect_images(ctx: Context, names: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    from mocker.engine.image_inspect import image_json
    from mocker.engine.images import find_image

    store = ctx.store()
    docs, missing = [], []
    for n in names:
        rec = find_image(store, n)
        if rec is None:
            missing.append(n)
        else:
            docs.append(image_json(store, rec))
    return docs, missing


def _inspect(ctx: Context, p: Parsed) -> int:
    docs, missing = inspect_images(ctx, p.args)
    return print_inspected(ctx, docs, missing, p.format, missing_message="No such image")


INSPECT = Command(
    name="image inspect", usage="image inspect [OPTIONS] IMAGE [IMAGE...]",
    summary="Display detailed information on one or more images", handler=_inspect, min_args=1,
    flags=(
        Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("platform", kind="str", unsupported=NO_PLATFORM),
    ),
)


def _history(ctx: Context, p: Parsed) -> int:
    from mocker.engine.image_inspect import history, parse_time
    from mocker.engine.images import get_image
    from mocker.format.units import human_size

    store = ctx.store()
    rec = get_image(store, p.args[0])
    rows = []
    for h in history(store, rec):
        ts = parse_time(h.created)
        by = h.created_by.replace("\t", " ")
        if not p.no_trunc and len(by) > 45:
            by = by[:44] + "…"
        ident = h.id if h.id == "<missing>" else (h.id if p.no_trunc else h.id[7:19])
        rows.append({
            "ID": ident, "CreatedSince": since(ts) if p.human else (created_at(ts) or "N/A"),
            "CreatedAt": datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts else "",
            "CreatedBy": by, "Size": human_size(h.size) if p.human else str(h.size),
            "Comment": h.comment,
        })
    if p.quiet:
        for r in rows:
            ctx.out(r["ID"])
        return 0
    default = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
    print_formatted(ctx, rows, p.format, default=default, headers={
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
        "Size": "SIZE", "Comment": "COMMENT"})
    return 0


HISTORY = Command(
    name="history", usage="history [OPTIONS] IMAGE", summary="Show the history of an image",
    handler=_history, min_args=1, max_args=1,
    flags=(
        FORMAT,
        Flag("human", "H", default=True, help="Print sizes and dates in human readable format"),
        Flag("no-trunc", help="Don't truncate output"),
        Flag("quiet", "q", help="Only show image IDs"),
        Flag("platform", kind="str", unsupported=NO_PLATFORM),
    ),
)


def confirm(ctx: Context, warning: str) -> bool:
    ctx.stdout.write(f"{warning}\nAre you sure you want to continue? [y/N] ")
    ctx.stdout.flush()
    try:
        answer = ctx.stdin.readline()
    except (OSError, ValueError):
        answer = ""
    return str(answer).strip().lower() in ("y", "yes")


def _prune(ctx: Context, p: Parsed) -> int:
    from mocker.engine.image_filters import PRUNE_KEYS, parse_filters
    from mocker.engine.image_remove import prune
    from mocker.format.units import human_size

    filters = parse_filters(p.filter, allowed=PRUNE_KEYS)
    warning = ("WARNING! This will remove all images without at least one container associated to them."
               if p.all else "WARNING! This will remove all dangling images.")
    if not p.force and not confirm(ctx, warning):
        return 0
    report = prune(ctx.store(), all_images=p.all, filters=filters)
    if report.untagged or report.deleted:
        ctx.out("Deleted Images:")
        for u in report.untagged:
            ctx.out(f"untagged: {u}")
        for d in report.deleted:
            ctx.out(f"deleted: {d}")
        ctx.out("")
    ctx.out(f"Total reclaimed space: {human_size(report.reclaimed)}")
    return 0


PRUNE = Command(
    name="image prune", usage="image prune [OPTIONS]", summary="Remove unused images", handler=_prune,
    max_args=0,
    flags=(
        Flag("all", "a", help="Remove all unused images, not just dangling ones"),
        Flag("filter", kind="list", metavar="filter", help='Provide filter values (e.g. "until=<timestamp>")'),
        Flag("force", "f", help="Do not prompt for confirmation"),
    ),
)
