"""Endpoints mocker does not serve (yet), answered with Docker's JSON error and status 501 — never
with an empty success a client could mistake for the real thing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocker.errors import NotSupported

if TYPE_CHECKING:
    from mocker.api.http import Request


def search(req: Request) -> None:
    raise NotSupported("image search", "registry search needs Docker Hub's search API, which local registries "
                                       "do not offer")


def swarm(req: Request) -> None:
    raise NotSupported(f"{req.method} {req.path}", "swarm mode needs a cluster daemon; mocker is daemonless")


def plugins(req: Request) -> None:
    raise NotSupported(f"{req.method} {req.path}", "engine plugins need a daemon; mocker is daemonless")


def session(req: Request) -> None:
    raise NotSupported(f"{req.method} {req.path}", "BuildKit sessions are not implemented")
