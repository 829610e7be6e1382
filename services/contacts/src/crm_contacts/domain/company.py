"""The company aggregate: an organisation contacts work for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

FIELDS = ("name", "domain", "industry", "size", "custom_fields")
# What an absent field means in a complete set of edits.
EMPTY: dict[str, Any] = {"custom_fields": {}}


class CompanySize(StrEnum):
    """Headcount bands, as sales teams segment accounts."""

    S_1_10 = "1-10"
    S_11_50 = "11-50"
    S_51_200 = "51-200"
    S_201_500 = "201-500"
    S_501_1000 = "501-1000"
    S_1001_5000 = "1001-5000"
    S_5001_10000 = "5001-10000"
    S_10001_PLUS = "10001+"


@dataclass(slots=True)
class Company:
    """An organisation. `version` grows by one with every change."""

    id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime
    domain: str | None = None
    industry: str | None = None
    size: CompanySize | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    version: int = 1

    @classmethod
    def register(cls, edits: dict[str, Any], *, now: datetime) -> Company:
        """A new company from validated fields."""
        return cls(id=uuid.uuid4(), created_at=now, updated_at=now, **edits)

    def editable(self) -> dict[str, Any]:
        """The fields a PATCH may change, as the JSON a merge patch applies to."""
        data = {name: getattr(self, name) for name in FIELDS}
        return {
            name: dict(value) if isinstance(value, dict) else str(value)
            for name, value in data.items()
            if value is not None
        }

    def revise(self, edits: dict[str, Any], *, now: datetime) -> list[str]:
        """Set every field to `edits` (a complete set); returns the names that changed."""
        changed = [name for name in FIELDS if getattr(self, name) != _edit(edits, name)]
        for name in changed:
            setattr(self, name, _edit(edits, name))
        if changed:
            self.version += 1
            self.updated_at = now
        return changed


def _edit(edits: dict[str, Any], name: str) -> Any:
    return edits.get(name, EMPTY.get(name))
