"""Release the bridges a benchmark's throwaway store made (they outlive their containers, as
docker0 does — docs/DECISIONS.md 32 — so deleting the store directory alone would leave them)."""

from __future__ import annotations

import os


def release_bridges(root: str | os.PathLike[str]) -> None:
    if not os.path.exists(os.path.join(root, "mocker.db")):
        return
    from mocker.engine import network_attach
    from mocker.store.store import Store

    network_attach.release_bridges(Store.open(root))
