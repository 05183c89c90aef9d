"""``manifest create|inspect|add|annotate|push|rm|remove``: flags and printing; logic in engine/manifests."""

from __future__ import annotations

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.errors import InvalidArgument, MockerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from mocker.engine.manifests import PlatformChanges

INSECURE = Flag("insecure", help="Allow communication with an insecure registry")


def _annotation(text: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise InvalidArgument(f"no value given for annotation {text!r}: use KEY=VALUE")
    return key, value


def _changes(p: Parsed) -> PlatformChanges:
    from mocker.engine.manifests import PlatformChanges

    features = tuple(f for item in p.os_features for f in item.split(",") if f)
    return PlatformChanges(os=p.os or None, architecture=p.arch or None, variant=p.variant or None,
                           os_version=p.os_version or None, os_features=features,
                           annotations=dict(p.annotation))


PLATFORM_FLAGS = (
    Flag("arch", kind="str", metavar="string", help="Set architecture"),
    Flag("os", kind="str", metavar="string", help="Set operating system"),
    Flag("os-features", kind="list", metavar="strings", help="Set operating system feature"),
    Flag("os-version", kind="str", metavar="string", help="Set operating system version"),
    Flag("variant", kind="str", metavar="string", help="Set architecture variant"),
    Flag("annotation", kind="list", metavar="KEY=VALUE", convert=_annotation,
         help="Set an annotation on the entry (mocker, as podman)"),
)


def _create(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifests import create

    name = create(ctx.store(), p.args[0], p.args[1:], amend=p.amend, insecure=p.insecure)
    ctx.out(f"Created manifest list {name}")
    return 0


CREATE = Command(
    name="manifest create", usage="manifest create MANIFEST_LIST MANIFEST [MANIFEST...]",
    summary="Create a local manifest list for annotating and pushing to a registry",
    handler=_create, min_args=2,
    flags=(Flag("amend", "a", help="Amend an existing manifest list"), INSECURE),
)


def _inspect(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifest_registry import inspect

    list_text, ref = (p.args[0], p.args[1]) if len(p.args) == 2 else (None, p.args[0])
    ctx.out(inspect(ctx.store(), ref, list_text, verbose=p.verbose, insecure=p.insecure))
    return 0


INSPECT = Command(
    name="manifest inspect", usage="manifest inspect [OPTIONS] [MANIFEST_LIST] MANIFEST",
    summary="Display an image manifest, or manifest list",
    handler=_inspect, min_args=1, max_args=2,
    flags=(INSECURE, Flag("verbose", "v", help="Output additional info including layers and platform")),
)


def _annotate(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifests import annotate

    annotate(ctx.store(), p.args[0], p.args[1], _changes(p))
    return 0


ANNOTATE = Command(
    name="manifest annotate", usage="manifest annotate [OPTIONS] MANIFEST_LIST MANIFEST",
    summary="Add additional information to a local image manifest",
    handler=_annotate, min_args=2, max_args=2, flags=PLATFORM_FLAGS,
)


def _add(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifests import add

    ctx.out(add(ctx.store(), p.args[0], p.args[1:], all_platforms=p.all, changes=_changes(p), insecure=p.insecure))
    return 0


ADD = Command(
    name="manifest add", usage="manifest add [OPTIONS] MANIFEST_LIST MANIFEST [MANIFEST...]",
    summary="Add images to a local manifest list (prints the list's new digest)",
    handler=_add, min_args=2,
    flags=(Flag("all", help="Add every entry of a MANIFEST that is itself a list"), *PLATFORM_FLAGS, INSECURE),
)


def _push(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifest_registry import push

    report = push(ctx.store(), p.args[0], purge=p.purge, insecure=p.insecure)
    for ref, digest in report.pushed_refs:
        ctx.out(f"Pushed ref {ref} with digest: {digest}")
    ctx.out(report.digest)
    return 0


PUSH = Command(
    name="manifest push", usage="manifest push [OPTIONS] MANIFEST_LIST",
    summary="Push a manifest list to a repository",
    handler=_push, min_args=1, max_args=1,
    flags=(Flag("purge", "p", help="Remove the local manifest list after push"),
           Flag("insecure", help="Allow push to an insecure registry")),
)


def _rm(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifests import is_entry_removal, remove_entry, remove_lists

    store = ctx.store()
    if is_entry_removal(store, p.args):
        ctx.out(remove_entry(store, p.args[0], p.args[1]))
        return 0
    errors = remove_lists(store, p.args)
    if errors:
        raise MockerError("\n".join(e.message for e in errors))
    return 0


RM = Command(
    name="manifest rm", usage="manifest rm MANIFEST_LIST [MANIFEST_LIST...] | manifest rm MANIFEST_LIST ENTRY",
    summary="Delete one or more manifest lists from local storage, or one entry from a list\n"
            "(ENTRY: an image reference, a sha256: digest or os/arch[/variant])",
    handler=_rm, min_args=1,
)


def _remove(ctx: Context, p: Parsed) -> int:
    from mocker.engine.manifests import remove_entry

    ctx.out(remove_entry(ctx.store(), p.args[0], p.args[1]))
    return 0


REMOVE = Command(
    name="manifest remove", usage="manifest remove MANIFEST_LIST ENTRY",
    summary="Remove an entry from a manifest list\n(ENTRY: an image reference, a sha256: digest or "
            "os/arch[/variant])",
    handler=_remove, min_args=2, max_args=2,
)
