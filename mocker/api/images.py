"""Image endpoints: list, create (= pull, or import from the body), push, tag, inspect, history,
delete, prune, get (save) and load; distribution inspect.

Pull and push progress goes out as Docker's JSON messages (``{"status", "id", "progressDetail",
"progress"}``, errors as ``{"errorDetail": {"message"}, "error"}``). The body starts with the first
message, so a failure before anything happened (an unknown image, bad credentials) is still an
HTTP error status, as the Docker daemon answers it.
"""

from __future__ import annotations

import base64
import json
import threading
from typing import TYPE_CHECKING, Any

from mocker.errors import ImageNotFound, InvalidArgument, MockerError
from mocker.store.store import Store

if TYPE_CHECKING:
    from mocker.api.http import ChunkedWriter, Request
    from mocker.store.images import ImageRecord


def _created(rec: ImageRecord) -> int:
    from mocker.engine.image_inspect import parse_time

    return int(parse_time(rec.created) or rec.added_at)


def image_summaries(store: Store, filters: dict[str, list[str]], *, all_: bool) -> list[dict[str, Any]]:
    from mocker.engine.image_filters import select_images
    from mocker.engine.image_inspect import familiar
    from mocker.engine.images import image_config

    out = []
    for rec in select_images(store, filters, all_=all_):
        try:
            labels = (image_config(store, rec).get("config") or {}).get("Labels") or {}
        except (MockerError, OSError, KeyError):
            labels = {}
        out.append({
            "Id": rec.id, "ParentId": "", "RepoTags": [familiar(t) for t in rec.tags],
            "RepoDigests": [familiar(d) for d in rec.repo_digests], "Created": _created(rec), "Size": rec.size,
            "SharedSize": -1, "VirtualSize": rec.size, "Labels": labels, "Containers": -1,
        })
    return out


def list_(req: Request) -> None:
    from mocker.engine.image_filters import LIST_KEYS

    filters = req.filters()
    for key in filters:
        if key not in LIST_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'")
    if req.q("filter"):
        filters.setdefault("reference", []).append(req.q("filter") or "")
    req.send_json(image_summaries(req.store, filters, all_=req.q_bool("all")))


def registry_auth(req: Request) -> Any:
    """``X-Registry-Auth`` (base64url JSON ``AuthConfig``) -> Credentials, or None (anonymous)."""
    from mocker.registry.credentials import Credentials

    text = req.headers.get("X-Registry-Auth")
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        doc = json.loads(raw or b"{}")
    except (ValueError, TypeError):
        raise InvalidArgument("invalid X-Registry-Auth header: not base64url-encoded JSON") from None
    if not isinstance(doc, dict):
        raise InvalidArgument("invalid X-Registry-Auth header")
    creds = Credentials(username=doc.get("username") or "", password=doc.get("password") or "",
                        identity_token=doc.get("identitytoken") or "", server_address=doc.get("serveraddress") or "")
    return None if creds.empty else creds


class ProgressStream:
    """Engine progress events -> Docker's JSON messages; the HTTP body starts with the first one."""

    def __init__(self, req: Request, first: list[dict[str, Any]]) -> None:
        self.req = req
        self.first = first
        self.out: ChunkedWriter | None = None
        self.lock = threading.Lock()

    def send(self, msg: dict[str, Any]) -> None:
        with self.lock:
            if self.out is None:
                self.out = self.req.stream()
                for m in self.first:
                    self.out.json(m)
            self.out.json(msg)

    def __call__(self, event: Any) -> None:
        msg: dict[str, Any] = {"status": str(getattr(event, "status", "")), "progressDetail": {},
                               "id": str(getattr(event, "id", "") or "")}
        current, total = getattr(event, "current", None), getattr(event, "total", None)
        if current is not None:
            msg["progressDetail"] = {"current": int(current), **({"total": int(total)} if total else {})}
        if not msg["id"]:
            del msg["id"]
        self.send(msg)

    def fail(self, exc: MockerError) -> None:
        """After the body started, an error is a message in it; before, it is the HTTP status."""
        if self.out is None:
            raise exc
        self.send({"errorDetail": {"message": str(exc)}, "error": str(exc)})

    def close(self) -> None:
        if self.out is None:
            self.out = self.req.stream()
            for m in self.first:
                self.out.json(m)
        self.out.close()


def create(req: Request) -> None:
    from mocker.engine.distribution import pull
    from mocker.image.reference import parse_reference

    src = req.q("fromSrc")
    if src is not None:
        _import(req, src)
        return
    image = req.q("fromImage") or ""
    tag = req.q("tag") or ""
    if not image:
        raise InvalidArgument("either fromSrc or fromImage must be given")
    if req.q("message"):
        raise InvalidArgument("message is only valid with fromSrc")
    name = image
    if tag:
        name = f"{image}@{tag}" if tag.startswith("sha256:") else f"{image}:{tag}"
    ref = parse_reference(name)
    creds = registry_auth(req)
    stream = ProgressStream(req, [{"status": f"Pulling from {ref.familiar_name}", "id": ref.tag or ref.digest}])
    try:
        results = pull(req.store, name, platform=req.q("platform") or None, progress=stream, credentials=creds)
    except MockerError as e:
        stream.fail(e)
        stream.close()
        return
    for r in results:
        stream.send({"status": f"Digest: {r.digest}"})
        verb = "Downloaded newer image for" if r.updated else "Image is up to date for"
        stream.send({"status": f"Status: {verb} {r.familiar}"})
    stream.close()


def _import(req: Request, src: str) -> None:
    from mocker.engine.archives import import_rootfs

    if src != "-":
        from mocker.errors import NotSupported

        raise NotSupported("importing from a URL", "give the archive in the request body (fromSrc=-)")
    repo, tag = req.q("repo") or "", req.q("tag") or ""
    reference = (f"{repo}:{tag}" if tag else repo) if repo else None
    image_id = import_rootfs(req.store, req.body_stream(), reference=reference,  # type: ignore[arg-type]
                             changes=req.q_all("changes"), message=req.q("message") or "",
                             platform=req.q("platform") or None, source_name="-")
    out = req.stream()
    out.json({"status": str(image_id)})
    out.close()


def push(req: Request) -> None:
    from mocker.engine.distribution import push as engine_push
    from mocker.image.reference import parse_reference

    name = req.params["name"]
    tag = req.q("tag") or ""
    full = f"{name}:{tag}" if tag else name
    ref = parse_reference(full, default_tag=bool(tag))
    creds = registry_auth(req)
    stream = ProgressStream(req, [{"status": f"The push refers to repository [{ref.name}]"}])
    try:
        results = engine_push(req.store, full, all_tags=not tag and ":" not in name.rsplit("/", 1)[-1]
                              and "@" not in name, progress=stream, credentials=creds)
    except MockerError as e:
        stream.fail(e)
        stream.close()
        return
    for r in results:
        label = r.tag or r.digest
        stream.send({"status": f"{label}: digest: {r.digest} size: {r.size}"})
        stream.send({"progressDetail": {}, "aux": {"Tag": r.tag or "", "Digest": r.digest, "Size": r.size}})
    stream.close()


def tag(req: Request) -> None:
    from mocker.engine.images import tag as engine_tag

    repo = req.q("repo") or ""
    if not repo:
        raise InvalidArgument("repository name must have at least one component")
    t = req.q("tag") or ""
    engine_tag(req.store, req.params["name"], f"{repo}:{t}" if t else repo)
    req.send_empty(201)


def _get(store: Store, name: str) -> ImageRecord:
    from mocker.engine.images import find_image

    rec = find_image(store, name)
    if rec is None:
        raise ImageNotFound(f"No such image: {name}")
    return rec


def inspect(req: Request) -> None:
    from mocker.engine.image_inspect import image_json

    store = req.store
    req.send_json(image_json(store, _get(store, req.params["name"])))


def history(req: Request) -> None:
    from mocker.engine.image_inspect import familiar, parse_time
    from mocker.engine.image_inspect import history as engine_history

    store = req.store
    rec = _get(store, req.params["name"])
    req.send_json([{"Id": h.id, "Created": int(parse_time(h.created) or 0), "CreatedBy": h.created_by,
                    "Tags": [familiar(t) for t in h.tags] or None, "Size": h.size, "Comment": h.comment}
                   for h in engine_history(store, rec)])


def delete(req: Request) -> None:
    from mocker.engine.image_remove import remove

    report = remove(req.store, [req.params["name"]], force=req.q_bool("force"), prune=not req.q_bool("noprune"))
    if report.errors:
        raise report.errors[0]
    req.send_json([{"Untagged": u} for u in report.untagged] + [{"Deleted": d} for d in report.deleted])


def prune(req: Request) -> None:
    from mocker.engine.image_filters import PRUNE_KEYS
    from mocker.engine.image_remove import prune as engine_prune

    filters = req.filters()
    dangling = filters.pop("dangling", ["true"])
    for key in filters:
        if key not in PRUNE_KEYS:
            raise InvalidArgument(f"invalid filter '{key}'")
    all_images = dangling[-1].lower() in ("false", "0")
    report = engine_prune(req.store, all_images=all_images, filters=filters)
    deleted = [{"Untagged": u} for u in report.untagged] + [{"Deleted": d} for d in report.deleted]
    req.send_json({"ImagesDeleted": deleted or None, "SpaceReclaimed": report.reclaimed})


def _save(req: Request, names: list[str]) -> None:
    from mocker.engine.archive_save import save

    store = req.store
    for n in names:
        _get(store, n)      # a missing image is a 404 before the body starts
    out = req.stream("application/x-tar")
    save(store, names, out)  # type: ignore[arg-type]
    out.close()


def get_one(req: Request) -> None:
    _save(req, [req.params["name"]])


def get_many(req: Request) -> None:
    names = req.q_all("names")
    if not names:
        raise InvalidArgument("no images given (names=...)")
    _save(req, names)


def load(req: Request) -> None:
    from mocker.engine.archives import load_archive

    report = load_archive(req.store, req.body_stream())  # type: ignore[arg-type]
    out = req.stream()
    for line in report.lines:
        out.json({"stream": line + "\n"})
    out.close()


def distribution(req: Request) -> None:
    from mocker.engine.distribution import inspect_remote

    req.send_json(inspect_remote(req.params["name"], credentials=registry_auth(req)))
