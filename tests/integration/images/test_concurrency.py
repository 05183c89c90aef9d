"""Several mocker processes on one store at once: nothing is lost or corrupted."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest
from support.registries import unique_repo

pytestmark = pytest.mark.registry


def test_parallel_pulls_of_one_image_all_succeed(cli, make_image, registry, mocker_env, mocker_root):
    ref = f"{registry}/{unique_repo()}:par"
    make_image([{"a": os.urandom(2 << 20)}, {"b": os.urandom(2 << 20)}, {"c": b"c"}], tag=ref)
    assert cli("push", ref).code == 0
    assert cli("rmi", ref).code == 0
    procs = [subprocess.Popen(["mocker", "pull", "-q", ref], env=mocker_env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in results), results
    assert len(cli("images", "-q").out.split()) == 1
    for blob in (mocker_root / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    layers = [p for p in (mocker_root / "layers").iterdir()]
    assert len(layers) == 3 and not [p for p in layers if p.name.startswith(".")]


def test_pulls_racing_prune_leave_a_consistent_store(cli, make_image, registry, mocker_env, mocker_root):
    refs = []
    for i in range(3):
        ref = f"{registry}/{unique_repo()}:r{i}"
        make_image([{f"f{i}": os.urandom(1 << 20)}], tag=ref)
        assert cli("push", ref).code == 0
        assert cli("rmi", ref).code == 0
        refs.append(ref)
    procs = [subprocess.Popen(["mocker", "pull", "-q", r], env=mocker_env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for r in refs]
    pruners = [subprocess.Popen(["mocker", "image", "prune", "-f"], env=mocker_env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True) for _ in range(3)]
    assert all(p.wait() == 0 for p in procs + pruners)
    # Pulled images are tagged, so prune (dangling only) must not have taken any of their content.
    for ref in refs:
        doc = json.loads(cli("image", "inspect", ref).out)[0]
        assert os.path.isdir(doc["GraphDriver"]["Data"]["UpperDir"])
    for blob in (mocker_root / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name


def test_racing_tags_of_one_name_end_with_one_winner(cli, make_image, mocker_env):
    ids = []
    for i in range(4):
        make_image([{f"x{i}": str(i).encode()}], tag=f"src{i}:1")
        ids.append(json.loads(cli("image", "inspect", f"src{i}:1").out)[0]["Id"])
    procs = [subprocess.Popen(["mocker", "tag", f"src{i}:1", "contested:1"], env=mocker_env,
                              stderr=subprocess.PIPE) for i in range(4)]
    assert all(p.wait() == 0 for p in procs)
    winner = json.loads(cli("image", "inspect", "contested:1").out)[0]["Id"]
    assert winner in ids
    assert cli("images", "--format", "{{.Repository}}", "contested").out == "contested\n"
