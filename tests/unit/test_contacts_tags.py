"""Tags are trimmed, lowercase, deduplicated and URL-path safe."""

from __future__ import annotations

import pytest

from crm_contacts.domain.errors import InvalidContactError
from crm_contacts.domain.tags import MAX_TAG_LENGTH, MAX_TAGS, normalize_tag, normalize_tags


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("VIP", "vip"),
        ("  Hot   Lead ", "hot lead"),
        ("Q3-2025", "q3-2025"),
        ("Ünïcode", "ünïcode"),
        ("c++", "c++"),
    ],
)
def test_normalize_tag(raw: str, tag: str) -> None:
    assert normalize_tag(raw) == tag


@pytest.mark.parametrize(
    "raw", ["", "   ", "a/b", "-leading", "x" * (MAX_TAG_LENGTH + 1), "a\x00b"]
)
def test_invalid_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContactError):
        normalize_tag(raw)


def test_normalize_tags_dedups_in_first_seen_order() -> None:
    assert normalize_tags(["b", "A", " a ", "B", "c"]) == ["b", "a", "c"]


def test_too_many_tags_are_refused() -> None:
    with pytest.raises(InvalidContactError):
        normalize_tags([f"t{i}" for i in range(MAX_TAGS + 1)])
    assert len(normalize_tags([f"t{i}" for i in range(MAX_TAGS)])) == MAX_TAGS
