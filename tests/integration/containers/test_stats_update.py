"""``stats`` and ``update`` on real containers: values from the cgroups, limits changed live."""

from __future__ import annotations

import json
import os
import re
import time

import pytest

pytestmark = pytest.mark.root

MiB = 1024 * 1024


def inspect(mocker, name: str) -> dict:
    return json.loads(mocker("inspect", name).stdout)[0]


def cgroup_file(pid: int, controller: str, v1_name: str, v2_name: str) -> str:
    """The text of one cgroup file of ``pid`` (v1 ``controller`` hierarchy, else the unified one)."""
    with open(f"/proc/{pid}/cgroup") as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    for _, controllers, path in lines:
        if controller in controllers.split(","):
            for root in (f"/sys/fs/cgroup/{controller}", f"/sys/fs/cgroup/{','.join(sorted(controllers.split(',')))}"):
                if os.path.exists(root + path):
                    with open(os.path.join(root + path, v1_name)) as f:
                        return f.read().strip()
    path = next(p for _, c, p in lines if c == "")
    with open(os.path.join("/sys/fs/cgroup" + path, v2_name)) as f:
        return f.read().strip()


def memory_limit(pid: int) -> int:
    text = cgroup_file(pid, "memory", "memory.limit_in_bytes", "memory.max")
    return int(text) if text.isdigit() else -1


def test_stats_no_stream_shows_the_memory_limit_and_pids(mocker):
    mocker("run", "-d", "--name", "st", "--network", "none", "-m", "64m", "busybox", "sleep", "100")
    r = mocker("stats", "--no-stream")
    header, *rows = r.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O",
                                           "BLOCK I/O", "PIDS"]
    assert len(rows) == 1
    cols = re.split(r"\s{2,}", rows[0])
    cid = inspect(mocker, "st")["Id"]
    assert cols[0] == cid[:12] and cols[1] == "st"
    assert re.fullmatch(r"\d+\.\d\d%", cols[2]) and re.fullmatch(r"\d+\.\d\d%", cols[4])
    assert re.fullmatch(r"[\d.]+(B|KiB|MiB) / 64MiB", cols[3])
    assert cols[5] == "0B / 0B"                     # --network none: nothing to count, as Docker says
    assert int(cols[7]) >= 1


def test_stats_format_fields(mocker):
    mocker("run", "-d", "--name", "fmt", "-m", "32m", "busybox", "sleep", "100")
    out = mocker("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", "fmt").stdout
    assert re.fullmatch(r"fmt [\d.]+(B|KiB|MiB) / 32MiB\n", out)
    out = mocker("stats", "--no-stream", "--no-trunc", "--format", "{{.Container}} {{.ID}} {{.PIDs}}", "fmt").stdout
    assert out == f"fmt {inspect(mocker, 'fmt')['Id']} 1\n"


def test_stats_all_shows_stopped_containers_with_zeros(mocker):
    mocker("create", "--name", "idle", "busybox", "true")
    assert mocker("stats", "--no-stream", "--format", "{{.Name}}").stdout == ""
    out = mocker("stats", "--no-stream", "-a", "--format",
                 "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}").stdout
    assert out == "idle|0.00%|0B / 0B|0.00%|0B / 0B|0B / 0B|0\n"


def test_stats_of_a_missing_container_exits_1(mocker):
    r = mocker("stats", "--no-stream", "nope", check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "Error: No such container: nope\n"


def test_update_memory_changes_the_cgroup_and_inspect(mocker):
    mocker("run", "-d", "--name", "up", "-m", "64m", "busybox", "sleep", "100")
    pid = inspect(mocker, "up")["State"]["Pid"]
    assert memory_limit(pid) == 64 * MiB
    assert mocker("update", "--memory", "32m", "up").stdout == "up\n"
    assert memory_limit(pid) == 32 * MiB
    host = inspect(mocker, "up")["HostConfig"]
    assert host["Memory"] == 32 * MiB and host["MemorySwap"] == 128 * MiB   # Docker's 2x of the first limit
    assert "32MiB" in mocker("stats", "--no-stream", "--format", "{{.MemUsage}}", "up").stdout
    mocker("restart", "-t", "0", "up")               # a new start keeps the updated limit
    assert memory_limit(inspect(mocker, "up")["State"]["Pid"]) == 32 * MiB


def test_update_memory_above_the_swap_limit_needs_memory_swap(mocker):
    mocker("run", "-d", "--name", "sw", "-m", "64m", "busybox", "sleep", "100")
    cid = inspect(mocker, "sw")["Id"]
    r = mocker("update", "-m", "200m", "sw", check=False)
    assert r.returncode == 1
    assert r.stderr == (f"Error: Cannot update container {cid}: Memory limit should be smaller than already set "
                        "memoryswap limit, update the memoryswap at the same time\n")
    assert mocker("update", "-m", "200m", "--memory-swap", "400m", "sw").stdout == "sw\n"
    pid = inspect(mocker, "sw")["State"]["Pid"]
    assert memory_limit(pid) == 200 * MiB
    assert inspect(mocker, "sw")["HostConfig"]["MemorySwap"] == 400 * MiB


def test_update_cpu_and_pids_limits_live(mocker):
    mocker("run", "-d", "--name", "cpu", "busybox", "sleep", "100")
    assert mocker("update", "--cpus", "0.5", "--pids-limit", "20", "--cpu-shares", "512", "cpu").stdout == "cpu\n"
    pid = inspect(mocker, "cpu")["State"]["Pid"]
    assert cgroup_file(pid, "pids", "pids.max", "pids.max") == "20"
    quota = cgroup_file(pid, "cpu", "cpu.cfs_quota_us", "cpu.max")
    assert quota in ("50000", "50000 100000")
    host = inspect(mocker, "cpu")["HostConfig"]
    assert (host["NanoCpus"], host["PidsLimit"], host["CpuShares"]) == (500_000_000, 20, 512)
    r = mocker("update", "--cpu-quota", "20000", "cpu", check=False)
    assert r.returncode == 1 and "CPU Quota cannot be updated as NanoCPUs has already been set" in r.stderr


def test_update_restart_policy_is_stored(mocker):
    mocker("create", "--name", "rp", "busybox", "true")
    mocker("create", "--name", "gone", "--rm", "busybox", "true")
    assert mocker("update", "--restart", "on-failure:3", "rp").stdout == "rp\n"
    assert inspect(mocker, "rp")["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    r = mocker("update", "--restart", "always", "gone", "rp", check=False)
    assert r.returncode == 1 and r.stdout == "rp\n"
    assert "Restart policy cannot be updated because AutoRemove is enabled for the container" in r.stderr
    assert inspect(mocker, "rp")["HostConfig"]["RestartPolicy"]["Name"] == "always"


def test_update_restart_policy_applies_to_the_next_exit(mocker):
    mocker("run", "-d", "--name", "again", "busybox", "sh", "-c", "sleep 1; exit 3")
    mocker("update", "--restart", "on-failure:1", "again")
    mocker("wait", "again")
    deadline = time.time() + 10
    while time.time() < deadline and inspect(mocker, "again")["RestartCount"] < 1:
        time.sleep(0.1)
    assert inspect(mocker, "again")["RestartCount"] == 1


def test_update_refuses_what_mocker_cannot_do(mocker):
    mocker("create", "--name", "uu", "busybox", "true")
    r = mocker("update", "--blkio-weight", "300", "uu", check=False)
    assert r.returncode == 125 and "--blkio-weight is not supported by mocker" in r.stderr
    r = mocker("update", "uu", check=False)
    assert r.returncode == 1
    assert r.stderr == "Error: you must provide one or more flags when using this command\n"
    r = mocker("update", "-m", "32m", "missing", check=False)
    assert r.returncode == 1 and r.stderr == "Error: No such container: missing\n"
