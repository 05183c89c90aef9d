"""The loaded project: its name, directory, files, environment and the canonical model.

The model is the canonical mapping that ``docker compose config`` prints (services, networks,
volumes, secrets, configs; long syntax everywhere, see :mod:`mocker.compose.normalize`). The
orchestrator reads it directly; it is plain data, so it can later be exported (e.g. as Kubernetes
objects) without being re-derived from files.
"""

from __future__ import annotations

TYPE_CHECKING = False   # not ``typing``/``dataclasses``: every compose command loads a project
if TYPE_CHECKING:
    from typing import Any


class Project:
    """Mutable (normalising fills ``model`` and ``disabled`` in); a plain ``__slots__`` class."""

    __slots__ = ("name", "working_dir", "config_files", "environment", "model", "profiles", "disabled")

    def __init__(self, *, name: str, working_dir: str, config_files: tuple[str, ...], environment: dict[str, str],
                 model: dict[str, Any], profiles: tuple[str, ...] = (), disabled: dict[str, Any] | None = None,
                 ) -> None:
        self.name = name
        self.working_dir = working_dir
        self.config_files = config_files
        self.environment = environment
        self.model = model
        self.profiles = profiles
        # Services left out by profiles (still known: "down" and "ps" of a named one work on them).
        self.disabled: dict[str, Any] = {} if disabled is None else disabled

    def __repr__(self) -> str:
        return f"Project(name={self.name!r}, working_dir={self.working_dir!r}, config_files={self.config_files!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Project):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    __hash__ = None     # type: ignore[assignment]  # mutable, as the dataclass it replaces

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = self.model.get("services") or {}
        return services

    def service(self, name: str) -> dict[str, Any]:
        from mocker.errors import NotFound

        svc = self.services.get(name)
        if svc is None:
            raise NotFound(f"no such service: {name}")
        return svc

    def volume_name(self, key: str) -> str:
        vol = (self.model.get("volumes") or {}).get(key) or {}
        return str(vol.get("name") or f"{self.name}_{key}")

    def network_name(self, key: str) -> str:
        net = (self.model.get("networks") or {}).get(key) or {}
        return str(net.get("name") or f"{self.name}_{key}")
