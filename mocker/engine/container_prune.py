"""``container prune``: remove stopped containers, with Docker's ``until`` and ``label``/``label!`` filters.

Kept beside, not inside, engine/containers.py: the API's ``POST /containers/prune`` and ``system prune``
call it too, and the filter rules are prune's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from mocker.errors import InvalidArgument, MockerError

if TYPE_CHECKING:
    from mocker.store.store import Store

PRUNABLE = ("exited", "created", "dead")


class ContainerPruneReport:
    __slots__ = ("deleted", "errors", "reclaimed")

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.errors: list[MockerError] = []
        self.reclaimed = 0


class PruneFilter:
    """``until=<time>`` and ``label[!]=k[=v]`` as Docker's daemon reads them for prune."""

    __slots__ = ("labels", "until")

    def __init__(self, items: Iterable[str] = ()) -> None:
        self.until: float | None = None
        self.labels: list[tuple[str, bool]] = []
        for item in items:
            key, eq, value = item.partition("=")
            if key == "until" and eq:
                from mocker.engine.logs import parse_time

                self.until = parse_time(value)
            elif key in ("label", "label!") and eq:
                self.labels.append((value, key == "label"))
            else:
                raise InvalidArgument(f"invalid filter '{key}'")

    def matches(self, created: float, labels: dict[str, str]) -> bool:
        if self.until is not None and created >= self.until:
            return False
        return all(label_match(labels, want) == positive for want, positive in self.labels)


def label_match(labels: dict[str, str], want: str) -> bool:
    k, eq, v = want.partition("=")
    return k in labels and (not eq or labels[k] == v)


def prune(store: Store, filters: Iterable[str] = ()) -> ContainerPruneReport:
    """Remove every stopped container the filters select; a container that fails to go is reported."""
    from mocker.engine import containers

    selected = PruneFilter(filters)
    report = ContainerPruneReport()
    for rec in containers.list_containers(store):
        if rec.status not in PRUNABLE or not selected.matches(rec.created, rec.labels):
            continue
        size = dir_size(str(store.paths.containers / rec.id / "upper"))
        try:
            containers.remove(store, rec.id)
        except MockerError as e:
            report.errors.append(e)
            continue
        report.deleted.append(rec.id)
        report.reclaimed += size
    return report


def dir_size(path: str) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total
