"""Image references: parse and normalise them the way Docker does.

A user types ``busybox``, ``localhost:5000/a/b:1.0`` or ``name@sha256:…``; the store, the registry
client and every message need the one normalised form Docker would use. This module follows
``github.com/distribution/reference`` v0.6 (what the docker CLI and moby vendor) rule for rule, and
``github.com/opencontainers/go-digest`` v1.0 for digests, so that a name Docker accepts is accepted
here, a name Docker refuses is refused with Docker's words, and both tools agree on what it means.

Grammar (distribution/reference ``reference.go``)::

    reference       := name [ ":" tag ] [ "@" digest ]
    name            := [domain '/'] remote-name
    domain          := host [':' port-number]
    host            := domain-name | IPv4address | \\[ IPv6address \\]
    domain-name     := domain-component ['.' domain-component]*
    domain-component:= /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    remote-name     := path-component ['/' path-component]*
    path-component  := alpha-numeric [separator alpha-numeric]*
    alpha-numeric   := /[a-z0-9]+/
    separator       := /[_.]|__|[-]*/
    tag             := /[\\w][\\w.-]{0,127}/
    digest          := algorithm ":" hex    (hex: at least 32 hex digits)

Go's regexp engine and Python's ``re`` both give leftmost-first submatches, so the patterns below are
the upstream ones; the differences that matter are handled explicitly: ``re.ASCII`` (Go's ``\\w`` is
ASCII-only) and ``fullmatch`` (Go's ``$`` never matches before a trailing newline, Python's does).

Start-up cost: ``images`` imports this module, so :class:`Reference` is a plain ``__slots__`` class
(not a dataclass) and the grammar is compiled on first use, not at import.
"""

from __future__ import annotations

from mocker.errors import InvalidReference

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

__all__ = [
    "DEFAULT_DOMAIN",
    "DEFAULT_TAG",
    "DOCKER_HUB_REGISTRY",
    "REPOSITORY_NAME_MAX",
    "Reference",
    "is_digest",
    "parse_docker_ref",
    "parse_reference",
    "parse_repository",
    "split_stored_name",
    "validate_digest",
]

DEFAULT_DOMAIN = "docker.io"
"""Docker Hub's name in normalised references (never the host the registry API lives on)."""

LEGACY_DEFAULT_DOMAIN = "index.docker.io"
"""The old "Docker Index" name; normalised to :data:`DEFAULT_DOMAIN`."""

DOCKER_HUB_REGISTRY = "registry-1.docker.io"
"""Where Docker Hub's distribution API actually answers."""

OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
REPOSITORY_NAME_MAX = 255
"""Upper bound on the path (domain excluded, as in distribution/reference v0.6)."""

# --- grammar (distribution/reference regexp.go) -------------------------------------------------

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_LOCALHOST = "localhost"
_DOMAIN_NAME_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_OPTIONAL_PORT = r"(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"
_IDENTIFIER = r"[a-f0-9]{64}"
_IPV6_ADDRESS = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_NAME = _DOMAIN_NAME_COMPONENT + r"(?:\." + _DOMAIN_NAME_COMPONENT + r")*"
_HOST = r"(?:" + _DOMAIN_NAME + "|" + _IPV6_ADDRESS + ")"
_DOMAIN_AND_PORT = _HOST + _OPTIONAL_PORT
_PATH_COMPONENT = _ALPHANUMERIC + r"(?:" + _SEPARATOR + _ALPHANUMERIC + r")*"
_REMOTE_NAME = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_NAME = r"(?:" + _DOMAIN_AND_PORT + r"/)?" + _REMOTE_NAME

# Compiled on first use (the grammar takes milliseconds to compile; ``images`` never needs it).
_COMPILED: dict[str, re.Pattern[str]] = {}
_PATTERNS = {
    "reference": r"(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?",
    "anchored_name": r"(?:(" + _DOMAIN_AND_PORT + r")/)?(" + _REMOTE_NAME + r")",
    "tag": _TAG,
    "digest": _DIGEST,
    "identifier": _IDENTIFIER,
    # go-digest v1.0.0
    "go_digest": r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+",
    "hex": r"[a-f0-9]+",
}


def _re(name: str) -> re.Pattern[str]:
    """The grammar's pattern ``name`` (a key of ``_PATTERNS``), compiled with ``re.ASCII`` once."""
    pattern = _COMPILED.get(name)
    if pattern is None:
        import re

        pattern = _COMPILED[name] = re.compile(_PATTERNS[name], re.ASCII)
    return pattern


# --- digests (go-digest v1.0.0) -----------------------------------------------------------------

_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
"""Algorithms a docker binary has linked in (crypto/sha256, crypto/sha512), with their hex length."""

ERR_INVALID_FORMAT = "invalid reference format"
ERR_NAME_EMPTY = "repository name must have at least one component"
ERR_NAME_UPPERCASE = "repository name must be lowercase"
ERR_NAME_TOO_LONG = f"repository name must not be more than {REPOSITORY_NAME_MAX} characters"
ERR_TAG_FORMAT = "invalid tag format"
ERR_DIGEST_FORMAT = "invalid digest format"
ERR_CHECKSUM_FORMAT = "invalid checksum digest format"
ERR_CHECKSUM_LENGTH = "invalid checksum digest length"
ERR_DIGEST_UNSUPPORTED = "unsupported digest algorithm"
ERR_TAG_WITH_ALL_TAGS = "tag can't be used with --all-tags/-a"


class Reference:
    """A parsed image reference; ``domain``/``path`` are already normalised.

    ``tag`` and ``digest`` may both be set (``name:tag@sha256:…``): Docker keeps both when it parses,
    pulls by the digest, and only drops the tag where a single identity is needed
    (:func:`parse_docker_ref`).

    Immutable, compared and hashed by its four fields (what ``@dataclass(frozen=True)`` gave).
    """

    __slots__ = ("domain", "path", "tag", "digest")

    domain: str
    path: str
    tag: str | None
    digest: str | None

    def __init__(self, domain: str, path: str, tag: str | None = None, digest: str | None = None) -> None:
        init = object.__setattr__
        init(self, "domain", domain)
        init(self, "path", path)
        init(self, "tag", tag)
        init(self, "digest", digest)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def _fields(self) -> tuple[str, str, str | None, str | None]:
        return (self.domain, self.path, self.tag, self.digest)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Reference)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"Reference(domain={self.domain!r}, path={self.path!r}, tag={self.tag!r}, "
                f"digest={self.digest!r})")

    def __reduce__(self) -> tuple[type[Reference], tuple[str, str, str | None, str | None]]:
        return (Reference, self._fields())

    @property
    def name(self) -> str:
        """``docker.io/library/busybox``: the repository, with domain, without tag or digest."""
        return f"{self.domain}/{self.path}" if self.domain else self.path

    @property
    def familiar_name(self) -> str:
        """``busybox``, ``user/app``, ``localhost:5000/a/b``: the repository as ``docker images`` shows it."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        path = self.path
        if path.startswith(OFFICIAL_REPO_PREFIX):
            rest = path[len(OFFICIAL_REPO_PREFIX) :]
            # "library/a/b" stays as it is: only single-level official names are shortened.
            if "/" not in rest:
                path = rest
        return path

    @property
    def repository_path(self) -> str:
        """``library/busybox``: the ``<name>`` of the distribution API's ``/v2/<name>/…`` URLs."""
        return self.path

    @property
    def registry_host(self) -> str:
        """The host (and port) serving the registry API; Docker Hub answers on ``registry-1.docker.io``.

        A name upstream leaves without a domain (``foo_bar.com/x``: not a valid host name, so a
        path) is a Docker Hub name too.
        """
        return DOCKER_HUB_REGISTRY if self.domain in ("", DEFAULT_DOMAIN) else self.domain

    @property
    def is_name_only(self) -> bool:
        """True when neither a tag nor a digest is set (``reference.IsNameOnly``)."""
        return self.tag is None and self.digest is None

    def __str__(self) -> str:
        return self.name + self._suffix()

    def familiar(self) -> str:
        """``busybox:latest``: the whole reference in its familiar form (``reference.FamiliarString``)."""
        return self.familiar_name + self._suffix()

    def with_tag(self, tag: str) -> Reference:
        """This reference with ``tag`` set; a digest is kept, as ``reference.WithTag`` keeps it."""
        if not _re("tag").fullmatch(tag):
            raise InvalidReference(ERR_TAG_FORMAT)
        return Reference(self.domain, self.path, tag, self.digest)

    def with_digest(self, digest: str) -> Reference:
        """This reference with ``digest`` set; a tag is kept, as ``reference.WithDigest`` keeps it.

        Stricter than upstream, which only checks the grammar: the digest must also pass
        :func:`validate_digest`, so a ``Reference`` never holds a digest :func:`parse_reference`
        would refuse.
        """
        if not _re("digest").fullmatch(digest):
            raise InvalidReference(ERR_DIGEST_FORMAT)
        validate_digest(digest)
        return Reference(self.domain, self.path, self.tag, digest)

    def name_only(self) -> Reference:
        """The repository alone, tag and digest dropped (``reference.TrimNamed``)."""
        return Reference(self.domain, self.path)

    def _suffix(self) -> str:
        tag = f":{self.tag}" if self.tag is not None else ""
        digest = f"@{self.digest}" if self.digest is not None else ""
        return tag + digest


def parse_reference(text: str, *, default_tag: bool = True) -> Reference:
    """Parse what a user typed into a normalised reference (``ParseNormalizedNamed``).

    With ``default_tag`` (the default), a bare name gets ``:latest`` (``TagNameOnly``); a reference
    with a tag or a digest is left as it is, so ``name:tag@digest`` keeps both.
    """
    ref = _parse_normalized_named(text)
    if default_tag and ref.is_name_only:
        ref = Reference(ref.domain, ref.path, DEFAULT_TAG)
    return ref


def parse_docker_ref(text: str) -> Reference:
    """Like :func:`parse_reference`, but ``name:tag@digest`` loses its tag (``ParseDockerRef``).

    For places that need one identity per image, e.g. the name an image is stored and looked up by.
    """
    ref = _parse_normalized_named(text)
    if ref.tag is not None and ref.digest is not None:
        return Reference(ref.domain, ref.path, None, ref.digest)
    if ref.is_name_only:
        return Reference(ref.domain, ref.path, DEFAULT_TAG)
    return ref


def parse_repository(text: str) -> Reference:
    """Parse a repository name that must carry neither tag nor digest (``pull``/``push --all-tags``).

    A tag or digest is refused with the docker CLI's message for ``--all-tags``; a caller with
    another context should parse with ``parse_reference(text, default_tag=False)`` and check
    :attr:`Reference.is_name_only` itself.
    """
    ref = _parse_normalized_named(text)
    if not ref.is_name_only:
        raise InvalidReference(ERR_TAG_WITH_ALL_TAGS)
    return ref


def split_stored_name(name: str, *, default_tag: bool = True) -> tuple[str, str, str | None]:
    """``(name, familiar_name, tag)`` of a reference the store wrote, without the grammar.

    The store keeps references normalised (``str(parse_reference(...))``: always with a domain, e.g.
    ``docker.io/library/busybox:latest`` or ``localhost:5000/a/b@sha256:…``), so the parts are found
    by position: a digest follows the ``@``, a tag the last ``:`` after the last ``/``. For such a
    name this gives the ``name``, ``familiar_name`` and ``tag`` of ``parse_reference(name,
    default_tag=default_tag)`` (``images`` lists every tag and must not pay for the grammar); it
    validates nothing, so it is only for names read back from the store.
    """
    repo, at, _ = name.partition("@")
    tag = None
    colon = repo.rfind(":")
    if colon > repo.rfind("/"):
        repo, tag = repo[:colon], repo[colon + 1 :]
    elif default_tag and not at:
        tag = DEFAULT_TAG
    familiar = repo
    if repo.startswith(DEFAULT_DOMAIN + "/"):
        familiar = repo[len(DEFAULT_DOMAIN) + 1 :]
        if familiar.startswith(OFFICIAL_REPO_PREFIX) and "/" not in familiar[len(OFFICIAL_REPO_PREFIX) :]:
            familiar = familiar[len(OFFICIAL_REPO_PREFIX) :]
    return repo, familiar, tag


def is_digest(text: str) -> bool:
    """True when ``text`` is a valid ``algorithm:hex`` digest Docker would accept."""
    try:
        validate_digest(text)
    except InvalidReference:
        return False
    return True


def validate_digest(digest: str) -> str:
    """Return ``digest`` unchanged if valid, else raise go-digest's error (``Digest.Validate``)."""
    algorithm, sep, encoded = digest.partition(":")
    if not sep or not algorithm or not encoded:
        raise InvalidReference(ERR_CHECKSUM_FORMAT)
    size = _HEX_LENGTHS.get(algorithm)
    if size is None:
        if not _re("go_digest").fullmatch(digest):
            raise InvalidReference(ERR_CHECKSUM_FORMAT)
        raise InvalidReference(ERR_DIGEST_UNSUPPORTED)
    if len(encoded) != size:
        raise InvalidReference(ERR_CHECKSUM_LENGTH)
    if not _re("hex").fullmatch(encoded):
        raise InvalidReference(ERR_CHECKSUM_FORMAT)
    return digest


# --- the upstream algorithm ---------------------------------------------------------------------


_LOWER_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_TAG_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_HEX_DIGITS = frozenset("0123456789abcdef")


def _is_path_component(text: str) -> bool:
    """``[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`` (the grammar's path component)."""
    if not text or text[0] not in _LOWER_ALNUM or text[-1] not in _LOWER_ALNUM:
        return False
    i, n = 0, len(text)
    while i < n:
        if text[i] in _LOWER_ALNUM:
            i += 1
            continue
        j = i
        while text[j] not in _LOWER_ALNUM:  # ends before the last character, which is alphanumeric
            j += 1
        run = text[i:j]
        if run not in (".", "_", "__") and run != "-" * len(run):
            return False
        i = j
    return True


def _simple_official(text: str) -> Reference | None:
    """``name`` or ``name:tag`` of a Docker Hub official image (no domain, path or digest), parsed
    without the grammar (``re`` costs a cached rebuild ~5 ms to import); None for any other text,
    which takes the grammar's way and so gets its exact errors. For such a text, the result is the
    one the grammar gives: ``docker.io/library/<name>`` with that tag."""
    if "/" in text or "@" in text:
        return None
    name, colon, tag = text.partition(":")
    if not _is_path_component(name) or len(OFFICIAL_REPO_PREFIX) + len(name) > REPOSITORY_NAME_MAX:
        return None
    if len(text) == 64 and _HEX_DIGITS.issuperset(text):  # the identifier check comes first upstream
        return None
    if colon and not (0 < len(tag) <= 128 and tag[0] != "." and tag[0] != "-" and _TAG_CHARS.issuperset(tag)):
        return None  # [\w][\w.-]{0,127}
    return Reference(DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name, tag if colon else None)


def _parse_normalized_named(text: str) -> Reference:
    """``reference.ParseNormalizedNamed``: the checks, in upstream order, so the first error matches."""
    simple = _simple_official(text)
    if simple is not None:
        return simple
    if _re("identifier").fullmatch(text):
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_docker_domain(text)
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:
        raise InvalidReference(f"{ERR_INVALID_FORMAT}: repository name ({remote}) must be lowercase")
    return _parse(f"{domain}/{remainder}")


def _split_docker_domain(name: str) -> tuple[str, str]:
    """``splitDockerDomain``: guess whether the first path element is a registry host."""
    maybe_domain, sep, maybe_remote = name.partition("/")
    if not sep:
        # A single element ("ubuntu", "ubuntu:latest") is always an official Docker Hub image, so
        # that "name:tag" is never read as "host:port".
        return DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX + name
    if maybe_domain == _LOCALHOST:
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == LEGACY_DEFAULT_DOMAIN:
        domain, remote = DEFAULT_DOMAIN, maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain.lower() != maybe_domain:
        # Namespaces are lowercase, so an element with capitals can only be a host name.
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = DEFAULT_DOMAIN, name
    if domain == DEFAULT_DOMAIN and "/" not in remote:
        remote = OFFICIAL_REPO_PREFIX + remote
    return domain, remote


def _parse(text: str) -> Reference:
    """``reference.Parse``: match the grammar, then validate the length and the digest."""
    if text == "":
        raise InvalidReference(ERR_NAME_EMPTY)
    match = _re("reference").fullmatch(text)
    if match is None:
        lowered = text.lower()
        if lowered != text and _re("reference").fullmatch(lowered):
            raise InvalidReference(ERR_NAME_UPPERCASE)
        raise InvalidReference(ERR_INVALID_FORMAT)
    name, tag, digest = match.groups()
    name_match = _re("anchored_name").fullmatch(name)
    if name_match is None:  # pragma: no cover - the name group always matches the name grammar
        raise InvalidReference(ERR_INVALID_FORMAT)
    domain = name_match.group(1) or ""
    path = name_match.group(2)
    if len(path) > REPOSITORY_NAME_MAX:
        raise InvalidReference(ERR_NAME_TOO_LONG)
    if digest is not None:
        validate_digest(digest)
    return Reference(domain=domain, path=path, tag=tag, digest=digest)
