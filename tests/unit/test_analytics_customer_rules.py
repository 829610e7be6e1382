"""The customers read model without a database: reading contact events, and what each
one does to the rows (sequence checks, erasure, deletion, merges, redelivery)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_analytics.domain.customer import ContactChange, Customer, project
from crm_analytics.events.contact_events import contact_change
from crm_shared.events import Envelope

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def _event(action: str, subject: uuid.UUID, sequence: int, **data: Any) -> Envelope:
    return Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "crm/contacts",
            "type": f"crm.contacts.contact.{action}",
            "subject": str(subject),
            "time": "2025-01-02T00:00:00Z",
            "sequence": sequence,
            "data": data,
        }
    )


def _change(action: str, contact_id: uuid.UUID, sequence: int, **fields: Any) -> ContactChange:
    at = T0 + timedelta(minutes=sequence)
    return ContactChange(action, contact_id, sequence, at, **fields)


class Model:
    """The rows as the database would hold them, changed only through `project`."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Customer] = {}

    def apply(self, change: ContactChange) -> list[Customer]:
        touched = change.touched_ids()
        current = {
            key: row
            for key, row in self.rows.items()
            if key in touched or row.merged_into in touched
        }
        written = project(change, current)
        self.rows.update({row.contact_id: row for row in written})
        return written


# --- reading events ---------------------------------------------------------------------


def test_a_contact_event_becomes_a_change() -> None:
    contact_id, company_id = uuid.uuid4(), uuid.uuid4()
    event = _event(
        "updated",
        contact_id,
        3,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        company_id=str(company_id),
        lifecycle_stage="lead",
        updated_at="2025-01-01T10:00:00Z",
        changed=["title"],
        tags=["anything else is ignored"],
    )
    change = contact_change(event)
    assert change is not None
    assert (change.action, change.contact_id, change.sequence) == ("updated", contact_id, 3)
    assert (change.name, change.email, change.company_id) == (
        "Ada Lovelace",
        "ada@example.com",
        company_id,
    )
    assert change.occurred_at == datetime(2025, 1, 1, 10, tzinfo=UTC)


def test_merge_events_carry_their_ids() -> None:
    survivor, merged = uuid.uuid4(), uuid.uuid4()
    change = contact_change(_event("merged", survivor, 2, merged_ids=[str(merged)]))
    assert change is not None
    assert change.merged_ids == (merged,)
    end = contact_change(_event("merged_into", merged, 5, survivor_id=str(survivor)))
    assert end is not None
    assert end.survivor_id == survivor
    assert end.touched_ids() == {merged, survivor}


def test_other_types_are_ignored_and_malformed_ones_refused() -> None:
    other = _event("created", uuid.uuid4(), 1).model_copy(update={"type": "crm.sales.deal.won"})
    assert contact_change(other) is None
    with pytest.raises(ValueError, match="survivor_id"):
        contact_change(_event("merged_into", uuid.uuid4(), 2))
    with pytest.raises(ValueError, match="company_id"):
        contact_change(_event("updated", uuid.uuid4(), 2, company_id="not-a-uuid"))
    with pytest.raises(ValueError, match="subject"):
        contact_change(_event("created", uuid.uuid4(), 1).model_copy(update={"subject": None}))


# --- applying changes -------------------------------------------------------------------


def test_snapshots_apply_in_sequence_order_only() -> None:
    model, cid = Model(), uuid.uuid4()
    model.apply(_change("created", cid, 1, name="Ada", lifecycle_stage="lead"))
    model.apply(_change("updated", cid, 3, name="Ada L", lifecycle_stage="customer"))
    assert model.apply(_change("updated", cid, 2, name="late", lifecycle_stage="lead")) == []
    row = model.rows[cid]
    assert (row.name, row.lifecycle_stage, row.last_sequence) == ("Ada L", "customer", 3)


def test_erasure_blanks_personal_data_and_deletion_keeps_a_tombstone() -> None:
    model, cid = Model(), uuid.uuid4()
    model.apply(_change("created", cid, 1, name="Ada", email="ada@example.com"))
    model.apply(_change("erased", cid, 2, name="Ada", email="x@example.com", erased=True))
    row = model.rows[cid]
    assert (row.name, row.email, row.erased) == (None, None, True)
    model.apply(_change("deleted", cid, 3))
    assert model.rows[cid].deleted
    assert model.apply(_change("updated", cid, 2, name="late")) == []
    assert model.rows[cid].name is None


def test_a_merge_marks_the_duplicates_and_updates_the_survivor() -> None:
    model = Model()
    survivor, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    model.apply(_change("created", survivor, 1, name="Ada"))
    model.apply(_change("created", first, 1, name="Augusta", email="a@example.com"))
    # `second` was never seen: the merge leaves a row that only redirects.
    model.apply(_change("merged", survivor, 2, name="Ada", merged_ids=(first, second)))

    assert model.rows[survivor].last_sequence == 2
    for merged in (first, second):
        row = model.rows[merged]
        assert (row.merged_into, row.name, row.email) == (survivor, None, None)
    # Older events of a merged contact (from its own partition) change nothing.
    assert model.apply(_change("updated", first, 2, name="late")) == []
    assert model.apply(_change("created", second, 1, name="late")) == []
    end = model.apply(_change("merged_into", second, 2, survivor_id=survivor))
    assert [(r.contact_id, r.merged_into, r.last_sequence) for r in end] == [(second, survivor, 2)]


def test_merging_a_survivor_moves_its_merged_rows_along() -> None:
    model = Model()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for cid in (a, b, c):
        model.apply(_change("created", cid, 1, name=str(cid)))
    model.apply(_change("merged", b, 2, merged_ids=(a,)))
    model.apply(_change("merged", c, 2, merged_ids=(b,)))
    assert (model.rows[a].merged_into, model.rows[b].merged_into) == (c, c)


def test_a_later_merge_seen_first_still_ends_without_chains() -> None:
    model = Model()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    model.apply(_change("merged_into", b, 3, survivor_id=c))  # b -> c arrives first
    model.apply(_change("merged", b, 2, merged_ids=(a,)))  # then a -> b
    assert model.rows[a].merged_into == c
    assert model.rows[b].merged_into == c


def test_applying_a_change_twice_changes_nothing_more() -> None:
    model = Model()
    survivor, merged = uuid.uuid4(), uuid.uuid4()
    model.apply(_change("created", survivor, 1, name="Ada"))
    merge = _change("merged", survivor, 2, name="Ada K", merged_ids=(merged,))
    model.apply(merge)
    before = {key: (r.name, r.merged_into, r.last_sequence) for key, r in model.rows.items()}
    model.apply(merge)
    after = {key: (r.name, r.merged_into, r.last_sequence) for key, r in model.rows.items()}
    assert after == before


def test_project_does_not_modify_its_input() -> None:
    cid = uuid.uuid4()
    current = {cid: Customer(cid, T0, name="Ada", last_sequence=1)}
    (written,) = project(_change("updated", cid, 2, name="Ada L"), current)
    assert (current[cid].name, written.name) == ("Ada", "Ada L")
