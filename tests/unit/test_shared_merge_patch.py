"""JSON merge patch (RFC 7386), including the RFC's own examples."""

from __future__ import annotations

from typing import Any

import pytest

from crm_shared.patching import apply_merge_patch

# RFC 7386 appendix A: (target, patch, result)
RFC_EXAMPLES: list[tuple[Any, Any, Any]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC_EXAMPLES)
def test_rfc_examples(target: Any, patch: Any, result: Any) -> None:
    assert apply_merge_patch(target, patch) == result


def test_inputs_are_not_modified() -> None:
    target = {"custom_fields": {"a": 1, "b": 2}, "tags": ["x"]}
    patch = {"custom_fields": {"a": None}, "tags": ["y"]}
    apply_merge_patch(target, patch)
    assert target == {"custom_fields": {"a": 1, "b": 2}, "tags": ["x"]}
    assert patch == {"custom_fields": {"a": None}, "tags": ["y"]}


def test_absent_fields_stay() -> None:
    contact = {"first_name": "Ada", "last_name": "Lovelace"}
    assert apply_merge_patch(contact, {"title": "Countess"}) == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "title": "Countess",
    }
