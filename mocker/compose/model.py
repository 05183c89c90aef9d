"""The loaded project: its name, directory, files, environment and the canonical model.

The model is the canonical mapping that ``docker compose config`` prints (services, networks,
volumes, secrets, configs; long syntax everywhere, see :mod:`mocker.compose.normalize`). The
orchestrator reads it directly; it is plain data, so it can later be exported (e.g. as Kubernetes
objects) without being re-derived from files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, kw_only=True)
class Project:
    name: str
    working_dir: str
    config_files: tuple[str, ...]
    environment: dict[str, str]
    model: dict[str, Any]
    profiles: tuple[str, ...] = ()
    # Services left out by profiles (still known: "down" and "ps" of a named one work on them).
    disabled: dict[str, Any] = field(default_factory=dict)

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
