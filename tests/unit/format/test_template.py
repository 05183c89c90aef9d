"""Go text/template semantics for ``--format``: output, Docker's functions, and Go's error wording."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pytest

from mocker.errors import InvalidArgument
from mocker.format.template import compile_template, expand_escapes, is_table, prepare_format, strip_table
from mocker.format.template_fmt import go_json, go_sprintf


@dataclass
class ContainerContext:
    """Stands in for docker/cli's formatter contexts: fields, a property and methods."""

    ID: str
    Names: list[str]
    Labels: dict[str, str]

    @property
    def Image(self) -> str:
        return "alpine:3.20"

    def Label(self, name: str) -> str:
        return self.Labels.get(name, "")

    def Status(self) -> str:
        return "Up 5 minutes"


class State(enum.StrEnum):
    RUNNING = "running"


CTR = ContainerContext("0123456789ab", ["web", "db"], {"com.example": "x", "app": "shop"})

DATA: dict[str, Any] = {
    "Name": "web",
    "Count": 3,
    "Ratio": 1.5,
    "Big": 1e6,
    "On": True,
    "Off": False,
    "Nil": None,
    "Tags": ["b", "a"],
    "Ports": [80, 443],
    "Empty": [],
    "Labels": {"z": "26", "a": "1"},
    "Nested": {"Inner": {"Value": "deep"}},
    "Mixed": {"n": 1, "s": "x", "l": [1, 2], "m": {"k": None}},
    "Html": "<a&b>",
    "Unicode": "héllo 世界",
    "State": State.RUNNING,
    "Ctr": CTR,
}

RENDER_CASES = [
    # fields, nesting, dot and $
    ("{{.Name}}", "web"),
    ("{{.Nested.Inner.Value}}", "deep"),
    ("{{.}}", "hello"),
    ("{{$.Name}}-{{.Name}}", "web-web"),
    ("text only", "text only"),
    ("", ""),
    # Go's printing of values
    ("{{.Count}} {{.Ratio}} {{.Big}} {{.On}} {{.Off}}", "3 1.5 1e+06 true false"),
    ("{{.Tags}} {{.Ports}} {{.Empty}}", "[b a] [80 443] []"),
    ("{{.Labels}}", "map[a:1 z:26]"),
    ("{{.Mixed}}", "map[l:[1 2] m:map[k:<nil>] n:1 s:x]"),
    ("{{.Nil}}", "<no value>"),
    ("{{.Missing}}", "<no value>"),
    ("{{.Missing.Deeper}}", "<no value>"),
    ("{{.State}}", "running"),
    # map keys as fields and through index
    ("{{.Labels.a}}", "1"),
    ('{{index .Labels "z"}}', "26"),
    ('[{{index .Labels "nope"}}]', "[]"),
    ("{{.Labels.nope}}", "<no value>"),
    ('{{index .Mixed "l" 1}}', "2"),
    ("{{index .Tags 0}}", "b"),
    ('{{index "abc" 1}}', "98"),
    # objects: attributes, properties, methods (with arguments)
    ("{{.Ctr.ID}} {{.Ctr.Names}} {{.Ctr.Image}}", "0123456789ab [web db] alpine:3.20"),
    ("{{.Ctr.Status}}", "Up 5 minutes"),
    ('{{.Ctr.Label "app"}}', "shop"),
    ('{{"app" | .Ctr.Label}}', "shop"),
    ("{{with .Ctr}}{{.ID}}{{end}}", "0123456789ab"),
    # literals
    ("{{1}} {{-2}} {{3.0}} {{1.5e3}} {{.5}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}}",
     "1 -2 3 1500 0.5 31 15 15 5 1000"),
    ("{{'a'}} {{'\\n'}} {{true}} {{false}}", "97 10 true false"),
    ('{{"tab\\there"}} {{`raw\\t`}}', "tab\there raw\\t"),
    ("{{1+2i}}", "(1+2i)"),
    # pipelines and parentheses
    ("{{.Name | upper}}", "WEB"),
    ('{{.Name | printf "%s!" | upper}}', "WEB!"),
    ('{{"x" | printf "%s-%s" "y"}}', "y-x"),
    ('{{upper (printf "%s-%d" .Name .Count)}}', "WEB-3"),
    ("{{(index .Tags 1)}}", "a"),
    # variables
    ("{{$x := .Count}}{{$x}}", "3"),
    ("{{$x := 1}}{{$x = 2}}{{$x}}", "2"),
    ("{{with $n := .Name}}{{$n}}{{end}}", "web"),
    ("{{$x := 1}}{{if true}}{{$x = 5}}{{end}}{{$x}}", "5"),
    # if / else if / else, truth
    ("{{if .On}}yes{{else}}no{{end}}", "yes"),
    ("{{if .Off}}yes{{else if .Count}}count{{else}}no{{end}}", "count"),
    ("{{if .Empty}}a{{else if .Nil}}b{{else}}c{{end}}", "c"),
    ("{{if .Ctr}}struct{{end}}{{if .Missing}}x{{end}}{{if 0.0}}x{{end}}{{if \"\"}}x{{end}}", "struct"),
    ("{{with .Missing}}x{{else}}none{{end}}", "none"),
    ("{{with .Nested}}{{.Inner.Value}}{{end}}", "deep"),
    ("{{with .Off}}x{{else with .Name}}{{.}}{{end}}", "web"),
    # range
    ("{{range .Tags}}<{{.}}>{{end}}", "<b><a>"),
    ("{{range $i, $t := .Tags}}{{$i}}={{$t}} {{end}}", "0=b 1=a "),
    ("{{range $t := .Tags}}{{$t}}{{end}}", "ba"),
    ("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", "a=1;z=26;"),
    ("{{range .Labels}}{{.}},{{end}}", "1,26,"),
    ("{{range .Empty}}x{{else}}empty{{end}}", "empty"),
    ("{{range .Missing}}x{{else}}nothing{{end}}", "nothing"),
    ("{{range 3}}{{.}}{{end}}", "012"),
    ("{{range .Ports}}{{if eq . 443}}{{break}}{{end}}{{.}}{{end}}", "80"),
    ("{{range .Tags}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", "a"),
    ("{{range .Tags}}{{$.Name}}{{end}}", "webweb"),
    # trim markers and comments
    ("a  {{- .Name -}}  b", "awebb"),
    ("a\n\t{{- .Name}}\n", "aweb\n"),
    ("{{.Name -}}\n\n!", "web!"),
    ("{{- 3}}{{3 -}} ", "33"),
    ("x{{/* a comment */}}y", "xy"),
    ("x {{- /* trimmed */ -}} y", "xy"),
    # define / template / block
    ('{{define "T"}}<{{.}}>{{end}}{{template "T" .Name}}', "<web>"),
    ('{{block "B" .Count}}[{{.}}]{{end}}', "[3]"),
    # comparisons and logic
    ('{{eq .Name "web"}} {{eq .Name "a" "b" "web"}} {{ne .Count 3}}', "true true false"),
    ("{{lt 1 2}} {{le 2 2}} {{gt 1.5 2.5}} {{ge \"b\" \"a\"}}", "true true false true"),
    ("{{eq .Missing nil}} {{eq .Nil .Missing}} {{eq .Name nil}}", "true true false"),
    ("{{and .Count .Name}} {{and .Count .Off .Name}} {{or .Off .Empty .Name}}", "web false web"),
    ("{{not .On}} {{not .Empty}}", "false true"),
    ("{{or .Off .Missing}}", "<no value>"),
    # len, slice
    ("{{len .Tags}} {{len .Labels}} {{len .Name}} {{len .Unicode}}", "2 2 3 13"),
    ("{{slice .Tags 1}} {{slice .Name 1 2}} {{slice .Ports}}", "[a] e [80 443]"),
    # print family
    ('{{print "a" 1 2 "b" .Nil}}', "a1 2b<nil>"),
    ("{{print .Missing}}", "<nil>"),
    ('{{println "a" 1}}', "a 1\n"),
    ("{{println}}", "\n"),
    # printf verbs
    ('{{printf "%s|%d|%v|%q" .Name .Count .On .Name}}', 'web|3|true|"web"'),
    ('{{printf "%-10s|%10s|" "ab" "cd"}}', "ab        |        cd|"),
    ('{{printf "%5.2f|%.3f|%e|%g" 3.14159 2.0 1234.5678 0.000012}}', " 3.14|2.000|1.234568e+03|1.2e-05"),
    ('{{printf "%05d|%+d|%x|%X|%#x|%o|%b|%c" 42 7 255 255 255 8 5 65}}', "00042|+7|ff|FF|0xff|10|101|A"),
    ('{{printf "%v %v" .Tags .Labels}}', "[b a] map[a:1 z:26]"),
    ('{{printf "%d" .Name}}', "%!d(string=web)"),
    ('{{printf "%s" .Count}}', "%!s(int=3)"),
    ('{{printf "%d %d" 1}}', "1 %!d(MISSING)"),
    ('{{printf "%d" 1 2}}', "1%!(EXTRA int=2)"),
    ('{{printf "%.2s|%5.1q|%%" "hello" "hi"}}', 'he|  "h"|%'),
    ('{{printf "%*d|%-*d|" 4 1 3 2}}', "   1|2  |"),
    ('{{printf "%[2]s %[1]s" "a" "b"}}', "b a"),
    ('{{printf "%T %T %T" 1 "s" .Tags}}', "int string []string"),
    # Docker's functions
    ("{{json .Labels}}", '{"z":"26","a":"1"}'),
    ("{{json .Tags}} {{json .Count}} {{json .Ratio}} {{json .Nil}} {{json .On}}", '["b","a"] 3 1.5 null true'),
    ("{{json .Html}}", '"<a&b>"'),
    ("{{json .Ctr}}", '{"ID":"0123456789ab","Names":["web","db"],"Labels":{"com.example":"x","app":"shop"}}'),
    ("{{json .State}}", '"running"'),
    ('{{join .Tags ", "}}', "b, a"),
    ('{{join .Ctr.Names "|"}}', "web|db"),
    ('{{split "a:b:c" ":"}}', "[a b c]"),
    ('{{index (split "k=v" "=") 1}}', "v"),
    ('{{split "ab" ""}}', "[a b]"),
    ('{{lower "MiXeD"}} {{upper "MiXeD"}}', "mixed MIXED"),
    ('{{title "hello wORLD foo_bar x-y"}}', "Hello WORLD Foo_bar X-Y"),
    ('{{truncate "abcdef" 3}}|{{truncate "ab" 3}}|{{truncate "abc" 3}}', "abc|ab|abc"),
    ('{{truncate .Ctr.ID 4}}', "0123"),
    ('[{{pad "x" 2 1}}][{{pad "" 2 1}}]', "[  x ][]"),
    # Go's html, js, urlquery
    ('{{html "<a href=\'x\'>"}}', "&lt;a href=&#39;x&#39;&gt;"),
    ("{{js \"it's <b>\"}}", "it\\'s \\u003Cb\\u003E"),
    ('{{urlquery "a b&c=d"}}', "a+b%26c%3Dd"),
]


@pytest.mark.parametrize(("text", "expected"), RENDER_CASES, ids=[c[0] for c in RENDER_CASES])
def test_render(text: str, expected: str) -> None:
    data = "hello" if text == "{{.}}" else DATA
    assert compile_template(text).render(data) == expected


def test_template_renders_many_times() -> None:
    tmpl = compile_template("{{.Name}}")
    assert [tmpl.render({"Name": n}) for n in ("a", "b")] == ["a", "b"]


def test_render_of_none_data_prints_no_value() -> None:
    assert compile_template("{{.}}|{{.X}}").render(None) == "<no value>|<no value>"


PARSE_ERRORS = [
    ("{{.Foo}", 'template: :1: unexpected "}" in operand'),
    ("{{.Foo", "template: :1: unclosed action"),
    ("a\n{{.Foo", "template: :2: unclosed action"),
    ("{{nosuch .}}", 'template: :1: function "nosuch" not defined'),
    ("{{end}}", "template: :1: unexpected {{end}}"),
    ("{{else}}", "template: :1: unexpected {{else}}"),
    ("{{if .A}}x", "template: :1: unexpected EOF"),
    ("{{if}}{{end}}", "template: :1: missing value for if"),
    ("{{}}", "template: :1: missing value for command"),
    ("{{$x}}", 'template: :1: undefined variable "$x"'),
    ("{{range .}}{{$v := .}}{{end}}{{$v}}", 'template: :1: undefined variable "$v"'),
    ("{{break}}", "template: :1: {{break}} outside {{range}}"),
    ("{{continue}}", "template: :1: {{continue}} outside {{range}}"),
    ("{{.A | 1}}", "template: :1: non executable command in pipeline stage 2"),
    ('{{"abc}}', "template: :1: unterminated quoted string"),
    ("{{`abc}}", "template: :1: unterminated raw quoted string"),
    ("{{'a}}", "template: :1: unterminated character constant"),
    ("{{/* x", "template: :1: unclosed comment"),
    ("{{/* x */ }}", "template: :1: comment ends before closing delimiter"),
    ("{{(.A}}", "template: :1: unclosed left paren"),
    ("{{.A)}}", 'template: :1: unexpected ")" in command'),
    ("{{3x}}", 'template: :1: bad number syntax: "3x"'),
    ("{{99999999999999999999}}", 'template: :1: integer overflow: "99999999999999999999"'),
    ('{{"\\q"}}', "template: :1: invalid syntax"),
    ("{{'ab'}}", "template: :1: malformed character constant: 'ab'"),
    ('{{"a".B}}', 'template: :1: unexpected . after term "\\"a\\""'),
    ("{{if .A}}{{else}}{{else}}{{end}}", "template: :1: expected end; found {{else}}"),
    ("{{range $i, $v, $w := .}}{{end}}", "template: :1: too many declarations in range"),
    ("{{$a, $b := 1}}", "template: :1: too many declarations in command"),
    ("{{.A %}}", 'template: :1: unexpected "%" in operand'),
    ("{{.A}}{{.B\n}", 'template: :2: unexpected "}" in operand'),
    ("{{.Ab!}}", "template: :1: bad character U+0021 '!'"),
    ("{{.A\u0301}}", "template: :1: bad character U+0301 '\u0301'"),
    ('{{template 1}}', "template: :1: unexpected \"1\" in template clause"),
    ('{{define "a"}}1{{end}}{{define "a"}}2{{end}}', 'template: :1: template: multiple definition of template "a"'),
]


@pytest.mark.parametrize(("text", "message"), PARSE_ERRORS, ids=[c[0] for c in PARSE_ERRORS])
def test_parse_errors_use_docker_wording(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        compile_template(text)
    assert str(info.value) == "template parsing error: " + message


EXEC_ERRORS = [
    ("{{.Ctr.Foo}}", ':1:6: executing "" at <.Ctr.Foo>: can\'t evaluate field Foo in type ContainerContext'),
    ("{{.Name.Foo}}", ':1:7: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string'),
    ("{{.Nil.Foo}}", ':1:6: executing "" at <.Nil.Foo>: nil pointer evaluating interface {}.Foo'),
    ("{{.Tags.X}}", ':1:7: executing "" at <.Tags.X>: can\'t evaluate field X in type []string'),
    ("{{.Name 1}}", ':1:2: executing "" at <.Name>: Name is not a method but has arguments'),
    ("{{.Ctr.ID 1}}", ':1:6: executing "" at <.Ctr.ID>: ID has arguments but cannot be invoked as function'),
    ("{{.Ctr.Label}}", ':1:6: executing "" at <.Ctr.Label>: wrong number of args for Label: want 1 got 0'),
    ("{{lower 5}}", ':1:8: executing "" at <5>: expected string; found 5'),
    ("{{lower .Count}}", ':1:8: executing "" at <.Count>: wrong type for value; expected string; got int'),
    ("{{lower .Missing}}", ':1:8: executing "" at <.Missing>: invalid value; expected string'),
    ('{{truncate .Name "2"}}', ':1:17: executing "" at <"2">: expected integer; found "2"'),
    ('{{join .Ports ","}}', ':1:7: executing "" at <.Ports>: wrong type for value; expected []string; '
                            'got []interface {}'),
    ("{{truncate .Name}}", ':1:2: executing "" at <truncate>: wrong number of args for truncate: want 2 got 1'),
    ("{{printf}}", ':1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0'),
    ("{{index .Ports 5}}", ':1:2: executing "" at <index .Ports 5>: error calling index: index out of range: 5'),
    ('{{index .Ports "a"}}', ':1:2: executing "" at <index .Ports "a">: error calling index: '
                             "cannot index slice/array with type string"),
    ("{{index .Count 1}}", ':1:2: executing "" at <index .Count 1>: error calling index: '
                           "can't index item of type int"),
    ("{{slice .Tags 2 1}}", ':1:2: executing "" at <slice .Tags 2 1>: error calling slice: '
                            "invalid slice index: 2 > 1"),
    ("{{len .Count}}", ':1:2: executing "" at <len .Count>: error calling len: len of type int'),
    ('{{eq .Count "3"}}', ':1:2: executing "" at <eq .Count "3">: error calling eq: '
                          "incompatible types for comparison: int and string"),
    ("{{eq .Count}}", ':1:2: executing "" at <eq .Count>: error calling eq: missing argument for comparison'),
    ("{{lt .On .Off}}", ':1:2: executing "" at <lt .On .Off>: error calling lt: invalid type for comparison'),
    ("{{range .Name}}{{end}}", ':1:8: executing "" at <.Name>: range can\'t iterate over web'),
    ("{{nil}}", ':1:2: executing "" at <nil>: nil is not a command'),
    ('{{template "x"}}', ':1:11: executing "" at <{{template "x"}}>: template "x" not defined'),
    ('{{define "T"}}{{.Foo}}{{end}}{{template "T" .Name}}',
     ':1:16: executing "T" at <.Foo>: can\'t evaluate field Foo in type string'),
    ("line one\n  {{.Ctr.Nope}}", ':2:8: executing "" at <.Ctr.Nope>: can\'t evaluate field Nope in type '
                                   "ContainerContext"),
]


@pytest.mark.parametrize(("text", "message"), EXEC_ERRORS, ids=[c[0] for c in EXEC_ERRORS])
def test_execution_errors_use_go_wording(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        compile_template(text).render(DATA)
    assert str(info.value) == "template parsing error: template: " + message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{.Foo}}", ':1:2: executing "" at <.Foo>: map has no entry for key "Foo"'),
        ("{{.A.B}}", ':1:4: executing "" at <.A.B>: map has no entry for key "B"'),
    ],
)
def test_missing_key_error_option(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        compile_template(text).render({"A": {}}, missing_key="error")
    assert str(info.value) == "template parsing error: template: " + message


def test_recursive_template_stops_at_a_depth_limit() -> None:
    tmpl = compile_template('{{define "r"}}x{{template "r" .}}{{end}}{{template "r" .}}')
    with pytest.raises(InvalidArgument, match=r'executing "r" at <\{\{template "r" \.\}\}>: exceeded maximum'):
        tmpl.render({})


def test_deeply_nested_expression_is_a_parse_error() -> None:
    with pytest.raises(InvalidArgument, match="max expression depth exceeded"):
        compile_template("{{" + "(" * 5000 + "1" + ")" * 5000 + "}}")


def test_method_errors_are_reported_as_calls() -> None:
    class Failing:
        def Boom(self) -> str:
            raise RuntimeError("no such thing")

    with pytest.raises(InvalidArgument, match="error calling Boom: no such thing"):
        compile_template("{{.Boom}}").render(Failing())


def test_dict_methods_are_not_fields() -> None:
    assert compile_template("{{.items}} {{.keys}}").render({"keys": "k"}) == "<no value> k"


@pytest.mark.parametrize(
    ("fmt", "table", "stripped", "prepared"),
    [
        ("table {{.ID}}\\t{{.Names}}", True, "{{.ID}}\\t{{.Names}}", "{{.ID}}\t{{.Names}}"),
        ("table", True, "", ""),
        ("tablefoo", True, "foo", "foo"),
        ("{{.ID}}", False, "{{.ID}}", "{{.ID}}"),
        (" {{.ID}}\\n ", False, "{{.ID}}\\n", "{{.ID}}\n"),
        ("json", False, "json", "{{json .}}"),
        ("{{.ID}} table", False, "{{.ID}} table", "{{.ID}} table"),
    ],
)
def test_format_prefixes(fmt: str, table: bool, stripped: str, prepared: str) -> None:
    assert is_table(fmt) is table
    assert strip_table(fmt) == stripped
    assert prepare_format(fmt) == prepared


def test_expand_escapes_replaces_only_typed_tab_and_newline() -> None:
    assert expand_escapes(r"a\tb\nc\d\\t") == "a\tb\nc\\d\\\t"


HEADER = {"Name": "NAME", "Tags": "TAGS", "ID": "CONTAINER ID"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{.Name}}\t{{.ID}}", "NAME\tCONTAINER ID"),
        ('{{lower .Name}} {{upper .Name}} {{title .Name}} {{json .Name}}', "NAME NAME NAME NAME"),
        ('{{join .Tags ","}} {{split .Tags ","}} {{truncate .ID 3}}', "TAGS TAGS CONTAINER ID"),
        ("{{pad .Name 1 1}}|", " NAME |"),
        ('{{.Name}} {{index .Tags 0}}', "NAME 84"),
        ('{{.Name}} {{.Label "x"}} {{.ID}}', "NAME "),
        ("{{.Unknown}}", "<no value>"),
    ],
)
def test_render_header_keeps_column_titles(text: str, expected: str) -> None:
    assert compile_template(text).render_header(HEADER) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [1, 2.5, None, True]}, '{"b":1,"a":[1,2.5,null,true]}'),
        ("quote\" back\\ nl\n tab\t ctl\x01 ls\u2028", '"quote\\" back\\\\ nl\\n tab\\t ctl\\u0001 ls\\u2028"'),
        ("<&>", '"<&>"'),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (3.0, "3"),
        (-0.0, "-0"),
        ((), "[]"),
        ("世界", '"世界"'),
    ],
)
def test_go_json(value: Any, expected: str) -> None:
    assert go_json(value) == expected


def test_go_json_html_escaping_is_optional() -> None:
    assert go_json("<a&b>", escape_html=True) == '"\\u003ca\\u0026b\\u003e"'


def test_json_function_prints_nothing_for_unsupported_values() -> None:
    assert compile_template("[{{json .}}]").render(float("nan")) == "[]"


@pytest.mark.parametrize(
    ("fmt", "args", "expected"),
    [
        ("%v", (1e6,), "1e+06"),
        ("%v", (123456.0,), "123456"),
        ("%v", (1e-5,), "1e-05"),
        ("%v", (0.0001,), "0.0001"),
        ("%g", (3.14159265,), "3.14159265"),
        ("%.3g", (1234.5678,), "1.23e+03"),
        ("%08.3f", (-3.14159,), "-003.142"),
        ("%+.1f", (2.25,), "+2.2"),
        ("%v %f", (float("inf"), float("-inf")), "+Inf -Inf"),
        ("%5t|", (True,), " true|"),
        ("%x % x %X", ("hi", "hi", "hi"), "6869 68 69 6869"),
        ("%q %+q %#q", ("é", "é", "a"), '"é" "\\u00e9" `a`'),
        ("%q", ('\x00"',), '"\\x00\\""'),
        ("%U %#U", (0x1F600, 65), "U+1F600 U+0041 'A'"),
        ("%05s|%-5d|", ("ab", 7), "000ab|7    |"),
        ("%.0d|%.3d", (0, 7), "|007"),
        ("%d", ([1, 2],), "[1 2]"),
        ("%s", ([1],), "[%!s(int=1)]"),
        ("%!", (), "%!!(MISSING)"),
        ("%", (), "%!(NOVERB)"),
        ("%d", (None,), "%!d(<nil>)"),
        ("%v", (None,), "<nil>"),
        ("%.2f", (5,), "%!f(int=5)"),
        ("%d", (True,), "%!d(bool=true)"),
        ("%v", ({2: "b", 1: "a"},), "map[1:a 2:b]"),
    ],
)
def test_go_sprintf(fmt: str, args: tuple[Any, ...], expected: str) -> None:
    assert go_sprintf(fmt, *args) == expected
