"""mocker.jsonc gives exactly what ``json`` gives: the same objects, bytes and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mocker import jsonc

DOCS: list[Any] = [
    {"b": [1, 2.5, None, True, False, "é☃\n\"x\\"], "a": {"z": 1e300, "y": -0.0, "x": 0.1}},
    "text", 5, -3.25, [], {}, {"k": "\ud800"}, [1, [2, [3, {"a": "b"}]]], {"n": float("inf"), "m": float("nan")},
]


@pytest.mark.parametrize("doc", DOCS)
@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_dumps_is_json_dumps(doc: Any, sort_keys: bool, ensure_ascii: bool, separators: tuple[str, str]) -> None:
    assert jsonc.dumps(doc, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators) == \
           json.dumps(doc, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators)


def test_dumps_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        jsonc.dumps({"a": object()})
    with pytest.raises(TypeError):
        jsonc.dumps({1: 2, "a": 3}, sort_keys=True)


@pytest.mark.parametrize("text", [
    '{"a": [1, 2.5e3, -0, "x\\u2603", null, true, NaN, Infinity, -Infinity]}', " [1] \n", b'{"a":1}',
    b'\xef\xbb\xbf{"a":1}', '"s"', "1.0", '{"a":1}{', "", "[", b"\xff", '{"a":1} x', "\ufeff{}",
    '{"a": "\\ud800"}', '{"a": 1, "a": 2}', '"\x01"', "{'a': 1}", "[1,]", b'"\x00"', "1e999",
])
def test_loads_is_json_loads(text: str | bytes) -> None:
    def outcome(loads: Any) -> Any:
        try:
            return ("ok", repr(loads(text)))
        except Exception as e:  # noqa: BLE001 - the very exception is what is compared
            return ("error", type(e).__name__, str(e))

    assert outcome(jsonc.loads) == outcome(json.loads)


def test_malformed_text_raises_jsons_error_before_json_is_imported() -> None:
    """CPython 3.11's C scanner finds JSONDecodeError in sys.modules only; without ``json.decoder``
    loaded it failed with SystemError, which a damaged cache file must never give."""
    import subprocess
    import sys

    code = ("import sys\nfrom mocker import jsonc\nassert 'json.decoder' not in sys.modules\n"
            "try:\n    jsonc.loads('{\"v\": 1, \"db\"')\nexcept ValueError as e:\n    print(type(e).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "JSONDecodeError\n"
