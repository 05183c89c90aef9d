"""Immutable ``__slots__`` records: a frozen dataclass's behaviour without importing ``dataclasses``.

Why not dataclasses: records are built on every command's start-up path (flag tables, command
tables, ``images``/``ps`` rows) and importing ``dataclasses`` costs ~20 ms on these machines.
A subclass lists its fields in ``__slots__`` and sets them with ``object.__setattr__`` in ``__init__``.
"""

from __future__ import annotations

TYPE_CHECKING = False   # not ``typing``: its import costs ~10 ms on start-up paths


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


# ---- frozen: ``@dataclass(frozen=True, slots=True[, kw_only=True])`` without ``dataclasses`` ----------
#
# ``mocker run`` imports ~30 record classes (engine/types, runtime/base, ...). As dataclasses they cost
# ~1 ms each to define plus ~15 ms to import ``dataclasses``/``inspect`` (DECISIONS 27); ``frozen``
# builds the class in microseconds: one generic ``__init__`` reads the field list and defaults.

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    _T = TypeVar("_T")
else:
    def dataclass_transform(**_kw: object) -> object:
        return lambda f: f

_MISSING = object()


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], _T]) -> _T:
    """``dataclasses.field(default_factory=...)``: a fresh default for every instance."""
    return _Factory(default_factory)  # type: ignore[return-value]


class Frozen(Record):
    """Base of ``@frozen`` classes: a keyword (and, unless ``kw_only``, positional) ``__init__``."""

    __slots__ = ()
    __frozen_record__ = True    # template_fmt renders these as structs, like dataclasses
    _defaults: dict[str, object] = {}
    _kw_only = False

    def __init__(self, *args: Any, **kw: Any) -> None:
        cls = type(self)
        names: tuple[str, ...] = cls.__slots__
        if args:
            if cls._kw_only or len(args) > len(names):
                raise TypeError(f"{cls.__name__}() takes keyword arguments only" if cls._kw_only
                                else f"{cls.__name__}() takes {len(names)} positional arguments")
            for n, a in zip(names, args, strict=False):
                if n in kw:
                    raise TypeError(f"{cls.__name__}() got multiple values for argument {n!r}")
                kw[n] = a
        defaults = cls._defaults
        for n in names:
            if n in kw:
                v = kw.pop(n)
            else:
                v = defaults.get(n, _MISSING)
                if v is _MISSING:
                    raise TypeError(f"{cls.__name__}() missing required argument: {n!r}")
                if v.__class__ is _Factory:
                    v = v.make()
            object.__setattr__(self, n, v)
        if kw:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {next(iter(kw))!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[_T] | None = None, /, *, kw_only: bool = False) -> Any:
    """Class decorator: the annotated class attributes become the record's fields, in order; their
    values (or ``field(default_factory=...)``) become defaults."""

    def wrap(c: type[_T]) -> type[_T]:
        own = c.__dict__
        names = tuple(own.get("__annotations__", {}))
        ns = {k: v for k, v in own.items() if k not in names and k not in ("__dict__", "__weakref__")}
        ns["__slots__"] = names
        ns["_defaults"] = {n: own[n] for n in names if n in own}
        ns["_kw_only"] = kw_only
        bases = c.__bases__ if issubclass(c, Frozen) else (Frozen,)
        return type(c.__name__, bases, ns)

    return wrap if cls is None else wrap(cls)


def fields(obj_or_cls: object) -> tuple[str, ...]:
    """The field names of a ``@frozen`` class or instance, in order (``dataclasses.fields``)."""
    return obj_or_cls.__slots__  # type: ignore[attr-defined]


def replace(obj: _T, /, **changes: Any) -> _T:
    """``dataclasses.replace`` for ``@frozen`` records."""
    values = {n: getattr(obj, n) for n in obj.__slots__}  # type: ignore[attr-defined]
    values.update(changes)
    return type(obj)(**values)


def asdict(obj: object) -> Any:
    """``dataclasses.asdict``: records become dicts, recursively (also inside lists, tuples, dicts)."""
    if isinstance(obj, Record):
        return {n: asdict(getattr(obj, n)) for n in obj.__slots__}
    if isinstance(obj, list | tuple):
        return type(obj)(asdict(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((asdict(k), asdict(v)) for k, v in obj.items())
    if obj is None or isinstance(obj, str | int | float | bytes):
        return obj
    import copy

    return copy.deepcopy(obj)
