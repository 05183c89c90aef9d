"""``pull``, ``push``, ``login``, ``logout``."""

from __future__ import annotations

import sys

from mocker.cli.command import Command, Context
from mocker.cli.flags import Flag, Parsed
from mocker.cli.progress import ProgressPrinter
from mocker.errors import InvalidArgument, NotSupported, UsageError

NO_TRUST = "Docker Content Trust (Notary) is not implemented"


def _check_trust(p: Parsed) -> None:
    if not p.disable_content_trust:
        raise NotSupported("--disable-content-trust=false", NO_TRUST)


def _pull(ctx: Context, p: Parsed) -> int:
    from mocker.engine.distribution import pull
    from mocker.image.platform import parse_platform
    from mocker.image.reference import parse_reference, parse_repository

    name = p.args[0]
    _check_trust(p)
    if p.platform:
        parse_platform(p.platform)  # a bad value fails before anything is printed
    printer = ProgressPrinter(ctx.stdout, tty=ctx.stdout_is_tty(), quiet=p.quiet)
    if p.all_tags:
        repo = parse_repository(name)
        printer.line(f"Pulling all tags of repository {repo.familiar_name}")
    else:
        ref = parse_reference(name)
        if not ref.digest and ":" not in name.rsplit("/", 1)[-1]:
            printer.line("Using default tag: latest")
        printer.line(f"{ref.tag or ref.digest}: Pulling from {ref.repository_path}")
    results = pull(ctx.store(), name, platform=p.platform, all_tags=p.all_tags, progress=printer)
    for r in results:
        printer.line(f"Digest: {r.digest}")
        verb = "Downloaded newer image for" if r.updated else "Image is up to date for"
        printer.line(f"Status: {verb} {r.familiar}")
    if p.all_tags and results:
        ctx.out(str(parse_repository(name)))
    elif results:
        ctx.out(results[0].reference)
    return 0


PULL = Command(
    name="pull", usage="pull [OPTIONS] NAME[:TAG|@DIGEST]", summary="Download an image from a registry",
    handler=_pull, min_args=1, max_args=1,
    flags=(
        Flag("all-tags", "a", help="Download all tagged images in the repository"),
        Flag("platform", kind="str", metavar="string", help='Set platform if server is multi-platform capable'),
        Flag("quiet", "q", help="Suppress verbose output"),
        Flag("disable-content-trust", default=True, help="Skip image verification (default true)"),
    ),
)


def _push(ctx: Context, p: Parsed) -> int:
    from mocker.engine.distribution import push
    from mocker.image.reference import parse_reference, parse_repository

    name = p.args[0]
    _check_trust(p)
    printer = ProgressPrinter(ctx.stdout, tty=ctx.stdout_is_tty(), quiet=p.quiet)
    if p.all_tags:
        repo = parse_repository(name)
        printer.line(f"The push refers to repository [{repo.name}]")
    else:
        ref = parse_reference(name)
        if not ref.digest and ":" not in name.rsplit("/", 1)[-1]:
            printer.line("Using default tag: latest")
        printer.line(f"The push refers to repository [{ref.name}]")
    results = push(ctx.store(), name, all_tags=p.all_tags, progress=printer)
    for r in results:
        label = r.tag or r.digest
        if p.quiet:
            ctx.out(f"{parse_reference(name, default_tag=False).name}:{r.tag}" if r.tag else r.digest)
        else:
            ctx.out(f"{label}: digest: {r.digest} size: {r.size}")
    return 0


PUSH = Command(
    name="push", usage="push [OPTIONS] NAME[:TAG]", summary="Upload an image to a registry",
    handler=_push, min_args=1, max_args=1,
    flags=(
        Flag("all-tags", "a", help="Push all tags of an image to the repository"),
        Flag("quiet", "q", help="Suppress verbose output"),
        Flag("platform", kind="str", unsupported="pushing one platform of a local index is not implemented"),
        Flag("disable-content-trust", default=True, help="Skip image signing (default true)"),
    ),
)


def _registry_host(server: str | None) -> str:
    if not server:
        return "docker.io"
    s = server
    for prefix in ("https://", "http://"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    s = s.split("/", 1)[0]
    if s in ("index.docker.io", "registry-1.docker.io", "docker.io"):
        return "docker.io"
    if not s:
        raise InvalidArgument(f"invalid registry address: {server}")
    return s


def _login(ctx: Context, p: Parsed) -> int:
    from mocker.engine.distribution import login

    host = _registry_host(p.args[0] if p.args else None)
    username = p.username
    password = p.password
    if p.password_stdin:
        if password:
            raise UsageError("--password and --password-stdin are mutually exclusive")
        if not username:
            raise UsageError("Must provide --username with --password-stdin")
        password = ctx.stdin.read()
        password = password.rstrip("\n").rstrip("\r") if isinstance(password, str) else password.decode().rstrip("\r\n")
    elif password:
        ctx.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.")
    if not username or not password:
        username, password = _prompt(ctx, username, password)
    login(host, username, password)
    ctx.out("Login Succeeded")
    return 0


def _prompt(ctx: Context, username: str | None, password: str | None) -> tuple[str, str]:
    import getpass

    if not sys.stdin.isatty():
        raise InvalidArgument("Cannot perform an interactive login from a non TTY device")
    if not username:
        ctx.stdout.write("Username: ")
        ctx.stdout.flush()
        username = sys.stdin.readline().strip()
    if not password:
        password = getpass.getpass("Password: ")
    if not username:
        raise InvalidArgument("Username cannot be empty")
    if not password:
        raise InvalidArgument("Password Required")
    return username, password


LOGIN = Command(
    name="login", usage="login [OPTIONS] [SERVER]",
    summary="Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.",
    handler=_login, max_args=1,
    flags=(
        Flag("password", "p", kind="str", metavar="string", help="Password or Personal Access Token (PAT)"),
        Flag("password-stdin", help="Take the Password or Personal Access Token (PAT) from stdin"),
        Flag("username", "u", kind="str", metavar="string", help="Username"),
    ),
)


def _logout(ctx: Context, p: Parsed) -> int:
    from mocker.registry.credentials import erase_credentials

    host = _registry_host(p.args[0] if p.args else None)
    shown = "https://index.docker.io/v1/" if host == "docker.io" else host
    ctx.out(f"Removing login credentials for {shown}")
    if not erase_credentials(host):
        ctx.err(f"WARNING: could not erase credentials: {shown}: not logged in to {shown}")
    return 0


LOGOUT = Command(
    name="logout", usage="logout [SERVER]",
    summary="Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
    handler=_logout, max_args=1,
)
