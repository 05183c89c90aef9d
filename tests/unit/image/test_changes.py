"""``--change`` instructions: what moby's BuildFromConfig makes of them, and its error messages."""

from __future__ import annotations

from typing import Any

import pytest

from mocker.errors import InvalidArgument
from mocker.image.changes import apply_changes, expand_word, expand_words, exposed_ports, parse_go_duration


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (['CMD ["/bin/sh"]'], {"Cmd": ["/bin/sh"]}),
        (["CMD echo hi there"], {"Cmd": ["/bin/sh", "-c", "echo hi there"]}),
        (["cmd [ \"a\", \"b\" ]"], {"Cmd": ["a", "b"]}),
        (["CMD [not json"], {"Cmd": ["/bin/sh", "-c", "[not json"]}),
        (["CMD []"], {"Cmd": []}),
        (["CMD"], {"Cmd": ["/bin/sh", "-c"]}),
        (['ENTRYPOINT ["/init"]'], {"Entrypoint": ["/init"]}),
        (["ENTRYPOINT"], {}),
        (["ENV A=1 B=two"], {"Env": ["A=1", "B=two"]}),
        (["ENV A 1 2  3"], {"Env": ["A=1 2  3"]}),
        (['ENV A="x y" B=\'$A\' C=a\\ b'], {"Env": ["A=x y", "B=$A", "C=a b"]}),
        (["ENV A=1", "ENV B=${A}2 C=$A-${A:-d}-${U:-d}-${A:+set}-${U:+set}"],
         {"Env": ["A=1", "B=12", "C=1-1-d-set-"]}),
        (["ENV A=1 B=$A"], {"Env": ["A=1", "B="]}),  # one ENV expands against the env before it
        (["ENV P=/usr/bin", "ENV P=$P:/opt/bin"], {"Env": ["P=/usr/bin:/opt/bin"]}),
        (['LABEL a=b "c d"="e f"', "LABEL legacy form value"], {"Labels": {"a": "b", "c d": "e f",
                                                                          "legacy": "form value"}}),
        (["WORKDIR /app", "WORKDIR sub/../x"], {"WorkingDir": "/app/x"}),
        (["WORKDIR rel"], {"WorkingDir": "/rel"}),
        (["ENV D=/data", "WORKDIR $D"], {"Env": ["D=/data"], "WorkingDir": "/data"}),
        (["EXPOSE 80 53/udp 8000-8002/TCP"],
         {"ExposedPorts": {"80/tcp": {}, "53/udp": {}, "8000/tcp": {}, "8001/tcp": {}, "8002/tcp": {}}}),
        (["ENV PORTS='80 443'", "EXPOSE $PORTS"], {"Env": ["PORTS=80 443"],
                                                   "ExposedPorts": {"80/tcp": {}, "443/tcp": {}}}),
        (["USER 1000:1000"], {"User": "1000:1000"}),
        (['VOLUME ["/data", "/logs"]', "VOLUME /cache /tmp/x"],
         {"Volumes": {"/data": {}, "/logs": {}, "/cache": {}, "/tmp/x": {}}}),
        (["STOPSIGNAL SIGINT"], {"StopSignal": "SIGINT"}),
        (["STOPSIGNAL 9"], {"StopSignal": "9"}),
        (["STOPSIGNAL rtmin+3"], {"StopSignal": "rtmin+3"}),
        (["ONBUILD RUN echo hi", "onbuild  COPY . /src"], {"OnBuild": ["RUN echo hi", "COPY . /src"]}),
        (["HEALTHCHECK --interval=5s --timeout=1m30s --retries=3 CMD curl -f http://x/"],
         {"Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://x/"], "Interval": 5_000_000_000,
                          "Timeout": 90_000_000_000, "Retries": 3}}),
        (['HEALTHCHECK CMD ["/bin/check", "-q"]'], {"Healthcheck": {"Test": ["CMD", "/bin/check", "-q"]}}),
        (["HEALTHCHECK NONE"], {"Healthcheck": {"Test": ["NONE"]}}),
        # Comments, blank lines and continuations, as in a Dockerfile: changes are joined by newlines.
        (["# a comment\n\nENV A=1 \\\n  B=2", "USER x # not a comment"], {"Env": ["A=1", "B=2"],
                                                                       "User": "x # not a comment"}),
    ],
)
def test_change_sets_config(changes: list[str], expected: dict[str, Any]) -> None:
    assert apply_changes({}, changes) == expected


def test_entrypoint_clears_cmd_unless_a_change_set_it() -> None:
    base = {"Cmd": ["/bin/sh"], "Entrypoint": ["/old"]}
    assert apply_changes(base, ["ENTRYPOINT /new"]) == {"Entrypoint": ["/bin/sh", "-c", "/new"]}
    assert apply_changes(base, ["CMD x", "ENTRYPOINT /new"])["Cmd"] == ["/bin/sh", "-c", "x"]
    assert apply_changes(base, ["ENTRYPOINT /new", "CMD y"])["Cmd"] == ["/bin/sh", "-c", "y"]


def test_shell_form_uses_the_config_shell() -> None:
    assert apply_changes({"Shell": ["/bin/bash", "-ec"]}, ["CMD true"])["Cmd"] == ["/bin/bash", "-ec", "true"]


def test_env_replaces_in_place_and_keeps_other_keys() -> None:
    base = {"Env": ["PATH=/bin", "A=1"], "User": "root", "ArgsEscaped": True}
    out = apply_changes(base, ["ENV PATH=/usr/bin:$PATH", "CMD x"])
    assert out == {"Env": ["PATH=/usr/bin:/bin", "A=1"], "User": "root", "Cmd": ["/bin/sh", "-c", "x"]}
    assert base == {"Env": ["PATH=/bin", "A=1"], "User": "root", "ArgsEscaped": True}  # not mutated


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("RUN x", "RUN is not a valid change command"),
        ("run x", "run is not a valid change command"),
        ("FROM scratch", "FROM is not a valid change command"),
        ("ENV X", "ENV must have two arguments"),
        ("ENV", "ENV requires at least one argument"),
        ("ENV A=1 B", 'Syntax error - can\'t find = in "B". Must be of the form: name=value'),
        ("ENV =1", "ENV names can not be blank"),
        ("LABEL", "LABEL requires at least one argument"),
        ("USER", "USER requires exactly one argument"),
        ("WORKDIR", "WORKDIR requires exactly one argument"),
        ("EXPOSE", "EXPOSE requires at least one argument"),
        ("EXPOSE abc", "invalid containerPort: abc"),
        ("EXPOSE 80/xtp", "invalid proto: xtp"),
        ("EXPOSE 70000", "invalid containerPort: 70000"),
        ("VOLUME", "VOLUME requires at least one argument"),
        ('VOLUME [""]', "VOLUME specified can not be an empty string"),
        ("STOPSIGNAL SIGFOO", "Invalid signal: SIGFOO"),
        ("STOPSIGNAL 0", "Invalid signal: 0"),
        ("CMD [1, 2]", "when using JSON array syntax, arrays must be comprised of strings only"),
        ("ONBUILD", "ONBUILD requires exactly one argument"),
        ("ONBUILD ONBUILD RUN x", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("ONBUILD FROM x", "FROM isn't allowed as an ONBUILD trigger"),
        ("HEALTHCHECK", "HEALTHCHECK requires at least one argument"),
        ("HEALTHCHECK NONE x", "HEALTHCHECK NONE takes no arguments"),
        ("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD"),
        ("HEALTHCHECK SHELL x", 'Unknown type "SHELL" in HEALTHCHECK (try CMD)'),
        ("HEALTHCHECK --interval=1us CMD x", 'Interval "interval" cannot be less than 1ms'),
        ("HEALTHCHECK --interval=5 CMD x", 'time: missing unit in duration "5"'),
        ("HEALTHCHECK --retries=-1 CMD x", "--retries cannot be negative (-1)"),
        ("HEALTHCHECK --bogus=1 CMD x", "unknown flag: bogus"),
        ("HEALTHCHECK --interval CMD x", "missing a value on flag: interval"),
        ("ENV --x=1 A=b", "unknown flag: x"),
        ("ENV A=${B", "syntax error: missing '}'"),
        ("ENV A=${:x}", "syntax error: bad substitution"),
        ("ENV A=${B?unset}", "B: unset"),
        ("ENV A=${B:?}", "B: is not allowed to be unset"),
        ("ENV A='open", "unexpected end of statement while looking for matching single-quote"),
    ],
)
def test_bad_change_is_refused_with_dockers_message(change: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as exc:
        apply_changes({}, [change])
    assert exc.value.message == message


def test_every_change_is_checked_before_any_is_applied() -> None:
    base = {"User": "root"}
    with pytest.raises(InvalidArgument, match="RUN is not a valid change command"):
        apply_changes(base, ["USER nobody", "RUN x"])
    assert base == {"User": "root"}


def test_shell_lexer() -> None:
    env = {"A": "a", "E": "", "PATH": "/usr/local/bin:/usr/bin"}
    assert expand_word("$A${A}\\$A'$A'\"$A\\\"\"", env) == 'aa$A$Aa"'
    assert expand_word("${E:-d}${E-d}${U-d}${E:+s}${E+s}", env) == "dds"
    assert expand_word("${PATH%%:*} ${PATH#*:} ${PATH##*/}", env) == "/usr/local/bin /usr/bin bin"
    assert expand_word("$ $1 cost$", env) == "$  cost$"
    assert expand_words('a "b c" $A d\\ e', env) == ["a", "b c", "a", "d e"]
    assert expand_words("$X", {"X": "80  443"}) == ["80", "443"]


def test_port_specs_and_durations() -> None:
    assert exposed_ports("127.0.0.1:8080:80/udp") == ["80/udp"]
    assert exposed_ports("7-9") == ["7/tcp", "8/tcp", "9/tcp"]
    assert parse_go_duration("1h2m3.5s") == 3_723_500_000_000
    assert parse_go_duration("250ms") == 250_000_000
    assert parse_go_duration("0") == 0
    with pytest.raises(InvalidArgument, match='time: unknown unit "x" in duration "3x"'):
        parse_go_duration("3x")
