"""Dockerfile parsing: BuildKit's grammar through the dockerfile package, stages, line numbers."""

from __future__ import annotations

import pytest

from mocker.build.dockerfile import DockerfileError, parse


def test_stages_names_meta_args_and_platform() -> None:
    df = parse("ARG BASE=busybox\nFROM $BASE AS Build\nRUN true\nFROM --platform=$BUILDPLATFORM scratch\n"
               "COPY --from=build /a /b\n")
    assert [a.args for a in df.meta_args] == [("BASE=busybox",)]
    first, second = df.stages
    assert (first.base, first.name, first.line) == ("$BASE", "build", 2)
    assert [i.cmd for i in first.instructions] == ["run"]
    assert (second.platform, second.name) == ("$BUILDPLATFORM", None)
    assert df.stage_index("BUILD") == 0 and df.stage_index("1") == 1 and df.stage_index("nope") is None
    assert second.instructions[0].flag("from") == "build"


def test_heredocs_keep_quoting_and_chomp() -> None:
    df = parse("FROM scratch\nRUN <<-EOT\n\techo hi\n\tEOT\nCOPY <<'EOF' /x\n$NOT_EXPANDED\nEOF\n")
    run, copy = df.stages[0].instructions
    (doc,) = run.heredocs
    assert (doc.content, doc.chomp, doc.expand) == ("echo hi\n", True, True)
    (doc,) = copy.heredocs
    assert (doc.content, doc.expand) == ("$NOT_EXPANDED\n", False)


def test_escape_directive_and_continuations() -> None:
    df = parse("# escape=`\nFROM scratch\nRUN echo a `\n  b\n")
    (run,) = df.stages[0].instructions
    assert run.args == ("echo a   b",) and run.line == 3


@pytest.mark.parametrize(("text", "message"), [
    ("FROM a\nRUN true\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO"),
    ("FROM a\nENV X\n", "Dockerfile:2: dockerfile parse error: ENV must have two arguments"),
    ("RUN true\n", "Dockerfile:1: no build stage in current context"),
    ("FROM a AS x\nFROM b AS x\n", "Dockerfile:2: duplicate stage name \"x\""),
    ("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments"),
    ("", "dockerfile parse error: file with no instructions"),
])
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(DockerfileError) as err:
        parse(text)
    assert str(err.value) == message
