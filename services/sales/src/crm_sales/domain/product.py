"""A product of the price book: what quote lines may refer to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

EDITABLE = ("sku", "name", "unit_price", "currency", "active")


@dataclass(slots=True)
class Product:
    """A product with its list price; inactive ones cannot be put on new quote lines."""

    id: uuid.UUID
    sku: str
    name: str
    unit_price: Decimal
    currency: str
    created_at: datetime
    updated_at: datetime
    active: bool = True
    version: int = 1

    def revise(self, edits: dict[str, Any], now: datetime) -> list[str]:
        """Apply `edits` (some of EDITABLE); the names of the fields that changed."""
        changed = [
            name for name in EDITABLE if name in edits and edits[name] != getattr(self, name)
        ]
        for name in changed:
            setattr(self, name, edits[name])
        if changed:
            self.version += 1
            self.updated_at = now
        return changed
