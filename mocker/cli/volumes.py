"""``volume create``, ``ls``, ``inspect``, ``rm``, ``prune``, as docker/cli's cli/command/volume has them.

Start-up cost: ``volume ls`` imports the engine and the table printer only; the template engine,
``json`` and ``re`` are imported by what uses them.
"""

from __future__ import annotations

from mocker.cli.command import Command
from mocker.cli.flags import Flag
from mocker.cli.output import print_formatted
from mocker.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from mocker.cli.command import Context
    from mocker.cli.flags import Parsed
    from mocker.store.volumes import VolumeRecord

CLUSTER = "cluster volumes need swarm mode; mocker is daemonless"
_WHITESPACE = " \t\n\v\f\r"


def _label(text: str) -> str:
    """docker/cli ``opts.ValidateLabel``, reported as pflag reports a bad flag value."""
    key = text.partition("=")[0].lstrip(_WHITESPACE)
    if not key:
        raise UsageError(f"invalid argument \"{text}\" for \"--label\" flag: invalid label '{text}': empty name")
    if any(c in _WHITESPACE for c in key):
        raise UsageError(f"invalid argument \"{text}\" for \"--label\" flag: label '{key}' contains whitespaces")
    return text


def _filter_flag(opt: str) -> Any:
    def convert(text: str) -> tuple[str, str] | None:
        """docker/cli ``FilterOpt.Set``: ``name=value``, name lower-cased; an empty value is ignored."""
        if not text:
            return None
        if "=" not in text:
            raise UsageError(f'invalid argument "{text}" for "{opt}" flag: bad format of filter (expected name=value)')
        name, _, value = text.partition("=")
        return name.strip().lower(), value.strip()

    return convert


def filters_of(items: list[tuple[str, str] | None]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        if item is not None and item[1] not in out.setdefault(item[0], []):
            out[item[0]].append(item[1])
    return out


def _kv(items: list[str]) -> dict[str, str]:
    """docker/cli ``ConvertKVStringsToMap`` / ``MapOpts``: ``k=v``, or ``k`` for an empty value; last wins."""
    out: dict[str, str] = {}
    for item in items:
        k, _, v = item.partition("=")
        out[k] = v
    return out


# ---- create --------------------------------------------------------------------------------------


def _create(ctx: Context, p: Parsed) -> int:
    from mocker.engine.volumes import create_volume
    from mocker.errors import InvalidArgument

    name = p.name or ""
    if p.args:
        if name:
            raise InvalidArgument("conflicting options: cannot specify a volume-name through both --name and as a "
                                  "positional arg")
        name = p.args[0]
    rec = create_volume(ctx.store(), name or None, driver=p.driver, labels=_kv(p.label), options=_kv(p.opt))
    ctx.out(rec.name)
    return 0


CREATE = Command(
    name="volume create", usage="volume create [OPTIONS] [VOLUME]", summary="Create a volume", handler=_create,
    max_args=1,
    flags=(
        Flag("driver", "d", kind="str", default="local", metavar="string", help="Specify volume driver name"),
        Flag("label", kind="list", metavar="list", convert=_label, help="Set metadata for a volume"),
        Flag("name", kind="str", metavar="string", hidden=True, help="Specify volume name"),
        Flag("opt", "o", kind="list", metavar="map", help="Set driver specific options"),
        Flag("availability", kind="str", unsupported=CLUSTER, help="Cluster Volume availability"),
        Flag("group", kind="str", unsupported=CLUSTER, help="Cluster Volume group (cluster volumes)"),
        Flag("limit-bytes", kind="str", unsupported=CLUSTER, help="Minimum size of the Cluster Volume in bytes"),
        Flag("required-bytes", kind="str", unsupported=CLUSTER, help="Maximum size of the Cluster Volume in bytes"),
        Flag("scope", kind="str", unsupported=CLUSTER, help="Cluster Volume access scope"),
        Flag("secret", kind="list", unsupported=CLUSTER, help="Cluster Volume secrets"),
        Flag("sharing", kind="str", unsupported=CLUSTER, help="Cluster Volume access sharing"),
        Flag("topology-preferred", kind="list", unsupported=CLUSTER, help="A topology the Cluster Volume prefers"),
        Flag("topology-required", kind="list", unsupported=CLUSTER, help="A topology the Cluster Volume needs"),
        Flag("type", kind="str", unsupported=CLUSTER, help="Cluster Volume access type"),
    ),
)


# ---- ls ------------------------------------------------------------------------------------------


class VolumeRow(dict[str, str]):
    """A ``volume ls`` row: Docker's template fields (sorted, as ``{{json .}}`` prints them), plus the
    ``{{.Label "key"}}`` method; names starting with ``_`` are invisible to templates."""

    def __init__(self, rec: VolumeRecord) -> None:
        labels = dict(rec.labels)
        super().__init__(Availability="N/A", Driver=rec.driver, Group="N/A",
                         Labels=",".join(sorted(f"{k}={v}" for k, v in labels.items())), Links="N/A",
                         Mountpoint=rec.mountpoint, Name=rec.name, Scope="local", Size="N/A", Status="N/A")
        self._labels = labels

    def Label(self, name: str) -> str:  # noqa: N802 - Docker's template method name
        return self._labels.get(name, "")


HEADERS = {"Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
           "Labels": "LABELS", "Links": "LINKS", "Size": "SIZE", "Group": "GROUP", "Availability": "AVAILABILITY",
           "Status": "STATUS", "ID": "ID"}


def natural_key(name: str) -> tuple[tuple[int, int, str, int], ...]:
    """fvbommel/sortorder ``NaturalLess`` as a key: digits before other characters, numbers by value,
    then fewer leading zeros first."""
    key = []
    i = 0
    while i < len(name):
        if name[i].isdigit():
            j = i
            while j < len(name) and name[j].isdigit():
                j += 1
            digits = name[i:j]
            stripped = digits.lstrip("0")
            key.append((0, len(stripped), stripped, len(digits) - len(stripped)))
            i = j
        else:
            key.append((1, 0, name[i], 0))
            i += 1
    return tuple(key)


def _ls(ctx: Context, p: Parsed) -> int:
    from mocker.engine.volumes import list_volumes

    recs = list_volumes(ctx.store(), filters_of(p.filter))
    recs.sort(key=lambda r: natural_key(r.name))
    fmt = p.format or "table"
    if fmt == "table" and p.quiet:
        for r in recs:
            ctx.out(r.name)
        return 0
    if fmt == "raw":  # docker/cli NewVolumeFormat
        fmt = "name: {{.Name}}" if p.quiet else "name: {{.Name}}\\ndriver: {{.Driver}}\\n"
    default = "table {{.Driver}}\t{{.Name}}"
    print_formatted(ctx, [VolumeRow(r) for r in recs], fmt, default=default, headers=HEADERS)
    return 0


LS = Command(
    name="volume ls", usage="volume ls [OPTIONS]", summary="List volumes", handler=_ls, max_args=0,
    flags=(
        Flag("filter", "f", kind="list", metavar="filter", convert=_filter_flag("-f, --filter"),
             help='Provide filter values (e.g. "dangling=true")'),
        Flag("format", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("quiet", "q", help="Only display volume names"),
        Flag("cluster", unsupported=CLUSTER, help="Display only cluster volumes"),
    ),
)


# ---- inspect -------------------------------------------------------------------------------------


def inspect_volumes(ctx: Context, names: list[str]) -> tuple[list[dict[str, Any]], list[Exception]]:
    """Docker's JSON for each volume found, and the error for each name that is not a volume."""
    from mocker.engine.volumes import get_volume, volume_json
    from mocker.errors import VolumeNotFound

    docs: list[dict[str, Any]] = []
    errors: list[Exception] = []
    for n in names:
        try:
            docs.append(volume_json(get_volume(ctx.store(), n)))
        except VolumeNotFound as e:
            errors.append(e)
    return docs, errors


def _inspect(ctx: Context, p: Parsed) -> int:
    from mocker.cli.output import print_found

    docs, errors = inspect_volumes(ctx, p.args)
    return print_found(ctx, docs, errors, p.format)


INSPECT = Command(
    name="volume inspect", usage="volume inspect [OPTIONS] VOLUME [VOLUME...]",
    summary="Display detailed information on one or more volumes", handler=_inspect, min_args=1,
    flags=(Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template"),),
)


# ---- rm ------------------------------------------------------------------------------------------


def _rm(ctx: Context, p: Parsed) -> int:
    from mocker.engine.volumes import remove

    report = remove(ctx.store(), p.args, force=p.force)
    for name in report.removed:
        ctx.out(name)
    for e in report.errors:
        ctx.err(f"Error: {e}")
    return 1 if report.errors else 0


RM = Command(
    name="volume rm", usage="volume rm [OPTIONS] VOLUME [VOLUME...]", summary="Remove one or more volumes",
    handler=_rm, min_args=1,
    flags=(Flag("force", "f", help="Force the removal of one or more volumes"),),
)


# ---- prune ---------------------------------------------------------------------------------------


def _prune(ctx: Context, p: Parsed) -> int:
    from mocker.cli.images import confirm
    from mocker.engine.volumes import prune
    from mocker.errors import InvalidArgument
    from mocker.format.units import human_size

    filters = filters_of(p.filter)
    if p.all and "all" in filters:
        raise InvalidArgument("conflicting options: cannot specify both --all and --filter all=1")
    what = "all local volumes" if p.all else "anonymous local volumes"
    if not p.force and not confirm(ctx, f"WARNING! This will remove {what} not used by at least one container."):
        return 0
    report = prune(ctx.store(), all_volumes=p.all, filters=filters)
    if report.deleted:
        ctx.out("Deleted Volumes:")
        for name in report.deleted:
            ctx.out(name)
        ctx.out("")
    ctx.out(f"Total reclaimed space: {human_size(report.reclaimed)}")
    return 0


PRUNE = Command(
    name="volume prune", usage="volume prune [OPTIONS]", summary="Remove unused local volumes", handler=_prune,
    max_args=0,
    flags=(
        Flag("all", "a", help="Remove all unused volumes, not just anonymous ones"),
        Flag("filter", kind="list", metavar="filter", convert=_filter_flag("--filter"),
             help='Provide filter values (e.g. "label=<label>")'),
        Flag("force", "f", help="Do not prompt for confirmation"),
    ),
)


def _update(ctx: Context, p: Parsed) -> int:
    from mocker.errors import NotSupported

    raise NotSupported("'mocker volume update'", CLUSTER)


UPDATE = Command(
    name="volume update", usage="volume update [OPTIONS] [VOLUME]",
    summary="Update a volume (cluster volumes only)", handler=_update,
    flags=(Flag("availability", kind="str", metavar="string", help="Cluster Volume availability"),),
)
