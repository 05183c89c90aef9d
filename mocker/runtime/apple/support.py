"""What the Apple backend cannot do, in one table (docs/APPLE-BACKEND.md prints the same facts).

Each entry becomes ``Error: <what> is not supported by the Apple container runtime (<reason>)``, exit
125 (errors.NotSupported turns the ``apple backend:`` prefix into that wording).
The reasons are the runtime's own limits (../shared/docs/APPLE-CONTAINER.md §7), not mocker's to-do
list: each container is a lightweight VM owned by Apple's apiserver.
"""

from __future__ import annotations

from mocker.errors import NotSupported

PREFIX = "apple backend: "

# mocker commands the Apple backend refuses (the command table's names).
COMMANDS: dict[str, str] = {
    "pause": "a container is a VM with no freezer; there is no pause/unpause",
    "unpause": "a container is a VM with no freezer; there is no pause/unpause",
    "rename": "the container's name is its ID in Apple's runtime and cannot change",
    "wait": "the runtime does not report the exit code of a detached container",
    "attach": "the runtime cannot attach to an already running container",
    "top": "the container's processes live inside a VM; the host sees no PIDs",
    "diff": "the runtime does not expose the container's filesystem changes",
    "commit": "the runtime has no commit of a container into an image",
    "update": "a container's CPUs and memory are fixed VM sizes set at create time",
    "history": "the CLI's image config omits the layer history",
    "import": "the CLI has no import of a root filesystem tarball",
    "network connect": "network membership is fixed when the container is created (no NIC hot-plug)",
    "network disconnect": "network membership is fixed when the container is created (no NIC hot-plug)",
    "container cleanup": "the runtime supervises its own containers",
    "container restart-policy": "restart policies are not implemented by the runtime",
    "container health-monitor": "healthchecks are not implemented by the runtime",
    "volume update": "the runtime has no volume update",
    "system service": "the Engine API server drives the Linux engine only so far",
}

# run/create flags (parsed destination names) that the runtime has no equivalent for.
CREATE_FLAGS: dict[str, str] = {
    "hostname": "the hostname is the container's ID",
    "domainname": "the hostname is the container's ID",
    "add_host": "the runtime has no --add-host; use the network gateway or `container system dns`",
    "ip": "the runtime has no static container addresses",
    "ip6": "the runtime has no static container addresses",
    "network_alias": "the runtime has no network aliases",
    "net_alias": "the runtime has no network aliases",
    "expose": "the runtime has no exposed-port metadata",
    "publish_all": "there are no random host ports; give -p HOST:CONTAINER",
    "restart": "restart policies are not implemented by the runtime",
    "health_cmd": "healthchecks are not implemented by the runtime",
    "health_interval": "healthchecks are not implemented by the runtime",
    "health_retries": "healthchecks are not implemented by the runtime",
    "health_timeout": "healthchecks are not implemented by the runtime",
    "health_start_period": "healthchecks are not implemented by the runtime",
    "health_start_interval": "healthchecks are not implemented by the runtime",
    "privileged": "there is no privileged mode; use --cap-add",
    "device": "host devices cannot be passed into the VM",
    "security_opt": "seccomp/AppArmor/SELinux options do not apply to the VM runtime",
    "sysctl": "the CLI has no --sysctl",
    "stop_signal": "the CLI takes the stop signal from the image only",
    "stop_timeout": "the CLI has no per-container stop timeout",
    "log_driver": "the runtime keeps its own log file; there are no log drivers",
    "log_opt": "the runtime keeps its own log file; there are no log drivers",
    "memory_swap": "a VM has fixed memory and no swap limit",
    "memory_reservation": "a VM has fixed memory",
    "cpu_shares": "a VM has whole vCPUs; there are no CPU shares",
    "cpu_period": "a VM has whole vCPUs; there is no CFS quota",
    "cpu_quota": "a VM has whole vCPUs; there is no CFS quota",
    "cpuset_cpus": "vCPUs cannot be pinned",
    "pids_limit": "the runtime has no pids limit",
    "oom_kill_disable": "the runtime has no OOM killer setting",
    "group_add": "the CLI has no supplementary groups option",
    "cgroup_parent": "there are no host cgroups for a VM",
    "isolation": "every container is a VM; there is no isolation choice",
    "runtime": "the runtime is Apple's container-runtime-linux",
    "detach_keys": "the CLI cannot detach from an attached container",
    "attach": "the CLI attaches stdout and stderr together or not at all",
}

# Flags of other commands (command name -> {flag dest: reason}).
OTHER_FLAGS: dict[str, dict[str, str]] = {
    "logs": {"since": "the runtime's logs have no timestamps", "until": "the runtime's logs have no timestamps",
             "timestamps": "the runtime's logs have no timestamps"},
    "exec": {"privileged": "there is no privileged mode", "detach_keys": "the CLI cannot detach from an exec"},
    "ps": {"size": "the runtime reports no sizes"},
    "rm": {"volumes": "the runtime's delete has no option to remove anonymous volumes"},
    "stats": {"all": "the runtime has statistics for running containers only"},
    "start": {"detach_keys": "the CLI cannot detach from an attached container"},
}


def refuse(what: str, reason: str) -> NotSupported:
    return NotSupported(what, PREFIX + reason)


def flag_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")
