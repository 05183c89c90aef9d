"""Hand-over between mocker's own OCI store and Apple's image store (engine/apple/handover.py),
against the FAKE ``container`` CLI, whose ``image save``/``image load`` write and read real OCI
archives. The rule: a command reads the store it works on; only a missing image is copied over."""

from __future__ import annotations

import json
import os
from pathlib import Path

from support.apple import Apple
from support.images import build_image, build_oci_archive, make_layer_tar


def _into_mocker_store(tmp_path: Path, name: str, cmd: list[str]) -> str:
    """An image only mocker's store holds (as `mocker load` on the Linux side would leave it)."""
    from mocker.engine.archives import load_archive
    from mocker.store.store import Store

    img = build_image([make_layer_tar({"hello.txt": b"hi\n"})], config={"Cmd": cmd})
    archive = build_oci_archive(tmp_path / "local.tar", [img], image_name=name, ref_name=name.rpartition(":")[2])
    store = Store.open(os.environ["MOCKER_ROOT"])
    try:
        with open(archive, "rb") as f:
            load_archive(store, f)
    finally:
        store.close()
    return img.digest


def _fake_images(apple: Apple) -> dict[str, dict[str, object]]:
    return dict(json.loads((apple.state / "images.json").read_text()))


def test_run_of_image_only_in_mocker_store_loads_it_into_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    digest = _into_mocker_store(tmp_path, "docker.io/library/local-app:1", ["echo", "from-mocker-store"])
    cid = apple.ok("run", "-d", "--name", "web", "local-app:1").strip()
    assert cid == "web"
    order = [c[0] if c[0] == "create" else " ".join(c[:2]) for c in apple.all_calls()]
    assert "image load" in order and order.index("image load") < order.index("create")
    load = apple.last("image", "load")
    assert load[2] == "--input" and not Path(load[3]).exists()          # a temporary archive, removed after
    img = _fake_images(apple)["docker.io/library/local-app:1"]
    assert img["digest"] == digest                                     # the same manifest, byte for byte
    assert img["config"]["Cmd"] == ["echo", "from-mocker-store"]        # type: ignore[index]
    assert apple.containers()["web"]["arguments"] == ["from-mocker-store"]
    assert apple.last("create")[-1] == "local-app:1"


def test_apple_store_copy_wins_and_is_not_reloaded_with_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    _into_mocker_store(tmp_path, "docker.io/library/local-app:1", ["true"])
    apple.ok("create", "local-app:1")
    apple.clear_calls()
    apple.ok("create", "local-app:1")
    assert apple.calls("image", "load") == []
    assert apple.calls("create")


def test_run_of_image_in_neither_store_costs_no_handover_with_fake_apple_cli(apple: Apple) -> None:
    apple.ok("run", "-d", "alpine")
    assert apple.calls("image", "load") == [] and apple.calls("image", "list") == []
    code, _, err = apple.mocker("run", "-d", "missing-image")
    assert code == 125 and "not found" in err


def test_pull_never_accepts_an_image_from_mocker_store_with_fake_apple_cli(apple: Apple, tmp_path: Path) -> None:
    _into_mocker_store(tmp_path, "docker.io/library/local-app:1", ["true"])
    apple.ok("create", "--pull", "never", "local-app:1")
    assert apple.calls("image", "load")
    code, _, err = apple.mocker("create", "--pull", "never", "other:1")
    assert code == 125 and "No such image" in err


def test_manifest_create_and_push_take_images_from_fake_apple_cli_store(apple: Apple, registry: str) -> None:
    apple.ok("pull", "--platform", "linux/arm64", f"{registry}/handover/app:arm64")
    apple_img = _fake_images(apple)[f"{registry}/handover/app:arm64"]
    target = f"{registry}/handover/app:list"
    out = apple.ok("manifest", "create", target, f"{registry}/handover/app:arm64")
    assert out == f"Created manifest list {target}\n"
    assert apple.last("image", "save")[:3] == ["image", "save", "--output"]
    doc = json.loads(apple.ok("manifest", "inspect", target))
    assert [(m["platform"]["os"], m["platform"]["architecture"]) for m in doc["manifests"]] == [("linux", "arm64")]
    # the platform image of Apple's single-platform index, not the index itself
    assert doc["manifests"][0]["digest"] != apple_img["digest"]
    pushed = apple.ok("manifest", "push", target).strip()
    assert pushed.startswith("sha256:")
    # a second create finds the image in mocker's store: nothing is saved again
    apple.clear_calls()
    apple.ok("manifest", "create", "--amend", target, f"{registry}/handover/app:arm64")
    assert apple.calls("image", "save") == []


def test_manifest_create_of_image_in_no_local_store_asks_the_registry_with_fake_apple_cli(apple: Apple,
                                                                                         registry: str) -> None:
    code, _, err = apple.mocker("manifest", "create", f"{registry}/handover/x:list", f"{registry}/handover/nope:1")
    assert code == 1 and err.startswith("Error: ")
    assert apple.calls("image", "save") == []


def test_push_of_image_only_in_mocker_store_loads_then_pushes_with_fake_apple_cli(apple: Apple,
                                                                                   tmp_path: Path) -> None:
    digest = _into_mocker_store(tmp_path, "localhost:5000/team/local-app:1", ["true"])
    out = apple.ok("push", "localhost:5000/team/local-app:1")
    order = [" ".join(c[:2]) for c in apple.all_calls() if c[0] == "image"]
    assert order.index("image load") < order.index("image push")
    assert out == f"localhost:5000/team/local-app:1: digest: {digest}\n"
    pushed = json.loads((apple.state / "pushed.json").read_text())
    assert pushed == {"localhost:5000/team/local-app:1": digest}
    code, _, err = apple.mocker("push", "localhost:5000/team/elsewhere:1")
    assert code == 1 and "No such image" in err


def test_push_lists_images_once_with_fake_apple_cli(apple: Apple) -> None:
    apple.ok("pull", "localhost:5000/team/app:v1")
    apple.clear_calls()
    apple.ok("push", "localhost:5000/team/app:v1")
    assert len(apple.calls("image", "list")) == 1 and len(apple.calls("image", "push")) == 1
