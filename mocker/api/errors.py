"""mocker's exceptions -> Docker's HTTP status and ``{"message": ...}`` body (the twin of the CLI's
exit-code table): the status comes from the exception class (:attr:`MockerError.http_status`), the
message is the same text the CLI prints after ``Error:``.
"""

from __future__ import annotations

from mocker.errors import MockerError, NotSupported


class HTTPError(MockerError):
    """An error that belongs to the HTTP layer itself (bad version, unknown route)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.http_status = status


def status_of(exc: MockerError) -> int:
    from mocker.errors import CannotInvoke, CommandNotFound

    if isinstance(exc, CannotInvoke | CommandNotFound):
        return 400      # moby: a process that cannot start is an invalid parameter
    return int(getattr(exc, "http_status", 500) or 500)


def body_of(exc: MockerError) -> dict[str, str]:
    """Docker's JSON error. Clients read some words in it: the docker CLI exits 127 or 126 after a
    failed start when the message says "executable file not found" or "permission denied"."""
    from mocker.errors import CannotInvoke, CommandNotFound

    text = str(exc)
    if isinstance(exc, CommandNotFound) and "executable file not found" not in text:
        text += ": executable file not found in $PATH"
    elif isinstance(exc, CannotInvoke) and "permission denied" not in text:
        text += ": permission denied"
    return {"message": text}


def not_supported(what: str, reason: str) -> NotSupported:
    return NotSupported(what, reason)
