"""images / tag / rmi / prune / inspect / history on a real store (no registry)."""

from __future__ import annotations

import json


def test_images_table_has_dockers_columns(cli, busybox_image):
    r = cli("images")
    lines = r.out.splitlines()
    assert lines[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert lines[1].split()[:3] == ["busybox", "latest", busybox_image[7:19]]


def test_images_quiet_no_trunc_and_format(cli, busybox_image):
    assert cli("images", "-q").out == busybox_image[7:19] + "\n"
    assert cli("images", "-q", "--no-trunc").out == busybox_image + "\n"
    out = cli("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").out
    assert out == f"busybox:latest {busybox_image[7:19]}\n"
    table = cli("images", "--format", "table {{.Repository}}\t{{.Tag}}").out.splitlines()
    assert table[0].split() == ["REPOSITORY", "TAG"]
    as_json = json.loads(cli("images", "--format", "json").out)
    assert as_json["Repository"] == "busybox" and as_json["ID"] == busybox_image[7:19]


def test_tag_and_untag_semantics(cli, busybox_image):
    assert cli("tag", "busybox", "example.com/team/app:v1").code == 0
    assert cli("tag", busybox_image[7:15], "app").code == 0
    repos = sorted(cli("images", "--format", "{{.Repository}}:{{.Tag}}").out.split())
    assert repos == ["app:latest", "busybox:latest", "example.com/team/app:v1"]
    # An ID referenced by several repositories needs --force.
    r = cli("rmi", busybox_image[7:19])
    assert r.code == 1
    assert "image is referenced in multiple repositories" in r.err
    # Removing one of several tags only untags.
    r = cli("rmi", "app")
    assert r.code == 0 and r.out == "Untagged: app:latest\n"
    r = cli("rmi", "-f", busybox_image[7:19])
    assert r.code == 0
    assert "Untagged: busybox:latest" in r.out and f"Deleted: {busybox_image}" in r.out
    assert cli("images", "-q").out == ""


def test_rmi_reports_each_failure_and_continues(cli, busybox_image):
    r = cli("rmi", "nosuch", "busybox")
    assert r.code == 1
    assert "Error: No such image: nosuch:latest" in r.err
    assert f"Deleted: {busybox_image}" in r.out


def test_tag_errors(cli, busybox_image):
    assert cli("tag", "nosuch", "x").code == 1
    r = cli("tag", "busybox", "Bad:Name")
    assert r.code == 1 and "invalid reference format" in r.err


def test_filters(cli, make_image):
    make_image([{"a": b"1"}], tag="one:1", labels={"team": "a"})
    make_image([{"b": b"2"}], tag="two:2", labels={"team": "b"})
    make_image([{"c": b"3"}])  # dangling
    fmt = ("--format", "{{.Repository}}:{{.Tag}}")
    assert cli("images", *fmt, "--filter", "label=team=a").out == "one:1\n"
    assert cli("images", *fmt, "-f", "reference=tw*").out == "two:2\n"
    assert cli("images", *fmt, "two").out == "two:2\n"
    assert cli("images", *fmt, "-f", "dangling=true").out == "<none>:<none>\n"
    r = cli("images", "-f", "bogus=1")
    assert r.code == 1 and "invalid filter 'bogus'" in r.err


def test_prune_dangling_then_all(cli, make_image):
    make_image([{"a": b"1"}], tag="keep:1")
    dangling = make_image([{"d": b"2"}])
    assert dangling
    r = cli("image", "prune", "-f")
    assert r.code == 0
    assert r.out.startswith("Deleted Images:\ndeleted: sha256:")
    assert "Total reclaimed space:" in r.out
    assert cli("images", "-q").out.count("\n") == 1
    r = cli("image", "prune", "-a", "-f")
    assert "untagged: keep:1" in r.out
    assert cli("images", "-q").out == ""
    assert cli("image", "prune", "-f").out == "Total reclaimed space: 0B\n"


def test_prune_without_force_asks_and_no_means_no(cli, make_image):
    make_image([{"d": b"2"}])
    r = cli("image", "prune", stdin="n\n")
    assert "Are you sure you want to continue? [y/N]" in r.out
    assert cli("images", "-q").out != ""
    r = cli("image", "prune", stdin="y\n")
    assert cli("images", "-q").out == ""


def test_inspect_shape_and_format(cli, make_image):
    make_image([{"a": b"1"}, {"b": b"2"}], tag="shape:1", labels={"k": "v"})
    doc = json.loads(cli("image", "inspect", "shape:1").out)[0]
    for key in ("Id", "RepoTags", "RepoDigests", "Created", "Config", "Architecture", "Os", "Size",
                "GraphDriver", "RootFS", "Metadata"):
        assert key in doc
    assert doc["RepoTags"] == ["shape:1"] and len(doc["RootFS"]["Layers"]) == 2
    assert cli("inspect", "-f", "{{.Config.Labels.k}} {{len .RootFS.Layers}}", "shape:1").out == "v 2\n"
    assert cli("image", "inspect", "-f", "{{json .Config.Cmd}}", "shape:1").out == '["/bin/sh"]\n'


def test_history_lists_layers_newest_first(cli, make_image):
    make_image([{"a": b"1"}, {"b": b"2"}], tag="hist:1")
    rows = cli("history", "--format", "{{.ID}}|{{.CreatedBy}}", "hist:1").out.splitlines()
    assert rows[0].endswith("|layer 1") and rows[1] == "<missing>|layer 0"
    table = cli("history", "hist:1").out.splitlines()
    assert table[0].split() == ["IMAGE", "CREATED", "CREATED", "BY", "SIZE", "COMMENT"]


def test_version_info_df(cli, busybox_image):
    assert "Version:" in cli("version").out
    assert cli("version", "--format", "{{.Client.Version}}").code == 0
    info = cli("info")
    assert info.code == 0 and " Images: 1" in info.out
    assert cli("info", "--format", "{{.Images}}").out == "1\n"
    df = cli("system", "df").out.splitlines()
    assert df[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
    assert df[1].split()[:2] == ["Images", "1"]


def test_before_and_since_filters_use_creation_time(cli, make_image):
    make_image([{"a": b"1"}], tag="old:1", created="2020-01-01T00:00:00Z")
    make_image([{"b": b"2"}], tag="mid:1", created="2022-01-01T00:00:00Z")
    make_image([{"c": b"3"}], tag="new:1", created="2024-01-01T00:00:00Z")
    fmt = ("--format", "{{.Repository}}")
    assert cli("images", *fmt, "-f", "before=mid:1").out == "old\n"
    assert cli("images", *fmt, "-f", "since=mid:1").out == "new\n"
    assert cli("images", *fmt).out == "new\nmid\nold\n"  # newest first, like Docker
    r = cli("images", "-f", "before=nosuch")
    assert r.code == 1 and "No such image: nosuch" in r.err


def test_unknown_template_field_is_an_error_not_a_blank(cli, busybox_image):
    r = cli("images", "--format", "{{.Nope}}")
    assert r.code == 1
    assert r.err.startswith('Error: template parsing error: template: :1:2: executing "" at <.Nope>')
    r = cli("images", "--format", "{{.ID")
    assert r.code == 1 and "unclosed action" in r.err
