"""Customer 360, first piece: one row per contact, kept from the contacts service's events.

Rules (`project` applies them; every one is safe to apply twice):

- a snapshot (created, updated, note_added, tagged, untagged, erased, and the survivor of
  a merge) replaces the row when its sequence is newer than the row's;
- erased and deleted contacts keep a row without personal data (it guards against older
  events arriving late); a deleted one is no longer served;
- a merge marks each merged contact `merged_into` the survivor and forgets its personal
  data (it lives on in the survivor); rows merged into a merged contact move on to the
  survivor, so there are no chains. A merged row ignores later snapshots: they are older
  than the merge.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

SNAPSHOT_ACTIONS = frozenset({"created", "updated", "note_added", "tagged", "untagged", "erased"})


@dataclass(slots=True)
class Customer:
    """What analytics knows of one contact."""

    contact_id: uuid.UUID
    updated_at: datetime
    name: str | None = None
    email: str | None = None
    company_id: uuid.UUID | None = None
    lifecycle_stage: str | None = None
    merged_into: uuid.UUID | None = None
    erased: bool = False
    deleted: bool = False
    last_sequence: int = 0

    def forget_person(self) -> None:
        """Drop the personal data (GDPR erasure, deletion, or merged into another)."""
        self.name = self.email = None


@dataclass(frozen=True, slots=True)
class ContactChange:
    """One `crm.contacts.contact.<action>` event, as far as this read model cares."""

    action: str
    contact_id: uuid.UUID
    sequence: int
    occurred_at: datetime
    name: str | None = None
    email: str | None = None
    company_id: uuid.UUID | None = None
    lifecycle_stage: str | None = None
    erased: bool = False
    merged_ids: tuple[uuid.UUID, ...] = ()
    survivor_id: uuid.UUID | None = None

    def touched_ids(self) -> set[uuid.UUID]:
        """The contacts whose rows this change may read or write."""
        ids = {self.contact_id, *self.merged_ids}
        if self.survivor_id:
            ids.add(self.survivor_id)
        return ids


def project(change: ContactChange, current: Mapping[uuid.UUID, Customer]) -> list[Customer]:
    """The rows to write after `change`, given the current rows of its touched ids and of
    the rows merged into them (`current` is not modified)."""
    rows = {key: dataclasses.replace(row) for key, row in current.items()}
    written: dict[uuid.UUID, Customer] = {}
    if change.action in SNAPSHOT_ACTIONS or change.action == "merged":
        written.update(_snapshot(rows, change))
    elif change.action == "deleted":
        written.update(_deleted(rows, change))
    if change.action == "merged":
        target = _resolve(rows, change.contact_id)
        for merged_id in change.merged_ids:
            written.update(_merge_away(rows, merged_id, target, change, sequence=None))
    elif change.action == "merged_into" and change.survivor_id:
        target = _resolve(rows, change.survivor_id)
        written.update(
            _merge_away(rows, change.contact_id, target, change, sequence=change.sequence)
        )
    return list(written.values())


def _snapshot(rows: dict[uuid.UUID, Customer], change: ContactChange) -> dict[uuid.UUID, Customer]:
    row = rows.get(change.contact_id)
    if row and (row.merged_into or row.last_sequence >= change.sequence):
        return {}
    row = row or Customer(change.contact_id, change.occurred_at)
    row.name, row.email = change.name, change.email
    row.company_id, row.lifecycle_stage = change.company_id, change.lifecycle_stage
    row.erased, row.updated_at, row.last_sequence = (
        change.erased,
        change.occurred_at,
        change.sequence,
    )
    if row.erased:
        row.forget_person()
    rows[row.contact_id] = row
    return {row.contact_id: row}


def _deleted(rows: dict[uuid.UUID, Customer], change: ContactChange) -> dict[uuid.UUID, Customer]:
    row = rows.get(change.contact_id) or Customer(change.contact_id, change.occurred_at)
    if row.last_sequence >= change.sequence:
        return {}
    row.forget_person()
    row.deleted, row.updated_at, row.last_sequence = True, change.occurred_at, change.sequence
    rows[row.contact_id] = row
    return {row.contact_id: row}


def _resolve(rows: Mapping[uuid.UUID, Customer], survivor_id: uuid.UUID) -> uuid.UUID:
    # The survivor may itself have been merged since (its later merge seen first).
    row = rows.get(survivor_id)
    return row.merged_into if row and row.merged_into else survivor_id


def _merge_away(
    rows: dict[uuid.UUID, Customer],
    merged_id: uuid.UUID,
    target: uuid.UUID,
    change: ContactChange,
    *,
    sequence: int | None,
) -> dict[uuid.UUID, Customer]:
    if merged_id == target:
        return {}
    row = rows.get(merged_id) or Customer(merged_id, change.occurred_at)
    row.merged_into = target
    row.forget_person()
    row.updated_at = change.occurred_at
    if sequence is not None:
        row.last_sequence = max(row.last_sequence, sequence)
    rows[merged_id] = row
    written = {merged_id: row}
    for other in rows.values():
        if other.merged_into == merged_id:
            other.merged_into = target
            written[other.contact_id] = other
    return written
