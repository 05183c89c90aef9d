""".dockerignore matching with Docker's patternmatcher rules."""

from __future__ import annotations

import pytest

from mocker.build.ignore import IgnoreMatcher


@pytest.mark.parametrize(("patterns", "path", "excluded"), [
    (["*.md"], "README.md", True),
    (["*.md"], "docs/README.md", False),  # * never crosses /
    (["**/*.md"], "docs/deep/README.md", True),
    (["**/*.md"], "README.md", True),  # **/ also matches no directory
    (["logs"], "logs/today.log", True),  # a directory's contents go with it
    (["logs", "!logs/keep.log"], "logs/keep.log", False),
    (["logs", "!logs/keep.log"], "logs/drop.log", True),
    (["!keep", "*"], "keep", True),  # the last matching line decides
    (["*", "!keep"], "keep", False),
    (["/abs/path"], "abs/path", True),  # a leading / is dropped
    (["a/../b"], "b", True),  # patterns are cleaned
    (["file?.txt"], "file1.txt", True),
    (["file?.txt"], "file10.txt", False),
    (["[a-c].txt"], "b.txt", True),
    (["[!a-c].txt"], "b.txt", False),
    (["# comment", "", "x"], "x", True),
    (["dir/**"], "dir/a/b", True),
    ([], "anything", False),
])
def test_patterns(patterns: list[str], path: str, excluded: bool) -> None:
    assert IgnoreMatcher(patterns).excluded(path) is excluded


def test_exception_below_an_excluded_dir_keeps_walking_it() -> None:
    m = IgnoreMatcher(["logs", "!logs/keep.log"])
    assert m.may_include_below("logs")
    assert not IgnoreMatcher(["logs"]).may_include_below("logs")
