import pytest

from mocker.cli.flags import Flag, parse
from mocker.errors import NotSupported, UsageError

FLAGS = (
    Flag("interactive", "i"),
    Flag("tty", "t"),
    Flag("detach", "d"),
    Flag("name", kind="str"),
    Flag("env", "e", kind="list"),
    Flag("cpus", kind="float"),
    Flag("count", "n", kind="int"),
    Flag("tree", unsupported="no tree view"),
)


@pytest.mark.parametrize(
    "argv, key, value",
    [
        (["-it", "img"], "interactive", True),
        (["-it", "img"], "tty", True),
        (["--name=x", "img"], "name", "x"),
        (["--name", "x", "img"], "name", "x"),
        (["-e", "A=1", "-eB=2", "--env=C=3", "img"], "env", ["A=1", "B=2", "C=3"]),
        (["-n5", "img"], "count", 5),
        (["-n", "0x10", "img"], "count", 16),
        (["--cpus", "1.5", "img"], "cpus", 1.5),
        (["--detach=false", "img"], "detach", False),
        (["-d=true", "img"], "detach", True),
        (["-ite", "X=1", "img"], "env", ["X=1"]),
    ],
)
def test_pflag_forms(argv, key, value):
    assert parse(argv, FLAGS).values[key] == value


def test_parsing_stops_at_first_positional_when_not_interspersed():
    p = parse(["-d", "img", "sh", "-c", "echo --name"], FLAGS, interspersed=False)
    assert p.args == ["img", "sh", "-c", "echo --name"]
    assert p.values["name"] is None


def test_interspersed_flags_after_positionals():
    p = parse(["a", "--name", "x", "b"], FLAGS)
    assert p.args == ["a", "b"] and p.values["name"] == "x"


def test_double_dash_ends_flags():
    assert parse(["--", "-d"], FLAGS).args == ["-d"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--nope"], "unknown flag: --nope"),
        (["-x"], "unknown shorthand flag: 'x' in -x"),
        (["-dx"], "unknown shorthand flag: 'x' in -dx"),
        (["--name"], "flag needs an argument: --name"),
        (["-e"], "flag needs an argument: 'e' in -e"),
        (["-n", "abc"], 'invalid argument "abc" for "-n" flag: strconv.ParseInt: parsing "abc": invalid syntax'),
        (["--detach=maybe"], 'invalid argument "maybe" for "--detach" flag'),
    ],
)
def test_usage_errors_use_pflag_wording(argv, message):
    with pytest.raises(UsageError) as exc:
        parse(argv, FLAGS)
    assert str(exc.value).startswith(message)
    assert exc.value.exit_code == 125


def test_unsupported_flag_errors_instead_of_being_ignored():
    with pytest.raises(NotSupported) as exc:
        parse(["--tree"], FLAGS)
    assert str(exc.value) == "--tree is not supported by mocker (no tree view)"
    assert exc.value.exit_code == 125


def test_changed_tracks_given_flags():
    p = parse(["--detach=false"], FLAGS)
    assert p.changed("detach") and not p.changed("tty")
