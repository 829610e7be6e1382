"""Describing a change: which fields moved from what to what, in JSON-friendly values."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from crm_contacts.domain.timeline import TimelineEntry


@dataclass(frozen=True, slots=True)
class Revision:
    """What a revision changed: field names (as events list them) and timeline entries."""

    changed: list[str]
    entries: list[TimelineEntry]


def field_changes(
    current: Any, edits: dict[str, Any], names: tuple[str, ...], empty: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """`{name: {"from": old, "to": new}}` for each of `names` whose value in `edits`
    (`empty[name]` or None when absent) differs from `current`'s."""
    changes = {}
    for name in names:
        old, new = getattr(current, name), edits.get(name, empty.get(name))
        if old != new:
            changes[name] = {"from": plain(old), "to": plain(new)}
    return changes


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a field value (ids and enums as strings)."""
    if isinstance(value, uuid.UUID | StrEnum):
        return str(value)
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value
