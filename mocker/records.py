"""Immutable ``__slots__`` records: a frozen dataclass's behaviour without importing ``dataclasses``.

Why not dataclasses: records are built on every command's start-up path (flag tables, command
tables, ``images``/``ps`` rows) and importing ``dataclasses`` costs ~20 ms on these machines.
A subclass lists its fields in ``__slots__`` and sets them with ``object.__setattr__`` in ``__init__``.
"""

from __future__ import annotations


class Record:
    """Immutable; compared, hashed and printed by the fields named in ``__slots__``, in order."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, Record):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __getstate__(self) -> tuple[object, ...]:
        return self._values()

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for f, v in zip(self.__slots__, state, strict=True):
            object.__setattr__(self, f, v)
