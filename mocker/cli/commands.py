"""Command name -> ``"module:ATTRIBUTE"`` of its :class:`~mocker.cli.command.Command`.

Strings, not imports (pip's ``commands_dict``): ``mocker images`` never imports the registry client,
the builder or compose. Docker spellings that mean the same command map to the same target.
"""

from __future__ import annotations

COMMANDS: dict[str, str] = {
    # images
    "images": "mocker.cli.images:LS",
    "image ls": "mocker.cli.images:LS",
    "image list": "mocker.cli.images:LS",
    "rmi": "mocker.cli.images:RM",
    "image rm": "mocker.cli.images:RM",
    "image remove": "mocker.cli.images:RM",
    "tag": "mocker.cli.images:TAG",
    "image tag": "mocker.cli.images:TAG",
    "image inspect": "mocker.cli.images:INSPECT",
    "inspect": "mocker.cli.inspect:INSPECT",
    "history": "mocker.cli.images:HISTORY",
    "image history": "mocker.cli.images:HISTORY",
    "image prune": "mocker.cli.images:PRUNE",
    "save": "mocker.cli.archives:SAVE",
    "image save": "mocker.cli.archives:SAVE",
    "load": "mocker.cli.archives:LOAD",
    "image load": "mocker.cli.archives:LOAD",
    "import": "mocker.cli.archives:IMPORT",
    "image import": "mocker.cli.archives:IMPORT",
    # registries
    "pull": "mocker.cli.registry:PULL",
    "image pull": "mocker.cli.registry:PULL",
    "push": "mocker.cli.registry:PUSH",
    "image push": "mocker.cli.registry:PUSH",
    "login": "mocker.cli.registry:LOGIN",
    "logout": "mocker.cli.registry:LOGOUT",
    # containers
    "run": "mocker.cli.containers:RUN",
    "container run": "mocker.cli.containers:RUN",
    "create": "mocker.cli.containers:CREATE",
    "container create": "mocker.cli.containers:CREATE",
    "start": "mocker.cli.containers:START",
    "container start": "mocker.cli.containers:START",
    "stop": "mocker.cli.containers:STOP",
    "container stop": "mocker.cli.containers:STOP",
    "restart": "mocker.cli.containers:RESTART",
    "container restart": "mocker.cli.containers:RESTART",
    "kill": "mocker.cli.containers:KILL",
    "container kill": "mocker.cli.containers:KILL",
    "rm": "mocker.cli.containers:RM",
    "container rm": "mocker.cli.containers:RM",
    "wait": "mocker.cli.containers:WAIT",
    "container wait": "mocker.cli.containers:WAIT",
    "rename": "mocker.cli.containers:RENAME",
    "container rename": "mocker.cli.containers:RENAME",
    "pause": "mocker.cli.containers:PAUSE",
    "container pause": "mocker.cli.containers:PAUSE",
    "unpause": "mocker.cli.containers:UNPAUSE",
    "container unpause": "mocker.cli.containers:UNPAUSE",
    "container remove": "mocker.cli.containers:RM",
    "container cleanup": "mocker.cli.containers:CLEANUP",
    "attach": "mocker.cli.containers:ATTACH",
    "container attach": "mocker.cli.containers:ATTACH",
    "container prune": "mocker.cli.containers:PRUNE",
    "container restart-policy": "mocker.cli.containers:RESTART_POLICY",
    "ps": "mocker.cli.container_info:PS",
    "container ps": "mocker.cli.container_info:PS",
    "logs": "mocker.cli.container_info:LOGS",
    "container logs": "mocker.cli.container_info:LOGS",
    "exec": "mocker.cli.container_info:EXEC",
    "container exec": "mocker.cli.container_info:EXEC",
    "top": "mocker.cli.container_info:TOP",
    "container top": "mocker.cli.container_info:TOP",
    "port": "mocker.cli.container_info:PORT",
    "container port": "mocker.cli.container_info:PORT",
    "container ls": "mocker.cli.container_info:PS",
    "container list": "mocker.cli.container_info:PS",
    "container inspect": "mocker.cli.container_info:INSPECT",
    # system
    "version": "mocker.cli.system:VERSION",
    "info": "mocker.cli.system:INFO",
    "system info": "mocker.cli.system:INFO",
    "system df": "mocker.cli.system:DF",
    # volumes
    "volume create": "mocker.cli.volumes:CREATE",
    "volume ls": "mocker.cli.volumes:LS",
    "volume list": "mocker.cli.volumes:LS",
    "volume inspect": "mocker.cli.volumes:INSPECT",
    "volume rm": "mocker.cli.volumes:RM",
    "volume remove": "mocker.cli.volumes:RM",
    "volume prune": "mocker.cli.volumes:PRUNE",
    "volume update": "mocker.cli.volumes:UPDATE",
}

# Groups whose bare name lists their subcommands (``mocker image``).
GROUPS: dict[str, str] = {
    "image": "Manage images",
    "system": "Manage mocker",
    "container": "Manage containers",
    "volume": "Manage volumes",
    "network": "Manage networks",
    "manifest": "Manage Docker image manifests and manifest lists",
    "compose": "Define and run multi-container applications",
    "builder": "Manage builds",
}

# Docker commands mocker does not have, with the reason printed in the error (exit 125).
UNSUPPORTED: dict[str, str] = {
    "swarm": "swarm mode needs a cluster daemon; mocker is daemonless",
    "service": "swarm services need a cluster daemon; mocker is daemonless",
    "stack": "swarm stacks need a cluster daemon; mocker is daemonless",
    "node": "swarm nodes need a cluster daemon; mocker is daemonless",
    "secret": "swarm secrets need a cluster daemon; mocker is daemonless",
    "config": "swarm configs need a cluster daemon; mocker is daemonless",
    "plugin": "engine plugins need a daemon; mocker is daemonless",
    "trust": "Docker Content Trust (Notary) is not implemented",
    "context": "mocker always works on its local store; there are no contexts",
    "checkpoint": "checkpoint/restore (CRIU) is not implemented",
    "search": "registry search needs Docker Hub's search API, which local registries do not offer",
    "scout": "Docker Scout is a Docker Inc. service",
    "init": "docker init is a Docker Desktop feature",
    "buildx": "use 'mocker build'; buildx builders are not implemented",
}

# Commands of Docker's that later milestones implement; until then they must say so, not pretend.
NOT_YET: tuple[str, ...] = (
    "cp", "diff", "commit", "export", "stats", "update",
    "container", "network", "build", "builder", "manifest", "compose", "events",
    "system prune", "system events", "system service", "image build",
)
