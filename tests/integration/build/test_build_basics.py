"""Single-stage builds: steps, every instruction in ``image inspect``, cache, errors, cleanup."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

EVERYTHING = """\
FROM busybox
MAINTAINER someone@example.com
ARG VERSION=1.0
ENV APP_HOME=/srv/app PLAIN=value
LABEL version=$VERSION description="a test image"
WORKDIR $APP_HOME
COPY hello.txt ./
ADD data.tar.gz /unpacked/
RUN echo "built $VERSION" > built.txt && cat hello.txt
SHELL ["/bin/sh", "-ec"]
USER nobody
EXPOSE 8080/tcp 53/udp
VOLUME /data
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --retries=2 CMD ["true"]
ONBUILD RUN echo child
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /srv/app/built.txt /srv/app/hello.txt /unpacked/inner.txt"]
"""


def _inspect(mocker, ref: str) -> dict:
    return json.loads(mocker("image", "inspect", ref).stdout)[0]


def _targz(files: dict[str, bytes]) -> bytes:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_every_instruction_is_reflected_in_image_inspect(mocker, context) -> None:
    ctx = context({"Dockerfile": EVERYTHING, "hello.txt": "hello\n",
                   "data.tar.gz": _targz({"inner.txt": b"from the tar\n"})})
    result = mocker("build", "-t", "everything:1", str(ctx))
    assert "Step 1/18 : FROM busybox" in result.stdout
    assert "Step 9/18 : RUN echo" in result.stdout
    assert "Successfully tagged everything:1" in result.stdout
    short = re.search(r"Successfully built ([0-9a-f]{12})", result.stdout).group(1)
    info = _inspect(mocker, "everything:1")
    assert info["Id"].startswith(f"sha256:{short}")
    cfg = info["Config"]
    assert info["Author"] == "someone@example.com"
    assert "APP_HOME=/srv/app" in cfg["Env"] and "PLAIN=value" in cfg["Env"]
    assert not any(e.startswith("VERSION=") for e in cfg["Env"])  # build args do not persist
    assert cfg["Labels"] == {"version": "1.0", "description": "a test image"}
    assert cfg["WorkingDir"] == "/srv/app"
    assert cfg["User"] == "nobody"
    assert cfg["ExposedPorts"] == {"8080/tcp": {}, "53/udp": {}}
    assert cfg["Volumes"] == {"/data": {}}
    assert cfg["StopSignal"] == "SIGINT"
    assert cfg["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 5_000_000_000, "Retries": 2}
    assert cfg["OnBuild"] == ["RUN echo child"]
    assert cfg["Shell"] == ["/bin/sh", "-ec"]
    assert cfg["Entrypoint"] == ["/bin/sh", "-c"]
    assert cfg["Cmd"] == ["cat /srv/app/built.txt /srv/app/hello.txt /unpacked/inner.txt"]
    run = mocker("run", "--rm", "everything:1")
    assert run.stdout == "built 1.0\nhello\nfrom the tar\n"
    history = mocker("history", "--no-trunc", "--format", "{{.CreatedBy}}", "everything:1").stdout
    assert "RUN |1 VERSION=1.0 /bin/sh -c echo" in history


def test_rebuild_hits_cache_and_a_changed_source_misses(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN echo one > /one\nCOPY app.txt /app.txt\nRUN cat /app.txt\n",
                   "app.txt": "v1\n"})
    first = mocker("build", "-t", "cached", str(ctx)).stdout
    assert "Using cache" not in first
    image = _inspect(mocker, "cached")["Id"]
    second = mocker("build", "-t", "cached", str(ctx)).stdout
    assert second.count(" ---> Using cache") == 3
    assert _inspect(mocker, "cached")["Id"] == image
    os.utime(ctx / "app.txt", (1, 1))  # only the mtime: still a hit
    assert mocker("build", "-t", "cached", str(ctx)).stdout.count(" ---> Using cache") == 3
    (ctx / "app.txt").write_text("v2\n")
    third = mocker("build", "-t", "cached", str(ctx)).stdout
    assert third.count(" ---> Using cache") == 1  # the RUN before the COPY only
    assert "v2" in third
    assert _inspect(mocker, "cached")["Id"] != image
    assert " ---> Using cache" not in mocker("build", "--no-cache", "-t", "cached", str(ctx)).stdout


def test_builder_prune_forgets_the_cache(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN echo x > /x\n"})
    mocker("build", str(ctx))
    pruned = mocker("builder", "prune", "-f")
    assert pruned.stdout.startswith("Total reclaimed space:")
    assert " ---> Using cache" not in mocker("build", str(ctx)).stdout


def test_failing_run_shows_output_line_and_code_and_leaves_nothing(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN echo fine\nRUN echo broken >&2 && exit 7\nCMD true\n"})
    before = mocker("images", "-aq").stdout
    result = mocker("build", "-t", "broken", str(ctx), check=False)
    assert result.returncode == 1
    assert "broken" in result.stdout + result.stderr
    assert "Error: Dockerfile:3: The command '/bin/sh -c echo broken >&2 && exit 7' returned a non-zero code: 7" \
        in result.stderr
    assert mocker("images", "-aq").stdout == before
    assert mocker("image", "inspect", "broken", check=False).returncode == 1
    assert mocker("ps", "-aq").stdout == ""


def test_parse_errors_point_at_the_line(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN true\nFOO bar\n"})
    result = mocker("build", str(ctx), check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: Dockerfile:3: unknown instruction: FOO"
    ctx = context({"Dockerfile": "FROM busybox\nENV ONLYKEY\n"})
    result = mocker("build", str(ctx), check=False)
    assert result.stderr.strip() == "Error: Dockerfile:2: dockerfile parse error: ENV must have two arguments"
    ctx = context({"Dockerfile": "FROM busybox\nCOPY missing.txt /\n"})
    result = mocker("build", str(ctx), check=False)
    assert result.returncode == 1
    assert "Dockerfile:2: COPY failed: file not found in build context" in result.stderr


def test_build_args_defaults_overrides_and_unused_warning(mocker, context) -> None:
    ctx = context({"Dockerfile": "ARG BASE=busybox\nFROM $BASE\nARG WHO=world\nARG FROM_ENV\n"
                                 "RUN echo \"hello $WHO $FROM_ENV\" > /greeting\nCMD [\"cat\", \"/greeting\"]\n"})
    result = mocker("build", "--build-arg", "WHO=mocker", "--build-arg", "UNUSED=1", "-t", "args", str(ctx))
    assert "[Warning] One or more build-args [UNUSED] were not consumed" in result.stdout
    assert mocker("run", "--rm", "args").stdout == "hello mocker \n"


def test_quiet_prints_only_the_id_and_iidfile(mocker, context, tmp_path: Path) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN echo noisy\n"})
    iid = tmp_path / "iid"
    result = mocker("build", "-q", "--iidfile", str(iid), "--label", "a=b", "-t", "q1", "-t", "q2:v", str(ctx))
    assert re.fullmatch(r"sha256:[0-9a-f]{64}\n", result.stdout)
    assert iid.read_text() == result.stdout.strip()
    info = _inspect(mocker, "q1")
    assert info["Id"] == iid.read_text()
    assert info["Config"]["Labels"] == {"a": "b"}
    assert sorted(info["RepoTags"]) == ["q1:latest", "q2:v"]


def test_dockerfile_from_stdin_and_tar_context_from_stdin(mocker, context, tmp_path: Path) -> None:
    import io
    import tarfile

    ctx = context({"file.txt": "from the context\n"})
    df = "FROM busybox\nCOPY file.txt /file.txt\nCMD [\"cat\", \"/file.txt\"]\n"
    mocker("build", "-f", "-", "-t", "stdin-df", str(ctx), input=df)
    assert mocker("run", "--rm", "stdin-df").stdout == "from the context\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in (("Dockerfile", df.encode()), ("file.txt", b"from a tar\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    tar = tmp_path / "ctx.tar"
    tar.write_bytes(buf.getvalue())
    with tar.open("rb") as f:
        result = mocker("build", "-t", "stdin-tar", "-", stdin=f)
    assert "Successfully tagged stdin-tar:latest" in result.stdout
    assert mocker("run", "--rm", "stdin-tar").stdout == "from a tar\n"


def test_copy_chown_chmod_and_add_url(mocker, context, tmp_path: Path) -> None:
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    (served / "remote.txt").write_text("downloaded\n")
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(served))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/remote.txt"
        ctx = context({"Dockerfile": f"FROM busybox\nCOPY --chown=nobody:nogroup --chmod=640 f.txt /x/f.txt\n"
                                     f"COPY --chown=1234 dir /d/\nADD {url} /remote/\n"
                                     "CMD [\"stat\", \"-c\", \"%n %u %g %a\", \"/x\", \"/x/f.txt\", \"/d/sub/g.txt\","
                                     " \"/remote/remote.txt\"]\n",
                       "f.txt": "f", "dir/sub/g.txt": "g"})
        mocker("build", "-t", "owners", str(ctx))
    finally:
        server.shutdown()
    assert mocker("run", "--rm", "owners").stdout.splitlines() == [
        "/x 65534 65534 755", "/x/f.txt 65534 65534 640", "/d/sub/g.txt 1234 1234 644", "/remote/remote.txt 0 0 600"]
    assert mocker("run", "--rm", "owners", "cat", "/remote/remote.txt").stdout == "downloaded\n"


def test_network_and_add_host_for_run_steps(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN grep myhost /etc/hosts > /hosts-line\n"
                                 "RUN --network=none cat /proc/net/dev > /netdev\n"
                                 "CMD [\"cat\", \"/hosts-line\", \"/netdev\"]\n"})
    mocker("build", "--add-host", "myhost:10.1.2.3", "-t", "nets", str(ctx))
    lines = mocker("run", "--rm", "nets").stdout.splitlines()
    assert lines[0] == "10.1.2.3\tmyhost"
    assert [ln.split(":")[0].strip() for ln in lines[3:]] == ["lo"]  # RUN --network=none: loopback only
    bad = mocker("build", "--network", "container:abc", str(ctx), check=False)
    assert bad.stderr.startswith("Error: --network container:<id> is not supported by mocker (")


def test_onbuild_triggers_run_in_the_child_build(mocker, context) -> None:
    parent = context({"Dockerfile": "FROM busybox\nONBUILD COPY marker.txt /marker.txt\n"
                                    "ONBUILD RUN echo triggered > /triggered\n"})
    mocker("build", "-t", "parent-img", str(parent))
    child = context({"Dockerfile": "FROM parent-img\nCMD [\"cat\", \"/marker.txt\", \"/triggered\"]\n",
                     "marker.txt": "from the child's context\n"})
    result = mocker("build", "-t", "child-img", str(child))
    assert "# Executing 2 build triggers" in result.stdout
    assert mocker("run", "--rm", "child-img").stdout == "from the child's context\ntriggered\n"
    assert "OnBuild" not in json.loads(mocker("image", "inspect", "child-img").stdout)[0]["Config"] or \
        not json.loads(mocker("image", "inspect", "child-img").stdout)[0]["Config"]["OnBuild"]


def test_flags_mocker_cannot_honour_say_so(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\n"})
    for flags in (["--cache-from", "type=local,src=/x"], ["--memory", "10m"], ["--squash"], ["--ssh", "default"],
                  ["--progress", "tty"]):
        r = mocker("build", *flags, str(ctx), check=False)
        assert r.returncode == 125, flags
        assert "is not supported by mocker (" in r.stderr, flags


def test_rm_false_keeps_the_containers_of_successful_steps(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nRUN echo kept > /k\nRUN exit 0\n"})
    mocker("build", "--rm=false", "--no-cache", "-t", "kept-steps", str(ctx))
    ids = mocker("ps", "-aq").stdout.split()
    assert len(ids) == 2
    mocker("rm", *ids)
    mocker("build", "--rm=false", "--force-rm", "--no-cache", str(ctx))
    assert mocker("ps", "-aq").stdout == ""


def test_cache_from_an_image_stands_in_for_the_local_cache(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nENV A=1\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy\n"
                                 "CMD [\"cat\", \"/copy\"]\n", "app.txt": "v1\n"})
    mocker("build", "-t", "cache-src", str(ctx))
    source = _inspect(mocker, "cache-src")
    mocker("builder", "prune", "-f")
    result = mocker("build", "--cache-from", "cache-src", "-t", "from-cache", str(ctx)).stdout
    assert result.count(" ---> Using cache") == 4
    assert " ---> Running in" not in result
    built = _inspect(mocker, "from-cache")
    assert built["RootFS"]["Layers"] == source["RootFS"]["Layers"]
    assert built["Config"]["Env"] == source["Config"]["Env"]
    assert mocker("run", "--rm", "from-cache").stdout == "v1\n"
    mocker("builder", "prune", "-f")
    (ctx / "app.txt").write_text("v2\n")
    changed = mocker("build", "--cache-from", "cache-src", "-t", "changed", str(ctx)).stdout
    assert changed.count(" ---> Using cache") == 1  # ENV only: the COPY's content differs
    assert mocker("run", "--rm", "changed").stdout == "v2\n"


def test_workdir_creates_its_directory(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nWORKDIR /made/by/workdir\nWORKDIR /tmp\n"
                                 "CMD [\"stat\", \"-c\", \"%n %u %a\", \"/made/by/workdir\"]\n"})
    mocker("build", "-t", "workdir", str(ctx))
    assert mocker("run", "--rm", "workdir").stdout == "/made/by/workdir 0 755\n"
    layers = _inspect(mocker, "workdir")["RootFS"]["Layers"]
    assert len(layers) == 2  # the base, and the directory (/tmp existed: no layer)
