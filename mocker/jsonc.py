"""JSON through CPython's C accelerator (``_json``) without importing the ``json`` package.

``json``'s decoder, scanner and encoder modules each import ``re`` at load time, which costs a
cached rebuild (that reads a few dozen small manifests and configs) ~5 ms before it has done
anything. ``json.loads``/``json.dumps`` themselves run the C code of ``_json`` for compact output
and plain decoding; these functions call that same code with the same settings, so results and
output bytes are identical. Anything the fast path does not cover (an error, a BOM or UTF-16/32
input, an interpreter without ``_json``) goes through ``json`` itself, which then gives its own
result or its own exception.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_WS = " \t\n\r"  # json.decoder.WHITESPACE


class _DecoderSettings:
    """The attributes of ``json.JSONDecoder()`` that ``_json.make_scanner`` reads."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo: dict[str, str] = {}


def _not_serializable(o: object) -> Any:
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")  # JSONEncoder.default


try:
    import _json

    _settings: Any = _DecoderSettings()
    _scan: Any = _json.make_scanner(_settings)
    _make_encoder: Any = _json.make_encoder
    _encoders = {True: _json.encode_basestring_ascii, False: _json.encode_basestring}
except (ImportError, AttributeError, TypeError):  # pragma: no cover - not CPython: json does it all
    _scan = _make_encoder = None


def loads(data: str | bytes) -> Any:
    """``json.loads(data)``."""
    if _scan is not None:
        try:
            text = data.decode("utf-8", "surrogatepass") if isinstance(data, bytes | bytearray) else data
            if text[:1] != "\ufeff" and "\x00" not in text[:4]:  # json.detect_encoding: plain UTF-8
                obj, end = _scan(text, len(text) - len(text.lstrip(_WS)))
                if not text[end:].strip(_WS):
                    return obj
        except (ValueError, StopIteration, RecursionError, SystemError):
            # SystemError: CPython 3.11's scanner reports a syntax error through json.decoder's
            # JSONDecodeError, which it looks up in sys.modules without importing it; json below does.
            pass
    import json  # the exact error (or the other encodings json detects)

    return json.loads(data)


def dumps(obj: Any, *, sort_keys: bool = False, ensure_ascii: bool = True,
          separators: tuple[str, str] = (", ", ": ")) -> str:
    """``json.dumps(obj, sort_keys=..., ensure_ascii=..., separators=...)`` (no indent)."""
    if _make_encoder is not None:
        encoder = _encoders[ensure_ascii]
        if isinstance(obj, str):
            return str(encoder(obj))
        item_separator, key_separator = separators
        chunks = _make_encoder({}, _not_serializable, encoder, None, key_separator, item_separator, sort_keys,
                               False, True)(obj, 0)
        return "".join(chunks)
    import json  # pragma: no cover

    return json.dumps(obj, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators)  # pragma: no cover
