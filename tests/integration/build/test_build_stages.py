"""Multi-stage builds, .dockerignore, heredocs, RUN --mount, reproducible digests, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

MULTI = """\
FROM busybox AS builder
RUN mkdir -p /out && echo compiled > /out/app
FROM busybox AS unused
RUN echo never
FROM busybox AS final
COPY --from=builder /out/app /usr/local/bin/app
COPY --from=0 /out/ /copy-of-out/
CMD ["cat", "/usr/local/bin/app", "/copy-of-out/app"]
"""


def _inspect(mocker, ref: str) -> dict:
    return json.loads(mocker("image", "inspect", ref).stdout)[0]


def test_multi_stage_copy_from_skips_unneeded_stages(mocker, context) -> None:
    ctx = context({"Dockerfile": MULTI})
    result = mocker("build", "-t", "multi", str(ctx))
    assert "never" not in result.stdout  # the unused stage is not built
    assert "Step 1/6 : FROM busybox AS builder" in result.stdout
    assert "Step 3/6 : FROM busybox AS final" in result.stdout
    assert mocker("run", "--rm", "multi").stdout == "compiled\ncompiled\n"
    assert len(_inspect(mocker, "multi")["RootFS"]["Layers"]) == 3  # busybox + two COPY layers


def test_target_builds_the_named_stage(mocker, context) -> None:
    ctx = context({"Dockerfile": MULTI})
    result = mocker("build", "--target", "builder", "-t", "only-builder", str(ctx))
    assert "Step 2/2 : RUN mkdir" in result.stdout
    assert mocker("run", "--rm", "only-builder", "cat", "/out/app").stdout == "compiled\n"
    bad = mocker("build", "--target", "nope", str(ctx), check=False)
    assert bad.returncode == 1
    assert "failed to reach build target nope in Dockerfile" in bad.stderr


def test_dockerignore_with_exceptions(mocker, context) -> None:
    ctx = context({
        "Dockerfile": "FROM busybox\nCOPY . /ctx/\nCMD [\"ls\", \"-aR\", \"/ctx\"]\n",
        ".dockerignore": "# comment\nlogs\n!logs/keep.log\n**/*.tmp\nsecret.txt\n",
        "app.txt": "a", "secret.txt": "s", "logs/keep.log": "k", "logs/drop.log": "d",
        "deep/dir/x.tmp": "t", "deep/dir/y.txt": "y",
    })
    mocker("build", "-t", "ignored", str(ctx))
    listing = mocker("run", "--rm", "ignored").stdout
    assert listing == ("/ctx:\n.\n..\n.dockerignore\nDockerfile\napp.txt\ndeep\nlogs\n\n"
                       "/ctx/deep:\n.\n..\ndir\n\n/ctx/deep/dir:\n.\n..\ny.txt\n\n/ctx/logs:\n.\n..\nkeep.log\n")
    # an ignored file changing does not bust the cache
    (ctx / "secret.txt").write_text("changed")
    assert " ---> Using cache" in mocker("build", "-t", "ignored", str(ctx)).stdout
    missing = context({"Dockerfile": "FROM busybox\nCOPY secret.txt /\n", ".dockerignore": "secret.txt\n",
                       "secret.txt": "s"})
    result = mocker("build", str(missing), check=False)
    assert result.returncode == 1
    assert "excluded by .dockerignore" in result.stderr


def test_heredocs_in_run_and_copy(mocker, context) -> None:
    df = (
        "FROM busybox\n"
        "ARG NAME=heredoc\n"
        "RUN <<EOF\n"
        "echo first > /first\n"
        "echo \"$NAME\" >> /first\n"
        "EOF\n"
        "RUN <<EOF\n"
        "#!/bin/sh\n"
        "echo \"script $0\" > /script\n"
        "EOF\n"
        "COPY <<-EOT /copied.txt\n"
        "\tindented $NAME\n"
        "\tEOT\n"
        "COPY <<'RAW' /raw.txt\n"
        "kept $NAME\n"
        "RAW\n"
        "CMD [\"cat\", \"/first\", \"/script\", \"/copied.txt\", \"/raw.txt\"]\n"
    )
    ctx = context({"Dockerfile": df})
    mocker("build", "-t", "heredoc", str(ctx))
    assert mocker("run", "--rm", "heredoc").stdout == (
        "first\nheredoc\nscript /dev/pipes/EOF\nindented heredoc\nkept $NAME\n")


def test_same_inputs_give_the_same_digest(mocker, context, tmp_path: Path, mocker_env) -> None:
    ctx = context({"Dockerfile": "FROM busybox\nCOPY a.txt /a.txt\nRUN echo built > /built && mkdir /d\n"
                                 "ENV X=1\n", "a.txt": "same\n"})
    env = {**mocker_env, "SOURCE_DATE_EPOCH": "1700000000"}
    first = mocker("build", "-q", "--no-cache", str(ctx), env=env).stdout.strip()
    os.utime(ctx / "a.txt", (5, 5))
    time.sleep(1.1)  # a different wall clock second must not matter either
    second = mocker("build", "-q", "--no-cache", str(ctx), env=env).stdout.strip()
    assert first == second
    created = _inspect(mocker, first)["Created"]
    assert created.startswith("2023-11-14T22:13:20")


def test_run_mounts_cache_bind_and_secret(mocker, context, tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cr3t")
    df = (
        "FROM busybox\n"
        "RUN --mount=type=cache,target=/cache echo run >> /cache/log && wc -l < /cache/log > /count\n"
        "RUN --mount=type=secret,id=token cat /run/secrets/token > /seen-secret-length-check && "
        "wc -c < /run/secrets/token > /secret-len && rm /seen-secret-length-check\n"
        "RUN --mount=type=bind,source=conf,target=/conf cat /conf/setting > /setting\n"
        "RUN --mount=type=bind,from=busybox,source=/etc,target=/other-etc cat /other-etc/group > /group\n"
        "CMD [\"cat\", \"/count\", \"/secret-len\", \"/setting\"]\n"
    )
    ctx = context({"Dockerfile": df, "conf/setting": "on\n"})
    mocker("build", "--secret", f"id=token,src={secret}", "-t", "mounts", str(ctx))
    assert mocker("run", "--rm", "mounts").stdout.split() == ["1", "6", "on"]
    mocker("build", "--no-cache", "--secret", f"id=token,src={secret}", "-t", "mounts", str(ctx))
    assert mocker("run", "--rm", "mounts").stdout.split() == ["2", "6", "on"]  # the cache dir was kept
    listing = mocker("run", "--rm", "mounts", "ls", "-a", "/").stdout.split()
    assert "run" not in listing and "cache" not in listing and "conf" not in listing  # mount points left out
    assert "other-etc" not in listing
    assert mocker("run", "--rm", "mounts", "cat", "/group").stdout.startswith("root:x:0:")


def test_interrupted_build_leaves_no_container(mocker, context, mocker_env) -> None:
    from tests.conftest import mocker_executable

    ctx = context({"Dockerfile": "FROM busybox\nRUN echo started && sleep 60\n"})
    proc = subprocess.Popen([mocker_executable(), "build", "-t", "interrupted", str(ctx)], env=mocker_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("started"):
            break
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert mocker("ps", "-aq").stdout == ""
    assert mocker("image", "inspect", "interrupted", check=False).returncode == 1


def test_system_prune_sweeps_what_a_killed_build_left(mocker, context, mocker_env, mocker_root) -> None:
    from tests.conftest import mocker_executable

    ctx = context({"Dockerfile": "FROM busybox\nCOPY . /ctx\nRUN echo started && sleep 60\n", "f": "x"})
    proc = subprocess.Popen([mocker_executable(), "build", str(ctx)], env=mocker_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("started"):
            break
    proc.kill()  # no chance to clean up
    proc.communicate(timeout=30)
    assert mocker("ps", "-aq").stdout != ""
    swept = mocker("system", "prune", "-f")
    assert "build step of a killed build" in swept.stdout + swept.stderr
    assert mocker("ps", "-aq").stdout == ""
    assert not list((mocker_root / "build").glob("step-*"))


def test_dockerfile_specific_ignore_file_and_error_names_the_file(mocker, context) -> None:
    ctx = context({
        "docker/app.Dockerfile": "FROM busybox\nCOPY . /ctx/\nCMD [\"ls\", \"-a\", \"/ctx\"]\n",
        "docker/app.Dockerfile.dockerignore": "only-for-app.txt\ndocker\n",
        ".dockerignore": "general.txt\n",
        "only-for-app.txt": "x", "general.txt": "g", "kept.txt": "k",
    })
    mocker("build", "-f", str(ctx / "docker" / "app.Dockerfile"), "-t", "per-file", str(ctx))
    assert mocker("run", "--rm", "per-file").stdout.split() == [".", "..", ".dockerignore", "general.txt", "kept.txt"]
    (ctx / "docker" / "app.Dockerfile").write_text("FROM busybox\nRUN exit 4\n")
    result = mocker("build", "-f", str(ctx / "docker" / "app.Dockerfile"), str(ctx), check=False)
    assert "Error: app.Dockerfile:2: The command '/bin/sh -c exit 4' returned a non-zero code: 4" in result.stderr
