"""What a contact's timeline records: one entry per change."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class TimelineKind(StrEnum):
    """The kinds of change a timeline shows."""

    CREATED = "created"
    UPDATED = "updated"
    STAGE_CHANGED = "stage_changed"
    NOTE_ADDED = "note_added"
    TAG_ADDED = "tag_added"
    TAG_REMOVED = "tag_removed"
    ERASED = "erased"
    # Other contacts were merged into this one (details: merged_ids, changed, changes).
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One change, as the domain describes it; the store adds id, time, actor, version.

    `details` may hold personal data (old and new values), so erasing a contact blanks it.
    """

    kind: TimelineKind
    details: dict[str, Any] = field(default_factory=dict)
