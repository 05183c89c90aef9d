"""Version prefixes and route resolution of the API socket."""

from __future__ import annotations

import pytest

from mocker.api import router
from mocker.api.errors import HTTPError


@pytest.mark.parametrize(("path", "expected"), [
    ("/v1.41/containers/json", ((1, 41), "/containers/json")),
    ("/v1.24/_ping", ((1, 24), "/_ping")),
    ("/containers/json", (None, "/containers/json")),
    ("/v2/containers/json", (None, "/v2/containers/json")),
])
def test_split_version(path: str, expected: tuple[object, str]) -> None:
    assert router.split_version(path) == expected


def test_versions_outside_the_range_are_400() -> None:
    assert router.check_version(None) == (1, 41)
    assert router.check_version((1, 30)) == (1, 30)
    for v in ((1, 42), (1, 23), (2, 0)):
        with pytest.raises(HTTPError) as err:
            router.check_version(v)
        assert err.value.http_status == 400


def test_image_names_with_slashes_and_ports_resolve() -> None:
    fn, params = router.resolve("GET", "/images/127.0.0.1:5000/a/b:v1/json")
    assert fn.__name__ == "inspect" and params == {"name": "127.0.0.1:5000/a/b:v1"}
    fn, params = router.resolve("POST", "/images/127.0.0.1%3A5000/x/push")
    assert fn.__name__ == "push" and params == {"name": "127.0.0.1:5000/x"}
    fn, _ = router.resolve("GET", "/containers/json")
    assert fn.__name__ == "list_"


def test_unknown_path_404_and_wrong_method_405() -> None:
    with pytest.raises(HTTPError) as err:
        router.resolve("GET", "/nothing")
    assert err.value.http_status == 404
    with pytest.raises(HTTPError) as err:
        router.resolve("DELETE", "/containers/json/extra/x")
    assert err.value.http_status == 404
    with pytest.raises(HTTPError) as err:
        router.resolve("PATCH", "/containers/create")
    assert err.value.http_status == 405


def test_cli_start_up_does_not_import_the_api() -> None:
    import subprocess
    import sys

    code = "import sys, mocker.cli.main; print(any(m.startswith('mocker.api') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
