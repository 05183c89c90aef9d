"""Interpolation forms as Docker Compose v2 (compose-go's template package) resolves them."""

from __future__ import annotations

import pytest

from mocker.compose.interpolation import InterpolationError, interpolate

ENV = {"SET": "val", "EMPTY": ""}


@pytest.mark.parametrize(("text", "expected"), [
    ("plain", "plain"),
    ("$SET", "val"),
    ("${SET}", "val"),
    ("pre-${SET}-post", "pre-val-post"),
    ("${UNSET:-def}", "def"),
    ("${EMPTY:-def}", "def"),
    ("${EMPTY-def}", ""),
    ("${UNSET-def}", "def"),
    ("${SET:-def}", "val"),
    ("${SET:+alt}", "alt"),
    ("${EMPTY:+alt}", ""),
    ("${EMPTY+alt}", "alt"),
    ("${UNSET+alt}", ""),
    ("${UNSET:-${SET}}", "val"),
    ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
    ("$$SET", "$SET"),
    ("$${SET}", "${SET}"),
    ("a$", "a$"),
    ("$UNSET-y", "-y"),
    ("${UNSET:-a}}", "a}"),
    ("${EMPTY?err}", ""),
])
def test_interpolation_forms(text: str, expected: str) -> None:
    assert interpolate({"k": text}, ENV)["k"] == expected


@pytest.mark.parametrize(("text", "message"), [
    ("${UNSET:?need it}", "error while interpolating services.s.image: required variable UNSET is missing a "
                          "value: need it"),
    ("${EMPTY:?}", "error while interpolating services.s.image: required variable EMPTY is missing a value"),
    ("${UNSET?no}", "required variable UNSET is missing a value: no"),
    ("${SET", "invalid interpolation format for services.s.image."),
    ("${1abc}", "invalid interpolation format for services.s.image."),
])
def test_interpolation_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(InterpolationError) as err:
        interpolate({"services": {"s": {"image": text}}}, ENV)
    assert message in str(err.value)


def test_unset_variable_warns_once_per_use_and_becomes_empty() -> None:
    warnings: list[str] = []
    out = interpolate({"a": "x${NOPE}", "b": ["$NOPE"]}, ENV, warn=warnings.append)
    assert out == {"a": "x", "b": [""]}
    assert warnings == ['The "NOPE" variable is not set. Defaulting to a blank string.'] * 2


def test_keys_and_non_strings_are_left_alone() -> None:
    assert interpolate({"$SET": 3, "b": True, "c": None}, ENV) == {"$SET": 3, "b": True, "c": None}
