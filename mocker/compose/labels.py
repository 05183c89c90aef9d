"""Docker Compose's labels, container names and config hash, as docker/compose v2 writes them.

Labels make the store the project's state: ``up`` finds a service's containers by
``com.docker.compose.project`` + ``.service``, compares ``.config-hash`` with the file's service to
decide on recreation, and ``down`` touches nothing without its project's label.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mocker.store.containers import ContainerRecord

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
ONEOFF = "com.docker.compose.oneoff"
CONFIG_HASH = "com.docker.compose.config-hash"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"
ENV_FILE = "com.docker.compose.project.environment_file"
VERSION = "com.docker.compose.version"
DEPENDS_ON = "com.docker.compose.depends_on"
IMAGE = "com.docker.compose.image"
VOLUME = "com.docker.compose.volume"
NETWORK = "com.docker.compose.network"
COMPOSE_VERSION = "2.40.3"     # the Docker Compose version whose behaviour mocker follows


def container_name(project: str, service: str, number: int) -> str:
    """``<project>-<service>-<n>`` (Docker Compose v2's separator)."""
    return f"{project}-{service}-{number}"


def oneoff_name(project: str, service: str) -> str:
    import secrets

    return f"{project}-{service}-run-{secrets.token_hex(6)}"


def config_hash(service: dict[str, Any]) -> str:
    """What decides recreation: the service without the keys that do not change a container
    (build, pull policy, scale/replicas, depends_on, profiles), as compose's ``ServiceHash``."""
    s = {k: v for k, v in service.items() if k not in ("build", "pull_policy", "scale", "depends_on", "profiles")}
    if isinstance(s.get("deploy"), dict):
        s["deploy"] = {k: v for k, v in s["deploy"].items() if k != "replicas"}
    from mocker.shortsha import sha256_hex  # not hashlib: OpenSSL's loads in ~3 ms, for a few hashes

    return sha256_hex(json.dumps(s, sort_keys=True, default=str).encode())


def depends_on_label(service: dict[str, Any]) -> str:
    return ",".join(f"{d}:{spec.get('condition', 'service_started')}:{str(bool(spec.get('restart'))).lower()}"
                    for d, spec in (service.get("depends_on") or {}).items())


def number_of(rec: ContainerRecord) -> int:
    try:
        return int(rec.labels.get(NUMBER, "0"))
    except ValueError:
        return 0


def short_name(rec: ContainerRecord) -> str:
    """The name logs print: the container's name without ``<project>-`` (``web-1``)."""
    project = rec.labels.get(PROJECT, "")
    return rec.name[len(project) + 1:] if project and rec.name.startswith(project + "-") else rec.name
