"""Compose files parsed before, remembered with their exact text: a compose command whose files did
not change neither imports PyYAML (~12 ms here) nor parses (~10 ms), which is a tenth of an ``up`` or
``down``.

One file (``marshal``) per store, ``<root>/cache/compose-yaml``, holds up to :data:`MAX` entries
``absolute file name -> (text, document)``. An entry is used only when the whole text is equal, so
there is no stat or clock race, and the document comes back as a fresh copy (marshal keeps shared
anchors shared). Only documents that ``marshal`` can hold are kept: mappings, lists, strings,
numbers, booleans, None — a file with ``!reset``/``!override`` values or YAML timestamps is parsed
every time. The stamp (this format, the loader's and PyYAML's files) drops every entry when the parser
may answer differently. The file is replaced atomically; concurrent writers can lose an entry, nothing
else. ``system prune`` does not need to know it: it stays small.
"""

from __future__ import annotations

import marshal
import os

TYPE_CHECKING = False   # not ``typing``: compose's start-up path
if TYPE_CHECKING:
    from typing import Any

MAX = 32
FORMAT = 1
# This process's copy of each cache file read: file name -> (text, marshalled document).
_read: dict[str, dict[str, tuple[str, bytes]]] = {}
_stamp: tuple[object, ...] | None = None


def _file_stamp(path: str | None) -> tuple[object, ...]:
    if not path:
        return ()
    try:
        st = os.stat(path)
    except OSError:
        return ()
    return (path, st.st_size, st.st_mtime_ns)


def stamp() -> tuple[object, ...]:
    """What the parse depends on besides the text: the loader's code and PyYAML's (found without
    importing it)."""
    global _stamp
    if _stamp is None:
        from importlib.util import find_spec

        from mocker.compose import loader

        try:
            spec = find_spec("yaml")
        except (ImportError, ValueError):
            spec = None
        _stamp = (FORMAT, _file_stamp(loader.__file__), _file_stamp(spec.origin if spec else None))
    return _stamp


def _load(cache_file: str) -> dict[str, tuple[str, bytes]]:
    if cache_file not in _read:
        _read[cache_file] = {}
        try:
            with open(cache_file, "rb") as f:
                saved, entries = marshal.load(f)  # noqa: S302 - our own file, in the store (as trusted as its DB)
            if saved == stamp() and isinstance(entries, dict):
                _read[cache_file] = entries
        except (OSError, EOFError, ValueError, TypeError):
            pass
    return _read[cache_file]


def lookup(cache_file: str | None, name: str, text: str) -> dict[str, Any] | None:
    """The document parsed from exactly ``text`` when ``name`` was last parsed, else None."""
    if not cache_file or name == "-":
        return None
    hit = _load(cache_file).get(name)
    try:
        if hit is None or hit[0] != text:
            return None
        doc = marshal.loads(hit[1])  # noqa: S302 - bytes we marshalled (see _load)
    except (EOFError, ValueError, TypeError, IndexError):
        return None
    return doc if isinstance(doc, dict) else None


def remember(cache_file: str | None, name: str, text: str, doc: dict[str, Any]) -> None:
    """Keep ``doc`` (just parsed from ``text``, not yet changed) for the next command, if it can."""
    if not cache_file or name == "-" or not os.path.isdir(os.path.dirname(os.path.dirname(cache_file))):
        return      # no store yet: `compose config` on a fresh machine creates nothing
    try:
        data = marshal.dumps(doc)
    except ValueError:
        return      # !reset/!override values, timestamps...: parsed every time
    entries = dict(_load(cache_file))
    entries.pop(name, None)
    entries[name] = (text, data)
    while len(entries) > MAX:
        del entries[next(iter(entries))]
    tmp = f"{cache_file}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache_file), mode=0o700, exist_ok=True)
        payload: Any = (stamp(), entries)      # (typeshed's _Marshallable has no nested tuples)
        with open(tmp, "wb") as f:
            marshal.dump(payload, f)
        os.replace(tmp, cache_file)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    _read[cache_file] = entries
