"""The CLI's JSON, every documented version, read into plain records.

Containers (``list``/``inspect --format json``):
- 1.0+: ``{"id", "configuration": {...}, "status": {"state", "networks", "startedDate"?}}``,
  ISO-8601 dates.
- 0.8–0.12: ``{"status": "running", "configuration", "networks", "startedDate": <2001-epoch>}``.
- ≤0.7: as 0.8 but networks carry ``address``/``gateway`` and there is no ``startedDate``.
Images (``image list --format json``): 1.0+ ``{"id", "configuration": {"name", "descriptor",
"creationDate"}, "variants"}``; 0.x ``{"reference", "descriptor", "fullSize"?}``.

Nothing here guesses: a field a version does not have stays empty (``None``), and the engine says
so instead of inventing a value.
"""

from __future__ import annotations

from mocker.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

APPLE_EPOCH = 978307200.0   # 2001-01-01T00:00:00Z, Swift's reference date (pre-1.0 JSON dates)
BUILDER_ROLE = "com.apple.container.resource.role"


def parse_date(value: Any) -> float | None:
    """ISO-8601 text (1.0+) or seconds since 2001-01-01 (0.x) -> Unix time."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value) + APPLE_EPOCH
    if isinstance(value, str):
        from datetime import datetime

        text = value.replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text).timestamp()
        except ValueError:
            return None
    return None


class _Rec(Record):
    """Keyword-built immutable record (``ps`` is a start-up path: no ``dataclasses``, DECISIONS #2).
    ``_DEFAULTS`` gives each optional field's default; a dict default is copied per record."""

    __slots__: tuple[str, ...] = ()
    _DEFAULTS: dict[str, Any] = {}

    def __init__(self, **kw: Any) -> None:
        for f in self.__slots__:
            if f in kw:
                value = kw.pop(f)
            elif f in self._DEFAULTS:
                d = self._DEFAULTS[f]
                value = dict(d) if isinstance(d, dict) else d
            else:
                raise TypeError(f"{type(self).__name__}: missing field {f!r}")
            object.__setattr__(self, f, value)
        if kw:
            raise TypeError(f"{type(self).__name__}: unknown fields {sorted(kw)}")


class AppleMount(_Rec):
    __slots__ = ("type", "source", "destination", "read_only", "name")
    _DEFAULTS: dict[str, Any] = {"read_only": False, "name": ""}

    type: str  # bind | volume | tmpfs | block
    source: str
    destination: str
    read_only: bool
    name: str  # volume name


class ApplePort(_Rec):
    __slots__ = ("host_ip", "host_port", "container_port", "proto", "count")
    _DEFAULTS: dict[str, Any] = {"proto": "tcp", "count": 1}

    host_ip: str
    host_port: int
    container_port: int
    proto: str
    count: int


class AppleAttachment(_Rec):
    __slots__ = ("network", "hostname", "ipv4", "gateway", "ipv6", "mac")
    _DEFAULTS: dict[str, Any] = {"hostname": "", "ipv4": "", "gateway": "", "ipv6": "", "mac": ""}

    network: str
    hostname: str
    ipv4: str  # CIDR, e.g. 192.168.64.3/24
    gateway: str
    ipv6: str
    mac: str


class AppleContainer(_Rec):
    """One container as the CLI reports it, whatever its version."""

    __slots__ = (
        "id", "state", "image", "image_digest", "executable", "arguments", "env", "workdir", "user", "tty",
        "labels", "mounts", "ports", "networks", "network_names", "platform", "cpus", "memory", "created",
        "started", "read_only", "cap_add", "cap_drop", "use_init", "stop_signal", "rlimits", "dns",
    )
    _DEFAULTS: dict[str, Any] = {
        "image": "", "image_digest": "", "executable": "", "arguments": (), "env": (), "workdir": "/", "user": "",
        "tty": False, "labels": {}, "mounts": (), "ports": (), "networks": (), "network_names": (), "platform": "",
        "cpus": None, "memory": None, "created": None, "started": None, "read_only": False, "cap_add": (),
        "cap_drop": (), "use_init": False, "stop_signal": "", "rlimits": (), "dns": (),
    }

    id: str
    state: str  # running | stopped | stopping | unknown
    image: str  # full normalized reference
    image_digest: str
    executable: str
    arguments: tuple[str, ...]
    env: tuple[str, ...]
    workdir: str
    user: str
    tty: bool
    labels: dict[str, str]
    mounts: tuple[AppleMount, ...]
    ports: tuple[ApplePort, ...]
    networks: tuple[AppleAttachment, ...]
    network_names: tuple[str, ...]  # configured networks (also when stopped)
    platform: str
    cpus: int | None
    memory: int | None
    created: float | None  # 1.0+ only
    started: float | None  # 0.8+; absent until started since the apiserver started
    read_only: bool
    cap_add: tuple[str, ...]
    cap_drop: tuple[str, ...]
    use_init: bool
    stop_signal: str
    rlimits: tuple[dict[str, Any], ...]
    dns: tuple[str, ...]

    @property
    def is_builder(self) -> bool:
        return self.id == "buildkit" or self.labels.get(BUILDER_ROLE) == "builder"


def _user(u: Any) -> str:
    """``{"id": {"uid", "gid"}}`` or ``{"raw": {"userString"}}`` (Swift's tagged union)."""
    if not isinstance(u, dict):
        return str(u or "")
    if "raw" in u:
        return str((u["raw"] or {}).get("userString") or "")
    ids = u.get("id") or {}
    uid, gid = ids.get("uid", 0), ids.get("gid", 0)
    if not uid and not gid:
        return ""
    return f"{uid}:{gid}" if gid else str(uid)


def _mount(m: dict[str, Any]) -> AppleMount:
    kind = m.get("type") or {}
    name = ""
    if isinstance(kind, dict) and kind:
        tag = next(iter(kind))
        if tag == "volume":
            name = str((kind.get("volume") or {}).get("name") or "")
    else:
        tag = str(kind or "virtiofs")
    typ = {"virtiofs": "bind", "tmpfs": "tmpfs", "volume": "volume", "block": "block"}.get(tag, tag)
    return AppleMount(type=typ, source=str(m.get("source") or ""), destination=str(m.get("destination") or ""),
                      read_only="ro" in (m.get("options") or []), name=name)


def _port(p: dict[str, Any]) -> ApplePort:
    host = p.get("hostAddress") or "0.0.0.0"  # noqa: S104 - the CLI's default, reported as is
    if isinstance(host, dict):  # a typed IP written as an object (defensive; documented as a string)
        host = next(iter(host.values()), "0.0.0.0")  # noqa: S104
    return ApplePort(host_ip=str(host), host_port=int(p.get("hostPort") or 0),
                     container_port=int(p.get("containerPort") or 0), proto=str(p.get("proto") or "tcp"),
                     count=int(p.get("count") or 1))


def _attachment(n: Any) -> AppleAttachment:
    if isinstance(n, str):      # 0.1.0: a list of network names
        return AppleAttachment(network=n)
    return AppleAttachment(
        network=str(n.get("network") or ""), hostname=str(n.get("hostname") or ""),
        ipv4=str(n.get("ipv4Address") or n.get("address") or ""),
        gateway=str(n.get("ipv4Gateway") or n.get("gateway") or ""),
        ipv6=str(n.get("ipv6Address") or ""), mac=str(n.get("macAddress") or ""),
    )


def container_from_json(doc: dict[str, Any]) -> AppleContainer:
    """Either shape -> :class:`AppleContainer` (appautomaton's portable paths, §4.1)."""
    cfg = doc.get("configuration") or {}
    status = doc.get("status")
    if isinstance(status, dict):                        # 1.0+
        state = str(status.get("state") or "unknown")
        nets = status.get("networks") or []
        started = parse_date(status.get("startedDate"))
    else:                                               # 0.x
        state = str(status or "unknown")
        nets = doc.get("networks") or []
        started = parse_date(doc.get("startedDate"))
    proc = cfg.get("initProcess") or {}
    image = cfg.get("image") or {}
    plat = cfg.get("platform") or {}
    res = cfg.get("resources") or {}
    platform = "/".join(x for x in (plat.get("os"), plat.get("architecture"), plat.get("variant")) if x)
    configured = tuple(str(n.get("network") if isinstance(n, dict) else n) for n in cfg.get("networks") or [])
    dns = cfg.get("dns") or {}
    return AppleContainer(
        id=str(doc.get("id") or cfg.get("id") or ""), state=state,
        image=str(image.get("reference") or ""),
        image_digest=str((image.get("descriptor") or {}).get("digest") or ""),
        executable=str(proc.get("executable") or ""), arguments=tuple(proc.get("arguments") or ()),
        env=tuple(proc.get("environment") or ()), workdir=str(proc.get("workingDirectory") or "/"),
        user=_user(proc.get("user")), tty=bool(proc.get("terminal")),
        labels={str(k): str(v) for k, v in (cfg.get("labels") or {}).items()},
        mounts=tuple(_mount(m) for m in cfg.get("mounts") or []),
        ports=tuple(_port(p) for p in cfg.get("publishedPorts") or []),
        networks=tuple(_attachment(n) for n in nets), network_names=configured,
        platform=platform, cpus=res.get("cpus"), memory=res.get("memoryInBytes"),
        created=parse_date(cfg.get("creationDate")), started=started,
        read_only=bool(cfg.get("readOnly")), cap_add=tuple(cfg.get("capAdd") or ()),
        cap_drop=tuple(cfg.get("capDrop") or ()), use_init=bool(cfg.get("useInit")),
        stop_signal=str(cfg.get("stopSignal") or ""), rlimits=tuple(proc.get("rlimits") or ()),
        dns=tuple(dns.get("nameservers") or ()) if isinstance(dns, dict) else (),
    )


class AppleImage(_Rec):
    """One tag as ``image list`` reports it."""

    __slots__ = ("reference", "digest", "media_type", "size", "size_text", "created", "variants")
    _DEFAULTS: dict[str, Any] = {"media_type": "", "size": None, "size_text": "", "created": None, "variants": ()}

    reference: str
    digest: str  # index (or manifest) digest, "sha256:..."
    media_type: str
    size: int | None  # bytes: the sum of local variants (1.0+), else unknown
    size_text: str  # 0.9–0.12 "fullSize" (human text)
    created: float | None
    variants: tuple[dict[str, Any], ...]

    @property
    def id(self) -> str:
        return self.digest


def image_from_json(doc: dict[str, Any]) -> AppleImage:
    cfg = doc.get("configuration")
    if isinstance(cfg, dict):                            # 1.0+
        desc = cfg.get("descriptor") or {}
        variants = tuple(doc.get("variants") or ())
        size = sum(int(v.get("size") or 0) for v in variants) if variants else None
        return AppleImage(reference=str(cfg.get("name") or ""), digest=str(desc.get("digest") or ""),
                          media_type=str(desc.get("mediaType") or ""), size=size,
                          created=parse_date(cfg.get("creationDate")), variants=variants)
    # 0.x image list ({reference, descriptor, fullSize?}) or 0.x image inspect ({name, index, variants})
    desc = doc.get("descriptor") or doc.get("index") or {}
    variants = tuple(doc.get("variants") or ())
    return AppleImage(reference=str(doc.get("reference") or doc.get("name") or ""),
                      digest=str(desc.get("digest") or ""), media_type=str(desc.get("mediaType") or ""),
                      size=sum(int(v.get("size") or 0) for v in variants) if variants else None,
                      size_text=str(doc.get("fullSize") or ""), variants=variants)


def short_reference(ref: str) -> tuple[str, str]:
    """``docker.io/library/alpine:3`` -> (``alpine``, ``3``): the repository and tag Docker shows."""
    from mocker.errors import MockerError
    from mocker.image.reference import parse_reference

    try:
        r = parse_reference(ref)
    except MockerError:
        return ref, "<none>"
    return r.familiar_name, r.tag or "<none>"
