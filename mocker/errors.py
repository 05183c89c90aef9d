"""The one exception tree of mocker.

Messages use Docker's own words, so the CLI and (later) the API server say the same thing; the exit
code or HTTP status is chosen at the edge (``cli/main.py``, ``api/errors.py``) from the class.

::

    MockerError
    ├─ UsageError        unknown flag, bad value, wrong argument count          (exit 125)
    ├─ NotSupported      "<flag/command> is not supported by mocker (<reason>)"  (exit 125)
    ├─ NotFound          ImageNotFound, ContainerNotFound, VolumeNotFound, ...    (HTTP 404)
    ├─ Conflict          name in use, image in use                                (HTTP 409)
    │   └─ VolumeInUse   "remove NAME: volume is in use - [CONTAINER...]"
    ├─ InvalidArgument   malformed reference, archive, template                   (HTTP 400)
    │   └─ InvalidReference
    ├─ RegistryError     transport, unknown manifest, digest mismatch
    │   └─ AuthError     401/403 from a registry, failed login
    ├─ OCIRuntimeError   runtime failures (CannotInvoke 126, CommandNotFound 127)
    └─ StoreError        corrupt blob, schema mismatch, unsafe archive entry
        └─ DigestMismatch
"""

from __future__ import annotations


class MockerError(Exception):
    """Base of every error mocker reports to a user as one line."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(MockerError):
    """A flag or argument the command line cannot accept (Docker's FlagErrorFunc: exit 125)."""

    exit_code = 125
    http_status = 400

    def __init__(self, message: str, *, command: str | None = None) -> None:
        super().__init__(message)
        self.command = command


class NotSupported(MockerError):
    exit_code = 125
    http_status = 501

    # Reasons of the apple backend's support table start with this; its issue asks for the
    # runtime to be named: "X is not supported by the Apple container runtime (reason)".
    APPLE_PREFIX = "apple backend: "

    def __init__(self, what: str, reason: str) -> None:
        if reason.startswith(self.APPLE_PREFIX):
            super().__init__(f"{what} is not supported by the Apple container runtime "
                             f"({reason[len(self.APPLE_PREFIX):]})")
        else:
            super().__init__(f"{what} is not supported by mocker ({reason})")
        self.what = what
        self.reason = reason


class NotFound(MockerError):
    http_status = 404


class ImageNotFound(NotFound):
    pass


class ContainerNotFound(NotFound):
    pass


class VolumeNotFound(NotFound):
    """moby's wording: ``get NAME: no such volume``."""

    def __init__(self, name: str, *, op: str = "get") -> None:
        super().__init__(f"{op} {name}: no such volume")
        self.name = name


class NetworkNotFound(NotFound):
    """moby's wording: ``network NAME not found``."""

    def __init__(self, name: str) -> None:
        super().__init__(f"network {name} not found")
        self.name = name


class Conflict(MockerError):
    http_status = 409


class VolumeInUse(Conflict):
    """A volume some container references cannot be removed (moby's OpErr wording)."""

    def __init__(self, name: str, containers: tuple[str, ...] | list[str]) -> None:
        super().__init__(f"remove {name}: volume is in use - [{', '.join(containers)}]")
        self.name = name
        self.containers = tuple(containers)


class InvalidArgument(MockerError):
    http_status = 400


class InvalidReference(InvalidArgument):
    pass


class RegistryError(MockerError):
    http_status = 502


class AuthError(RegistryError):
    http_status = 401


class OCIRuntimeError(MockerError):
    exit_code = 125


class CannotInvoke(OCIRuntimeError):
    """The container's command exists but cannot be run ("permission denied"): Docker exits 126."""

    exit_code = 126


class CommandNotFound(OCIRuntimeError):
    """The container's command does not exist ("executable file not found"): Docker exits 127."""

    exit_code = 127


class StoreError(MockerError):
    pass


class DigestMismatch(StoreError):
    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"digest mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual


class UnsafeArchiveEntry(StoreError):
    """A tar entry that would write outside its extraction target."""
