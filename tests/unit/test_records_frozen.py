"""``records.frozen``: what callers relied on from frozen dataclasses still holds (DECISIONS 27)."""

from __future__ import annotations

import pickle

import pytest

from mocker.engine.types.containers import ContainerCreateOptions, RestartPolicy
from mocker.format.template import compile_template
from mocker.image.platform import Platform
from mocker.records import asdict, fields, replace
from mocker.runtime.base import ContainerSpec, Mount, Resources


def test_keywords_defaults_and_fresh_default_factories() -> None:
    a = ContainerSpec(id="x", name="n", rootfs_layers=("l",), args=("true",))
    b = ContainerSpec(id="x", name="n", rootfs_layers=("l",), args=("true",))
    assert a.workdir == "/" and a.resources == Resources() and a.etc_files == {}
    assert a == b and a.etc_files is not b.etc_files     # a new dict per instance
    assert repr(Mount(type="tmpfs", target="/t")).startswith("Mount(type='tmpfs', target='/t', source=''")


def test_errors_as_dataclasses_give_them() -> None:
    with pytest.raises(TypeError, match="missing required argument: 'target'"):
        Mount(type="bind")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        Mount(type="bind", target="/t", nope=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="keyword arguments only"):
        RestartPolicy("always")  # type: ignore[misc]
    m = Mount(type="bind", target="/t")
    with pytest.raises(AttributeError):
        m.target = "/u"  # type: ignore[misc]


def test_positional_classes_hash_replace_asdict_fields_pickle() -> None:
    p = Platform("linux", "arm64", "v8")
    assert p == Platform(os="linux", architecture="arm64", variant="v8")
    assert hash(p) == hash(Platform("linux", "arm64", "v8"))
    assert replace(p, variant=None) == Platform("linux", "arm64")
    assert fields(Platform) == ("os", "architecture", "variant", "os_version", "os_features")
    assert pickle.loads(pickle.dumps(p)) == p
    opts = ContainerCreateOptions(image="busybox", restart=RestartPolicy(name="always"))
    d = asdict(opts)
    assert d["restart"] == {"name": "always", "maximum_retry_count": 0} and d["resources"]["memory"] is None
    assert d["labels"] == {} and d["labels"] is not opts.labels


def test_templates_render_them_as_structs() -> None:
    m = Mount(type="bind", target="/t", options=("ro",))
    assert compile_template("{{.type}} {{.target}}").render(m) == "bind /t"
    assert compile_template("{{.}}").render(m) == "{bind /t  false [ro]  }"      # Go's %v of a struct
    assert compile_template("{{json .}}").render(m).startswith('{"type":"bind","target":"/t","source":""')
