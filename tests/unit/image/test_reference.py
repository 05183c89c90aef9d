"""Image references against distribution/reference's own tables (normalize_test.go, reference_test.go)."""

from __future__ import annotations

import pytest

from mocker.errors import InvalidArgument, InvalidReference
from mocker.image.reference import (
    Reference,
    is_digest,
    parse_docker_ref,
    parse_reference,
    parse_repository,
    split_stored_name,
    validate_digest,
)

SHA = "sha256:" + "f" * 64
SHA2 = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
SHA512 = "sha512:" + "f" * 128
HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"

HUB = "docker.io"
R = Reference
SONG = "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev"
LONG_PATH = "a/" * 127 + "a"  # 255 characters: the limit counts the path, not the domain

# input, parsed (default tag applied), familiar string
VALID = [
    ("busybox", R(HUB, "library/busybox", "latest"), "busybox:latest"),
    ("busybox:1.36", R(HUB, "library/busybox", "1.36"), "busybox:1.36"),
    ("library/debian", R(HUB, "library/debian", "latest"), "debian:latest"),
    ("docker.io/debian", R(HUB, "library/debian", "latest"), "debian:latest"),
    ("docker.io/library/debian", R(HUB, "library/debian", "latest"), "debian:latest"),
    ("index.docker.io/debian", R(HUB, "library/debian", "latest"), "debian:latest"),
    ("index.docker.io/docker/docker", R(HUB, "docker/docker", "latest"), "docker/docker:latest"),
    ("docker/docker", R(HUB, "docker/docker", "latest"), "docker/docker:latest"),
    ("other/library", R(HUB, "other/library", "latest"), "other/library:latest"),
    ("library/foo/bar", R(HUB, "library/foo/bar", "latest"), "library/foo/bar:latest"),
    ("store/foo/bar", R(HUB, "store/foo/bar", "latest"), "store/foo/bar:latest"),
    ("ubuntu-12.04-base", R(HUB, "library/ubuntu-12.04-base", "latest"), "ubuntu-12.04-base:latest"),
    ("localhost/foo", R("localhost", "foo", "latest"), "localhost/foo:latest"),
    ("localhost:5000/a/b", R("localhost:5000", "a/b", "latest"), "localhost:5000/a/b:latest"),
    ("host:5000/a/b@" + SHA, R("host:5000", "a/b", None, SHA), "host:5000/a/b@" + SHA),
    ("busybox:latest@" + SHA2, R(HUB, "library/busybox", "latest", SHA2), "busybox:latest@" + SHA2),
    ("redis@" + SHA2, R(HUB, "library/redis", None, SHA2), "redis@" + SHA2),
    ("127.0.0.1:5000/docker/docker", R("127.0.0.1:5000", "docker/docker", "latest"), None),
    ("192.168.0.1", R(HUB, "library/192.168.0.1", "latest"), "192.168.0.1:latest"),
    ("192.168.0.1:80", R(HUB, "library/192.168.0.1", "80"), "192.168.0.1:80"),
    ("test.com:5000", R(HUB, "library/test.com", "5000"), "test.com:5000"),
    ("test.com/repo:tag", R("test.com", "repo", "tag"), "test.com/repo:tag"),
    ("test_com/foo", R(HUB, "test_com/foo", "latest"), "test_com/foo:latest"),
    ("test-com:8080/foo", R("test-com:8080", "foo", "latest"), "test-com:8080/foo:latest"),
    ("xn--n3h.com:18080/foo", R("xn--n3h.com:18080", "foo", "latest"), "xn--n3h.com:18080/foo:latest"),
    (
        "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
        R("sub-dom1.foo.com", "bar/baz/quux", "some-long-tag"),
        None,
    ),
    (
        "b.gcr.io/test.example.com/my-app:test.example.com",
        R("b.gcr.io", "test.example.com/my-app", "test.example.com"),
        None,
    ),
    (
        "xn--7o8h.com/myimage:xn--7o8h.com@" + SHA512,
        R("xn--7o8h.com", "myimage", "xn--7o8h.com", SHA512),
        None,
    ),
    ("foo/foo_bar.com:8080", R(HUB, "foo/foo_bar.com", "8080"), "foo/foo_bar.com:8080"),
    ("[2001:db8::1]/repo", R("[2001:db8::1]", "repo", "latest"), "[2001:db8::1]/repo:latest"),
    ("[2001:db8::1]:5000/repo:tag@" + SHA, R("[2001:db8::1]:5000", "repo", "tag", SHA), None),
    (
        "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
        R("[fc00:1:2:3:4:5:6:7]:5000", "library/debian", "latest"),
        None,
    ),
    ("lowercase:Uppercase", R(HUB, "library/lowercase", "Uppercase"), "lowercase:Uppercase"),
    ("Docker/docker", R("Docker", "docker", "latest"), "Docker/docker:latest"),
    ("FOO/bar", R("FOO", "bar", "latest"), "FOO/bar:latest"),
    ("docker.io/" + HEX64, R(HUB, "library/" + HEX64, "latest"), HEX64 + ":latest"),
    (SONG, R(HUB, "library/" + SONG, "latest"), SONG + ":latest"),
    ("docker---rules/docker", R(HUB, "docker---rules/docker", "latest"), "docker---rules/docker:latest"),
    ("dock__er/docker", R(HUB, "dock__er/docker", "latest"), "dock__er/docker:latest"),
    ("d/t", R(HUB, "d/t", "latest"), "d/t:latest"),
    ("busybox:" + "t" * 128, R(HUB, "library/busybox", "t" * 128), "busybox:" + "t" * 128),
    ("a.io/" + LONG_PATH, R("a.io", LONG_PATH, "latest"), "a.io/" + LONG_PATH + ":latest"),
    # Looks like a host (has a "."), but "_" is no host character: upstream keeps it all as the path.
    ("foo_bar.com/x", R("", "foo_bar.com/x", "latest"), "foo_bar.com/x:latest"),
]

INVALID_FORMAT = "invalid reference format"
INVALID = [
    ("", INVALID_FORMAT),
    (":justtag", INVALID_FORMAT),
    ("@" + SHA, INVALID_FORMAT),
    ("https://github.com/docker/docker", INVALID_FORMAT),
    ("-docker", INVALID_FORMAT),
    ("-docker/docker", INVALID_FORMAT),
    ("-docker.io/docker/docker", INVALID_FORMAT),
    ("docker-/docker", INVALID_FORMAT),
    ("docker///docker", INVALID_FORMAT),
    ("docker.io/docker///docker", INVALID_FORMAT),
    ("____/____", INVALID_FORMAT),
    ("_docker/_docker", INVALID_FORMAT),
    ("dock..er/docker", INVALID_FORMAT),
    ("dock_.er/docker", INVALID_FORMAT),
    ("dock-.er/docker", INVALID_FORMAT),
    ("docker/", INVALID_FORMAT),
    ("aa/asdf$$^/aa", INVALID_FORMAT),
    ("[fc00::1]", INVALID_FORMAT),
    ("[fc00::1]:5000", INVALID_FORMAT),
    ("fc00::1:5000/debian", INVALID_FORMAT),
    ("[fe80::1%eth0]:5000/debian", INVALID_FORMAT),
    ("[2001:db8:3:4::192.0.2.33]:5000/debian", INVALID_FORMAT),
    ("busybox:-tag", INVALID_FORMAT),
    ("busybox:" + "t" * 129, INVALID_FORMAT),
    ("busybox@sha256:abc", INVALID_FORMAT),
    ("busybox\n", INVALID_FORMAT),  # Go's "$" does not match before a trailing newline
    ("busybox:lätest", INVALID_FORMAT),  # Go's \w is ASCII-only
    ("Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase"),
    ("library/Busybox", "invalid reference format: repository name (library/Busybox) must be lowercase"),
    ("Uppercase:tag", "invalid reference format: repository name (library/Uppercase) must be lowercase"),
    ("docker/Docker", "invalid reference format: repository name (docker/Docker) must be lowercase"),
    (
        "docker.io/docker/Docker",
        "invalid reference format: repository name (docker/Docker) must be lowercase",
    ),
    (
        "test:5000/Uppercase/lowercase:tag",
        "invalid reference format: repository name (Uppercase/lowercase) must be lowercase",
    ),
    (HEX64, f"invalid repository name ({HEX64}), cannot specify 64-byte hexadecimal strings"),
    ("a/" * 128 + "a:tag", "repository name must not be more than 255 characters"),
    (
        "_".join(["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"] * 4) + "/docker",
        "repository name must not be more than 255 characters",
    ),
    ("repo@sha256:" + "f" * 34, "invalid checksum digest length"),
    ("repo@sha256:" + "F" * 64, "invalid checksum digest format"),
    ("validname@invaliddigest:" + "f" * 64, "unsupported digest algorithm"),
    ("repo@md5:" + "f" * 32, "unsupported digest algorithm"),
    # Upstream quirk: the lowercase check looks at everything before the first ":".
    (
        "repo@SHA256:" + "f" * 64,
        "invalid reference format: repository name (library/repo@SHA256) must be lowercase",
    ),
    ("localhost/repo:tag@SHA256:" + "f" * 64, "invalid checksum digest format"),
]


@pytest.mark.parametrize(("text", "expected", "familiar"), VALID)
def test_parse_valid(text: str, expected: Reference, familiar: str | None) -> None:
    """``familiar`` None: the familiar form is the full one (no Docker Hub shortening)."""
    ref = parse_reference(text)
    assert ref == expected
    assert ref.familiar() == (familiar if familiar is not None else str(ref))
    # The normalised and familiar forms parse back to the same reference.
    assert parse_reference(str(ref)) == ref
    assert parse_reference(ref.familiar()) == ref


@pytest.mark.parametrize(
    ("ref", "full"),
    [
        (R(HUB, "library/busybox", "latest"), "docker.io/library/busybox:latest"),
        (R(HUB, "library/busybox"), "docker.io/library/busybox"),
        (R("host:5000", "a/b", None, SHA), "host:5000/a/b@" + SHA),
        (R(HUB, "library/busybox", "1", SHA2), "docker.io/library/busybox:1@" + SHA2),
        (R("", "foo_bar.com/x", "latest"), "foo_bar.com/x:latest"),
    ],
)
def test_str(ref: Reference, full: str) -> None:
    assert str(ref) == full


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_parse_invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as info:
        parse_reference(text)
    assert str(info.value) == message
    assert isinstance(info.value, InvalidArgument)


def test_table_size() -> None:
    assert len(VALID) + len(INVALID) >= 40


@pytest.mark.parametrize(
    ("text", "name", "familiar_name", "repository_path", "registry_host"),
    [
        ("busybox", "docker.io/library/busybox", "busybox", "library/busybox", "registry-1.docker.io"),
        ("fooo/bar", "docker.io/fooo/bar", "fooo/bar", "fooo/bar", "registry-1.docker.io"),
        ("index.docker.io/fooo/bar", "docker.io/fooo/bar", "fooo/bar", "fooo/bar", "registry-1.docker.io"),
        ("localhost:5000/a/b", "localhost:5000/a/b", "localhost:5000/a/b", "a/b", "localhost:5000"),
        (
            "127.0.0.1:8000/privatebase",
            "127.0.0.1:8000/privatebase",
            "127.0.0.1:8000/privatebase",
            "privatebase",
            "127.0.0.1:8000",
        ),
        (
            "example.com/private/moonbase",
            "example.com/private/moonbase",
            "example.com/private/moonbase",
            "private/moonbase",
            "example.com",
        ),
        ("foo_bar.com/x", "foo_bar.com/x", "foo_bar.com/x", "foo_bar.com/x", "registry-1.docker.io"),
    ],
)
def test_names(text: str, name: str, familiar_name: str, repository_path: str, registry_host: str) -> None:
    ref = parse_reference(text)
    assert ref.name == name
    assert ref.familiar_name == familiar_name
    assert ref.repository_path == repository_path
    assert ref.registry_host == registry_host


def test_default_tag_off_keeps_name_only() -> None:
    ref = parse_reference("busybox", default_tag=False)
    assert ref == Reference("docker.io", "library/busybox")
    assert ref.is_name_only
    assert str(ref) == "docker.io/library/busybox"
    assert ref.familiar() == "busybox"


def test_docker_ref_drops_tag_when_digested() -> None:
    assert str(parse_docker_ref("busybox:latest@" + SHA2)) == "docker.io/library/busybox@" + SHA2
    assert str(parse_docker_ref("busybox")) == "docker.io/library/busybox:latest"
    assert str(parse_docker_ref("busybox:1")) == "docker.io/library/busybox:1"
    assert str(parse_docker_ref("busybox@" + SHA2)) == "docker.io/library/busybox@" + SHA2


def test_with_tag_and_digest() -> None:
    ref = parse_reference("test.com:8000/foo", default_tag=False)
    assert str(ref.with_tag("TAG5")) == "test.com:8000/foo:TAG5"
    both = ref.with_digest(SHA).with_tag("tag")
    assert str(both) == f"test.com:8000/foo:tag@{SHA}"
    assert str(both.with_digest(SHA2)) == f"test.com:8000/foo:tag@{SHA2}"
    assert both.name_only() == ref
    with pytest.raises(InvalidReference, match="^invalid tag format$"):
        ref.with_tag("-foo")
    with pytest.raises(InvalidReference, match="^invalid digest format$"):
        ref.with_digest("foo")
    with pytest.raises(InvalidReference, match="^invalid checksum digest length$"):
        ref.with_digest("sha256:" + "a" * 40)


def test_parse_repository() -> None:
    assert parse_repository("busybox") == Reference("docker.io", "library/busybox")
    assert parse_repository("localhost:5000/a/b") == Reference("localhost:5000", "a/b")
    for text in ("busybox:latest", "busybox@" + SHA):
        with pytest.raises(InvalidReference, match="^tag can't be used with --all-tags/-a$"):
            parse_repository(text)
    with pytest.raises(InvalidReference, match="must be lowercase"):
        parse_repository("Busybox")


@pytest.mark.parametrize(
    ("digest", "error"),
    [
        (SHA, None),
        (SHA512, None),
        ("sha384:" + "0" * 96, None),
        ("sha256:" + "0" * 63, "invalid checksum digest length"),
        ("sha256:" + "g" * 64, "invalid checksum digest format"),
        ("sha256:", "invalid checksum digest format"),
        (":" + "0" * 64, "invalid checksum digest format"),
        ("0" * 64, "invalid checksum digest format"),
        ("md5:" + "0" * 32, "unsupported digest algorithm"),
        ("sha256+b64:" + "0" * 64, "unsupported digest algorithm"),
        ("Sha256:" + "0" * 64, "invalid checksum digest format"),
    ],
)
def test_validate_digest(digest: str, error: str | None) -> None:
    if error is None:
        assert validate_digest(digest) == digest
        assert is_digest(digest)
    else:
        with pytest.raises(InvalidReference) as info:
            validate_digest(digest)
        assert str(info.value) == error
        assert not is_digest(digest)


def test_reference_is_frozen() -> None:
    ref = parse_reference("busybox")
    with pytest.raises(AttributeError):
        ref.tag = "x"  # type: ignore[misc]
    assert hash(ref) == hash(parse_reference("docker.io/library/busybox:latest"))


# --- names read back from the store ---------------------------------------------------------------


@pytest.mark.parametrize("default_tag", [True, False])
@pytest.mark.parametrize("text", [v[0] for v in VALID])
def test_split_stored_name_agrees_with_the_parser(text: str, default_tag: bool) -> None:
    stored = str(parse_reference(text))  # what the store writes: normalised, with its domain
    ref = parse_reference(stored, default_tag=default_tag)
    assert split_stored_name(stored, default_tag=default_tag) == (ref.name, ref.familiar_name, ref.tag)
    name_only = parse_reference(stored).name  # a repository alone, and with a digest (repo digests)
    assert split_stored_name(name_only, default_tag=default_tag) == (
        name_only, ref.familiar_name, "latest" if default_tag else None)
    assert split_stored_name(f"{name_only}@{SHA}", default_tag=default_tag) == (name_only, ref.familiar_name, None)


@pytest.mark.parametrize(
    ("stored", "parts"),
    [
        ("docker.io/library/busybox:latest", ("docker.io/library/busybox", "busybox", "latest")),
        ("docker.io/library/a/b:1", ("docker.io/library/a/b", "library/a/b", "1")),
        ("docker.io/user/app:v2", ("docker.io/user/app", "user/app", "v2")),
        ("localhost:5000/a/b", ("localhost:5000/a/b", "localhost:5000/a/b", "latest")),
        ("localhost:5000/a/b:1.0", ("localhost:5000/a/b", "localhost:5000/a/b", "1.0")),
        ("docker.io/library/redis@" + SHA2, ("docker.io/library/redis", "redis", None)),
        ("[2001:db8::1]:5000/repo:tag@" + SHA, ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000/repo", "tag")),
    ],
)
def test_split_stored_name(stored: str, parts: tuple[str, str, str | None]) -> None:
    assert split_stored_name(stored) == parts


def test_reference_equality_and_replacement_keep_dataclass_semantics() -> None:
    ref = parse_reference("busybox:1@" + SHA)
    assert ref == R(HUB, "library/busybox", "1", SHA) and ref != ("docker.io", "library/busybox", "1", SHA)
    assert ref.name_only() == R(HUB, "library/busybox")
    assert ref.with_tag("2") == R(HUB, "library/busybox", "2", SHA)
    assert repr(R(HUB, "x")) == "Reference(domain='docker.io', path='x', tag=None, digest=None)"
    assert len({ref, R(HUB, "library/busybox", "1", SHA)}) == 1


def test_official_names_without_the_grammar_parse_as_the_grammar_does() -> None:
    """``name[:tag]`` skips the regular expressions (a cached rebuild parses its tags and FROM); on
    any text the shortcut accepts, it must give what the grammar gives."""
    import random

    from mocker.image import reference

    def grammar(text: str) -> Reference | None:
        if reference._re("identifier").fullmatch(text):
            return None
        domain, rest = reference._split_docker_domain(text)
        if rest.partition(":")[0].lower() != rest.partition(":")[0]:
            return None
        try:
            return reference._parse(f"{domain}/{rest}")
        except InvalidReference:
            return None

    rng = random.Random(5)
    texts = ["busybox", "a.b", "a__b", "a---b", "a:" + "x" * 128, "a" * 64, "f" * 64, "a:_x", "bench-built:v1.0"]
    texts += ["".join(rng.choice("ab9.-_:AZ/@é") for _ in range(rng.randint(1, 9))) for _ in range(50_000)]
    taken = 0
    for text in texts:
        fast = reference._simple_official(text)
        if fast is not None:
            taken += 1
            assert fast == grammar(text), text
    assert taken > 1000
