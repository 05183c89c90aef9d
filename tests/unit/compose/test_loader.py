"""The loader: files, merge, extends, include, profiles, project names, .env, errors naming key and file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mocker.compose.loader import LoadOptions, load
from mocker.compose.yaml_out import dump
from mocker.errors import InvalidArgument


def _load(d: Path, *files: str, env: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return load(LoadOptions(files=files, cwd=str(d), environ=env or {}, **kw))  # type: ignore[arg-type]


def write(d: Path, name: str, text: str) -> Path:
    p = d / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_discovery_prefers_compose_yaml_and_adds_override_and_walks_up(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x\n")
    write(tmp_path, "docker-compose.yml", "services:\n  b:\n    image: x\n")
    write(tmp_path, "compose.override.yaml", "services:\n  a:\n    environment: [K=v]\n")
    sub = tmp_path / "sub" / "deeper"
    sub.mkdir(parents=True)
    p = load(LoadOptions(cwd=str(sub), environ={}))
    assert list(p.services) == ["a"]
    assert p.services["a"]["environment"] == {"K": "v"}
    assert p.working_dir == str(tmp_path)


def test_no_compose_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="no configuration file provided: not found"):
        load(LoadOptions(cwd=str(tmp_path), environ={}))


def test_files_merge_in_order(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", """
services:
  web:
    image: one
    command: echo a
    environment: {A: "1", B: "2"}
    ports: ["80"]
    volumes: ["./x:/data", "v:/other"]
    labels: [l1=a]
volumes: {v: {}}
""")
    write(tmp_path, "b.yaml", """
services:
  web:
    image: two
    command: ["echo", "b"]
    environment: [B=3, C]
    ports: ["81"]
    volumes: ["./y:/data"]
    labels: {l2: b}
""")
    svc = _load(tmp_path, "a.yaml", "b.yaml", env={"C": "from-env"}).services["web"]
    assert svc["image"] == "two"
    assert svc["command"] == ["echo", "b"]
    assert svc["environment"] == {"A": "1", "B": "3", "C": "from-env"}
    assert [p["target"] for p in svc["ports"]] == [80, 81]
    assert [(v.get("source"), v["target"]) for v in svc["volumes"]] == [(str(tmp_path / "y"), "/data"),
                                                                       ("v", "/other")]
    assert svc["labels"] == {"l1": "a", "l2": "b"}


def test_reset_and_override_tags(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "services:\n  s:\n    image: x\n    ports: ['80']\n    environment: {A: '1'}\n")
    write(tmp_path, "b.yaml", "services:\n  s:\n    ports: !reset []\n    environment: !override {B: '2'}\n")
    svc = _load(tmp_path, "a.yaml", "b.yaml").services["s"]
    assert "ports" not in svc
    assert svc["environment"] == {"B": "2"}


def test_extends_same_file_and_other_file_with_its_relative_paths(tmp_path: Path) -> None:
    write(tmp_path, "base/common.yaml", """
services:
  tmpl:
    image: base
    env_file: ./common.env
    volumes: ["./data:/data"]
    environment: {X: "1"}
""")
    write(tmp_path, "base/common.env", "FROM_FILE=yes\n")
    write(tmp_path, "compose.yaml", """
services:
  mid:
    extends: {file: base/common.yaml, service: tmpl}
    environment: {Y: "2"}
  top:
    extends: mid
    command: run
""")
    p = _load(tmp_path, "compose.yaml")
    top = p.services["top"]
    assert top["image"] == "base"
    assert top["command"] == ["run"]
    assert top["environment"] == {"FROM_FILE": "yes", "X": "1", "Y": "2"}
    assert top["volumes"][0]["source"] == str(tmp_path / "base" / "data")


def test_extends_unknown_service_names_it(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a:\n    extends: nope\n")
    with pytest.raises(InvalidArgument, match='service "nope" not found'):
        _load(tmp_path, "compose.yaml")


def test_include_brings_services_and_conflicts_are_errors(tmp_path: Path) -> None:
    write(tmp_path, "lib/compose.yaml", "services:\n  db:\n    image: db\n    volumes: [./d:/d]\n")
    write(tmp_path, "compose.yaml", "include: [lib/compose.yaml]\nservices:\n  web:\n    image: w\n"
                                    "    depends_on: [db]\n")
    p = _load(tmp_path, "compose.yaml")
    assert sorted(p.services) == ["db", "web"]
    assert p.services["db"]["volumes"][0]["source"] == str(tmp_path / "lib" / "d")
    write(tmp_path, "compose.yaml", "include: [lib/compose.yaml]\nservices:\n  db:\n    image: other\n")
    with pytest.raises(InvalidArgument, match="services.db conflicts with imported resource"):
        _load(tmp_path, "compose.yaml")


def test_anchors_and_merge_keys(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", """
x-common: &common
  image: shared
  environment: {A: "1"}
services:
  a:
    <<: *common
  b:
    <<: *common
    image: own
""")
    p = _load(tmp_path, "compose.yaml")
    assert p.services["a"]["image"] == "shared"
    assert p.services["b"]["image"] == "own"
    assert p.services["b"]["environment"] == {"A": "1"}


def test_profiles_select_services(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", """
services:
  always: {image: x}
  debug: {image: x, profiles: [dev]}
  other: {image: x, profiles: [ops]}
""")
    assert list(_load(tmp_path, "compose.yaml").services) == ["always"]
    assert list(_load(tmp_path, "compose.yaml", profiles=("dev",)).services) == ["always", "debug"]
    assert list(_load(tmp_path, "compose.yaml", env={"COMPOSE_PROFILES": "dev,ops"}).services) == [
        "always", "debug", "other"]
    assert list(_load(tmp_path, "compose.yaml", services=("other",)).services) == ["always", "other"]


def test_depends_on_a_disabled_service_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  web: {image: x, depends_on: [db]}\n"
                                    "  db: {image: x, profiles: [p]}\n")
    with pytest.raises(InvalidArgument, match='service "web" depends on undefined service "db"'):
        _load(tmp_path, "compose.yaml")


@pytest.mark.parametrize(("env", "flag", "name_key", "expected"), [
    ({}, None, None, "my_dir-1"),
    ({}, None, "Named!", "named"),
    ({"COMPOSE_PROJECT_NAME": "fromenv"}, None, "named", "fromenv"),
    ({"COMPOSE_PROJECT_NAME": "fromenv"}, "flag", "named", "flag"),
])
def test_project_name_precedence(tmp_path: Path, env: dict[str, str], flag: str | None, name_key: str | None,
                                 expected: str) -> None:
    d = tmp_path / "My_Dir-1"
    d.mkdir()
    write(d, "compose.yaml", (f"name: {name_key}\n" if name_key else "") + "services:\n  a: {image: x}\n")
    assert _load(d, "compose.yaml", env=env, project_name=flag).name == expected


def test_invalid_explicit_project_name(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  a: {image: x}\n")
    with pytest.raises(InvalidArgument, match='invalid project name "Bad"'):
        _load(tmp_path, "compose.yaml", project_name="Bad")


def test_dotenv_and_env_file_flag(tmp_path: Path) -> None:
    write(tmp_path, ".env", "TAG=fromdotenv\nexport QUOTED=\"a b\\n\"  # c\nSINGLE='$NOT'\nREF=${TAG}-x\n")
    write(tmp_path, "other.env", "TAG=fromflag\n")
    write(tmp_path, "compose.yaml", "services:\n  a:\n    image: x:$TAG\n    environment: [Q=$QUOTED, S=$SINGLE, "
                                    "R=$REF]\n")
    svc = _load(tmp_path, "compose.yaml").services["a"]
    assert svc["image"] == "x:fromdotenv"
    assert svc["environment"] == {"Q": "a b\n", "R": "fromdotenv-x", "S": "$NOT"}
    assert _load(tmp_path, "compose.yaml", env={"TAG": "os"}).services["a"]["image"] == "x:os"
    assert _load(tmp_path, "compose.yaml",
                 env_files=(str(tmp_path / "other.env"),)).services["a"]["image"] == "x:fromflag"


@pytest.mark.parametrize(("text", "message"), [
    ("services:\n  s:\n    image: b\n    foo: 1\n", "compose.yaml: services.s additional properties 'foo' not allowed"),
    ("services:\n  s:\n    image: 1\n", "compose.yaml: services.s.image must be a string"),
    ("services:\n  s:\n    image: b\n    cap_add: x\n", "compose.yaml: services.s.cap_add must be a array"),
    ("servics:\n  s: {}\n", "compose.yaml:  additional properties 'servics' not allowed"),
    ("services:\n  s:\n    image: b\n  - x\n", "yaml: line"),
    ("services:\n  s: {}\n", 'service "s" has neither an image nor a build context specified'),
    ("services:\n  s:\n    image: b\n    healthcheck: {foo: 1}\n",
     "services.s.healthcheck additional properties 'foo' not allowed"),
])
def test_schema_errors_name_key_and_file(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "compose.yaml", text)
    with pytest.raises(InvalidArgument) as err:
        _load(tmp_path, "compose.yaml")
    assert message in str(err.value)


def test_canonical_output_of_short_syntax(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", """
services:
  s:
    image: b
    command: echo "a b"
    ports: ["127.0.0.1:8000-8001:80-81/udp"]
    volumes: ["./src:/src:ro", "/z"]
    stop_grace_period: 90s
    mem_limit: 64m
    labels: {x: y}
""")
    text = dump(_load(tmp_path, "compose.yaml").model)
    assert text == f"""name: {os.path.basename(tmp_path).lower()}
services:
  s:
    command:
      - echo
      - a b
    image: b
    labels:
      x: "y"
    mem_limit: "67108864"
    networks:
      default: null
    ports:
      - mode: ingress
        host_ip: 127.0.0.1
        target: 80
        published: "8000"
        protocol: udp
      - mode: ingress
        host_ip: 127.0.0.1
        target: 81
        published: "8001"
        protocol: udp
    stop_grace_period: 1m30s
    volumes:
      - type: bind
        source: {tmp_path}/src
        target: /src
        read_only: true
        bind:
          create_host_path: true
      - type: volume
        target: /z
        volume: {{}}
networks:
  default:
    name: {os.path.basename(tmp_path).lower()}_default
"""
