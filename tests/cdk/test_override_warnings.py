"""The override-warning diff on plain trees (no jsii needed)."""

from __future__ import annotations

import enum

from sagegate.cdk.override_warnings import flag_overridden_defaults


class _Level(enum.Enum):
    INFO = "INFO"
    ERROR = "ERROR"


def _lines(default: object, user: object) -> list[str]:
    printed: list[str] = []
    flag_overridden_defaults(
        default, user, render_enum=lambda member: member.value, printer=printed.append
    )
    return printed


def test_edits_are_reported_with_readable_values() -> None:
    lines = _lines({"a": {"b": "x", "c": 1}}, {"a": {"b": "y", "c": 2, "new": True}})
    assert lines == [
        "An override has been provided for the property: a[b]. Default value: 'x'. "
        "You provided: 'y'.",
        "An override has been provided for the property: a[c].",
    ]


def test_arrays_are_walked_from_the_end_and_enums_render_as_javascript() -> None:
    lines = _lines({"l": [_Level.INFO, "p"]}, {"l": [_Level.ERROR, "q", "extra"]})
    assert lines == [
        "An override has been provided for the property: l[1]. Default value: 'p'. "
        "You provided: 'q'.",
        "An override has been provided for the property: l[0]. Default value: 'INFO'. "
        "You provided: 'ERROR'.",
    ]


def test_prefiltered_keys_are_only_mentioned_and_tokens_hide_values() -> None:
    lines = _lines({"timeout": 1, "t": "${Token[X.1]}"}, {"timeout": 2, "t": "b"})
    assert lines == [
        "Possible override of timeout value.",
        "An override has been provided for the property: t.",
    ]
