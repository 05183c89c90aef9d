"""``mocker inspect``: any object by name or ID (images now; containers, volumes, networks later)."""

from __future__ import annotations

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.cli.output import print_inspected
from mocker.errors import NotSupported


def _inspect(ctx: Context, p: Parsed) -> int:
    from mocker.cli.container_info import inspect_containers
    from mocker.cli.images import inspect_images
    from mocker.cli.networks import inspect_networks
    from mocker.cli.volumes import inspect_volumes

    if p.type and p.type not in ("image", "container", "volume", "network"):
        raise NotSupported(f"--type {p.type}", "only containers, images, volumes and networks exist in this version")
    docs: list[dict[str, object]] = []
    missing: list[str] = []
    for name in p.args:
        found: list[dict[str, object]] = []
        if p.type in (None, "container"):
            found, _ = inspect_containers(ctx, [name])
        if not found and p.type in (None, "image"):
            found, _ = inspect_images(ctx, [name])
        if not found and p.type in (None, "volume"):
            found, _ = inspect_volumes(ctx, [name])
        if not found and p.type in (None, "network"):
            found, _ = inspect_networks(ctx, [name])
        if found:
            docs += found
        else:
            missing.append(name)
    return print_inspected(ctx, docs, missing, p.format, missing_message="No such object")


INSPECT = Command(
    name="inspect", usage="inspect [OPTIONS] NAME|ID [NAME|ID...]",
    summary="Return low-level information on Docker objects", handler=_inspect, min_args=1,
    flags=(
        Flag("format", "f", kind="str", metavar="string", help="Format output using a custom template"),
        Flag("size", "s", unsupported="container sizes come with containers, not in this version"),
        Flag("type", kind="str", metavar="string", help="Return JSON for specified type"),
    ),
)
