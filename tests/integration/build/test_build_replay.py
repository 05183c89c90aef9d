"""A no-change rebuild answered from its last run (DECISIONS 39), and every change that must stop it.

Whether a build was replayed is seen as a fact of the process: a replay answers before the CLI is
loaded, so ``python -X importtime -m mocker build ...`` lists no ``mocker.cli.main`` import. Each
test waits out the 2 s "racy" window after writing its context (a file changed less than 2 s before
a build is never trusted by its stat), as a user's rebuild a few seconds after an edit would.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from tests.conftest import mocker_executable

DOCKERFILE = """\
FROM busybox
ARG VERSION=1
COPY src/ /src/
RUN echo "$VERSION" > /version
LABEL x=y
"""

RACY = 2.1


def _build(env: dict[str, str], *args: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], bool]:
    """``mocker build ARGS`` and whether it was replayed."""
    python = str(Path(mocker_executable()).with_name("python"))
    proc = subprocess.run([python, "-X", "importtime", "-m", "mocker", "build", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc, "mocker.cli.main" not in proc.stderr


def _until_replayed(env: dict[str, str], *args: str, cwd: Path, ran: subprocess.CompletedProcess[str] | None = None,
                    ) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """Rebuild until a build is replayed; the last build that ran and the replay. A build is recorded
    only if no other process wrote the database while it ran (a step container's cleanup finishing
    late can, on a loaded machine), so the record may take more than one rebuild: at most five.
    ``ran``: a rebuild the caller ran already."""
    built = ran
    for _ in range(5):
        proc, replayed = _build(env, *args, cwd=cwd)
        if replayed:
            assert built is not None, "a replay before any rebuild ran"
            return built, proc
        built = proc
    raise AssertionError(f"five rebuilds of {args} and none replayed")


def _settled_context(context, files: dict[str, str]) -> Path:
    ctx: Path = context(files)
    time.sleep(RACY)
    return ctx


def test_rebuild_is_replayed_with_the_builds_own_output_and_iidfile(mocker, context, mocker_env, tmp_path) -> None:
    ctx = _settled_context(context, {"Dockerfile": DOCKERFILE, "src/a": "a\n"})
    iid = tmp_path / "iid"
    cold, replayed = _build(mocker_env, "-t", "app", "--iidfile", str(iid), ".", cwd=ctx)
    assert not replayed and " ---> Using cache" not in cold.stdout
    image_id = iid.read_text()
    iid.unlink()
    # the rebuild that runs finds every step cached and is recorded; the next one is replayed
    warm, again = _until_replayed(mocker_env, "-t", "app", "--iidfile", str(iid), ".", cwd=ctx)
    assert warm.stdout.count(" ---> Using cache") == 4
    assert again.stdout == warm.stdout
    assert iid.read_text() == image_id
    iid.unlink()
    assert _build(mocker_env, "-t", "app", "--iidfile", str(iid), ".", cwd=ctx)[1]
    assert iid.read_text() == image_id  # written by the replay itself
    # -q is another command line: built once, then replayed with its own output (the ID alone)
    quiet, replay = _until_replayed(mocker_env, "-q", "-t", "app", ".", cwd=ctx)
    assert quiet.stdout == image_id + "\n"
    assert replay.stdout == image_id + "\n"
    # A replay that cannot write its output says so as the CLI does: one line, exit 1.
    python = str(Path(mocker_executable()).with_name("python"))
    with open("/dev/full", "w") as full:
        proc = subprocess.run([python, "-m", "mocker", "build", "-q", "-t", "app", "."], stdout=full, env=mocker_env,
                              stderr=subprocess.PIPE, text=True, cwd=ctx, stdin=subprocess.DEVNULL, timeout=120)
    assert (proc.returncode, proc.stderr) == (1, "Error: No space left on device\n")


def test_changed_context_dockerfile_or_ignore_file_is_built_again(mocker, context, mocker_env) -> None:
    ctx = _settled_context(context, {"Dockerfile": DOCKERFILE, "src/a": "a\n", "unused": "u\n"})
    _build(mocker_env, "-t", "app", ".", cwd=ctx)
    _until_replayed(mocker_env, "-t", "app", ".", cwd=ctx)
    (ctx / "src" / "a").write_text("A\n")  # same size, same second: the ctime still moves
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and out.stdout.count(" ---> Using cache") == 1  # ARG only; COPY and after miss
    (ctx / "src" / "new").write_text("n\n")  # a new file in a copied directory
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and out.stdout.count(" ---> Using cache") == 1
    (ctx / "unused").write_text("changed\n")  # not copied: built again, every step from the cache
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and out.stdout.count(" ---> Using cache") == 4
    (ctx / ".dockerignore").write_text("src/new\n")
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and out.stdout.count(" ---> Using cache") == 4  # src/ as before src/new: cached
    (ctx / "Dockerfile").write_text(DOCKERFILE + "ENV Z=1\n")
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and "Step 6/6 : ENV Z=1" in out.stdout


def test_store_changes_and_build_args_from_the_environment_are_seen(mocker, run_mocker, context, mocker_env) -> None:
    ctx = _settled_context(context, {"Dockerfile": DOCKERFILE, "src/a": "a\n"})
    env = {**mocker_env, "VERSION": "1"}
    _build(env, "-t", "app", "--build-arg", "VERSION", ".", cwd=ctx)
    first, _ = _until_replayed(env, "-t", "app", "--build-arg", "VERSION", ".", cwd=ctx)
    # The tag removed by another command: the rebuild must tag again, not say it did.
    run_mocker("rmi", "app")
    out, replayed = _build(env, "-t", "app", "--build-arg", "VERSION", ".", cwd=ctx)
    assert not replayed and out.stdout == first.stdout
    assert run_mocker("image", "inspect", "-f", "{{.Id}}", "app").stdout.strip().startswith("sha256:")
    # A build arg taken from the environment: another value is another build.
    env["VERSION"] = "2"
    out, replayed = _build(env, "-t", "app", "--build-arg", "VERSION", ".", cwd=ctx)
    assert not replayed and " ---> Running in " in out.stdout  # the RUN step sees VERSION=2
    # The base image re-tagged to other content: FROM resolves anew.
    run_mocker("tag", "app", "busybox")
    out, replayed = _build(env, "-t", "app", "--build-arg", "VERSION", ".", cwd=ctx)
    assert not replayed and out.stdout.count(" ---> Using cache") == 0


def test_a_damaged_record_is_ignored_and_replaced(mocker, context, mocker_env, mocker_root) -> None:
    ctx = _settled_context(context, {"Dockerfile": DOCKERFILE, "src/a": "a\n"})
    _build(mocker_env, "-t", "app", ".", cwd=ctx)
    warm, _ = _until_replayed(mocker_env, "-t", "app", ".", cwd=ctx)
    records = list((mocker_root / "build" / "replay").iterdir())
    assert len(records) == 1
    records[0].write_text('{"v": 1, "until": null, "db"')
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and out.stdout == warm.stdout
    _, out = _until_replayed(mocker_env, "-t", "app", ".", cwd=ctx, ran=out)  # replaced: replayed again
    assert out.stdout == warm.stdout


def test_builds_that_read_more_than_local_files_are_never_recorded(mocker, context, mocker_env, mocker_root,
                                                                  tmp_path) -> None:
    ctx = _settled_context(context, {"Dockerfile": DOCKERFILE, "src/a": "a\n"})
    secret = tmp_path / "s"
    secret.write_text("x")
    os.utime(secret, (0, 0))
    for args in (("--secret", f"id=s,src={secret}"), ("--no-cache",)):
        for _ in range(3):
            _, replayed = _build(mocker_env, "-t", "app", *args, ".", cwd=ctx)
            assert not replayed
    assert not (mocker_root / "build" / "replay").exists()


def test_the_unused_build_arg_warning_is_part_of_the_replay(mocker, context, mocker_env) -> None:
    ctx = _settled_context(context, {"Dockerfile": DOCKERFILE, "src/a": "a\n"})
    _build(mocker_env, "-t", "app", "--build-arg", "NOPE=1", ".", cwd=ctx)
    built, replay = _until_replayed(mocker_env, "-t", "app", "--build-arg", "NOPE=1", ".", cwd=ctx)
    assert replay.stdout == built.stdout
    assert "[Warning] One or more build-args [NOPE] were not consumed" in replay.stdout


def test_a_symlink_out_of_the_context_is_followed_by_the_fingerprint(mocker, context, mocker_env, tmp_path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "Dockerfile").write_text("FROM busybox\nENV A=1\n")
    ctx = context({})
    (ctx / "Dockerfile").symlink_to(shared / "Dockerfile")
    time.sleep(RACY)
    _build(mocker_env, "-t", "app", ".", cwd=ctx)
    _until_replayed(mocker_env, "-t", "app", ".", cwd=ctx)
    (shared / "Dockerfile").write_text("FROM busybox\nENV A=2\n")
    out, replayed = _build(mocker_env, "-t", "app", ".", cwd=ctx)
    assert not replayed and "ENV A=2" in out.stdout
    # a directory outside, reached through a link: its files are not fingerprinted, so never recorded
    (ctx / "linked").symlink_to(shared)
    time.sleep(RACY)
    for _ in range(3):
        assert not _build(mocker_env, "-t", "app", ".", cwd=ctx)[1]


def test_multi_stage_label_onbuild_and_an_iidfile_in_the_context_replay(mocker, run_mocker, context, mocker_env,
                                                                        mocker_root) -> None:
    base = context({"Dockerfile": "FROM busybox\nONBUILD ENV FROM_TRIGGER=1\n"})
    run_mocker("build", "-t", "base-with-trigger", str(base))
    ctx = _settled_context(context, {
        "Dockerfile": "FROM base-with-trigger AS one\nCOPY f /f\nFROM busybox\nCOPY --from=one /f /g\n",
        "f": "x\n", "iid": ""})  # the ID file is there already: its creation would change the directory
    args = ("-t", "app", "--label", "team=a", "--iidfile", "iid", ".")
    cold, replayed = _build(mocker_env, *args, cwd=ctx)
    assert not replayed
    warm, replay = _until_replayed(mocker_env, *args, cwd=ctx)
    assert warm.stdout.count(" ---> Using cache") == 3  # the trigger's ENV, COPY, COPY --from
    assert replay.stdout == warm.stdout
    assert warm.stdout.splitlines()[-2] == cold.stdout.splitlines()[-2]  # --label: the same image
    # A layer directory gone from under the store: the build puts it back, a replay could not.
    layers = sorted((mocker_root / "layers").iterdir())
    moved = mocker_root / "layers-moved"
    layers[-1].rename(moved)
    out, replayed = _build(mocker_env, *args, cwd=ctx)
    assert not replayed
    assert layers[-1].is_dir()
