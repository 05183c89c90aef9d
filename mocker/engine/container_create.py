"""``create``: options + image config -> a stored container record and its backend-neutral spec.

Nothing runs here (``docker create`` starts no process): the record holds the resolved
:class:`~mocker.runtime.base.ContainerSpec` and the create options, so ``start`` (and a restart by
the supervisor's exit command) rebuild nothing from flags. Options this milestone cannot honour
raise ``NotSupported`` here, in one place, before anything is written.
"""

from __future__ import annotations

import os
import time
from typing import Any

from mocker.engine.types.containers import ContainerCreateOptions
from mocker.errors import InvalidArgument, NotSupported
from mocker.runtime.base import ContainerSpec, Mount, Security
from mocker.store import containers as cdb
from mocker.store.containers import ContainerRecord
from mocker.store.db import transaction
from mocker.store.images import ImageRecord
from mocker.store.store import Store


def _unsupported(opts: ContainerCreateOptions) -> None:
    """Every option the engine cannot honour errors here; nothing is silently dropped."""
    if opts.security.apparmor_profile not in (None, "unconfined"):
        raise NotSupported("--security-opt apparmor", "AppArmor profiles are not applied by mocker")
    for m in opts.mounts:
        if m.volume_subpath:
            raise NotSupported("--mount volume-subpath", "volume subpaths are not implemented")
        if m.bind_recursive not in (None, "enabled"):
            raise NotSupported(f"--mount bind-recursive={m.bind_recursive}", "only recursive binds are implemented")


def _merge_env(image_env: list[str], env: tuple[str, ...]) -> list[str]:
    """moby's ReplaceOrAppendEnvValues: same key replaces in place; a bare "KEY" removes it."""
    out = list(image_env)
    for e in env:
        key, eq, _ = e.partition("=")
        idx = next((i for i, x in enumerate(out) if x.partition("=")[0] == key), None)
        if not eq:
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(e)
        else:
            out[idx] = e
    return out


def _args(opts: ContainerCreateOptions, cfg: dict[str, Any]) -> list[str]:
    entry = list(cfg.get("Entrypoint") or []) if opts.entrypoint is None else list(opts.entrypoint)
    if opts.command is not None:
        cmd = list(opts.command)
    elif opts.entrypoint is not None:
        cmd = []  # a new entrypoint drops the image's CMD, as Docker does
    else:
        cmd = list(cfg.get("Cmd") or [])
    args = entry + cmd
    if not args:
        raise InvalidArgument("no command specified")
    return args


def _etc_files(store: Store, cid: str, hostname: str, opts: ContainerCreateOptions) -> dict[str, str]:
    """/etc/hostname, /etc/hosts, /etc/resolv.conf as Docker writes them (host's resolv.conf for host net)."""
    d = store.paths.containers / cid
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = {}
    (d / "hostname").write_text(hostname + "\n")
    files["/etc/hostname"] = str(d / "hostname")
    hosts = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::\tip6-localnet",
             "ff00::\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters"]
    for h in opts.extra_hosts:
        name, _, ip = h.partition(":")
        if ip == "host-gateway":
            from mocker.engine.network_attach import host_gateway

            ip = host_gateway(store)
        hosts.append(f"{ip}\t{name}")
    if opts.network_mode != "host":
        hosts.append(f"127.0.1.1\t{hostname}" if not opts.domainname else
                     f"127.0.1.1\t{hostname}.{opts.domainname} {hostname}")
    (d / "hosts").write_text("\n".join(hosts) + "\n")
    files["/etc/hosts"] = str(d / "hosts")
    try:
        host_resolv = open("/etc/resolv.conf").read()  # noqa: SIM115
    except OSError:
        host_resolv = ""
    lines = [ln for ln in host_resolv.splitlines()
             if not (opts.dns and ln.startswith("nameserver")) and not (opts.dns_search and ln.startswith("search"))
             and not (opts.dns_options and ln.startswith("options"))]
    lines += [f"nameserver {n}" for n in opts.dns]
    if opts.dns_search:
        lines.append("search " + " ".join(opts.dns_search))
    if opts.dns_options:
        lines.append("options " + " ".join(opts.dns_options))
    (d / "resolv.conf").write_text("\n".join(lines) + ("\n" if lines else ""))
    files["/etc/resolv.conf"] = str(d / "resolv.conf")
    return files


def _mounts(store: Store, opts: ContainerCreateOptions,
            cfg: dict[str, Any]) -> tuple[list[Mount], list[dict[str, Any]]]:
    """Mounts for the spec, and the volume attachments (name, destination, copy_up) to record."""
    from mocker.engine import volumes

    mounts: list[Mount] = []
    attach: list[dict[str, Any]] = []
    targets: set[str] = set()

    def add_volume(name: str, target: str, ro: bool, nocopy: bool, labels: dict[str, str] | None = None,
                   options: dict[str, str] | None = None) -> None:
        # The volume itself is created in the same transaction as the container row (see create()),
        # so a racing "volume rm" cannot take it between the two, and a failed create leaks none.
        anonymous = not name
        if anonymous:
            from mocker.engine.names import new_id

            name = new_id()
        volumes.validate_name(name)
        mountpoint = store.paths.text("volumes", name, "_data")
        mounts.append(Mount(type="volume", source=mountpoint, target=target, read_only=ro, name=name))
        attach.append({"name": name, "destination": target, "copy_up": not nocopy, "anonymous": anonymous,
                       "labels": labels or {}, "options": options or {}})

    for v in opts.volumes:
        if v.target in targets:
            raise InvalidArgument(f"Duplicate mount point: {v.target}")
        targets.add(v.target)
        if v.type == "bind":
            os.makedirs(v.source, exist_ok=True)  # -v creates a missing host directory; --mount does not
            mounts.append(Mount(type="bind", source=v.source, target=v.target, read_only=v.read_only,
                                propagation=v.propagation or ""))
        else:
            add_volume(v.source, v.target, v.read_only, v.nocopy)
    for m in opts.mounts:
        if m.target in targets:
            raise InvalidArgument(f"Duplicate mount point: {m.target}")
        targets.add(m.target)
        if m.type == "bind":
            mounts.append(Mount(type="bind", source=m.source, target=m.target, read_only=m.read_only,
                                propagation=m.bind_propagation or ""))
        elif m.type == "tmpfs":
            o = []
            if m.tmpfs_size:
                o.append(f"size={m.tmpfs_size}")
            if m.tmpfs_mode is not None:
                o.append(f"mode={m.tmpfs_mode:o}")
            mounts.append(Mount(type="tmpfs", target=m.target, source="tmpfs", read_only=m.read_only,
                                options=tuple(o)))
        else:
            add_volume(m.source, m.target, m.read_only, m.volume_nocopy, m.volume_labels, m.volume_options)
    for path, text in opts.tmpfs.items():
        if path in targets:
            raise InvalidArgument(f"Duplicate mount point: {path}")
        targets.add(path)
        mounts.append(Mount(type="tmpfs", target=path, source="tmpfs",
                            options=tuple(x for x in text.split(",") if x)))
    for path in (cfg.get("Volumes") or {}):
        if path not in targets:  # image VOLUME: an anonymous volume, unless a mount covers it
            targets.add(path)
            add_volume("", path, False, False)
    return mounts, attach


def create(store: Store, opts: ContainerCreateOptions, image: ImageRecord) -> ContainerRecord:
    """Record a new container (nothing runs). Its files are written under the container's lock and
    removed again if the record is not stored (e.g. a name clash), so ``system prune``'s sweep of
    directories without a record never races a create in progress."""
    from mocker.engine.names import new_id
    from mocker.store.locks import file_lock

    cid = new_id()
    with file_lock(store.paths.run / "locks" / f"{cid}.lock"):
        try:
            rec = _create(store, opts, image, cid)
        except BaseException:
            if cdb.get(store.db, cid) is None:
                import shutil

                shutil.rmtree(store.paths.containers / cid, ignore_errors=True)
            raise
    from mocker.engine.events import container_event

    container_event(store, rec, "create")
    return rec


def _create(store: Store, opts: ContainerCreateOptions, image: ImageRecord, cid: str) -> ContainerRecord:
    from mocker.engine import health, network_attach
    from mocker.engine.images import image_config
    from mocker.engine.names import random_name, validate_name
    from mocker.engine.types.containers import validate_create_options
    from mocker.image.manifest import chain_ids

    validate_create_options(opts)
    _unsupported(opts)
    full_cfg = image_config(store, image)
    cfg = full_cfg.get("config") or {}
    name = validate_name(opts.name) if opts.name else None
    hostname = opts.hostname or cid[:12]
    env = _merge_env(list(cfg.get("Env") or []), opts.env)
    if not any(e.startswith("PATH=") for e in env):
        env.insert(0, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    args = _args(opts, cfg)
    layers = tuple(str(store.paths.layer_dir(c) / "diff") for c in chain_ids(
        list((full_cfg.get("rootfs") or {}).get("diff_ids") or [])))
    labels = {**(cfg.get("Labels") or {}), **opts.labels}
    if opts.cidfile and os.path.exists(opts.cidfile):
        raise InvalidArgument(f"Container ID file found, make sure the other container isn't running or "
                              f"delete {opts.cidfile}")
    mounts, attach = _mounts(store, opts, cfg)
    security: Security = opts.security
    plan = network_attach.resolve(store, opts)
    mode, netns = plan.mode, None
    etc = _etc_files(store, cid, hostname, opts)
    if mode == "host":  # the host's own files, as Docker does with --network host
        etc.update({"/etc/hosts": "/etc/hosts", "/etc/resolv.conf": "/etc/resolv.conf"})
        if opts.extra_hosts:  # --add-host: the host's hosts file plus the entries, in a copy
            try:
                host_hosts = open("/etc/hosts").read()  # noqa: SIM115
            except OSError:
                host_hosts = ""
            from mocker.engine.network_attach import host_gateway

            extra = "".join(f"{host_gateway(store) if ip == 'host-gateway' else ip}\t{name}\n"
                            for name, _, ip in (h.partition(":") for h in opts.extra_hosts))
            path = store.paths.containers / cid / "hosts"
            path.write_text(host_hosts + ("" if not host_hosts or host_hosts.endswith("\n") else "\n") + extra)
            etc["/etc/hosts"] = str(path)
    elif plan.kind != "none":
        netns = network_attach.netns_path(store, cid)
        if plan.peer:   # container:<id> shares the other container's files too
            peer_dir = store.paths.containers / plan.peer
            etc = {f"/etc/{n}": str(peer_dir / n) for n in ("hostname", "hosts", "resolv.conf")}
    spec = ContainerSpec(
        id=cid, name=name or "", rootfs_layers=layers, args=tuple(args), env=tuple(env),
        workdir=opts.workdir or cfg.get("WorkingDir") or "/", user=opts.user if opts.user is not None else
        (cfg.get("User") or ""), group_add=opts.group_add, hostname=hostname, domainname=opts.domainname or "",
        tty=opts.tty, open_stdin=opts.open_stdin, stdin_once=opts.stdin_once, mounts=tuple(mounts),
        resources=opts.resources,
        security=security, ulimits=opts.ulimits, devices=opts.devices, init=bool(opts.init),
        stop_signal=opts.stop_signal or cfg.get("StopSignal") or "SIGTERM", network_mode=mode,
        netns_path=netns, etc_files=etc,
        sysctls=dict(opts.sysctls), platform=f"{image.os}/{image.architecture}", labels=labels,
        log_driver="none" if opts.log_driver == "none" else "k8s-file",
        log_path=str(store.paths.containers / cid / "ctr.log"), log_size_max=opts.log_max_size,
        volatile_rootfs=opts.auto_remove,
    )
    now = time.time()
    record = ContainerRecord(
        id=cid, name=name or "", image_id=image.id, image_name=opts.image, created=now,
        config={"options": _jsonable(opts), "spec": spec.to_json(), "volumes": attach,
                "image_config": cfg, "manually_stopped": False,
                "healthcheck": health.resolve(opts.healthcheck, cfg.get("Healthcheck"))},
        labels=labels, status="created", pid=0, exit_code=None, started_at=None, finished_at=None,
        oom_killed=False, restart_count=0, error="", health=None, updated_at=now,
    )
    from mocker.engine import volumes

    for retry in range(20):
        if name is None:
            record = record.replace(name=random_name(retry))
            record.config["spec"]["name"] = record.name
        try:
            with transaction(store.db) as conn:
                for a in attach:
                    if a["anonymous"]:
                        volumes.create_volume(store, a["name"], anonymous=True,
                                              labels={"com.docker.volume.anonymous": ""})
                    elif a["labels"] or a["options"]:
                        volumes.create_volume(store, a["name"], labels=a["labels"], options=a["options"])
                    else:
                        volumes.ensure_named(store, a["name"])
                cdb.insert(conn, record)
                network_attach.attach_new(conn, record, plan)
                for a in attach:
                    volumes.attach(conn, cid, a["name"], a["destination"])
            break
        except Exception:
            if name is not None or retry == 19:
                raise
    network_attach.write_etc(store, record, plan, opts)
    if opts.cidfile:
        with open(opts.cidfile, "x") as f:
            f.write(cid)
    return record


def _jsonable(opts: ContainerCreateOptions) -> dict[str, Any]:
    from mocker.records import asdict

    return asdict(opts)


def spec_from_record(rec: ContainerRecord) -> ContainerSpec:
    """The stored spec back as a ContainerSpec (nested records rebuilt)."""
    from mocker.runtime.base import Device, Resources, Ulimit

    d = dict(rec.config["spec"])
    d["name"] = rec.name
    d["rootfs_layers"] = tuple(d["rootfs_layers"])
    for k in ("args", "env", "group_add"):
        d[k] = tuple(d[k])
    d["mounts"] = tuple(Mount(**{**m, "options": tuple(m["options"])}) for m in d["mounts"])
    d["resources"] = Resources(**d["resources"])
    sec = d["security"]
    for k in ("cap_add", "cap_drop"):
        sec[k] = tuple(sec[k])
    for k in ("masked_paths", "readonly_paths"):
        if sec.get(k) is not None:
            sec[k] = tuple(sec[k])
    d["security"] = Security(**sec)
    d["ulimits"] = tuple(Ulimit(**u) for u in d["ulimits"])
    d["devices"] = tuple(Device(**x) for x in d["devices"])
    return ContainerSpec(**d)
