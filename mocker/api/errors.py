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
    return int(getattr(exc, "http_status", 500) or 500)


def body_of(exc: MockerError) -> dict[str, str]:
    return {"message": str(exc)}


def not_supported(what: str, reason: str) -> NotSupported:
    return NotSupported(what, reason)
