"""Release the bridges a benchmark's throwaway store made (they outlive their containers, as
docker0 does — docs/DECISIONS.md 32 — so deleting the store directory alone would leave them)."""

from __future__ import annotations

import os


def release_bridges(root: str | os.PathLike[str]) -> None:
    if not os.path.exists(os.path.join(root, "mocker.db")):
        return
    from mocker.engine.network_attach import release_bridge
    from mocker.store import networks as ndb
    from mocker.store.store import Store

    store = Store.open(root)
    for net in ndb.list_all(store.db):
        release_bridge(store, net)
