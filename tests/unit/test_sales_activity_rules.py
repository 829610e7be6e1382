"""The activity aggregate's rules: one target, completion, re-arming the overdue mark."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_sales.domain.activity import Activity, ActivityKind
from crm_sales.domain.deal_errors import InvalidDealError

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _edits(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": ActivityKind.TASK,
        "subject": "Follow up",
        "notes": None,
        "due_at": NOW + timedelta(hours=1),
        "owner_id": None,
        "lead_id": None,
        "deal_id": None,
        "contact_id": uuid.uuid4(),
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    "targets",
    [{"contact_id": None}, {"deal_id": uuid.uuid4()}, {"lead_id": uuid.uuid4()}],
)
def test_exactly_one_target(targets: dict[str, Any]) -> None:
    edits = _edits(**targets)
    count = sum(edits[name] is not None for name in ("lead_id", "deal_id", "contact_id"))
    assert count != 1
    with pytest.raises(InvalidDealError):
        Activity.log(edits, completed=False, now=NOW)


def test_complete_then_reopen() -> None:
    activity = Activity.log(_edits(), completed=False, now=NOW)
    later = NOW + timedelta(minutes=5)
    assert activity.revise(_edits(contact_id=activity.contact_id), completed=True, now=later) == [
        "completed_at"
    ]
    assert activity.completed_at == later
    assert activity.version == 2
    # Completing again keeps the first completion time and is no change.
    same = _edits(contact_id=activity.contact_id)
    assert activity.revise(same, completed=True, now=later + timedelta(hours=1)) == []
    assert activity.completed_at == later
    assert activity.version == 2
    assert activity.revise(same, completed=False, now=later) == ["completed_at"]
    assert activity.completed_at is None


def test_overdue_and_rearming() -> None:
    activity = Activity.log(_edits(), completed=False, now=NOW)
    assert not activity.is_overdue(NOW)
    assert activity.is_overdue(NOW + timedelta(hours=2))
    activity.overdue_notified_at = NOW + timedelta(hours=2)
    edits = _edits(contact_id=activity.contact_id, subject="Renamed")
    assert activity.revise(edits, completed=False, now=NOW) == ["subject"]
    assert activity.overdue_notified_at is not None  # same due time: stays announced
    edits["due_at"] = NOW + timedelta(days=1)
    assert activity.revise(edits, completed=False, now=NOW) == ["due_at"]
    assert activity.overdue_notified_at is None
    assert not Activity.log(_edits(), completed=True, now=NOW).is_overdue(NOW + timedelta(days=9))
