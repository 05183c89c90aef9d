"""Health checks as a Docker user sees them (``State.Health``, ps suffixes), on real containers.

The monitor is a process of its own (``mocker container health-monitor ID``): these tests also check
that it goes away when the container stops and that a restart gets a fresh one.
"""

from __future__ import annotations

import json
import os
import time

import pytest

pytestmark = pytest.mark.root


def inspect(mocker, name: str) -> dict:
    return json.loads(mocker("inspect", name).stdout)[0]


def health(mocker, name: str) -> dict | None:
    return inspect(mocker, name)["State"].get("Health")


def wait_for(pred, timeout: float = 15.0, show=None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not reached: {show() if show else ''}")


def ps_status(mocker, name: str) -> str:
    return mocker("ps", "-a", "--filter", f"name={name}", "--format", "{{.Status}}").stdout.strip()


def monitors(cid: str) -> list[int]:
    """Live ``container health-monitor`` processes for ``cid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if b"health-monitor" in argv and cid.encode() in argv and state != b"Z":
            found.append(int(entry))
    return found


def test_passing_probe_turns_healthy_and_ps_shows_it(mocker):
    mocker("run", "-d", "--name", "ok", "--health-cmd", "echo fine", "--health-interval", "1s",
           "busybox", "sleep", "100")
    assert ps_status(mocker, "ok").endswith("(health: starting)")
    assert mocker("inspect", "--format", "{{.State.Health.Status}}", "ok").stdout == "starting\n"
    wait_for(lambda: (health(mocker, "ok") or {}).get("Status") == "healthy", show=lambda: health(mocker, "ok"))
    h = health(mocker, "ok")
    assert h["FailingStreak"] == 0
    last = h["Log"][-1]
    assert (last["ExitCode"], last["Output"]) == (0, "fine\n")
    assert last["Start"] <= last["End"] and last["Start"].startswith("20")
    assert ps_status(mocker, "ok").endswith("(healthy)")
    assert mocker("inspect", "--format", "{{.State.Health.Status}}", "ok").stdout == "healthy\n"
    hc = inspect(mocker, "ok")["Config"]["Healthcheck"]
    assert hc == {"Test": ["CMD-SHELL", "echo fine"], "Interval": 1_000_000_000}


def test_failing_probe_turns_unhealthy_after_retries(mocker):
    mocker("run", "-d", "--name", "bad", "--health-cmd", "echo broken >&2; exit 3", "--health-interval", "1s",
           "--health-retries", "2", "busybox", "sleep", "100")
    wait_for(lambda: len((health(mocker, "bad") or {}).get("Log") or []) >= 1)
    first = health(mocker, "bad")
    if len(first["Log"]) == 1:          # one failure of two allowed: still starting
        assert (first["Status"], first["FailingStreak"]) == ("starting", 1)
    wait_for(lambda: health(mocker, "bad")["Status"] == "unhealthy", show=lambda: health(mocker, "bad"))
    h = health(mocker, "bad")
    assert h["FailingStreak"] >= 2
    assert h["Log"][-1]["ExitCode"] == 3 and h["Log"][-1]["Output"] == "broken\n"
    assert ps_status(mocker, "bad").endswith("(unhealthy)")


def test_log_keeps_the_last_five_results(mocker):
    mocker("run", "-d", "--name", "many", "--health-cmd", "date +%s%N", "--health-interval", "200ms",
           "busybox", "sleep", "100")
    wait_for(lambda: (health(mocker, "many") or {}).get("FailingStreak") == 0 and
             len(health(mocker, "many")["Log"]) == 5)
    time.sleep(0.7)
    log = health(mocker, "many")["Log"]
    assert len(log) == 5
    assert [e["Start"] for e in log] == sorted(e["Start"] for e in log)


def test_failures_in_the_start_period_keep_starting(mocker):
    mocker("run", "-d", "--name", "slow", "--health-cmd", "exit 1", "--health-interval", "1s",
           "--health-start-period", "60s", "--health-start-interval", "200ms", "--health-retries", "1",
           "busybox", "sleep", "100")
    wait_for(lambda: len((health(mocker, "slow") or {}).get("Log") or []) >= 3, show=lambda: health(mocker, "slow"))
    h = health(mocker, "slow")
    assert (h["Status"], h["FailingStreak"]) == ("starting", 0)
    assert all(e["ExitCode"] == 1 for e in h["Log"])
    assert ps_status(mocker, "slow").endswith("(health: starting)")


def test_probe_that_outlives_its_timeout_fails_with_docker_message(mocker):
    mocker("run", "-d", "--name", "hang", "--health-cmd", "sleep 30", "--health-interval", "1s",
           "--health-timeout", "300ms", "--health-retries", "1", "busybox", "sleep", "100")
    wait_for(lambda: (health(mocker, "hang") or {}).get("Status") == "unhealthy", show=lambda: health(mocker, "hang"))
    last = health(mocker, "hang")["Log"][-1]
    assert last["ExitCode"] == -1
    assert last["Output"] == "Health check exceeded timeout (300ms)"


def test_image_healthcheck_runs_and_no_healthcheck_disables_it(mocker, tmp_path):
    mocker("import", "-c", 'CMD ["/bin/sh"]', "-c", 'HEALTHCHECK --interval=1s --retries=1 CMD ["/bin/false"]',
           str(tmp_path / "rootfs.tar"), "checked:latest")
    mocker("run", "-d", "--name", "img", "checked", "sleep", "100")
    assert inspect(mocker, "img")["Config"]["Healthcheck"] == {"Test": ["CMD", "/bin/false"],
                                                              "Interval": 1_000_000_000, "Retries": 1}
    wait_for(lambda: (health(mocker, "img") or {}).get("Status") == "unhealthy", show=lambda: health(mocker, "img"))

    cid = mocker("run", "-d", "--name", "off", "--no-healthcheck", "checked", "sleep", "100").stdout.strip()
    time.sleep(1.5)
    assert health(mocker, "off") is None
    assert inspect(mocker, "off")["Config"]["Healthcheck"]["Test"] == ["NONE"]
    assert ps_status(mocker, "off").startswith("Up") and "health" not in ps_status(mocker, "off")
    assert monitors(cid) == []


def test_monitor_stops_with_the_container_and_restart_starts_a_new_one(mocker):
    cid = mocker("run", "-d", "--name", "mon", "--health-cmd", "true", "--health-interval", "1s",
                 "busybox", "sleep", "100").stdout.strip()
    wait_for(lambda: len(monitors(cid)) == 1)
    wait_for(lambda: health(mocker, "mon")["Status"] == "healthy")
    first = monitors(cid)
    mocker("stop", "-t", "0", "mon")
    wait_for(lambda: monitors(cid) == [], timeout=5)
    assert health(mocker, "mon")["Status"] == "unhealthy"      # Docker's state once the monitor stopped
    assert ps_status(mocker, "mon").startswith("Exited")
    n_log = len(health(mocker, "mon")["Log"])

    mocker("start", "mon")
    h = health(mocker, "mon")
    assert (h["Status"], h["FailingStreak"]) == ("starting", 0)
    assert len(h["Log"]) == n_log                               # the log survives a restart
    wait_for(lambda: len(monitors(cid)) == 1)
    assert monitors(cid) != first
    wait_for(lambda: health(mocker, "mon")["Status"] == "healthy")
    mocker("rm", "-f", "mon")
    wait_for(lambda: monitors(cid) == [], timeout=5)


def test_paused_container_is_not_probed(mocker):
    # A probe in flight when the pause lands is frozen with the container until its timeout (as in
    # Docker): keep that short so the test does not depend on where the pause falls.
    mocker("run", "-d", "--name", "frozen", "--health-cmd", "true", "--health-interval", "300ms",
           "--health-timeout", "1s", "busybox", "sleep", "100")
    show = lambda: health(mocker, "frozen")  # noqa: E731
    wait_for(lambda: (health(mocker, "frozen") or {}).get("Status") == "healthy", show=show)
    mocker("pause", "frozen")
    wait_for(lambda: health(mocker, "frozen")["Status"] == "unhealthy", show=show)
    ends = [e["End"] for e in health(mocker, "frozen")["Log"]]
    time.sleep(1.2)
    assert [e["End"] for e in health(mocker, "frozen")["Log"]] == ends
    mocker("unpause", "frozen")
    wait_for(lambda: health(mocker, "frozen")["Status"] == "healthy", show=show)
