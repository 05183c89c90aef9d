"""Platforms against containerd/platforms' tables (platforms_test.go, compare_test.go)."""

from __future__ import annotations

import pytest

from mocker.errors import InvalidArgument
from mocker.image import platform as plat
from mocker.image.platform import (
    Platform,
    best_match,
    debian_arch,
    format_all,
    format_platform,
    from_oci,
    host_platform,
    matches,
    normalize,
    parse_platform,
    parse_platforms,
    to_oci,
    uname_machine,
)


@pytest.fixture(autouse=True)
def _amd64_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bare OS names ("linux") take the host's architecture: pin it."""
    monkeypatch.setattr(plat, "_machine", lambda: "x86_64")


P = Platform

# specifier, parsed, Format
PARSE = [
    ("linux/amd64", P("linux", "amd64"), "linux/amd64"),
    ("linux/arm64", P("linux", "arm64"), "linux/arm64"),
    ("linux/arm64/v8", P("linux", "arm64", "v8"), "linux/arm64/v8"),
    ("linux/arm64/8", P("linux", "arm64", "v8"), "linux/arm64/v8"),
    ("linux/aarch64", P("linux", "arm64", "v8"), "linux/arm64/v8"),
    ("linux/arm", P("linux", "arm"), "linux/arm"),
    ("linux/arm/v6", P("linux", "arm", "v6"), "linux/arm/v6"),
    ("linux/arm/v7", P("linux", "arm", "v7"), "linux/arm/v7"),
    ("linux/arm/7", P("linux", "arm", "v7"), "linux/arm/v7"),
    ("linux/amd64/v1", P("linux", "amd64"), "linux/amd64"),
    ("linux/amd64/v3", P("linux", "amd64", "v3"), "linux/amd64/v3"),
    ("arm", P("linux", "arm"), "linux/arm"),
    ("arm64", P("linux", "arm64"), "linux/arm64"),
    ("aarch64", P("linux", "arm64", "v8"), "linux/arm64/v8"),
    ("Aarch64", P("linux", "arm64", "v8"), "linux/arm64/v8"),
    ("armhf", P("linux", "arm", "v7"), "linux/arm/v7"),
    ("armel", P("linux", "arm", "v6"), "linux/arm/v6"),
    ("x86_64", P("linux", "amd64"), "linux/amd64"),
    ("Linux/x86_64", P("linux", "amd64"), "linux/amd64"),
    ("i386", P("linux", "386"), "linux/386"),
    ("386", P("linux", "386"), "linux/386"),
    ("ppc64le", P("linux", "ppc64le"), "linux/ppc64le"),
    ("s390x", P("linux", "s390x"), "linux/s390x"),
    ("linux/s390x", P("linux", "s390x"), "linux/s390x"),
    ("riscv64", P("linux", "riscv64"), "linux/riscv64"),
    ("linux", P("linux", "amd64"), "linux/amd64"),
    ("macOS", P("darwin", "amd64"), "darwin/amd64"),
    ("windows(10.0.17763)", P("windows", "amd64", os_version="10.0.17763"), "windows/amd64"),
    (
        "windows(10.0.17763+win32k)/amd64",
        P("windows", "amd64", os_version="10.0.17763", os_features=("win32k",)),
        "windows/amd64",
    ),
    ("linux(+unsorted+erofs)/amd64", P("linux", "amd64", os_features=("unsorted", "erofs")), "linux/amd64"),
    (
        "windows(10.0.17763%2Bbuild.42)/amd64",
        P("windows", "amd64", os_version="10.0.17763+build.42"),
        "windows/amd64",
    ),
    ("linux/riscv64", P("linux", "riscv64"), "linux/riscv64"),
]


@pytest.mark.parametrize(("specifier", "expected", "formatted"), PARSE)
def test_parse(specifier: str, expected: Platform, formatted: str) -> None:
    got = parse_platform(specifier)
    assert got == expected
    assert format_platform(got) == formatted
    assert str(got) == formatted
    # FormatAll reads back to the same platform.
    assert normalize(parse_platform(format_all(got))) == normalize(got)


UNKNOWN = ": unknown operating system or architecture: invalid argument"


@pytest.mark.parametrize(
    ("specifier", "message"),
    [
        ("foo", '"foo"' + UNKNOWN),
        ("amd65", '"amd65"' + UNKNOWN),
        ("linux/*", '"linux/*": wildcards not yet supported: invalid argument'),
        ("*", '"*": wildcards not yet supported: invalid argument'),
        ("linux/arm64/v8/extra", '"linux/arm64/v8/extra": cannot parse platform specifier: invalid argument'),
        (
            "linux/arm64 ",
            '"arm64 " is an invalid component of "linux/arm64 ": platform specifier component '
            'must match "^[A-Za-z0-9_.-]+$": invalid argument',
        ),
        (
            "linux//arm64",
            '"" is an invalid component of "linux//arm64": platform specifier component '
            'must match "^[A-Za-z0-9_.-]+$": invalid argument',
        ),
        (
            "windows(%zz)/amd64",
            '"windows(%zz)/amd64" has an invalid OS version "%zz": invalid URL escape "%zz"',
        ),
    ],
)
def test_parse_errors(specifier: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        parse_platform(specifier)
    assert str(info.value) == message


def test_parse_invalid_os_component() -> None:
    with pytest.raises(InvalidArgument, match=r'^"" is an invalid OS component of "": OSAndVersion'):
        parse_platform("")
    with pytest.raises(InvalidArgument, match=r"^invalid platform bogus: \"bogus\": unknown"):
        parse_platforms(["linux/amd64", "bogus"])
    assert parse_platforms(["linux/amd64", "linux/arm64"]) == [P("linux", "amd64"), P("linux", "arm64")]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (P("linux", "x86_64"), P("linux", "amd64")),
        (P("linux", "x86-64", "v1"), P("linux", "amd64")),
        (P("linux", "amd64", "v2"), P("linux", "amd64", "v2")),
        (P("Linux", "aarch64"), P("linux", "arm64")),
        (P("linux", "arm64", "v8"), P("linux", "arm64")),
        (P("linux", "arm64", "8"), P("linux", "arm64")),
        (P("linux", "arm64", "9.0"), P("linux", "arm64", "v9")),
        (P("linux", "arm"), P("linux", "arm", "v7")),
        (P("linux", "arm", "6"), P("linux", "arm", "v6")),
        (P("linux", "armhf"), P("linux", "arm", "v7")),
        (P("linux", "armel"), P("linux", "arm", "v6")),
        (P("linux", "i386", "v1"), P("linux", "386")),
        (P("", "amd64"), P("linux", "amd64")),
        (P("macos", "arm64"), P("darwin", "arm64")),
        (P("linux", "amd64", "", "", ("b", "a", "b")), P("linux", "amd64", os_features=("a", "b"))),
    ],
)
def test_normalize(given: Platform, expected: Platform) -> None:
    assert normalize(given) == expected
    assert normalize(expected) == expected


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        ("x86_64", P("linux", "amd64")),
        ("aarch64", P("linux", "arm64", "v8")),
        ("arm64", P("linux", "arm64", "v8")),  # macOS
        ("armv7l", P("linux", "arm", "v7")),
        ("armv6l", P("linux", "arm", "v6")),
        ("armv8l", P("linux", "arm", "v8")),
        ("i686", P("linux", "386")),
        ("ppc64le", P("linux", "ppc64le")),
        ("s390x", P("linux", "s390x")),
        ("riscv64", P("linux", "riscv64")),
        ("loongarch64", P("linux", "loong64")),
    ],
)
def test_host_platform(machine: str, expected: Platform) -> None:
    assert host_platform(machine) == expected


def test_host_platform_reads_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plat, "_machine", lambda: "aarch64")
    assert host_platform() == P("linux", "arm64", "v8")
    # containerd: a bare OS takes the host arch, with a variant only for 32-bit arm.
    assert parse_platform("linux") == P("linux", "arm64")
    monkeypatch.setattr(plat, "_machine", lambda: "armv6l")
    assert parse_platform("linux") == P("linux", "arm", "v6")
    monkeypatch.setattr(plat, "_machine", lambda: "armv7l")
    assert parse_platform("linux") == P("linux", "arm")


# wanted, candidates that match, candidates that do not (containerd compare_test.go TestOnly)
ONLY = [
    (
        "linux/amd64",
        ["linux/amd64", "linux/386", "linux/amd64/v1", "x86_64"],
        ["linux/amd64/v2", "linux/arm/v7", "linux/arm64", "windows/amd64", "windows/arm"],
    ),
    (
        "linux/amd64/v2",
        ["linux/amd64", "linux/amd64/v1", "linux/amd64/v2", "linux/386"],
        ["linux/amd64/v3", "linux/amd64/v4", "linux/arm/v7", "linux/arm64", "windows/amd64"],
    ),
    ("linux/386", ["linux/386", "i386"], ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/amd64"]),
    (
        "windows/amd64",
        ["windows/amd64", "windows(10.0.17763)/amd64"],
        ["linux/amd64", "linux/arm/v7", "linux/arm64", "windows/arm"],
    ),
    (
        "linux/arm/v8",
        ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm/v8"],
        ["linux/amd64", "linux/arm/v4", "linux/arm64", "windows/amd64", "windows/arm"],
    ),
    (
        "linux/arm/v7",
        ["linux/arm", "linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "armhf"],
        ["linux/amd64", "linux/arm/v4", "linux/arm/v8", "linux/arm64", "windows/amd64"],
    ),
    (
        "linux/arm/v6",
        ["linux/arm/v5", "linux/arm/v6", "armel"],
        ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v7", "linux/arm/v8", "linux/arm64"],
    ),
    (
        "linux/arm/v5",
        ["linux/arm/v5"],
        ["linux/amd64", "linux/arm", "linux/arm/v4", "linux/arm/v6", "linux/arm/v7", "linux/arm64"],
    ),
    (
        "linux/arm64",
        ["linux/arm", "linux/arm/v7", "linux/arm/v8", "linux/arm64", "linux/arm64/v8", "aarch64"],
        ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "windows/amd64", "windows/arm"],
    ),
    (
        "linux/arm64/v8",
        ["linux/arm", "linux/arm/v7", "linux/arm/v8", "linux/arm64", "linux/arm64/v8"],
        ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v9", "linux/arm64/v8.1"],
    ),
    (
        "linux/arm64/v9",
        ["linux/arm", "linux/arm/v8", "linux/arm64", "linux/arm64/v8.5", "linux/arm64/v9"],
        ["linux/amd64", "linux/arm/v4", "linux/arm/v9", "linux/arm64/v8.6", "linux/arm64/v9.1"],
    ),
    ("linux/s390x", ["linux/s390x"], ["linux/amd64", "linux/ppc64le"]),
]


@pytest.mark.parametrize(("wanted", "yes", "no"), ONLY)
def test_matches(wanted: str, yes: list[str], no: list[str]) -> None:
    want = parse_platform(wanted)
    for candidate in yes:
        assert matches(want, parse_platform(candidate)), candidate
    for candidate in no:
        assert not matches(want, parse_platform(candidate)), candidate


@pytest.mark.parametrize(
    ("wanted", "candidate", "strict", "loose"),
    [
        ("linux/arm64", "linux/arm64/v8", True, True),
        ("aarch64", "linux/arm64", True, True),
        ("linux/arm/v7", "linux/arm/v7", True, True),
        ("linux/arm/v7", "linux/arm", True, True),
        ("linux/arm/v7", "linux/arm/v6", False, True),
        ("linux/amd64", "linux/amd64/v1", True, True),
        ("linux/amd64", "linux/386", False, True),
        ("linux/arm64", "linux/arm/v7", False, True),
    ],
)
def test_matches_strict(wanted: str, candidate: str, strict: bool, loose: bool) -> None:
    want, got = parse_platform(wanted), parse_platform(candidate)
    assert matches(want, got, strict=True) is strict
    assert matches(want, got) is loose


def test_os_features_must_be_wanted() -> None:
    want = P("linux", "amd64", os_features=("gpu",))
    assert matches(want, P("linux", "amd64"))
    assert matches(want, P("linux", "amd64", os_features=("gpu",)))
    assert not matches(P("linux", "amd64"), P("linux", "amd64", os_features=("gpu",)))
    assert not matches(want, P("linux", "amd64", os_features=("gpu", "simd")))
    # Windows hosts all have win32k: containerd strips it before comparing.
    assert matches(P("windows", "amd64"), P("windows", "amd64", os_features=("win32k",)))


@pytest.mark.parametrize(
    ("host", "image", "ok"),
    [
        ("10.0.17763", "10.0.17763.1234", True),
        ("10.0.17763", "10.0.20348", False),
        ("10.0.20348", "10.0.20348.1", True),
        ("10.0.26100", "10.0.20348", True),
        ("10.0.26100", "10.0.17763", False),
        ("10.0.26200", "10.0.20348", False),
        ("10.0.26200", "10.0.26100", True),
        ("", "10.0.17763", True),
        ("10.0.17763", "", True),
    ],
)
def test_windows_os_version(host: str, image: str, ok: bool) -> None:
    want = P("windows", "amd64", os_version=host or None)
    assert matches(want, P("windows", "amd64", os_version=image or None)) is ok


@pytest.mark.parametrize(
    ("wanted", "candidates", "expected"),
    [
        ("linux/amd64", ["linux/arm64", "linux/386", "linux/amd64"], 2),
        ("linux/amd64", ["linux/arm64", "linux/386"], 1),
        ("linux/amd64", ["linux/arm64", "linux/s390x"], None),
        ("linux/amd64", [], None),
        ("linux/arm/v7", ["linux/arm/v5", "linux/arm/v6", "linux/arm/v7", "linux/arm64"], 2),
        ("linux/arm/v7", ["linux/arm/v5", "linux/arm/v6"], 1),
        ("linux/arm64", ["linux/arm/v7", "linux/arm64/v8", "linux/amd64"], 1),
        ("linux/arm64", ["linux/arm/v6", "linux/arm/v7"], 1),
        ("linux/amd64/v3", ["linux/amd64", "linux/amd64/v2", "linux/amd64/v4"], 1),
        ("linux/amd64", ["linux/amd64", "linux/amd64"], 0),
    ],
)
def test_best_match(wanted: str, candidates: list[str], expected: int | None) -> None:
    assert best_match(parse_platform(wanted), [parse_platform(c) for c in candidates]) == expected


def test_best_match_prefers_more_os_features() -> None:
    want = P("windows", "amd64", os_features=("win32k",))
    plain = P("windows", "amd64")
    featured = P("windows", "amd64", os_features=("win32k",))
    assert best_match(want, [plain, featured]) == 1


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"architecture": "amd64", "os": "linux"}, P("linux", "amd64")),
        ({"architecture": "arm64", "os": "linux", "variant": "v8"}, P("linux", "arm64", "v8")),
        ({"architecture": "arm", "os": "linux", "variant": ""}, P("linux", "arm")),
        (
            {
                "architecture": "amd64",
                "os": "windows",
                "os.version": "10.0.17763.1",
                "os.features": ["win32k"],
            },
            P("windows", "amd64", os_version="10.0.17763.1", os_features=("win32k",)),
        ),
        ({"architecture": "unknown", "os": "unknown"}, P("unknown", "unknown")),
    ],
)
def test_oci_round_trip(obj: dict[str, object], expected: Platform) -> None:
    got = from_oci(obj)
    assert got == expected
    assert to_oci(got) == {k: v for k, v in obj.items() if v}
    assert list(to_oci(got)) == [
        k for k in ("architecture", "os", "os.version", "os.features", "variant") if obj.get(k)
    ]


@pytest.mark.parametrize(
    "obj",
    [{"architecture": 1, "os": "linux"}, {"architecture": "amd64", "os": "linux", "os.features": "x"}],
)
def test_from_oci_rejects_bad_types(obj: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument, match="^invalid platform"):
        from_oci(obj)


@pytest.mark.parametrize(
    ("specifier", "debian", "uname"),
    [
        ("linux/amd64", "amd64", "x86_64"),
        ("linux/amd64/v3", "amd64", "x86_64"),
        ("linux/arm64", "arm64", "aarch64"),
        ("linux/arm64/v8", "arm64", "aarch64"),
        ("linux/s390x", "s390x", "s390x"),
        ("linux/ppc64le", "ppc64el", "ppc64le"),
        ("linux/arm/v7", "armhf", "armv7l"),
        ("linux/arm", "armhf", "armv7l"),
        ("linux/arm/v6", "armel", "armv6l"),
        ("linux/386", "i386", "i686"),
        ("linux/riscv64", "riscv64", "riscv64"),
    ],
)
def test_debian_and_uname(specifier: str, debian: str, uname: str) -> None:
    p = parse_platform(specifier)
    assert debian_arch(p) == debian
    assert uname_machine(p) == uname


def test_debian_and_uname_unknown() -> None:
    p = P("linux", "sparc64")
    with pytest.raises(InvalidArgument, match="^no Debian architecture for platform linux/sparc64$"):
        debian_arch(p)
    with pytest.raises(InvalidArgument, match="^no uname machine name for platform linux/sparc64$"):
        uname_machine(p)


@pytest.mark.parametrize(
    ("p", "formatted", "formatted_all"),
    [
        (P("", "amd64"), "unknown", "unknown"),
        (P("linux", "arm64", "v8"), "linux/arm64/v8", "linux/arm64/v8"),
        (P("windows", "amd64", os_version="10.0.17763"), "windows/amd64", "windows(10.0.17763)/amd64"),
        (P("linux", "amd64", os_features=("simd", "gpu", "gpu")), "linux/amd64", "linux(+gpu+simd)/amd64"),
        (
            P("windows", "amd64", os_version="a+b(c)/d%"),
            "windows/amd64",
            "windows(a%2Bb%28c%29%2Fd%25)/amd64",
        ),
    ],
)
def test_format(p: Platform, formatted: str, formatted_all: str) -> None:
    assert format_platform(p) == formatted
    assert format_all(p) == formatted_all
