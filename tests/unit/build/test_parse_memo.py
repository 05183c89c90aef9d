"""The Dockerfile parse memo: a text parsed before is not parsed again, and gives the same stages."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mocker.build import parse_memo
from mocker.build.dockerfile import DockerfileError, _raw_parse, parse

TEXT = ("ARG BASE=busybox\nFROM $BASE AS build\nCOPY --chown=1:2 <<'EOF' /x\n$NOT\nEOF\n"
        "RUN echo hi \\\n  there\nONBUILD RUN true\nFROM scratch\nCOPY --from=build /a /b\n"
        'ENV A=1 B="two words"\nCMD ["sh", "-c", "x"]\n')


def _shape(df: Any) -> Any:
    ins = lambda i: (i.cmd, i.args, i.flags, i.json, i.original, i.line, i.heredocs, i.sub_cmd)  # noqa: E731
    return ([ins(i) for i in df.meta_args],
            [(s.index, s.base, s.name, s.platform, s.line, [ins(i) for i in s.instructions]) for s in df.stages])


def _counting(calls: list[str]) -> Any:
    def parse_text(text: str) -> Any:
        calls.append(text)
        return _raw_parse(text)
    return parse_text


def test_second_parse_comes_from_the_memo_and_equals_the_parser(tmp_path: Path) -> None:
    memo = str(tmp_path / "build" / "dockerfiles")
    calls: list[str] = []
    first = parse_memo.parse_commands(TEXT, memo, _counting(calls))
    again = parse_memo.parse_commands(TEXT, memo, _counting(calls))
    assert len(calls) == 1  # the second one read the memo
    assert [tuple(c) for c in first] == [tuple(c) for c in _raw_parse(TEXT)]
    for a, b in zip(first, again, strict=True):
        assert (a.cmd, a.sub_cmd, a.json, a.original, a.start_line, a.end_line, a.flags, a.value) == \
               (b.cmd, b.sub_cmd, b.json, b.original, b.start_line, b.end_line, b.flags, b.value)
        assert [(h.name, h.file_descriptor, h.content) for h in a.heredocs] == \
               [(h.name, h.file_descriptor, h.content) for h in b.heredocs]
    assert _shape(parse(TEXT, memo=memo)) == _shape(parse(TEXT))


def test_another_text_or_parser_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memo = tmp_path / "dockerfiles"
    calls: list[str] = []
    parse_memo.parse_commands(TEXT, str(memo), _counting(calls))
    parse_memo.parse_commands(TEXT + "LABEL a=b\n", str(memo), _counting(calls))
    assert len(calls) == 2
    monkeypatch.setattr(parse_memo, "parser_identity", lambda: "another dockerfile build")
    parse_memo.parse_commands(TEXT, str(memo), _counting(calls))
    assert len(calls) == 3
    parse_memo.parse_commands(TEXT, str(memo), _counting(calls))
    assert len(calls) == 3  # rewritten under the new parser's identity
    entry = json.loads((memo / f"{parse_memo._key(TEXT)}.json").read_text())
    assert entry["parser"] == "another dockerfile build"


def test_without_a_known_parser_nothing_is_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_memo, "parser_identity", lambda: None)
    memo = tmp_path / "dockerfiles"
    calls: list[str] = []
    parse_memo.parse_commands(TEXT, str(memo), _counting(calls))
    parse_memo.parse_commands(TEXT, str(memo), _counting(calls))
    assert len(calls) == 2 and not memo.exists()


def test_parser_identity_names_the_extension_import_would_load() -> None:
    import dockerfile

    identity = parse_memo.parser_identity()
    assert identity is not None and identity.startswith(dockerfile.__file__ + ":")


def test_errors_are_not_remembered_and_keep_their_line(tmp_path: Path) -> None:
    memo = str(tmp_path / "dockerfiles")
    for _ in range(2):
        with pytest.raises(DockerfileError) as e:
            parse("FROM a\nENV X\n", memo=memo)
        assert e.value.message == "Dockerfile:2: dockerfile parse error: ENV must have two arguments"
    assert not Path(memo).exists()


def test_a_damaged_memo_is_parsed_again_and_rewritten(tmp_path: Path) -> None:
    memo = tmp_path / "dockerfiles"
    parse_memo.parse_commands(TEXT, str(memo), _raw_parse)
    entry = memo / f"{parse_memo._key(TEXT)}.json"
    doc = json.loads(entry.read_text())
    doc["commands"] = [["FROM"]]
    entry.write_text(json.dumps(doc))
    calls: list[str] = []
    parse_memo.parse_commands(TEXT, str(memo), _counting(calls))
    assert len(calls) == 1
    entry.write_text("{not json")
    assert _shape(parse(TEXT, memo=str(memo))) == _shape(parse(TEXT))


def test_only_the_newest_texts_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_memo, "LIMIT", 3)
    memo = tmp_path / "dockerfiles"
    texts = [f"FROM scratch\nLABEL n={i}\n" for i in range(5)]
    for i, t in enumerate(texts):
        parse_memo.parse_commands(t, str(memo), _raw_parse)
        os.utime(memo / f"{parse_memo._key(t)}.json", ns=(i * 10**9, i * 10**9))  # written in this order
    assert sorted(p.name for p in memo.iterdir()) == sorted(f"{parse_memo._key(t)}.json" for t in texts[2:])
