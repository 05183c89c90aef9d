"""``mocker compose``: Docker Compose v2's command line over :mod:`mocker.compose`.

``compose`` is one entry of the command table: its global flags (``-f``, ``-p``,
``--project-directory``, ``--env-file``, ``--profile``) come before the subcommand, as in Docker
Compose, so this module parses them, then the subcommand's own table from :data:`SUBCOMMANDS`
(lifecycle verbs live in :mod:`mocker.cli.compose_cmds`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed, format_flags, parse
from mocker.errors import InvalidArgument, NotSupported, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from mocker.compose.model import Project

GLOBAL_FLAGS = (
    Flag("file", "f", kind="list", metavar="stringArray", help="Compose configuration files"),
    Flag("project-name", "p", kind="str", metavar="string", help="Project name"),
    Flag("project-directory", kind="str", metavar="string",
         help="Specify an alternate working directory (default: the path of the, first specified, Compose file)"),
    Flag("env-file", kind="list", metavar="stringArray", help="Specify an alternate environment file"),
    Flag("profile", kind="list", metavar="stringArray", help="Specify a profile to enable"),
    Flag("parallel", kind="int", default=-1, metavar="int", help="Control max parallelism, -1 for unlimited"),
    Flag("ansi", kind="str", default="auto", metavar="string",
         help='Control when to print ANSI control characters ("never"|"always"|"auto")'),
    Flag("progress", kind="str", metavar="string", help="Set type of progress output (auto, tty, plain, json, quiet)"),
    Flag("no-ansi", hidden=True, help="Do not print ANSI control characters (DEPRECATED)"),
    Flag("compatibility", help="Run compose in backward compatibility mode"),
    Flag("dry-run", unsupported="dry runs are not implemented"),
    Flag("all-resources", unsupported="loading resources for unused services is not implemented"),
    Flag("verbose", hidden=True, help="Show more output"),
)

# Shown by ``mocker compose --help`` (the generic command help prints this summary); a test checks
# that it names every subcommand of :data:`mocker.cli.compose_cmds.SUBCOMMANDS`.
_COMMANDS = (
    ("attach", "Attach local standard input, output, and error streams to a service's running container"),
    ("build", "Build or rebuild services"), ("commit", "Create a new image from a service container's changes"),
    ("export", "Export a service container's filesystem as a tar archive"), ("scale", "Scale services"),
    ("stats", "Display a live stream of container(s) resource usage statistics"), ("volumes", "List volumes"),
    ("watch", "(not supported by mocker)"), ("events", "(not supported by mocker)"),
    ("publish", "(not supported by mocker)"), ("bridge", "(not supported by mocker)"),
    ("alpha", "(not supported by mocker)"), ("config", "Parse, resolve and render compose file in canonical format"),
    ("cp", "Copy files/folders between a service container and the local filesystem"),
    ("create", "Creates containers for a service"), ("down", "Stop and remove containers, networks"),
    ("exec", "Execute a command in a running container"), ("images", "List images used by the created containers"),
    ("kill", "Force stop service containers"), ("logs", "View output from containers"),
    ("ls", "List running compose projects"), ("pause", "Pause services"),
    ("port", "Print the public port for a port binding"), ("ps", "List containers"),
    ("pull", "Pull service images"), ("push", "Push service images"), ("restart", "Restart service containers"),
    ("rm", "Removes stopped service containers"), ("run", "Run a one-off command on a service"),
    ("start", "Start services"), ("stop", "Stop services"), ("top", "Display the running processes"),
    ("unpause", "Unpause services"), ("up", "Create and start containers"),
    ("version", "Show the Docker Compose version information"),
    ("wait", "Block until containers of all (or specified) services stop."),
)
SUMMARY = ("Define and run multi-container applications with Docker Compose's files\n\nCommands:\n"
           + "\n".join(f"  {n.ljust(9)}{text}" for n, text in _COMMANDS))


class Sub:
    """One ``compose`` subcommand: its flags, argument rule and handler."""

    __slots__ = ("name", "usage", "summary", "handler", "flags", "min_args", "max_args", "interspersed",
                 "needs_project")

    def __init__(self, name: str, usage: str, summary: str, handler: Callable[[Session, Parsed], int | None],
                 flags: tuple[Flag, ...] = (), min_args: int = 0, max_args: int | None = None,
                 interspersed: bool = True, needs_project: bool = True) -> None:
        self.name, self.usage, self.summary, self.handler = name, usage, summary, handler
        self.flags, self.min_args, self.max_args = flags, min_args, max_args
        self.interspersed, self.needs_project = interspersed, needs_project


class Session:
    """What a subcommand works with: the CLI context, the global flags and the project (loaded once)."""

    def __init__(self, ctx: Context, glob: Parsed) -> None:
        self.ctx = ctx
        self.glob = glob
        self._project: Project | None = None

    def report(self, line: str) -> None:
        """Progress lines (`` Container p-web-1  Started``) go to stderr, as Docker Compose's."""
        if self.glob.progress != "quiet":
            self.ctx.err(line)

    def warn(self, msg: str) -> None:
        self.ctx.err(f'WARN[0000] {msg}')

    def load_options(self, services: tuple[str, ...] = (), *, interpolate: bool = True,
                     resolve_paths: bool = True) -> Any:
        from mocker.compose.loader import LoadOptions
        from mocker.store.paths import StorePaths

        stdin = self.ctx.stdin
        return LoadOptions(files=tuple(self.glob.file), project_name=self.glob.project_name,
                           project_directory=self.glob.project_directory, env_files=tuple(self.glob.env_file),
                           profiles=tuple(p for ps in self.glob.profile for p in ps.split(",") if p),
                           environ=dict(os.environ), cwd=os.getcwd(), stdin_text=lambda: stdin.read(),
                           interpolate=interpolate, resolve_paths=resolve_paths, services=services,
                           cache_file=StorePaths.at(self.ctx.root).text("cache", "compose-yaml"))

    def project(self, services: tuple[str, ...] = ()) -> Project:
        if self._project is None:
            from mocker.compose.loader import load

            self._project = load(self.load_options(services), warn=self.warn)
        return self._project

    def project_name(self) -> str:
        """``-p``, ``COMPOSE_PROJECT_NAME``, else the loaded project's name (commands that work
        without a compose file, like ``down -p NAME``)."""
        from mocker.compose.loader import _check_name

        if self.glob.project_name:
            return _check_name(self.glob.project_name)
        if os.environ.get("COMPOSE_PROJECT_NAME"):
            return _check_name(os.environ["COMPOSE_PROJECT_NAME"])
        return self.project().name

    def project_or_none(self) -> Project | None:
        try:
            return self.project()
        except InvalidArgument as e:
            if self.glob.project_name and "no configuration file provided" in str(e):
                return None
            raise


def _compose_help() -> str:
    return "\n".join(["Usage:  mocker compose [OPTIONS] COMMAND", "", SUMMARY, "", "Options:",
                      format_flags(GLOBAL_FLAGS), "",
                      "Run 'mocker compose COMMAND --help' for more information on a command."])


def _main(ctx: Context, p: Parsed) -> int:
    from mocker.cli.compose_cmds import SUBCOMMANDS

    if not p.args:
        ctx.out(_compose_help())
        return 0
    if p.ansi not in ("never", "always", "auto"):
        raise UsageError(f'invalid value for --ansi: "{p.ansi}"')
    name, rest = p.args[0], p.args[1:]
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        raise UsageError(f"unknown docker command: \"compose {name}\"", command="compose")
    flags = sub.flags if any(f.long == "help" for f in sub.flags) else (*sub.flags, Flag("help", "h",
                                                                                           help="Print usage"))
    try:
        parsed = parse(rest, flags, interspersed=sub.interspersed)
    except UsageError as e:
        e.command = f"compose {name}"
        raise
    if parsed.help:
        ctx.out("\n".join([f"Usage:  mocker compose {sub.usage}", "", sub.summary, "", "Options:",
                           format_flags(flags)]))
        return 0
    n = len(parsed.args)
    if n < sub.min_args or (sub.max_args is not None and n > sub.max_args):
        raise UsageError(f'"compose {name}" requires '
                         + (f"at least {sub.min_args} argument(s)" if n < sub.min_args else
                            f"at most {sub.max_args} argument(s)"), command=f"compose {name}")
    session = Session(ctx, p)
    return int(sub.handler(session, parsed) or 0)


COMPOSE = Command(name="compose", usage="compose [OPTIONS] COMMAND", summary=SUMMARY,
                  handler=_main, flags=GLOBAL_FLAGS, interspersed=False)


# ---- config --------------------------------------------------------------------------------------

def _config(s: Session, p: Parsed) -> int:
    import json

    from mocker.compose.loader import load
    from mocker.compose.yaml_out import dump, escape_dollars

    for flag in ("resolve_image_digests", "no_normalize", "lock_image_digests"):
        if p.values.get(flag):
            raise NotSupported(f"--{flag.replace('_', '-')}", "not implemented by mocker's compose loader")
    if p.format not in ("yaml", "json"):
        raise UsageError(f"unsupported format {p.format!r}")
    project = load(s.load_options(tuple(p.args), interpolate=not p.no_interpolate,
                                  resolve_paths=not p.no_path_resolution), warn=s.warn)
    out: list[str] = []
    model = project.model
    if p.args:
        model = {**model, "services": {k: v for k, v in model["services"].items() if k in p.args}}
    if p.services:
        out = list(model.get("services") or {})
    elif p.volumes:
        out = list(model.get("volumes") or {})
    elif p.networks:
        out = list(model.get("networks") or {})
    elif p.profiles:
        out = sorted({pr for svc in list(project.services.values()) + list(project.disabled.values())
                      for pr in svc.get("profiles") or []})
    elif p.images:
        out = [str(svc.get("image") or f"{project.name}-{n}") for n, svc in (model.get("services") or {}).items()]
    elif p.environment:
        out = [f"{k}={v}" for k, v in sorted(project.environment.items())]
    elif p.hash is not None:
        from mocker.compose.labels import config_hash

        wanted = None if p.hash == "*" else set(p.hash.split(","))
        out = [f"{n} {config_hash(svc)}" for n, svc in model["services"].items() if wanted is None or n in wanted]
    if p.quiet:
        return 0
    if out or any(p.values.get(k) for k in ("services", "volumes", "networks", "profiles", "images",
                                            "environment")) or p.hash is not None:
        text = "\n".join(out) + ("\n" if out else "")
    elif p.format == "json":
        doc = escape_dollars(_json_model(model))
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    else:
        text = dump(escape_dollars(model))
    if p.output:
        with open(p.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        s.ctx.stdout.write(text)
    return 0


def _json_model(model: dict[str, Any]) -> dict[str, Any]:
    """``--format json`` carries what Go's encoder writes for the same types (null command/entrypoint,
    empty ``ipam`` for networks)."""
    out = dict(model)
    out["services"] = {n: {**svc, "command": svc.get("command"), "entrypoint": svc.get("entrypoint")}
                       for n, svc in (model.get("services") or {}).items()}
    if "networks" in model:
        out["networks"] = {n: {**net, "ipam": net.get("ipam") or {}} for n, net in model["networks"].items()}
    return out


CONFIG = Sub(
    "config", "config [OPTIONS] [SERVICE...]", "Parse, resolve and render compose file in canonical format",
    _config, needs_project=False,
    flags=(
        Flag("format", kind="str", default="yaml", metavar="string", help='Format the output. Values: [yaml | json]'),
        Flag("quiet", "q", help="Only validate the configuration, don't print anything"),
        Flag("services", help="Print the service names, one per line"),
        Flag("volumes", help="Print the volume names, one per line"),
        Flag("networks", help="Print the network names, one per line"),
        Flag("profiles", help="Print the profile names, one per line"),
        Flag("images", help="Print the image names, one per line"),
        Flag("environment", help="Print environment used for interpolation"),
        Flag("hash", kind="str", metavar="string", help="Print the service config hash, one per line"),
        Flag("output", "o", kind="str", metavar="string", help="Save to file (default to stdout)"),
        Flag("no-interpolate", help="Don't interpolate environment variables"),
        Flag("no-path-resolution", help="Don't resolve file paths"),
        Flag("no-consistency", help="Don't check model consistency"),
        Flag("no-normalize", help="Don't normalize compose model"),
        Flag("resolve-image-digests", help="Pin image tags to digests"),
        Flag("lock-image-digests", help="Produces an override file with image digests"),
        Flag("variables", unsupported="listing the model's variables is not implemented"),
    ),
)


def _version(s: Session, p: Parsed) -> int:
    from mocker import __version__
    from mocker.compose.labels import COMPOSE_VERSION

    if p.short:
        s.ctx.out(COMPOSE_VERSION)
    elif p.format == "json":
        s.ctx.out('{"version":"v' + COMPOSE_VERSION + '"}')
    else:
        s.ctx.out(f"Docker Compose version v{COMPOSE_VERSION} (mocker {__version__})")
    return 0


VERSION = Sub("version", "version [OPTIONS]", "Show the Docker Compose version information", _version,
              max_args=0, needs_project=False,
              flags=(Flag("format", "f", kind="str", metavar="string",
                          help="Format the output. Values: [pretty | json]"),
                     Flag("short", help="Shows only Compose's version number")))


def _stdout_is_tty(ctx: Context) -> bool:
    try:
        return bool(ctx.stdout.isatty())
    except (AttributeError, ValueError):
        return False


def color_enabled(s: Session, no_color: bool = False) -> bool:
    if no_color or s.glob.no_ansi or s.glob.ansi == "never":
        return False
    return s.glob.ansi == "always" or (_stdout_is_tty(s.ctx) and "NO_COLOR" not in os.environ)

