"""``cp``, ``diff``, ``export`` and ``commit`` on real containers (crun + conmon), as a Docker user sees them."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sysconfig
import tarfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.root

BUSYBOX_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"


def raw(env: dict[str, str], *args: str, stdin: bytes | None = None, **kw) -> subprocess.CompletedProcess[bytes]:
    """The installed CLI with binary stdin/stdout (tar streams)."""
    exe = str(Path(sysconfig.get_path("scripts")) / "mocker")
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run([exe, *args], env=env, input=stdin, timeout=120, check=False, **kw)


def sleeper(mocker, name: str, *flags: str, setup: str = "") -> None:
    mocker("run", "-d", "--name", name, *flags, "busybox", "sleep", "1000")
    if setup:
        mocker("exec", name, "sh", "-c", setup)


def tar_of(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, link, 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info


def overlay_mounts(root: Path) -> list[str]:
    return [line for line in Path("/proc/mounts").read_text().splitlines() if str(root) in line and "overlay" in line]


# ---- cp ----------------------------------------------------------------------------------------


def test_cp_files_both_ways_on_a_running_container(mocker, tmp_path):
    sleeper(mocker, "c1", setup="echo hello > /tmp/f")
    assert mocker("cp", "c1:/tmp/f", str(tmp_path / "f")).stdout == ""
    assert (tmp_path / "f").read_text() == "hello\n"
    mocker("cp", "c1:/tmp/f", str(tmp_path))  # into an existing directory: keeps the name
    assert (tmp_path / "f").read_text() == "hello\n"
    host = tmp_path / "host.txt"
    host.write_text("from host\n")
    mocker("cp", str(host), "c1:/tmp/")
    mocker("cp", str(host), "c1:/tmp/renamed")
    assert mocker("exec", "c1", "cat", "/tmp/host.txt", "/tmp/renamed").stdout == "from host\n" * 2
    mocker("container", "cp", str(host), "c1:/")
    assert mocker("exec", "c1", "cat", "/host.txt").stdout == "from host\n"


def test_cp_directories_follow_docker_path_rules(mocker, tmp_path):
    sleeper(mocker, "c1", setup="mkdir -p /d/sub && echo 1 > /d/sub/a && echo 2 > /d/b")
    mocker("cp", "c1:/d", str(tmp_path / "new"))  # a missing destination takes the source's place
    assert (tmp_path / "new" / "sub" / "a").read_text() == "1\n"
    (tmp_path / "existing").mkdir()
    mocker("cp", "c1:/d", str(tmp_path / "existing"))  # an existing directory receives the source
    assert (tmp_path / "existing" / "d" / "b").read_text() == "2\n"
    (tmp_path / "contents").mkdir()
    mocker("cp", "c1:/d/.", str(tmp_path / "contents"))  # "/." copies the contents
    assert sorted(os.listdir(tmp_path / "contents")) == ["b", "sub"]

    src = tmp_path / "src"
    (src / "inner").mkdir(parents=True)
    (src / "inner" / "x").write_text("x\n")
    mocker("cp", str(src), "c1:/tmp/")
    mocker("cp", f"{src}/.", "c1:/d")
    assert mocker("exec", "c1", "cat", "/tmp/src/inner/x", "/d/inner/x").stdout == "x\n" * 2

    r = mocker("cp", "c1:/nope", str(tmp_path), check=False)
    assert (r.returncode, r.stderr) == (1, "Error: Could not find the file /nope in container c1\n")
    r = mocker("cp", str(src / "inner" / "x"), "c1:/missing/", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: no such directory\n")
    r = mocker("cp", str(src), "c1:/d/b", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: cannot copy directory\n")
    r = mocker("cp", "c1:/d", str(tmp_path / "nodir" / "x"), check=False)
    assert r.returncode == 1
    assert r.stderr == f'Error: invalid output path: directory "{tmp_path / "nodir"}" does not exist\n'
    r = mocker("cp", str(src / "inner" / "x"), "c1:/nowhere/x", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: Could not find the file /nowhere in container c1\n")
    r = mocker("cp", "nosuch:/x", str(tmp_path), check=False)
    assert (r.returncode, r.stderr) == (1, "Error: No such container: nosuch\n")
    r = mocker("cp", "c1:/a", "c1:/b", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: copying between containers is not supported\n")
    r = mocker("cp", "a", "b", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: must specify at least one container source\n")


def test_cp_on_stopped_and_created_containers_leaves_no_mount(mocker, mocker_root, tmp_path):
    host = tmp_path / "in.txt"
    host.write_text("seeded\n")
    mocker("create", "--name", "made", "busybox", "cat", "/in.txt")
    mocker("cp", str(host), "made:/")
    mocker("cp", "made:/in.txt", str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "seeded\n"
    assert overlay_mounts(mocker_root) == []
    mocker("start", "made")
    assert mocker("wait", "made").stdout == "0\n"
    assert mocker("logs", "made").stdout == "seeded\n"

    mocker("run", "--name", "done", "busybox", "sh", "-c", "echo later > /out.txt")
    mocker("cp", "done:/out.txt", str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text() == "later\n"
    mocker("cp", str(host), "done:/tmp/")
    assert overlay_mounts(mocker_root) == []
    mocker("start", "done")  # the copy is in the container's own layer
    mocker("wait", "done")
    mocker("cp", "done:/tmp/in.txt", str(tmp_path / "again.txt"))
    assert (tmp_path / "again.txt").read_text() == "seeded\n"


def test_cp_tar_streams_on_stdin_and_stdout(mocker, mocker_env, tmp_path):
    sleeper(mocker, "c1", setup="mkdir -p /d/sub && echo 1 > /d/sub/a")
    r = raw(mocker_env, "cp", "c1:/d", "-")
    assert r.returncode == 0, r.stderr
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
        assert t.getnames() == ["d", "d/sub", "d/sub/a"]
        assert t.extractfile("d/sub/a").read() == b"1\n"  # type: ignore[union-attr]
    r = raw(mocker_env, "cp", "c1:/d/sub/a", "-")
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
        assert t.getnames() == ["a"]

    stream = tar_of((entry("top", tarfile.DIRTYPE), None), (entry("top/file"), b"streamed\n"), (entry(".wh.x"), b""))
    r = raw(mocker_env, "cp", "-", "c1:/tmp", stdin=stream)
    assert r.returncode == 0, r.stderr
    assert mocker("exec", "c1", "cat", "/tmp/top/file").stdout == "streamed\n"
    assert mocker("exec", "c1", "ls", "-a", "/tmp").stdout.split() == [".", "..", ".wh.x", "top"]  # plain names
    import gzip

    r = raw(mocker_env, "cp", "-", "c1:/d", stdin=gzip.compress(stream))  # compressed streams are accepted
    assert r.returncode == 0, r.stderr
    assert mocker("exec", "c1", "cat", "/d/top/file").stdout == "streamed\n"
    r = raw(mocker_env, "cp", "-", "c1:/d/sub/a", stdin=stream)
    assert (r.returncode, r.stderr) == (1, b'Error: destination "c1:/d/sub/a" must be a directory\n')


def test_cp_hostile_tar_streams_are_refused(mocker, mocker_env, tmp_path):
    sleeper(mocker, "c1", setup="mkdir /drop")
    marker = f"escape-{os.getpid()}"
    cases = {
        "../" + marker: (tar_of((entry("../" + marker), b"x")), f'"../{marker}" is outside of "/drop"'),
        "hardlink": (tar_of((entry("hl", tarfile.LNKTYPE, "../../etc/passwd"), None)),
                     'invalid hardlink "/etc/passwd" -> "../../etc/passwd"'),
        "symlink": (tar_of((entry("sl", tarfile.SYMTYPE, "../etc"), None), (entry("sl/" + marker), b"x")),
                    'invalid symlink "/drop/sl" -> "../etc"'),
    }
    for stream, message in cases.values():
        r = raw(mocker_env, "cp", "-", "c1:/drop", stdin=stream)
        assert (r.returncode, r.stderr.decode()) == (1, f"Error: {message}\n")
    # A link that stays in scope may be followed, but only inside the destination.
    stream = tar_of((entry("abs", tarfile.SYMTYPE, "/"), None), (entry(f"abs/tmp/{marker}"), b"x"))
    assert raw(mocker_env, "cp", "-", "c1:/drop", stdin=stream).returncode == 0
    assert mocker("exec", "c1", "cat", f"/drop/tmp/{marker}").stdout == "x"
    assert mocker("exec", "c1", "ls", "/etc").stdout.split() == ["group", "hostname", "hosts", "passwd", "resolv.conf"]
    for where in ("/", "/tmp", "/etc", str(tmp_path.parent)):
        assert not os.path.lexists(os.path.join(where, marker))


def test_cp_symlinks_resolve_inside_the_container(mocker, tmp_path):
    marker = f"mocker-cp-{os.getpid()}"
    sleeper(mocker, "c1", setup="ln -s /etc /evil && ln -s ../../../../../../.. /up && ln -s /etc/passwd /pw")
    mocker("cp", "c1:/evil/passwd", str(tmp_path / "p1"))
    mocker("cp", "c1:/up/etc/passwd", str(tmp_path / "p2"))
    assert (tmp_path / "p1").read_text() == (tmp_path / "p2").read_text() == BUSYBOX_PASSWD
    mocker("cp", "c1:/evil", str(tmp_path / "link"))  # the link itself
    assert os.readlink(tmp_path / "link") == "/etc"
    mocker("cp", "-L", "c1:/evil", str(tmp_path / "followed"))  # -L: its target, under the link's name
    assert (tmp_path / "followed" / "passwd").read_text() == BUSYBOX_PASSWD
    mocker("cp", "-L", "c1:/pw", str(tmp_path / "pw"))
    assert (tmp_path / "pw").read_text() == BUSYBOX_PASSWD
    mocker("cp", "c1:/evil/", str(tmp_path / "slash"))  # a trailing slash follows it too
    assert (tmp_path / "slash" / "group").is_file()

    host = tmp_path / marker
    host.write_text("inside\n")
    mocker("cp", str(host), "c1:/evil/")
    mocker("cp", str(host), f"c1:/up/tmp/{marker}")
    mocker("cp", str(host), "c1:/pw")  # a link destination is replaced through its target, in the container
    assert mocker("exec", "c1", "cat", f"/etc/{marker}", f"/tmp/{marker}", "/etc/passwd").stdout == "inside\n" * 3
    assert not os.path.lexists(f"/etc/{marker}") and not os.path.lexists(f"/tmp/{marker}")
    assert Path("/etc/passwd").read_text() != "inside\n"


def test_cp_archive_mode_and_ownership(mocker, tmp_path):
    sleeper(mocker, "c1", "--user", "nobody")
    host = tmp_path / "owned"
    host.write_text("x\n")
    os.chown(host, 1234, 4321)
    mocker("cp", str(host), "c1:/tmp/plain")  # Docker keeps the tar's (the host file's) owner
    mocker("cp", "-a", str(host), "c1:/tmp/archived")  # -a: the container user's, looked up in the container
    out = mocker("exec", "c1", "stat", "-c", "%n %u:%g", "/tmp/plain", "/tmp/archived").stdout
    assert out == "/tmp/plain 1234:4321\n/tmp/archived 65534:65534\n"
    mocker("exec", "-u", "0", "c1", "sh", "-c", "echo y > /tmp/theirs && chown 77:88 /tmp/theirs")
    mocker("cp", "-a", "c1:/tmp/theirs", str(tmp_path / "theirs"))  # on the host: the caller's
    st = (tmp_path / "theirs").stat()
    assert (st.st_uid, st.st_gid) == (os.getuid(), os.getgid())

    mocker("exec", "-u", "0", "c1", "sh", "-c", "echo root:x:0:0::/root:/bin/sh > /etc/passwd")
    r = mocker("cp", "-a", str(host), "c1:/tmp/", check=False)
    assert (r.returncode, r.stderr) == (
        1, 'Error: failed to look up user "nobody" in container: no matching entries in passwd file\n')


def test_cp_volumes_binds_and_read_only(mocker, tmp_path):
    bind = tmp_path / "bind"
    bind.mkdir()
    (bind / "from-host").write_text("bound\n")
    sleeper(mocker, "v1", "-v", "cpvol:/data", "-v", f"{bind}:/ro:ro", "-v", f"{bind}:/rw")
    host = tmp_path / "f"
    host.write_text("vol\n")
    mocker("cp", str(host), "v1:/data/")
    mountpoint = json.loads(mocker("volume", "inspect", "cpvol").stdout)[0]["Mountpoint"]
    assert Path(mountpoint, "f").read_text() == "vol\n"
    mocker("cp", "v1:/ro/from-host", str(tmp_path / "got"))
    assert (tmp_path / "got").read_text() == "bound\n"
    r = mocker("cp", str(host), "v1:/ro/", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: mounted volume is marked read-only\n")
    mocker("cp", str(host), "v1:/rw/written")
    assert (bind / "written").read_text() == "vol\n"
    mocker("stop", "-t", "0", "v1")
    mocker("cp", "v1:/data/f", str(tmp_path / "stopped"))  # volumes are reached on a stopped container too
    assert (tmp_path / "stopped").read_text() == "vol\n"
    mocker("run", "-d", "--name", "ro", "--read-only", "busybox", "sleep", "1000")
    r = mocker("cp", str(host), "ro:/tmp/", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: container rootfs is marked read-only\n")


def test_cp_reports_progress_only_when_asked_or_on_a_terminal(mocker, tmp_path):
    sleeper(mocker, "c1", setup="echo 1 > /one")
    r = mocker("cp", "c1:/one", str(tmp_path / "one"))
    assert (r.stdout, r.stderr) == ("", "")  # stdout is not a terminal: quiet
    r = mocker("cp", "-q=false", "c1:/one", str(tmp_path / "two"))
    assert r.stderr == f"Successfully copied 2.05kB to {tmp_path / 'two'}\n"
    r = mocker("cp", "--quiet=false", str(tmp_path / "one"), "c1:/tmp/")
    assert r.stderr == "Successfully copied 2.05kB to c1:/tmp/\n"
    r = mocker("cp", "c1:/one", check=False)
    assert r.returncode == 1 and '"mocker cp" requires exactly 2 arguments.' in r.stderr


# ---- diff ----------------------------------------------------------------------------------------


def test_diff_lists_additions_changes_and_deletions(mocker):
    mocker("run", "--name", "d1", "busybox", "sh", "-c",
           "touch /new && echo more >> /etc/passwd && rm /etc/group && mkdir -p /tmp/a/b && rmdir /root")
    assert mocker("diff", "d1").stdout == (
        "C /etc\nD /etc/group\nC /etc/passwd\nA /new\nD /root\nC /tmp\nA /tmp/a\nA /tmp/a/b\n"
    )  # no /etc/hosts, /etc/resolv.conf, /etc/hostname: the runtime's mount points are not changes
    mocker("create", "--name", "fresh", "busybox")
    assert mocker("container", "diff", "fresh").stdout == ""
    r = mocker("diff", "nosuch", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: No such container: nosuch\n")


def test_diff_of_a_replaced_directory_lists_what_it_lost(mocker):
    mocker("run", "--name", "base", "busybox", "sh", "-c", "mkdir -p /o && touch /o/a /o/b")
    mocker("commit", "base", "withdir")
    sleeper_cmd = "rm -rf /o && mkdir /o && touch /o/c"
    mocker("run", "--name", "d2", "withdir", "sh", "-c", sleeper_cmd)
    assert mocker("diff", "d2").stdout == "C /o\nD /o/a\nD /o/b\nA /o/c\n"


# ---- export --------------------------------------------------------------------------------------


def test_export_round_trips_through_import(mocker, mocker_env, tmp_path):
    mocker("run", "--name", "e1", "-v", "/vol", "busybox", "sh", "-c", "echo exported > /marker && touch /vol/x")
    r = raw(mocker_env, "export", "e1")
    assert r.returncode == 0, r.stderr
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
        names = t.getnames()
    assert "marker" in names and "bin/busybox" in names and "vol/x" not in names  # volumes are not exported
    out = tmp_path / "e1.tar"
    mocker("container", "export", "-o", str(out), "e1")
    assert out.stat().st_mode & 0o777 == 0o600 and out.read_bytes() == r.stdout
    image_id = mocker("import", str(out), "fromexport:1").stdout.strip()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image_id)
    assert mocker("run", "--rm", "fromexport:1", "cat", "/marker").stdout == "exported\n"


def test_export_refuses_a_terminal(mocker, mocker_env):
    import pty

    mocker("create", "--name", "e2", "busybox")
    primary, secondary = pty.openpty()
    try:
        r = raw(mocker_env, "export", "e2", stdout=secondary, stderr=subprocess.PIPE)
    finally:
        os.close(secondary)
        os.close(primary)
    assert r.returncode == 1
    assert r.stderr == b"Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n"


# ---- commit --------------------------------------------------------------------------------------


def test_commit_with_changes_message_and_author_runs(mocker):
    sleeper(mocker, "c1", setup="echo committed > /hello && rm /etc/group")
    image_id = mocker("commit", "-a", "Ann <ann@example.com>", "-m", "add hello", "-c", 'CMD ["cat", "/hello"]',
                      "-c", "ENV GREETING=hi", "c1", "snap:v1").stdout.strip()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image_id)
    assert json.loads(mocker("inspect", "c1").stdout)[0]["State"]["Status"] == "running"  # paused, then resumed
    assert mocker("run", "--rm", "snap:v1").stdout == "committed\n"
    out = mocker("run", "--rm", "snap:v1", "sh", "-c", 'echo $GREETING; ls /etc').stdout
    assert out.splitlines()[0] == "hi" and "group" not in out.split()
    doc = json.loads(mocker("image", "inspect", "snap:v1").stdout)[0]
    assert doc["Id"] == image_id
    assert (doc["Comment"], doc["Author"]) == ("add hello", "Ann <ann@example.com>")
    assert doc["Config"]["Cmd"] == ["cat", "/hello"] and "GREETING=hi" in doc["Config"]["Env"]
    base = json.loads(mocker("image", "inspect", "busybox").stdout)[0]
    assert doc["RootFS"]["Layers"][:-1] == base["RootFS"]["Layers"] and len(doc["RootFS"]["Layers"]) == 2
    history = mocker("history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", "snap:v1").stdout
    assert history.splitlines()[0] == "sleep 1000|add hello"


def test_commit_without_changes_and_bad_references(mocker):
    mocker("create", "--name", "idle", "busybox", "true")
    image_id = mocker("commit", "--pause=false", "idle").stdout.strip()
    doc = json.loads(mocker("image", "inspect", image_id).stdout)[0]
    base = json.loads(mocker("image", "inspect", "busybox").stdout)[0]
    assert doc["RootFS"]["Layers"] == base["RootFS"]["Layers"]  # an empty diff adds no layer
    assert doc["Config"]["Cmd"] == ["true"] and doc["RepoTags"] == []
    r = mocker("commit", "idle", "repo@sha256:" + "a" * 64, check=False)
    assert (r.returncode, r.stderr) == (1, "Error: refusing to create a tag with a digest reference\n")
    r = mocker("commit", "-c", "RUN true", "idle", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: RUN is not a valid change command\n")
    r = mocker("commit", "nosuch", check=False)
    assert (r.returncode, r.stderr) == (1, "Error: No such container: nosuch\n")
