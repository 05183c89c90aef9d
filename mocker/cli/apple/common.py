"""What every apple command handler shares: the CLI driver, refusing flags, stream plumbing."""

from __future__ import annotations

from mocker.errors import MockerError
from mocker.runtime.apple.cli import ContainerCLI

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mocker.cli.flags import Parsed

_CLI: list[ContainerCLI] = []


def container_cli() -> ContainerCLI:
    """The ``container`` executable chosen by the backend selection (one per process)."""
    if not _CLI:
        from mocker.engine.backends import apple_cli_path, select

        _CLI.append(ContainerCLI(apple_cli_path(select())))
    return _CLI[0]


def reset() -> None:
    """Forget the driver (tests switch executables within one process)."""
    _CLI.clear()


def refuse_flags(p: Parsed, command: str) -> None:
    """Flags of ``command`` the backend cannot honour (support table), when they were given."""
    from mocker.runtime.apple.support import OTHER_FLAGS, flag_name, refuse

    for dest, reason in OTHER_FLAGS.get(command, {}).items():
        if p.changed(dest) and p.values.get(dest):
            raise refuse(flag_name(dest), reason)


def as_125(e: MockerError) -> MockerError:
    """run/create/exec failures exit 125, as Docker's CLI."""
    if e.exit_code not in (126, 127):
        e.exit_code = 125
    return e


def fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None


def sink(stream: Any) -> Any:
    """A binary writer for the child's output: the real fd when there is one, else the text stream."""
    fd = fileno(stream)
    if fd is not None:
        stream.flush()
        return fd
    return lambda data: (stream.write(data.decode(errors="replace")), stream.flush())
