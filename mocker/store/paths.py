"""Where the store lives on disk.

The layout is an OCI image layout at the root (``oci-layout``, ``index.json``, ``blobs/sha256``) so
that skopeo/umoci can read it, plus mocker's own directories beside it.

Start-up cost: ``images`` only opens the DB, so :class:`StorePaths` is a plain ``__slots__`` class (not
a dataclass) holding the root as text: ``pathlib`` (which pulls in ``re``, ``urllib.parse`` and
``ipaddress``) is imported when a :class:`~pathlib.Path` is first asked for.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

VAR_LIB = "/var/lib/mocker"
DB_FILE = "mocker.db"
OCI_LAYOUT_FILE = "oci-layout"
INDEX_FILE = "index.json"


def default_root_text() -> str:
    env = os.environ.get("MOCKER_ROOT")
    if env:
        return env
    if os.geteuid() == 0:
        return VAR_LIB
    xdg = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(xdg, "mocker")


def default_root() -> Path:
    from pathlib import Path

    return Path(default_root_text())


def default_run_root(root: Path) -> Path:
    """Runtime state (pids, sockets, exit files) lives on tmpfs so a reboot forgets it, like Docker."""
    from pathlib import Path

    env = os.environ.get("MOCKER_RUNROOT")
    if env:
        return Path(env)
    return _run_beside(root)


def _run_beside(root: Path) -> Path:
    from pathlib import Path

    if root == Path(VAR_LIB):
        return Path("/run/mocker")
    # A store given with --root gets its own run dir, so two stores never share state.
    return root / "run"


class StorePaths:
    """The store's directories and files; immutable.

    Paths are kept as text and become :class:`~pathlib.Path` objects when asked for; without a ``run``,
    the run directory is the default one for ``root`` (see :func:`default_run_root`).
    """

    __slots__ = ("_root", "_run")

    _root: str
    _run: str | None

    def __init__(self, root: str | os.PathLike[str], run: str | os.PathLike[str] | None = None) -> None:
        object.__setattr__(self, "_root", os.fspath(root))
        object.__setattr__(self, "_run", None if run is None else os.fspath(run))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, StorePaths):
            return NotImplemented
        return (self.root, self.run) == (other.root, other.run)

    def __hash__(self) -> int:
        return hash((self.root, self.run))

    def __repr__(self) -> str:
        return f"StorePaths(root={self.root!r}, run={self.run!r})"

    def __reduce__(self) -> tuple[type[StorePaths], tuple[str, str | None]]:
        return (StorePaths, (self._root, self._run))

    @classmethod
    def at(cls, root: str | os.PathLike[str] | None = None) -> StorePaths:
        return cls(root if root is not None else default_root_text(), os.environ.get("MOCKER_RUNROOT") or None)

    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self._root)

    @property
    def run(self) -> Path:
        if self._run is None:
            return _run_beside(self.root)
        from pathlib import Path

        return Path(self._run)

    def text(self, *names: str) -> str:
        """The root, or ``<root>/<names...>``, as text: for the start-up path, which avoids ``pathlib``."""
        return os.path.join(self._root, *names)

    @property
    def blobs(self) -> Path:
        return self.root / "blobs" / "sha256"

    @property
    def index_json(self) -> Path:
        return self.root / INDEX_FILE

    @property
    def oci_layout(self) -> Path:
        return self.root / OCI_LAYOUT_FILE

    @property
    def layers(self) -> Path:
        return self.root / "layers"

    @property
    def containers(self) -> Path:
        return self.root / "containers"

    @property
    def volumes(self) -> Path:
        return self.root / "volumes"

    @property
    def tmp(self) -> Path:
        """Scratch space on the same filesystem as the blobs, so a finished file is renamed, not copied."""
        return self.root / "tmp"

    @property
    def db(self) -> Path:
        return self.root / DB_FILE

    @property
    def lock(self) -> Path:
        return self.root / "store.lock"

    def layer_dir(self, chain_id: str) -> Path:
        return self.layers / chain_id.split(":", 1)[-1]
