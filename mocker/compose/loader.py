"""Loading a compose project the way Docker Compose v2 (compose-go) does.

Order: find the files (``-f``, ``COMPOSE_FILE``, or ``compose.yaml``/``docker-compose.yml`` with their
``.override`` files in this directory or a parent), read the environment (the process's over
``.env`` / ``--env-file``), pick the project name (``-p`` > ``COMPOSE_PROJECT_NAME`` > ``name:`` >
directory), then per file: YAML (anchors and ``<<`` merge keys), interpolation, schema check, paths
made absolute, ``include``, ``extends``; files merge in order; profiles select services; the
result is put in canonical form (:mod:`mocker.compose.normalize`). PyYAML is imported here only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from mocker.compose import dotenv
from mocker.compose.interpolation import interpolate
from mocker.compose.merge import Override, Reset, merge, shorthand, strip_resets
from mocker.compose.model import Project
from mocker.compose.schema import validate
from mocker.errors import InvalidArgument
from mocker.records import field, frozen

SUPPORTED_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_NAMES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yml",
                  "docker-compose.override.yaml")


@frozen(kw_only=True)
class LoadOptions:
    """What ``docker compose`` global flags say about loading; ``None`` means not given."""

    files: tuple[str, ...] = ()
    project_name: str | None = None
    project_directory: str | None = None
    env_files: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    cwd: str | None = None
    stdin_text: Callable[[], str] | None = None
    interpolate: bool = True
    resolve_paths: bool = True
    # Services named on the command line: their profiles are enabled, as in Docker Compose.
    services: tuple[str, ...] = ()
    # Where parsed files are remembered (mocker.compose.yaml_cache); None: parse every time.
    cache_file: str | None = None


def normalize_project_name(name: str) -> str:
    """compose-go ``NormalizeProjectName``: lower case, only ``[a-z0-9_-]``, no leading ``_``/``-``."""
    return re.sub(r"[^-_a-z0-9]+", "", name.lower()).lstrip("_-")


def _check_name(name: str) -> str:
    if not name or normalize_project_name(name) != name:
        raise InvalidArgument(f'invalid project name "{name}": must consist only of lowercase alphanumeric '
                              "characters, hyphens, and underscores as well as start with a letter or number")
    return name


def discover(cwd: str, warn: Callable[[str], None] | None = None) -> list[str]:
    """The first directory from ``cwd`` upwards that holds a compose file, with its override."""
    d = os.path.abspath(cwd)
    while True:
        found = [n for n in SUPPORTED_NAMES if os.path.isfile(os.path.join(d, n))]
        if found:
            files = [os.path.join(d, found[0])]
            if len(found) > 1 and warn is not None:
                warn("Found multiple config files with supported names: "
                     + ", ".join(os.path.join(d, n) for n in found))
                warn(f"Using {files[0]}")
            over = [n for n in OVERRIDE_NAMES if os.path.isfile(os.path.join(d, n))]
            if over:
                files.append(os.path.join(d, over[0]))
            return files
        parent = os.path.dirname(d)
        if parent == d:
            raise InvalidArgument("no configuration file provided: not found")
        d = parent


def _yaml_loader() -> Any:
    import yaml

    # libyaml's parser when PyYAML has it (several times faster); the resolvers stay Python's.
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def reset(loader: Any, node: Any) -> Reset:
        return Reset()

    def override(loader: Any, node: Any) -> Override:
        if isinstance(node, yaml.MappingNode):
            return Override(loader.construct_mapping(node, deep=True))
        if isinstance(node, yaml.SequenceNode):
            return Override(loader.construct_sequence(node, deep=True))
        return Override(loader.construct_scalar(node))

    Loader.add_constructor("!reset", reset)
    Loader.add_constructor("!override", override)
    # compose-go reads YAML 1.2-ish: "on"/"off"/"yes"/"no" stay strings; keep ints, floats, true/false.
    Loader.yaml_implicit_resolvers = {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))
    return Loader


def parse_yaml(text: str, filename: str, cache_file: str | None = None) -> dict[str, Any]:
    """The YAML document of a compose file; ``cache_file``: see :mod:`mocker.compose.yaml_cache`."""
    from mocker.compose import yaml_cache

    doc = yaml_cache.lookup(cache_file, filename, text)
    if doc is None:
        doc = _parse_yaml(text, filename)
        yaml_cache.remember(cache_file, filename, text, doc)
    return doc


def _parse_yaml(text: str, filename: str) -> dict[str, Any]:
    import yaml

    try:
        doc = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise InvalidArgument(f"yaml: {where}{problem} ({filename})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InvalidArgument(f"Top-level object must be a mapping ({filename})")
    return doc


class _Ctx:
    """One load: the environment, the warnings and the files already on the include/extends path."""

    def __init__(self, env: dict[str, str], warn: Callable[[str], None], opts: LoadOptions) -> None:
        self.env = env
        self.warn = warn
        self.opts = opts
        self.warned: set[str] = set()

    def warn_once(self, msg: str) -> None:
        if msg not in self.warned:
            self.warned.add(msg)
            self.warn(msg)


def _read(path: str, opts: LoadOptions) -> str:
    if path == "-":
        if opts.stdin_text is None:
            raise InvalidArgument("reading a compose file from stdin is not possible here")
        return opts.stdin_text()
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise InvalidArgument(f"open {path}: no such file or directory") from None
    except OSError as e:
        raise InvalidArgument(f"open {path}: {e.strerror}") from None


def _abs(base: str, p: str) -> str:
    p = os.path.expanduser(p)
    return os.path.normpath(os.path.join(base, p))


def _is_path(src: str) -> bool:
    return src.startswith((".", "/", "~")) or src in (".", "..")


def _resolve_paths(svc: dict[str, Any], base: str) -> dict[str, Any]:
    """Relative paths of a service become absolute against ``base`` (its file's project directory)."""
    svc = dict(svc)
    build = svc.get("build")
    if isinstance(build, dict) and isinstance(build.get("context"), str):
        ctx = build["context"]
        if "://" not in ctx and not ctx.startswith("git@"):
            svc["build"] = {**build, "context": _abs(base, ctx)}
    elif isinstance(build, dict) and "context" not in build:
        svc["build"] = {**build, "context": base}
    for key in ("env_file", "label_file"):
        items = svc.get(key)
        if isinstance(items, list):
            out: list[Any] = []
            for e in items:
                if isinstance(e, dict):
                    out.append({**e, "path": _abs(base, str(e.get("path", "")))})
                else:
                    out.append(_abs(base, str(e)))
            svc[key] = out
    vols = svc.get("volumes")
    if isinstance(vols, list):
        out_v: list[Any] = []
        for v in vols:
            if isinstance(v, str):
                parts = v.split(":")
                if len(parts) > 1 and _is_path(parts[0]):
                    parts[0] = _abs(base, parts[0])
                    v = ":".join(parts)
            elif isinstance(v, dict) and v.get("type") == "bind" and isinstance(v.get("source"), str):
                v = {**v, "source": _abs(base, v["source"])}
            out_v.append(v)
        svc["volumes"] = out_v
    ext = svc.get("extends")
    if isinstance(ext, dict) and isinstance(ext.get("file"), str):
        svc["extends"] = {**ext, "file": _abs(base, ext["file"])}
    return svc


def _load_file(path: str, text: str | dict[str, Any], base: str, ctx: _Ctx, stack: tuple[str, ...]) -> dict[str, Any]:
    """One file (its text, or its parsed YAML): interpolated, validated, paths resolved, includes and
    extends applied."""
    doc = parse_yaml(text, path, ctx.opts.cache_file) if isinstance(text, str) else text
    if ctx.opts.interpolate:
        doc = interpolate(doc, ctx.env, warn=ctx.warn_once)
    validate(doc, path)
    services = doc.get("services") or {}
    doc["services"] = {n: shorthand(n, s or {}) for n, s in services.items()}
    if ctx.opts.resolve_paths:
        doc["services"] = {n: _resolve_paths(s, base) for n, s in doc["services"].items()}
        for kind in ("secrets", "configs"):
            for item in (doc.get(kind) or {}).values():
                if isinstance(item, dict) and isinstance(item.get("file"), str):
                    item["file"] = _abs(base, item["file"])
    includes = doc.pop("include", None) or []
    for inc in includes:
        _include(doc, inc, base, ctx, (*stack, path))
    doc["services"] = {n: _extends(n, s, doc["services"], path, ctx, (*stack, path))
                       for n, s in doc["services"].items()}
    return doc


def _include(doc: dict[str, Any], inc: Any, base: str, ctx: _Ctx, stack: tuple[str, ...]) -> None:
    """``include``: each entry is loaded as its own project (own directory and .env), then its
    resources join this file's; defining one of them twice is an error, as in Docker Compose."""
    spec = {"path": inc} if isinstance(inc, str) else dict(inc)
    paths = spec.get("path")
    paths = [paths] if isinstance(paths, str) else list(paths or [])
    if not paths:
        raise InvalidArgument("include: path is required")
    files = [_abs(base, p) for p in paths]
    proj_dir = _abs(base, spec["project_directory"]) if spec.get("project_directory") else os.path.dirname(files[0])
    env = dict(ctx.env)
    env_files = spec.get("env_file")
    env_files = [env_files] if isinstance(env_files, str) else list(env_files or [])
    dot = [_abs(base, e) for e in env_files] or ([os.path.join(proj_dir, ".env")]
                                                if os.path.isfile(os.path.join(proj_dir, ".env")) else [])
    for f in dot:
        env = {**dotenv.read(f, ctx.env), **ctx.opts.environ}
    sub = _Ctx(env, ctx.warn, ctx.opts)
    merged: dict[str, Any] = {}
    for f in files:
        if f in stack:
            raise InvalidArgument(f"include cycle detected: {' -> '.join((*stack, f))}")
        merged = merge(merged, _load_file(f, _read(f, ctx.opts), proj_dir, sub, stack))
    for kind in ("services", "networks", "volumes", "secrets", "configs"):
        for name, value in (merged.get(kind) or {}).items():
            if doc.get(kind) is None:
                doc[kind] = {}
            mine = doc[kind]
            if name in mine and mine[name] != value:
                raise InvalidArgument(f"{kind}.{name} conflicts with imported resource")
            mine[name] = value


def _extends(name: str, svc: dict[str, Any], siblings: dict[str, Any], path: str, ctx: _Ctx,
             stack: tuple[str, ...], seen: tuple[str, ...] = ()) -> dict[str, Any]:
    ext = svc.get("extends")
    if not isinstance(ext, dict):
        return svc
    target = ext.get("service")
    if not target:
        raise InvalidArgument(f"services.{name}.extends.service is required ({path})")
    key = f"{ext.get('file') or path}:{target}"
    if key in seen:
        raise InvalidArgument(f"circular reference with extends in service {name}")
    if ext.get("file"):
        fpath = ext["file"]
        other = _load_file(fpath, _read(fpath, ctx.opts), os.path.dirname(fpath), ctx, stack)
        pool = other.get("services") or {}
        where = fpath
    else:
        pool, where = siblings, path
    if target not in pool:
        raise InvalidArgument(f'cannot extend service "{name}" in {path}: service "{target}" not found in {where}')
    base = _extends(target, pool[target], pool, where, ctx, stack, (*seen, key))
    base = {k: v for k, v in base.items() if k != "extends"}
    child = {k: v for k, v in svc.items() if k != "extends"}
    return dict(merge(base, child, ("services", name)))


def _environment(opts: LoadOptions, workdir: str) -> dict[str, str]:
    environ = dict(opts.environ)
    files = [_abs(opts.cwd or os.getcwd(), f) for f in opts.env_files]
    if not files and os.path.isfile(os.path.join(workdir, ".env")):
        files = [os.path.join(workdir, ".env")]
    dot: dict[str, str] = {}
    for f in files:
        dot.update(dotenv.read(f, {**environ, **dot}))
    return {**dot, **environ}


def load(opts: LoadOptions, warn: Callable[[str], None] | None = None) -> Project:
    """Load, merge and normalise a project. Raises InvalidArgument naming the key and file."""
    from mocker.compose.normalize import normalize

    warn = warn or (lambda _m: None)
    cwd = opts.cwd or os.getcwd()
    pre_env = dict(opts.environ)
    pre_dir = _abs(cwd, opts.project_directory) if opts.project_directory else cwd
    if os.path.isfile(os.path.join(pre_dir, ".env")) and not opts.env_files:
        pre_env = {**dotenv.read(os.path.join(pre_dir, ".env"), pre_env), **pre_env}
    files = list(opts.files)
    if not files and pre_env.get("COMPOSE_FILE"):
        sep = pre_env.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        files = [f for f in pre_env["COMPOSE_FILE"].split(sep) if f]
    if files:
        files = [f if f == "-" else _abs(cwd, f) for f in files]
    else:
        files = discover(cwd, warn)
    first = files[0]
    workdir = _abs(cwd, opts.project_directory) if opts.project_directory else (
        cwd if first == "-" else os.path.dirname(first))
    env = _environment(opts, workdir)
    ctx = _Ctx(env, warn, opts)
    docs = [(f, parse_yaml(_read(f, opts), f, opts.cache_file)) for f in files]
    name = _project_name(opts, env, docs, workdir, ctx)
    env.setdefault("COMPOSE_PROJECT_NAME", name)
    model: dict[str, Any] = {}
    for path, parsed in docs:
        doc = _load_file(path if path != "-" else os.path.join(workdir, "-"), parsed, workdir, ctx, ())
        doc.pop("name", None)
        doc.pop("version", None)
        model = merge(model, doc)
    model = strip_resets(model)
    profiles = set(opts.profiles)
    if not profiles and env.get("COMPOSE_PROFILES"):
        profiles = {p for p in env["COMPOSE_PROFILES"].split(",") if p}
    return normalize(Project(name=name, working_dir=workdir, config_files=tuple(files), environment=env,
                             model=model, profiles=tuple(sorted(profiles))), services=opts.services)


def _project_name(opts: LoadOptions, env: dict[str, str], docs: list[tuple[str, dict[str, Any]]], workdir: str,
                  ctx: _Ctx) -> str:
    if opts.project_name:
        return _check_name(opts.project_name)
    if env.get("COMPOSE_PROJECT_NAME"):
        return _check_name(env["COMPOSE_PROJECT_NAME"])
    from_file = ""
    for _path, doc in docs:
        if isinstance(doc.get("name"), str) and doc["name"]:
            from_file = doc["name"]
    if from_file and opts.interpolate:
        from_file = interpolate({"name": from_file}, env, warn=ctx.warn_once)["name"]
    from_file = normalize_project_name(from_file)
    if from_file:
        return from_file
    return normalize_project_name(os.path.basename(os.path.abspath(workdir)))
