"""What a build is asked to do (:class:`BuildOptions`) and where its progress goes (:class:`Output`)."""

from __future__ import annotations

import os

from mocker.records import field, frozen

TYPE_CHECKING = False  # not ``typing``: a cached rebuild should not pay for it (DECISIONS 37)
if TYPE_CHECKING:
    from typing import Any, TextIO


@frozen(kw_only=True)
class BuildOptions:
    """``docker build``'s flags, resolved: ``build_args`` hold values (``--build-arg X`` read X)."""

    dockerfile: str  # the Dockerfile's text
    dockerfile_name: str = "Dockerfile"
    tags: tuple[str, ...] = ()
    build_args: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    no_cache: bool = False
    pull: bool = False
    cache_from: tuple[str, ...] = ()  # images whose history can stand in for the local cache
    network: str = "default"  # default (the bridge), host, none or a user network
    extra_hosts: tuple[str, ...] = ()
    secrets: dict[str, str] = field(default_factory=dict)  # id -> host file
    platforms: tuple[str, ...] = ()  # () = the host's
    quiet: bool = False
    push: bool = False
    iidfile: str | None = None
    keep_containers: bool = False  # --rm=false: RUN steps that succeeded keep their container
    # registry host -> Credentials for FROM pulls (the API's X-Registry-Config); None: config.json
    registry_auth: dict[str, Any] | None = None


class Output:
    """Step lines and RUN output; with ``-q`` kept back and shown only if the build fails."""

    def __init__(self, stream: TextIO, *, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.held: list[str] = []

    def line(self, text: str) -> None:
        if self.quiet:
            self.held.append(text + "\n")
            return
        self.stream.write(text + "\n")
        self.stream.flush()

    def raw(self, data: bytes) -> Any:
        text = data.decode(errors="replace")
        if self.quiet:
            self.held.append(text)
            return
        fd = _fileno(self.stream)
        if fd is not None:
            self.stream.flush()
            os.write(fd, data)
        else:
            self.stream.write(text)
            self.stream.flush()

    def release(self, stream: TextIO) -> None:
        """After a failed ``-q`` build: what was held back, so the user sees why."""
        if self.held:
            stream.write("".join(self.held))
            stream.flush()
            self.held.clear()


def _fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
