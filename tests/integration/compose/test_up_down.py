"""``up``/``down``/``ps``/``logs`` on real containers: dependency conditions, idempotent ``up``,
recreation of changed services only, scaling, volumes and project separation."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Compose, labels_of

TWO_SERVICES = """
services:
  db:
    image: busybox
    command: sh -c 'echo db ready > /data/state; echo db up; exec sleep 300'
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "cat", "/data/state"]
      interval: 1s
      timeout: 2s
      retries: 5
    stop_grace_period: 1s
  web:
    image: busybox
    command: sh -c 'echo "web sees $$(cat /data/state) $$GREETING"; exec sleep 300'
    stop_grace_period: 1s
    environment:
      GREETING: ${GREETING:-hello}
    volumes: [data:/data]
    depends_on:
      db:
        condition: service_healthy
volumes:
  data:
"""

Mocker = Callable[..., subprocess.CompletedProcess[str]]
SLEEPER = "services:\n  {name}:\n    image: busybox\n    command: sleep 300\n    stop_grace_period: 1s\n"


def _ps(compose: Compose, *args: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in compose("ps", "--format", "json", *args).stdout.splitlines()]


def _wait_log(compose: Compose, text: str, *args: str) -> str:
    import time

    deadline = time.monotonic() + 20
    out = ""
    while time.monotonic() < deadline:
        out = compose("logs", *args).stdout
        if text in out:
            return out
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared in the logs:\n{out}")


def test_up_detached_waits_for_healthy_dependency_and_shares_the_volume(compose: Compose, project_dir: Path,
                                                                        run_mocker: Mocker) -> None:
    (project_dir / "compose.yaml").write_text(TWO_SERVICES)
    up = compose("up", "-d")
    err = up.stderr
    # db is healthy before web starts, in Docker Compose's progress words.
    assert err.index(" Container proj-db-1  Healthy") < err.index(" Container proj-web-1  Started")
    assert ' Volume "proj_data"  Created' in err
    rows = {r["Service"]: r for r in _ps(compose)}
    assert set(rows) == {"db", "web"}
    assert rows["db"]["Name"] == "proj-db-1" and rows["db"]["Health"] == "healthy"
    assert rows["web"]["State"] == "running"
    logs = _wait_log(compose, "web sees db ready hello")
    # Lines carry the container's name without the project, padded to the longest, then "| ".
    assert "web-1  | web sees db ready hello" in logs
    assert "db-1   | db up" in logs
    labels = labels_of(run_mocker, "proj-web-1")
    assert labels["com.docker.compose.project"] == "proj"
    assert labels["com.docker.compose.service"] == "web"
    assert labels["com.docker.compose.container-number"] == "1"
    assert labels["com.docker.compose.oneoff"] == "False"
    assert labels["com.docker.compose.project.working_dir"] == str(project_dir)
    assert labels["com.docker.compose.project.config_files"] == str(project_dir / "compose.yaml")
    assert labels["com.docker.compose.depends_on"] == "db:service_healthy:false"
    assert len(labels["com.docker.compose.config-hash"]) == 64
    vol = json.loads(run_mocker("volume", "inspect", "proj_data").stdout)[0]
    assert vol["Labels"]["com.docker.compose.project"] == "proj"
    assert vol["Labels"]["com.docker.compose.volume"] == "data"


def test_up_twice_changes_nothing_and_a_changed_service_alone_is_recreated(compose: Compose, project_dir: Path,
                                                                           mocker_env: dict[str, str]) -> None:
    (project_dir / "compose.yaml").write_text(TWO_SERVICES)
    compose("up", "-d")
    before = {r["Service"]: r["ID"] for r in _ps(compose)}
    again = compose("up", "-d")
    assert {r["Service"]: r["ID"] for r in _ps(compose)} == before
    assert " Container proj-web-1  Running" in again.stderr
    assert "Created" not in again.stderr and "Recreate" not in again.stderr
    changed = compose("up", "-d", env={**mocker_env, "GREETING": "changed"})
    after = {r["Service"]: r["ID"] for r in _ps(compose)}
    assert after["db"] == before["db"]
    assert after["web"] != before["web"]
    assert " Container proj-web-1  Recreate" in changed.stderr
    assert "web sees db ready changed" in _wait_log(compose, "changed", "web")
    forced = compose("up", "-d", "--force-recreate", "db")
    assert " Container proj-db-1  Recreate" in forced.stderr
    assert {r["Service"]: r["ID"] for r in _ps(compose)}["db"] != before["db"]


def test_down_removes_only_its_project_and_volumes_with_v(compose: Compose, project_dir: Path, tmp_path: Path,
                                                         run_mocker: Mocker) -> None:
    (project_dir / "compose.yaml").write_text(TWO_SERVICES)
    other = tmp_path / "other"
    other.mkdir()
    (other / "compose.yaml").write_text(SLEEPER.format(name="keep"))
    compose("up", "-d")
    compose("up", "-d", cwd=other)
    plain = run_mocker("run", "-d", "--name", "outsider", "busybox", "sleep", "300").stdout.strip()
    ls = compose("ls").stdout
    assert "proj " in ls and "running(2)" in ls and "other" in ls
    compose("down")
    names = run_mocker("ps", "-a", "--format", "{{.Names}}").stdout.split()
    assert sorted(names) == ["other-keep-1", "outsider"]
    assert "proj_data" in run_mocker("volume", "ls", "-q").stdout.split()   # kept without -v
    compose("up", "-d")
    compose("down", "-v")
    assert "proj_data" not in run_mocker("volume", "ls", "-q").stdout.split()
    assert sorted(run_mocker("ps", "-a", "--format", "{{.Names}}").stdout.split()) == ["other-keep-1", "outsider"]
    compose("down", cwd=other)
    run_mocker("rm", "-f", plain)


def test_scale_three_and_back_to_one(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text(SLEEPER.format(name="w"))
    compose("up", "-d", "--scale", "w=3")
    assert sorted(r["Name"] for r in _ps(compose)) == ["proj-w-1", "proj-w-2", "proj-w-3"]
    compose("up", "-d", "--scale", "w=1")
    assert [r["Name"] for r in _ps(compose)] == ["proj-w-1"]


def test_create_creates_without_starting_then_start_stop_restart(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text(SLEEPER.format(name="w"))
    compose("create")
    assert _ps(compose) == []
    assert [r["State"] for r in _ps(compose, "-a")] == ["created"]
    compose("start")
    assert [r["State"] for r in _ps(compose)] == ["running"]
    compose("pause")
    assert [r["State"] for r in _ps(compose)] == ["paused"]
    compose("unpause")
    compose("stop", "-t", "1")
    assert [r["State"] for r in _ps(compose, "-a")] == ["exited"]
    compose("restart", "-t", "1")
    assert [r["State"] for r in _ps(compose)] == ["running"]
    assert compose("ps", "--services").stdout == "w\n"
    assert len(compose("ps", "-q").stdout.split()[0]) == 64
    compose("kill")
    compose("rm", "-f")
    assert _ps(compose, "-a") == []


def test_run_rm_exec_and_exit_codes(compose: Compose, project_dir: Path, run_mocker: Mocker) -> None:
    (project_dir / "compose.yaml").write_text(
        SLEEPER.format(name="w") + "    environment: [FROM_FILE=yes]\n")
    out = compose("run", "--rm", "-e", "EXTRA=1", "w", "sh", "-c", "echo $FROM_FILE $EXTRA; exit 3", check=False)
    assert out.returncode == 3
    assert out.stdout == "yes 1\n"
    assert run_mocker("ps", "-aq").stdout == ""      # --rm removed the one-off container
    compose("up", "-d")
    assert compose("exec", "-T", "w", "sh", "-c", "echo in $FROM_FILE").stdout == "in yes\n"
    assert compose("exec", "-T", "w", "sh", "-c", "exit 4", check=False).returncode == 4
    kept = compose("run", "--entrypoint", "echo", "w", "one-off")
    assert kept.stdout == "one-off\n"
    oneoff = [r for r in _ps(compose, "-a") if "-run-" in str(r["Name"])]
    assert len(oneoff) == 1
    assert labels_of(run_mocker, str(oneoff[0]["Name"]))["com.docker.compose.oneoff"] == "True"
    compose("down")
    assert run_mocker("ps", "-aq").stdout == ""      # down removes one-off containers too


def test_attached_up_prefixes_output_and_exit_code_flags(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text("""
services:
  quick:
    image: busybox
    command: sh -c 'echo quick done; exit 7'
  slow:
    image: busybox
    command: sh -c 'echo slow started; exec sleep 300'
    stop_grace_period: 1s
""")
    out = compose("up", "--abort-on-container-exit", check=False)
    assert out.returncode == 7
    assert "Attaching to quick-1, slow-1" in out.stdout
    assert "quick-1  | quick done" in out.stdout
    assert "quick-1 exited with code 7" in out.stdout
    assert "Aborting on container exit..." in out.stdout
    assert {r["Service"]: r["State"] for r in _ps(compose, "-a")} == {"quick": "exited", "slow": "exited"}
    out = compose("up", "--exit-code-from", "slow", "-t", "1", check=False)
    assert out.returncode == 137
    (project_dir / "compose.yaml").write_text(
        "services:\n  a:\n    image: busybox\n    command: sh -c 'echo a; exit 0'\n"
        "  b:\n    image: busybox\n    command: sh -c 'echo b; exit 2'\n")
    out = compose("up", "--remove-orphans", check=False)
    assert out.returncode == 0        # without --abort-on-container-exit, up waits for all and exits 0
    assert "a-1  | a" in out.stdout and "b-1  | b" in out.stdout


def test_completed_successfully_dependency_and_its_failure(compose: Compose, project_dir: Path,
                                                           mocker_env: dict[str, str]) -> None:
    (project_dir / "compose.yaml").write_text("""
services:
  migrate:
    image: busybox
    command: sh -c 'exit ${CODE:-0}'
  app:
    image: busybox
    command: sleep 300
    stop_grace_period: 1s
    depends_on:
      migrate:
        condition: service_completed_successfully
""")
    compose("up", "-d")
    assert {r["Service"]: r["State"] for r in _ps(compose, "-a")} == {"migrate": "exited", "app": "running"}
    compose("down", "-t", "1")
    failed = compose("up", "-d", env={**mocker_env, "CODE": "3"}, check=False)
    assert failed.returncode == 1
    assert 'service "migrate" didn\'t complete successfully: exit 3' in failed.stderr


def test_profiles_and_unsupported_keys_are_refused_by_name(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text("""
services:
  base:
    image: busybox
    command: sleep 300
    stop_grace_period: 1s
  tools:
    image: busybox
    command: sleep 300
    stop_grace_period: 1s
    profiles: [debug]
""")
    compose("up", "-d")
    assert [r["Service"] for r in _ps(compose)] == ["base"]
    compose("--profile", "debug", "up", "-d")
    assert sorted(r["Service"] for r in _ps(compose)) == ["base", "tools"]
    compose("--profile", "debug", "down", "-t", "1")
    (project_dir / "compose.yaml").write_text(
        "services:\n  p:\n    image: busybox\n    volumes_from: [base]\n  base:\n    image: busybox\n")
    out = compose("up", "-d", check=False)
    assert out.returncode == 125
    assert "services.p.volumes_from is not supported by mocker" in out.stderr
    assert _ps(compose, "-a") == []     # nothing was created


def test_two_projects_up_at_once_stay_separate(compose: Compose, tmp_path: Path, run_mocker: Mocker,
                                               mocker_env: dict[str, str]) -> None:
    from tests.conftest import mocker_executable

    dirs = []
    for name in ("alpha", "beta"):
        d = tmp_path / name
        d.mkdir()
        (d / "compose.yaml").write_text(SLEEPER.format(name="svc") + "    volumes: [v:/v]\n"
                                        + "    deploy: {replicas: 2}\nvolumes:\n  v: {}\n")
        dirs.append(d)
    procs = [subprocess.Popen([mocker_executable(), "compose", "up", "-d"], cwd=d, env=mocker_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for d in dirs]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    names = sorted(run_mocker("ps", "--format", "{{.Names}}").stdout.split())
    assert names == ["alpha-svc-1", "alpha-svc-2", "beta-svc-1", "beta-svc-2"]
    assert {"alpha_v", "beta_v"} <= set(run_mocker("volume", "ls", "-q").stdout.split())
    # down by project name, from anywhere, without the compose file
    compose("-p", "alpha", "down", "-v", cwd=tmp_path)
    assert sorted(run_mocker("ps", "--format", "{{.Names}}").stdout.split()) == ["beta-svc-1", "beta-svc-2"]
    assert "alpha_v" not in run_mocker("volume", "ls", "-q").stdout.split()


def test_up_wait_returns_once_healthy(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text("""
services:
  h:
    image: busybox
    command: sh -c 'sleep 1; touch /tmp/ok; exec sleep 300'
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "test", "-e", "/tmp/ok"]
      interval: 1s
      retries: 10
""")
    out = compose("up", "-d", "--wait")
    assert " Container proj-h-1  Healthy" in out.stderr
    assert _ps(compose)[0]["Health"] == "healthy"


def test_secrets_and_configs_from_files_are_mounted_read_only(compose: Compose, project_dir: Path) -> None:
    (project_dir / "pw.txt").write_text("s3cret\n")
    (project_dir / "app.conf").write_text("conf=1\n")
    (project_dir / "compose.yaml").write_text("""
services:
  s:
    image: busybox
    command: sh -c 'cat /run/secrets/pw /etc/app.conf; echo x > /run/secrets/pw || echo read-only'
    secrets: [pw]
    configs:
      - source: conf
        target: /etc/app.conf
secrets:
  pw: {file: ./pw.txt}
configs:
  conf: {file: ./app.conf}
""")
    out = compose("run", "--rm", "s")
    assert out.stdout.splitlines()[:2] == ["s3cret", "conf=1"]
    assert "read-only" in out.stdout


@pytest.mark.registry
def test_push_then_up_pulls_a_missing_image_and_images_lists_it(compose: Compose, project_dir: Path, registry: str,
                                                                run_mocker: Mocker) -> None:
    import uuid

    image = f"{registry}/compose-test/{uuid.uuid4().hex[:8]}:v1"
    run_mocker("tag", "busybox:latest", image)
    (project_dir / "compose.yaml").write_text(
        f"services:\n  s:\n    image: {image}\n    command: sleep 300\n    stop_grace_period: 1s\n")
    pushed = compose("push")
    assert " s Pushed" in pushed.stderr
    run_mocker("rmi", image)
    up = compose("up", "-d")
    assert " s Pulled" in up.stderr
    rows = compose("images").stdout.splitlines()
    assert rows[0].split()[:3] == ["CONTAINER", "REPOSITORY", "TAG"]
    assert rows[1].split()[:3] == ["proj-s-1", image.rpartition(":")[0], "v1"]
    compose("down", "--rmi", "all")
    assert image not in run_mocker("images", "--format", "{{.Repository}}:{{.Tag}}").stdout


def test_dependency_restart_true_restarts_the_dependent(compose: Compose, project_dir: Path,
                                                        mocker_env: dict[str, str]) -> None:
    (project_dir / "compose.yaml").write_text("""
services:
  db:
    image: busybox
    command: sleep 300
    stop_grace_period: 1s
    environment:
      V: ${V:-1}
  app:
    image: busybox
    command: sleep 300
    stop_grace_period: 1s
    depends_on:
      db: {condition: service_started, restart: true}
""")
    compose("up", "-d")
    started = {r["Service"]: r["ID"] for r in _ps(compose)}
    out = compose("up", "-d", env={**mocker_env, "V": "2"})
    assert " Container proj-db-1  Recreate" in out.stderr
    assert " Container proj-app-1  Restarting" in out.stderr
    assert {r["Service"]: r["ID"] for r in _ps(compose)}["app"] == started["app"]   # restarted, not recreated
    restarted = compose("restart", "-t", "1", "db")
    assert " Container proj-app-1  Restarting" in restarted.stderr


def test_swarm_only_deploy_keys_are_refused_by_name(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text(
        "services:\n  s:\n    image: busybox\n    deploy:\n      placement: {constraints: [node.role==manager]}\n")
    out = compose("up", "-d", check=False)
    assert out.returncode == 125
    assert "Error: services.s.deploy.placement is not supported by mocker" in out.stderr


def test_logs_tail_no_prefix_and_stderr(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text(
        "services:\n  s:\n    image: busybox\n    command: sh -c 'echo one; echo two; echo oops >&2'\n")
    compose("up", "--abort-on-container-exit")
    out = compose("logs", "--no-log-prefix", "--tail", "1", "s")
    assert out.stdout == "" and out.stderr == "oops\n"      # the last line, on the stream it was written to
    full = compose("logs", "--no-color")
    assert full.stdout == "s-1  | one\ns-1  | two\n"
    assert full.stderr == "s-1  | oops\n"


def test_scale_volumes_and_export_wrappers(compose: Compose, project_dir: Path, tmp_path: Path) -> None:
    (project_dir / "compose.yaml").write_text(SLEEPER.format(name="w") + "    volumes: [v:/v]\nvolumes:\n  v: {}\n")
    compose("up", "-d")
    compose("scale", "w=2")
    assert sorted(r["Name"] for r in _ps(compose)) == ["proj-w-1", "proj-w-2"]
    assert compose("volumes", "-q").stdout == "proj_v\n"
    compose("export", "--index", "2", "-o", str(tmp_path / "fs.tar"), "w")
    import tarfile

    with tarfile.open(tmp_path / "fs.tar") as t:
        assert "bin/busybox" in t.getnames()


def test_recreate_keeps_anonymous_volume_data_and_down_v_removes_it(compose: Compose, project_dir: Path,
                                                                    run_mocker: Mocker,
                                                                    mocker_env: dict[str, str]) -> None:
    (project_dir / "compose.yaml").write_text(SLEEPER.format(name="w") + "    volumes: [/cache]\n"
                                              + "    environment:\n      V: ${V:-1}\n")
    compose("up", "-d")
    compose("exec", "-T", "w", "sh", "-c", "echo kept > /cache/f")
    vols = set(run_mocker("volume", "ls", "-q").stdout.split())
    compose("up", "-d", env={**mocker_env, "V": "2"})               # recreated: same anonymous volume
    assert compose("exec", "-T", "w", "cat", "/cache/f").stdout == "kept\n"
    assert set(run_mocker("volume", "ls", "-q").stdout.split()) == vols
    compose("up", "-d", env={**mocker_env, "V": "3"})               # and again
    assert compose("exec", "-T", "w", "cat", "/cache/f").stdout == "kept\n"
    compose("down")
    assert set(run_mocker("volume", "ls", "-q").stdout.split()) == vols   # down keeps it
    run_mocker("volume", "rm", *vols)
    compose("up", "-d")
    compose("down", "-v")
    assert run_mocker("volume", "ls", "-q").stdout.split() == []


def test_attached_up_of_one_service_does_not_show_its_dependencies(compose: Compose, project_dir: Path) -> None:
    (project_dir / "compose.yaml").write_text("""
services:
  dep:
    image: busybox
    command: sh -c 'echo from-dep; exit 0'
  main:
    image: busybox
    command: sh -c 'echo from-main; exit 0'
    depends_on:
      dep: {condition: service_completed_successfully}
""")
    out = compose("up", "main")
    assert "Attaching to main-1" in out.stdout
    assert "main-1  | from-main" in out.stdout and "from-dep" not in out.stdout
    again = compose("up", "--attach-dependencies", "main").stdout
    assert again.count("dep-1   | from-dep") == 1         # only this run's output, padded to "main-1"
    assert again.count("main-1  | from-main") == 1
