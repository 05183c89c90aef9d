"""Docker's wait conditions in the engine (``POST /containers/{id}/wait``), raced as clients race them."""

from __future__ import annotations

import threading

import pytest

from mocker.engine import containers
from mocker.engine.container_wait import Cancelled, Waiter
from mocker.store.store import Store


def _create(mocker, *args: str) -> str:
    return mocker("create", *args).stdout.strip()


def test_next_exit_seen_even_when_the_container_ran_before_the_wait_blocked(mocker, mocker_root) -> None:
    cid = _create(mocker, "busybox", "sh", "-c", "exit 3")
    store = Store.open(mocker_root)
    waiter = Waiter(store, cid, "next-exit")        # in place: the client may start the container now
    mocker("start", cid)
    assert containers.wait(store, cid) == 3         # it ran and exited before result() was called
    assert waiter.result() == 3


def test_removed_waits_for_an_auto_remove_container_and_keeps_its_code(mocker, mocker_root) -> None:
    cid = _create(mocker, "--rm", "busybox", "sh", "-c", "exit 4")
    store = Store.open(mocker_root)
    waiter = Waiter(store, cid, "removed")
    mocker("start", cid)
    assert waiter.result() == 4
    assert mocker("ps", "-aq").stdout == ""


def test_a_waiter_whose_client_left_stops(mocker, mocker_root) -> None:
    cid = _create(mocker, "busybox", "true")
    store = Store.open(mocker_root)
    gone = threading.Event()
    threading.Timer(0.3, gone.set).start()
    with pytest.raises(Cancelled):
        Waiter(store, cid, "next-exit").result(cancelled=gone.is_set)


def test_not_running_returns_the_last_code(mocker, mocker_root) -> None:
    mocker("run", "--name", "done", "busybox", "sh", "-c", "exit 6", check=False)
    assert Waiter(Store.open(mocker_root), "done").result() == 6
