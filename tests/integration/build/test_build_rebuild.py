"""A no-change rebuild: every step from the cache, the same image, and none of the build machinery.

What a cached rebuild imports is checked as a fact (as tests/unit/cli/test_startup.py does for
``images``): the modules listed cost milliseconds each, and a rebuild that loads one of them has
left its lean path (DECISIONS 37). Timings live in bench/build.py.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from tests.conftest import mocker_executable

DOCKERFILE = """\
FROM busybox
ARG VERSION=1
ENV APP=/app
WORKDIR /app
COPY src/ ./src/
RUN mkdir -p /app/out && echo "$VERSION" > /app/out/version
RUN cat /app/src/a.txt /app/src/b.txt > /app/out/joined
COPY config.txt /etc/app.conf
LABEL bench=yes
EXPOSE 8080
CMD ["cat", "/app/out/joined"]
"""

# Stdlib modules that pull in many others or cost ms each, Go's runtime (the Dockerfile parser), and
# mocker's machinery for steps that run: none of them is needed when every step comes from the cache.
MUST_NOT_IMPORT = (
    "dataclasses", "inspect", "typing", "pathlib", "re", "json", "sqlite3", "datetime", "hashlib", "_hashlib",
    "shutil", "tempfile", "tarfile", "subprocess", "threading", "contextlib", "fnmatch", "urllib.parse",
    "ipaddress", "dockerfile", "httpx", "mocker.runtime", "mocker.registry", "mocker.network", "mocker.build.run",
    "mocker.build.layers", "mocker.engine.layers", "mocker.engine.containers", "mocker.build.ignore",
)


def _rebuild_in_fresh_interpreter(env: dict[str, str], ctx: Path, tmp_path: Path) -> tuple[int, str, list[str]]:
    python = str(Path(mocker_executable()).with_name("python"))
    out = tmp_path / "rebuild.out"
    code = (
        "import sys\n"
        "from mocker.cli.main import main\n"
        f"status = main(['build', '-t', 'app', {str(ctx)!r}], stdout=open({str(out)!r}, 'w'))\n"
        f"names = {MUST_NOT_IMPORT!r}\n"
        "below = tuple(n + '.' for n in names)\n"
        "print(repr([status, sorted(m for m in sys.modules if m in names or m.startswith(below))]))\n"
    )
    proc = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    status, loaded = ast.literal_eval(proc.stdout.strip().splitlines()[-1])
    return status, out.read_text(), loaded


def test_cached_rebuild_hits_every_step_and_loads_no_build_machinery(mocker, context, mocker_env, tmp_path) -> None:
    ctx = context({"Dockerfile": DOCKERFILE, "src/a.txt": "a\n", "src/b.txt": "b\n", "config.txt": "x=1\n"})
    first = mocker("build", "-t", "app", str(ctx)).stdout
    image_id = first.strip().splitlines()[-2].split()[-1]
    status, output, loaded = _rebuild_in_fresh_interpreter(mocker_env, ctx, tmp_path)
    assert status == 0, output
    assert output.count(" ---> Using cache") == 10
    assert output.strip().splitlines()[-2:] == [f"Successfully built {image_id}", "Successfully tagged app:latest"]
    assert loaded == []
    # A changed source still misses (the digest memo is keyed on the file's stat, ctime included).
    (ctx / "config.txt").write_text("x=2\n")
    changed = mocker("build", "-t", "app", str(ctx)).stdout
    assert changed.count(" ---> Using cache") == 6  # everything before the second COPY


def test_from_scratch_steps_hit_the_cache(mocker, context) -> None:
    ctx = context({"Dockerfile": "FROM scratch\nCOPY a /a\nENV X=1\n", "a": "hi\n"})
    first = mocker("build", "-t", "scratchy", str(ctx)).stdout
    assert " ---> Using cache" not in first
    second = mocker("build", "-t", "scratchy", str(ctx)).stdout
    assert second.count(" ---> Using cache") == 2
    assert second.splitlines()[-2] == first.splitlines()[-2]  # Successfully built <the same ID>
