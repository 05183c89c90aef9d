"""``/_ping``, ``/version``, ``/info``, ``/system/df``, ``/events``, ``/auth``."""

from __future__ import annotations

import platform
from typing import TYPE_CHECKING, Any

from mocker import __version__
from mocker.api.router import MAX_VERSION, MIN_VERSION

if TYPE_CHECKING:
    from mocker.api.http import Request

API = f"{MAX_VERSION[0]}.{MAX_VERSION[1]}"
MIN_API = f"{MIN_VERSION[0]}.{MIN_VERSION[1]}"


def ping(req: Request) -> None:
    """The docker CLI negotiates with ``HEAD /_ping`` and reads ``Api-Version`` (and ``OSType``)."""
    headers = {"OSType": "linux", "Builder-Version": "1", "Docker-Experimental": "false",
               "Cache-Control": "no-cache, no-store, must-revalidate", "Pragma": "no-cache"}
    req.send_bytes(b"OK", "text/plain; charset=utf-8", headers=headers)


def version(req: Request) -> None:
    from mocker.engine.system import runtime_versions, version_info

    server = version_info()["Server"]
    components: list[dict[str, Any]] = [{"Name": "Engine", "Version": __version__, "Details": {
        "ApiVersion": API, "MinAPIVersion": MIN_API, "Os": server["Os"], "Arch": server["Arch"],
        "KernelVersion": server["KernelVersion"], "GitCommit": "", "GoVersion": "", "BuildTime": "",
        "Experimental": "false"}}]
    for name, text in runtime_versions().items():
        components.append({"Name": name, "Version": text.split()[-1] if text else "", "Details": {}})
    req.send_json({
        "Platform": {"Name": "mocker (daemonless)"}, "Components": components, "Version": __version__,
        "ApiVersion": API, "MinAPIVersion": MIN_API, "GitCommit": "", "GoVersion": "python" +
        platform.python_version(), "Os": server["Os"], "Arch": server["Arch"],
        "KernelVersion": server["KernelVersion"], "BuildTime": "", "Experimental": False,
    })


def info(req: Request) -> None:
    from mocker.engine.system import info as engine_info

    doc = engine_info(req.store)
    doc.setdefault("Swarm", {"LocalNodeState": "inactive", "NodeID": "", "NodeAddr": "", "ControlAvailable": False,
                             "Error": "", "RemoteManagers": None})
    doc.setdefault("Plugins", {"Volume": ["local"], "Network": [], "Authorization": None, "Log": [
        "json-file", "k8s-file", "none"]})
    doc.setdefault("SecurityOptions", ["name=seccomp,profile=builtin"])
    doc.setdefault("LoggingDriver", "json-file")
    doc.setdefault("CgroupDriver", "cgroupfs")
    doc.setdefault("Images", 0)
    req.send_json(doc)


def df(req: Request) -> None:
    from mocker.api.images import image_summaries
    from mocker.engine.container_filters import summary
    from mocker.engine.container_prune import dir_size
    from mocker.engine.containers import list_containers
    from mocker.engine.volumes import list_volumes, volume_json, volume_size
    from mocker.store import images as idb
    from mocker.store import volumes as vdb

    store = req.store
    ctrs = list_containers(store)
    items = []
    for rec in ctrs:
        s = summary(rec)
        s["SizeRw"] = dir_size(str(store.paths.containers / rec.id / "upper"))
        s["SizeRootFs"] = s["SizeRw"]
        items.append(s)
    used: dict[str, int] = {}
    for rec in ctrs:
        used[rec.image_id] = used.get(rec.image_id, 0) + 1
    images = image_summaries(store, {}, all_=False)
    for img in images:
        img["Containers"] = used.get(img["Id"], 0)
    referenced = vdb.referenced_names(store.db)
    vols = []
    for v in list_volumes(store):
        doc = volume_json(v)
        doc["UsageData"] = {"Size": volume_size(v.mountpoint), "RefCount": 1 if v.name in referenced else 0}
        vols.append(doc)
    layers = sum(int(r["size"]) for r in idb.list_layers(store.db))
    req.send_json({"LayersSize": layers, "Images": images, "Containers": items, "Volumes": vols,
                   "BuildCache": []})


def events(req: Request) -> None:
    """The engine's event log as a JSON stream: past events from ``since``, then new ones until
    ``until`` or until the client hangs up (checked between polls of the log)."""
    from mocker.api.container_streams import client_gone
    from mocker.engine import events as ev

    filters = req.filters()
    ev.check_filters(filters)
    since = ev.parse_time(req.q("since") or "") if req.q("since") else None
    until = ev.parse_time(req.q("until") or "") if req.q("until") else None
    out = req.stream()
    sock = req.handler.connection
    try:
        for event in ev.stream(req.store, since=since, until=until, filters=filters,
                               stop=lambda: client_gone(sock)):
            out.json(event)
    finally:
        out.close()


def auth(req: Request) -> None:
    """``docker login``: check the credentials against the registry (nothing is stored server-side)."""
    from mocker.engine.distribution import check_login

    body = req.json()
    server = body.get("serveraddress") or "https://index.docker.io/v1/"
    if body.get("identitytoken") and not body.get("password"):
        from mocker.errors import NotSupported

        raise NotSupported("login with an identity token", "only username/password logins are implemented")
    check_login(_host_of(server), body.get("username") or "", body.get("password") or "")
    req.send_json({"Status": "Login Succeeded", "IdentityToken": ""})


def _host_of(server: str) -> str:
    text = server
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.split("/", 1)[0]
