"""``build:`` services through the engine's builder (issue #5).

The image is tagged with the service's ``image:`` or, without one, ``<project>-<service>`` (Docker
Compose's default name), plus ``build.tags``. Keys the builder cannot honour are refused by name;
without the engine's build module every build says it is not supported yet.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TextIO

from mocker.compose.model import Project
from mocker.errors import InvalidArgument, NotSupported
from mocker.store.store import Store

_UNSUPPORTED = ("ssh", "cache_to", "additional_contexts", "entitlements", "privileged", "ulimits", "isolation",
                "shm_size", "secrets", "provenance", "sbom")


def image_name(project: Project, name: str, svc: dict[str, Any]) -> str:
    return str(svc.get("image") or f"{project.name}-{name}")


def build_service(store: Store, project: Project, name: str, svc: dict[str, Any], out: TextIO, err: TextIO, *,
                  no_cache: bool = False, pull: bool = False, quiet: bool = False,
                  build_args: dict[str, str] | None = None) -> Any:
    """Build one service's image; returns its image record."""
    where = f"services.{name}.build"
    b = svc.get("build") or {}
    for key in _UNSUPPORTED:
        if b.get(key) not in (None, [], {}, False):
            raise NotSupported(f"{where}.{key}", "not implemented by mocker's builder")
    context = str(b.get("context") or project.working_dir)
    if "://" in context or context.startswith("git@"):
        raise NotSupported(f"{where}.context {context}", "only local build contexts are implemented")
    network = b.get("network") or "host"
    if network not in ("host", "none", "default"):
        raise NotSupported(f"{where}.network {network}", "RUN steps use the host network or none")
    if b.get("dockerfile_inline") is not None:
        text, df_path = str(b["dockerfile_inline"]), None
        df_name = "Dockerfile"
    else:
        df = str(b.get("dockerfile") or "Dockerfile")
        df_path = Path(df) if os.path.isabs(df) else Path(context) / df
        try:
            text = df_path.read_text()
        except OSError as e:
            raise InvalidArgument(f"failed to read dockerfile {df_path}: {e.strerror}") from None
        df_name = df_path.name
    args = {str(k): str(v) for k, v in (b.get("args") or {}).items() if v is not None}
    args.update(build_args or {})
    from mocker.build import context as ctxmod
    from mocker.build import options
    from mocker.engine import build as engine
    from mocker.engine.images import get_image

    tag = image_name(project, name, svc)
    opts = options.BuildOptions(
        dockerfile=text, dockerfile_name=df_name, tags=(tag, *[str(t) for t in b.get("tags") or ()]),
        build_args=args, labels={str(k): str(v) for k, v in (b.get("labels") or {}).items()},
        target=b.get("target") or None, no_cache=no_cache or bool(b.get("no_cache")), pull=pull or bool(b.get("pull")),
        cache_from=tuple(str(c) for c in b.get("cache_from") or ()),
        network="host" if network == "default" else network,
        extra_hosts=tuple(str(h).replace("=", ":", 1) for h in b.get("extra_hosts") or ()),
        platforms=tuple(str(p) for p in b.get("platforms") or ()), quiet=quiet)
    bctx = ctxmod.open_context(context, df_path)
    try:
        engine.build(store, opts, bctx, out, err)
    finally:
        bctx.close()
    return get_image(store, tag)
