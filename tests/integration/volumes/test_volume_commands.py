"""volume create / ls / inspect / rm / prune through the CLI, on a real store (Docker 28's output)."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime

from mocker.engine import volumes as engine

# ---- create --------------------------------------------------------------------------------------


def test_create_prints_the_name_and_makes_the_data_dir(cli, mocker_root):
    r = cli("volume", "create", "data")
    assert (r.code, r.out, r.err) == (0, "data\n", "")
    assert (mocker_root / "volumes" / "data" / "_data").is_dir()
    assert oct((mocker_root / "volumes" / "data").stat().st_mode & 0o777) == "0o701"


def test_create_without_a_name_makes_an_anonymous_64_hex_volume(cli):
    r = cli("volume", "create")
    name = r.out.strip()
    assert r.code == 0 and re.fullmatch(r"[0-9a-f]{64}", name)
    doc = json.loads(cli("volume", "inspect", name).out)[0]
    assert doc["Labels"] == {"com.docker.volume.anonymous": ""}


def test_create_of_an_existing_name_returns_it(cli):
    assert cli("volume", "create", "--label", "a=1", "same").code == 0
    created = json.loads(cli("volume", "inspect", "same").out)[0]
    r = cli("volume", "create", "same")
    assert (r.code, r.out) == (0, "same\n")
    r = cli("volume", "create", "--label", "a=1", "same")
    assert (r.code, r.out) == (0, "same\n")
    assert json.loads(cli("volume", "inspect", "same").out)[0] == created


def test_create_of_an_existing_name_with_other_options_is_refused(cli):
    assert cli("volume", "create", "taken").code == 0
    r = cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "taken")
    assert r.code == 1
    assert r.err.startswith("Error: create taken: volume name must be unique")
    r = cli("volume", "create", "--label", "x=y", "taken")
    assert r.code == 1 and "volume name must be unique" in r.err


def test_create_name_and_option_errors_use_dockers_words(cli):
    r = cli("volume", "create", "a")
    assert (r.code, r.err) == (1, "Error: create a: volume name is too short, names should be at least two "
                                  "alphanumeric characters\n")
    r = cli("volume", "create", "/host/dir")
    assert r.code == 1 and 'includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]"' \
                           " are allowed. If you intended to pass a host directory, use absolute path" in r.err
    r = cli("volume", "create", "-o", "colour=blue", "v1")
    assert (r.code, r.err) == (1, 'Error: create v1: invalid option: "colour"\n')
    r = cli("volume", "create", "-o", "type=tmpfs", "v1")
    assert (r.code, r.err) == (1, 'Error: create v1: missing required option: "device"\n')
    r = cli("volume", "create", "-o", "o=size=1m", "v1")
    assert r.code == 1 and "missing required option" in r.err
    assert cli("volume", "ls", "-q").out == ""


def test_create_refuses_what_mocker_cannot_do(cli):
    r = cli("volume", "create", "-o", "type=nfs", "-o", "o=addr=10.0.0.1", "-o", "device=:/export", "nfsvol")
    assert r.code == 125 and "volume option type=nfs is not supported by mocker" in r.err
    r = cli("volume", "create", "-o", "size=10m", "quota")
    assert r.code == 125 and "volume option size is not supported by mocker" in r.err
    r = cli("volume", "create", "-d", "rexray", "plug")
    assert r.code == 125 and 'volume driver "rexray" is not supported by mocker' in r.err
    r = cli("volume", "create", "--scope", "multi", "cluster")
    assert r.code == 125 and "--scope is not supported by mocker (cluster volumes need swarm mode" in r.err
    assert cli("volume", "ls", "-q").out == ""


def test_create_flag_errors_exit_125(cli):
    r = cli("volume", "create", "--label", "=x", "v1")
    assert r.code == 125 and "invalid label '=x': empty name" in r.err
    r = cli("volume", "create", "--name", "n1", "n2")
    assert r.code == 1 and "cannot specify a volume-name through both --name and as a positional arg" in r.err
    assert cli("volume", "create", "--name", "n1").out == "n1\n"
    r = cli("volume", "create", "x1", "x2")
    assert r.code == 1 and '"mocker volume create" accepts at most 1 argument.' in r.err


# ---- inspect -------------------------------------------------------------------------------------


def test_inspect_prints_dockers_volume_object(cli, mocker_root):
    cli("volume", "create", "--label", "team=a", "--label", "bare", "-o", "type=tmpfs", "-o", "device=tmpfs",
        "-o", "o=size=1m", "v1")
    r = cli("volume", "inspect", "v1")
    assert r.code == 0
    [doc] = json.loads(r.out)
    assert list(doc) == ["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"]
    assert doc["Driver"] == "local" and doc["Scope"] == "local" and doc["Name"] == "v1"
    assert doc["Labels"] == {"team": "a", "bare": ""}
    assert doc["Options"] == {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}
    assert doc["Mountpoint"] == str(mocker_root / "volumes" / "v1" / "_data")
    created = datetime.fromisoformat(doc["CreatedAt"].replace("Z", "+00:00"))
    assert abs(created.timestamp() - datetime.now().timestamp()) < 60
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", doc["CreatedAt"])
    assert r.out.startswith("[\n    {\n        \"CreatedAt\"")


def test_inspect_format_and_missing_volumes(cli, mocker_root):
    cli("volume", "create", "v1")
    cli("volume", "create", "v2")
    r = cli("volume", "inspect", "--format", "{{.Name}} {{.Mountpoint}}", "v1", "nosuch", "v2")
    assert r.code == 1
    assert r.out == f"v1 {mocker_root}/volumes/v1/_data\nv2 {mocker_root}/volumes/v2/_data\n"
    assert r.err == "Error: get nosuch: no such volume\n"
    r = cli("volume", "inspect", "nosuch")
    assert (r.code, r.out) == (1, "[]\n")
    assert cli("volume", "inspect", "-f", "{{json .Labels}}", "v1").out == "{}\n"


# ---- ls ------------------------------------------------------------------------------------------


def test_ls_table_is_sorted_naturally(cli):
    for name in ("vol10", "vol9", "Alpha", "vol1"):
        cli("volume", "create", name)
    r = cli("volume", "ls")
    lines = r.out.splitlines()
    assert lines[0] == "DRIVER    VOLUME NAME"
    assert [line.split() for line in lines[1:]] == [["local", n] for n in ("Alpha", "vol1", "vol9", "vol10")]
    assert cli("volume", "ls", "-q").out == "Alpha\nvol1\nvol9\nvol10\n"
    assert cli("volume", "list", "--quiet").out == "Alpha\nvol1\nvol9\nvol10\n"


def test_ls_formats(cli, mocker_root):
    cli("volume", "create", "--label", "env=prod", "--label", "tier=db", "pg")
    assert cli("volume", "ls", "--format", '{{.Name}}:{{.Label "env"}}:{{.Labels}}').out == "pg:prod:env=prod,tier=db\n"
    row = json.loads(cli("volume", "ls", "--format", "json").out)
    assert row == {"Availability": "N/A", "Driver": "local", "Group": "N/A", "Labels": "env=prod,tier=db",
                   "Links": "N/A", "Mountpoint": f"{mocker_root}/volumes/pg/_data", "Name": "pg", "Scope": "local",
                   "Size": "N/A", "Status": "N/A"}
    table = cli("volume", "ls", "--format", "table {{.Name}}\t{{.Scope}}").out.splitlines()
    assert table == ["VOLUME NAME   SCOPE", "pg            local"]
    # -q with a custom format: the format wins, as in docker/cli
    assert cli("volume", "ls", "-q", "--format", "{{.Driver}}").out == "local\n"
    r = cli("volume", "ls", "--format", "{{.Nope}}")
    assert r.code != 0


def test_ls_filters(cli, store, add_container):
    cli("volume", "create", "--label", "env=prod", "--label", "team", "web-data")
    cli("volume", "create", "--label", "env=dev", "db-data")
    cli("volume", "create", "scratch")
    engine.attach(store.db, add_container(), "db-data", "/var/lib/db")

    def names(*flags):
        r = cli("volume", "ls", "-q", *flags)
        assert r.code == 0, r.err
        return r.out.split()

    assert names("-f", "label=env") == ["db-data", "web-data"]
    assert names("-f", "label=env=prod") == ["web-data"]
    assert names("-f", "label=env=prod", "-f", "label=team") == ["web-data"]
    assert names("-f", "label=env=dev", "-f", "label=team") == []
    assert names("-f", "name=data") == ["db-data", "web-data"]   # a regular expression, found anywhere
    assert names("-f", "name=^web") == ["web-data"]
    assert names("-f", "name=scratch", "-f", "name=web-data") == ["scratch", "web-data"]
    assert names("-f", "driver=local") == ["db-data", "scratch", "web-data"]
    assert names("-f", "driver=other") == []
    assert names("-f", "dangling=true") == ["scratch", "web-data"]
    assert names("-f", "dangling=0") == ["db-data"]
    assert names("--filter", "DANGLING = false ") == ["db-data"]


def test_ls_filter_errors(cli):
    r = cli("volume", "ls", "-f", "colour=red")
    assert (r.code, r.err) == (1, "Error: invalid filter 'colour'\n")
    r = cli("volume", "ls", "-f", "label!=x")
    assert (r.code, r.err) == (1, "Error: invalid filter 'label!'\n")
    r = cli("volume", "ls", "-f", "dangling=maybe")
    assert (r.code, r.err) == (1, "Error: invalid filter 'dangling=[maybe]'\n")
    r = cli("volume", "ls", "-f", "dangling=true", "-f", "dangling=false")
    assert r.code == 1 and "invalid filter 'dangling=[true false]'" in r.err
    r = cli("volume", "ls", "-f", "noequals")
    assert r.code == 125
    assert r.err.startswith('invalid argument "noequals" for "-f, --filter" flag: bad format of filter')
    assert cli("volume", "ls", "--cluster").code == 125
    r = cli("volume", "ls", "extra")
    assert r.code == 1 and r.err.startswith('"mocker volume ls" ')


# ---- rm ------------------------------------------------------------------------------------------


def test_rm_removes_each_volume_and_its_data(cli, mocker_root):
    cli("volume", "create", "v1")
    cli("volume", "create", "v2")
    (mocker_root / "volumes" / "v1" / "_data" / "file").write_text("x")
    r = cli("volume", "rm", "v1", "nosuch", "v2")
    assert r.code == 1
    assert r.out == "v1\nv2\n"
    assert r.err == "Error: get nosuch: no such volume\n"
    assert cli("volume", "ls", "-q").out == ""
    assert sorted(os.listdir(mocker_root / "volumes")) == []


def test_rm_force_ignores_missing_volumes(cli):
    r = cli("volume", "rm", "-f", "nosuch")
    assert (r.code, r.out, r.err) == (0, "nosuch\n", "")
    r = cli("volume", "remove")
    assert r.code == 1 and '"mocker volume rm" requires at least 1 argument.' in r.err


def test_rm_of_a_volume_in_use_fails_even_with_force(cli, store, add_container, mocker_root):
    cli("volume", "create", "busy")
    cid = add_container("user")
    engine.attach(store.db, cid, "busy", "/data")
    for flags in ((), ("-f",)):
        r = cli("volume", "rm", *flags, "busy")
        assert r.code == 1
        assert r.out == ""
        assert r.err == f"Error: remove busy: volume is in use - [{cid}]\n"
    assert (mocker_root / "volumes" / "busy" / "_data").is_dir()


# ---- prune ---------------------------------------------------------------------------------------


def test_prune_removes_unused_anonymous_volumes_only(cli, store, add_container, mocker_root):
    anon = cli("volume", "create").out.strip()
    used = cli("volume", "create").out.strip()
    cli("volume", "create", "named")
    engine.attach(store.db, add_container(), used, "/x")
    (mocker_root / "volumes" / anon / "_data" / "f").write_bytes(b"12345")
    r = cli("volume", "prune", "-f")
    assert r.code == 0
    assert r.out == f"Deleted Volumes:\n{anon}\n\nTotal reclaimed space: 5B\n"
    assert sorted(cli("volume", "ls", "-q").out.split()) == sorted([used, "named"])
    r = cli("volume", "prune", "-f")
    assert r.out == "Total reclaimed space: 0B\n"


def test_prune_all_removes_unused_named_volumes_but_not_mounted_kinds(cli, store, add_container):
    cli("volume", "create", "named")
    cli("volume", "create", "keep-used")
    cli("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "tmpfs-vol")
    engine.attach(store.db, add_container(), "keep-used", "/x")
    r = cli("volume", "prune", "-a", "-f")
    assert r.out == "Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n"
    assert cli("volume", "ls", "-q").out.split() == ["keep-used", "tmpfs-vol"]


def test_prune_filters(cli):
    cli("volume", "create", "--label", "keep", "a1")
    cli("volume", "create", "--label", "env=test", "a2")
    cli("volume", "create", "a3")
    r = cli("volume", "prune", "-f", "--filter", "label!=keep", "--filter", "all=true")
    assert r.out.splitlines()[1:3] == ["a2", "a3"]
    assert cli("volume", "ls", "-q").out == "a1\n"
    r = cli("volume", "prune", "-f", "--filter", "label=keep")  # all=false: only anonymous ones
    assert r.out == "Total reclaimed space: 0B\n"
    r = cli("volume", "prune", "-a", "-f", "--filter", "all=1")
    assert (r.code, r.err) == (1, "Error: conflicting options: cannot specify both --all and --filter all=1\n")
    r = cli("volume", "prune", "-f", "--filter", "until=24h")
    assert (r.code, r.err) == (1, "Error: invalid filter 'until'\n")
    r = cli("volume", "prune", "-f", "--filter", "all=maybe")
    assert r.code == 1 and "invalid filter 'all'" in r.err


def test_prune_asks_first(cli):
    anon = cli("volume", "create").out.strip()
    r = cli("volume", "prune", stdin="n\n")
    assert r.code == 0
    assert r.out == ("WARNING! This will remove anonymous local volumes not used by at least one container.\n"
                     "Are you sure you want to continue? [y/N] ")
    assert cli("volume", "ls", "-q").out == f"{anon}\n"
    r = cli("volume", "prune", "-a", stdin="y\n")
    assert "WARNING! This will remove all local volumes not used by at least one container." in r.out
    assert f"Deleted Volumes:\n{anon}\n" in r.out


def test_volume_group_help_and_update(cli):
    r = cli("volume")
    assert r.code == 0 and "create" in r.out and "prune" in r.out
    r = cli("volume", "update", "x")
    assert r.code == 125 and "'mocker volume update' is not supported by mocker" in r.err
