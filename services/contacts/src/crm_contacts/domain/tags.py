"""Tags are short labels, compared case-insensitively, so they are kept lowercase."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crm_contacts.domain.errors import InvalidContactError

MAX_TAG_LENGTH = 50
MAX_TAGS = 50
# Letters, digits and a little punctuation; no "/" so a tag can travel in a URL path.
_TAG = re.compile(r"^[\w][\w .:+#&-]*$")
_SPACES = re.compile(r"\s+")


def normalize_tag(raw: str) -> str:
    """The canonical form of a tag: trimmed, inner spaces collapsed, lowercase."""
    tag = _SPACES.sub(" ", raw.strip()).lower()
    if not tag:
        raise InvalidContactError("a tag cannot be empty", field="tags")
    if len(tag) > MAX_TAG_LENGTH:
        raise InvalidContactError(f"a tag is at most {MAX_TAG_LENGTH} characters", field="tags")
    if not _TAG.match(tag):
        raise InvalidContactError(
            "a tag starts with a letter or digit and holds only letters, digits, spaces "
            "and . : + # & - _",
            field="tags",
        )
    return tag


def normalize_tags(raw: Iterable[str]) -> list[str]:
    """Canonical tags without duplicates, in first-seen order."""
    tags = list(dict.fromkeys(normalize_tag(tag) for tag in raw))
    if len(tags) > MAX_TAGS:
        raise InvalidContactError(f"a contact has at most {MAX_TAGS} tags", field="tags")
    return tags
