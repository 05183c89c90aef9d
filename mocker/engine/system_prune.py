"""``system prune``: each kind's own prune, in Docker's order, plus the sweep of crash leftovers.

Docker's CLI composes ``system prune`` from the per-kind prune calls (containers, networks, volumes,
images, build cache); so does this module, so each kind keeps one implementation. A kind that
``system prune`` handles is one entry in ``_PRUNERS``; its ``warning`` is the line of Docker's
confirmation prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mocker.errors import InvalidArgument, MockerError

if TYPE_CHECKING:
    from mocker.store.store import Store

FILTER_KEYS = ("label", "label!", "until")


class PruneOptions:
    __slots__ = ("all", "filters", "volumes")

    def __init__(self, *, all: bool = False, volumes: bool = False, filters: list[str] | None = None) -> None:
        self.all = all
        self.volumes = volumes
        self.filters = list(filters or [])


class Section:
    """One kind's result: ``title`` is Docker's heading (``Deleted Containers``), ``lines`` its rows."""

    __slots__ = ("errors", "lines", "reclaimed", "title")

    def __init__(self, title: str, lines: list[str], reclaimed: int = 0,
                 errors: list[MockerError] | None = None) -> None:
        self.title = title
        self.lines = lines
        self.reclaimed = reclaimed
        self.errors = errors or []


class _Pruner:
    __slots__ = ("prune", "warning", "wanted")

    def __init__(self, warning: Callable[[PruneOptions], str], prune: Callable[[Store, PruneOptions], Section],
                 wanted: Callable[[PruneOptions], bool] = lambda o: True) -> None:
        self.warning = warning
        self.prune = prune
        self.wanted = wanted


def _containers(store: Store, o: PruneOptions) -> Section:
    from mocker.engine.container_prune import prune

    r = prune(store, o.filters)
    return Section("Deleted Containers", r.deleted, r.reclaimed, r.errors)


def _networks(store: Store, o: PruneOptions) -> Section:
    """Unused user networks; first, network set-ups a crash left behind are torn down."""
    from mocker.engine.networks import prune

    filters: dict[str, list[str]] = {}
    for item in o.filters:
        key, _, value = item.partition("=")
        filters.setdefault(key, []).append(value)
    return Section("Deleted Networks", prune(store, filters).deleted)


def _volumes(store: Store, o: PruneOptions) -> Section:
    from mocker.engine.volumes import prune

    filters: dict[str, list[str]] = {}
    for item in o.filters:
        key, _, value = item.partition("=")
        filters.setdefault(key, []).append(value)
    r = prune(store, filters=filters)
    return Section("Deleted Volumes", r.deleted, r.reclaimed)


def _images(store: Store, o: PruneOptions) -> Section:
    from mocker.engine.image_filters import PRUNE_KEYS, parse_filters
    from mocker.engine.image_remove import prune

    r = prune(store, all_images=o.all, filters=parse_filters(o.filters, allowed=PRUNE_KEYS))
    lines = [f"untagged: {u}" for u in r.untagged] + [f"deleted: {d}" for d in r.deleted]
    return Section("Deleted Images", lines, r.reclaimed, r.errors)


_PRUNERS: tuple[_Pruner, ...] = (
    _Pruner(lambda o: "all stopped containers", _containers),
    _Pruner(lambda o: "all networks not used by at least one container", _networks),
    _Pruner(lambda o: "all anonymous volumes not used by at least one container", _volumes,
            wanted=lambda o: o.volumes),
    _Pruner(lambda o: "all images without at least one container associated to them" if o.all
            else "all dangling images", _images),
)


def validate(o: PruneOptions) -> None:
    """Docker's checks, made before the prompt."""
    from mocker.engine.container_prune import PruneFilter

    for item in o.filters:
        key, eq, _ = item.partition("=")
        if not eq:
            raise InvalidArgument(f"bad format of filter (expected name=value): {item}")
        if key not in FILTER_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'")
    PruneFilter(o.filters)
    if o.volumes and any(item.startswith("until=") for item in o.filters):
        raise InvalidArgument('The "until" filter is not supported with "--volumes"')


def warnings(o: PruneOptions) -> list[str]:
    """The lines of Docker's confirmation prompt, for what ``o`` selects."""
    return [p.warning(o) for p in _PRUNERS if p.wanted(o)]


def prune(store: Store, o: PruneOptions) -> tuple[list[Section], list[str]]:
    """Prune every kind ``o`` selects; then sweep leftovers of killed mocker processes."""
    from mocker.engine.leftovers import sweep

    validate(o)
    sections = [p.prune(store, o) for p in _PRUNERS if p.wanted(o)]
    return sections, sweep(store)
