"""Tables aligned as Docker's tabwriter aligns them, and ``table`` formats with their header rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mocker.errors import InvalidArgument
from mocker.format.table import display_width, render_table, render_template_table, tabwrite

IMAGES_HEADER = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]


@pytest.mark.parametrize(
    ("header", "rows", "expected"),
    [
        (
            IMAGES_HEADER,
            [["alpine", "latest", "c059bfaa849c", "2 weeks ago", "5.59MB"]],
            "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE\n"
            "alpine       latest    c059bfaa849c   2 weeks ago   5.59MB\n",
        ),
        (
            ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"],
            [],
            "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n",
        ),
        (
            ["A", "B"],
            [["x", "y"], ["a-much-longer-value", "z"]],
            # 19 characters + 3 of padding: the column is 22 wide
            f"{'A':22}B\n{'x':22}y\n{'a-much-longer-value':22}z\n",
        ),
        (["ONLY"], [["one"], ["two"]], "ONLY\none\ntwo\n"),
        (["A", "B", "C"], [["", "", "c"]], "A         B         C\n                    c\n"),
        (
            ["NAME", "SIZE"],
            [["日本語日本語", "1B"], ["abc", "2B"]],
            "NAME           SIZE\n日本語日本語   1B\nabc            2B\n",  # six wide characters: 12 columns
        ),
        (["A", "B"], [["trailing ", "x"]], f"{'A':12}B\n{'trailing ':12}x\n"),
    ],
    ids=["images", "empty-ps", "wide-first-column", "single-column", "empty-cells", "east-asian", "spaces"],
)
def test_render_table(header: list[str], rows: list[list[str]], expected: str) -> None:
    assert render_table(header, rows) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("no tabs\n", "no tabs\n"),
        ("a\tb", "a         b"),
        ("a\tb\n", "a         b\n"),
        ("a\t", "a"),
        ("a\tb\tc\naa\tbbbbbbbbbbbbbb\n", "a         b         c\naa        bbbbbbbbbbbbbb\n"),
        # A line with fewer cells ends a column block; the next block is sized on its own.
        ("x\tlong-long-long\t1\ny\n-\tz\t2\n", "x         long-long-long   1\ny\n-         z         2\n"),
        ("a\tb\n\nc\td\n", "a         b\n\nc         d\n"),
    ],
)
def test_tabwrite_matches_go(text: str, expected: str) -> None:
    assert tabwrite(text) == expected


def test_tabwrite_settings_are_parameters() -> None:
    assert tabwrite("a\tb\nccc\td\n", min_width=0, padding=1) == "a   b\nccc d\n"


@pytest.mark.parametrize(
    ("text", "width"),
    [("abc", 3), ("", 0), ("日本", 4), ("e\u0301", 1), ("ｶﾀｶﾅ", 4), ("ＡＢ", 4)],
)
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


@dataclass
class Image:
    Repository: str
    Tag: str
    ID: str
    Labels: dict[str, str]

    def Label(self, name: str) -> str:
        return self.Labels.get(name, "")


IMAGES = [
    Image("alpine", "latest", "c059bfaa849c", {"maintainer": "x"}),
    Image("docker.io/library/nginx", "1.25", "a8758716bb6a", {}),
]
HEADERS = {"Repository": "REPOSITORY", "Tag": "TAG", "ID": "IMAGE ID", "Labels": "LABELS", "Label": "LABEL"}

TEMPLATE_TABLES = [
    (
        "table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}",
        "REPOSITORY                TAG       IMAGE ID\n"
        "alpine                    latest    c059bfaa849c\n"
        "docker.io/library/nginx   1.25      a8758716bb6a\n",
    ),
    (
        "table {{.Repository}}\t{{.Tag}}",
        "REPOSITORY                TAG\nalpine                    latest\ndocker.io/library/nginx   1.25\n",
    ),
    (
        "table {{upper .Repository}}\\t{{json .Labels}}\\t{{truncate .ID 4}}",
        "REPOSITORY                LABELS               IMAGE ID\n"
        "ALPINE                    {\"maintainer\":\"x\"}   c059\n"
        "DOCKER.IO/LIBRARY/NGINX   {}                   a875\n",
    ),
    (
        "table {{.Tag}}:{{pad .ID 1 0}}",
        "TAG: IMAGE ID\nlatest: c059bfaa849c\n1.25: a8758716bb6a\n",
    ),
    ("table {{.ID}}   ", "IMAGE ID\nc059bfaa849c\na8758716bb6a\n"),
    ("{{.Repository}}:{{.Tag}}", "alpine:latest\ndocker.io/library/nginx:1.25\n"),
    ("{{.Repository}}\\t{{.Tag}}", "alpine\tlatest\ndocker.io/library/nginx\t1.25\n"),
    ('{{.Label "maintainer"}}|', "x|\n|\n"),
    ("{{json .Labels}}", '{"maintainer":"x"}\n{}\n'),
    (
        "json",
        '{"Repository":"alpine","Tag":"latest","ID":"c059bfaa849c","Labels":{"maintainer":"x"}}\n'
        '{"Repository":"docker.io/library/nginx","Tag":"1.25","ID":"a8758716bb6a","Labels":{}}\n',
    ),
    ("", "\n\n"),
]


@pytest.mark.parametrize(("fmt", "expected"), TEMPLATE_TABLES, ids=[c[0] for c in TEMPLATE_TABLES])
def test_render_template_table(fmt: str, expected: str) -> None:
    assert render_template_table(fmt, IMAGES, HEADERS) == expected


def test_table_without_items_prints_the_header() -> None:
    out = render_template_table("table {{.Repository}}\\t{{.Tag}}", [], HEADERS)
    assert out == "REPOSITORY   TAG\n"


def test_non_table_without_items_prints_nothing() -> None:
    assert render_template_table("{{.Repository}}", [], HEADERS) == ""


def test_header_stops_at_an_error_like_docker() -> None:
    # The header context is a map, so a method call with arguments fails there; Docker ignores
    # the header's error and keeps what was written before it.
    out = render_template_table('table {{.Tag}}\\t{{.Label "maintainer"}}\\t{{.ID}}', IMAGES, HEADERS)
    # The header line ends in a padded empty cell, as Docker's does.
    assert out.splitlines() == [f"{'TAG':10}", f"{'latest':10}{'x':10}c059bfaa849c", f"{'1.25':20}a8758716bb6a"]


def test_header_of_unknown_field_prints_no_value() -> None:
    items: list[dict[str, Any]] = [{"Size": 5}]
    assert render_template_table("table {{.Size}}", items, {}) == "<no value>\n5\n"


def test_row_errors_raise() -> None:
    with pytest.raises(InvalidArgument) as info:
        render_template_table("table {{.Nope}}", IMAGES, HEADERS)
    assert str(info.value) == (
        'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type Image'
    )


def test_parse_errors_raise() -> None:
    with pytest.raises(InvalidArgument, match=r'^template parsing error: template: :1: unexpected "}" in operand$'):
        render_template_table("table {{.ID}", IMAGES, HEADERS)
