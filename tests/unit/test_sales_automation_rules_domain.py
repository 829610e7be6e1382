"""Automation rules as data: trigger/action pairs, day ranges, which deal events enter a
stage, when a stage rule fires, the task it logs, a lead's idle time; and the API schema
that names the field of a bad rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from crm_sales.api.automation_schemas import AutomationRuleIn
from crm_sales.domain.activity import ActivityKind
from crm_sales.domain.automation import AutomationRule, entered_stage
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.lead import Lead

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
STAGE = uuid.uuid4()
TASK = {"type": "create_task", "subject": "Send the proposal", "notes": None, "due_in_days": 2}
STAGE_TRIGGER = {"type": "deal.stage_entered", "stage_id": str(STAGE)}


def _rule(trigger: dict[str, Any], action: dict[str, Any], **fields: Any) -> AutomationRule:
    values: dict[str, Any] = {"created_at": NOW, "updated_at": NOW, **fields}
    return AutomationRule(id=uuid.uuid4(), name="r", trigger=trigger, action=action, **values)


def test_a_stage_rule_fires_for_its_stage_once_active_and_after_it_existed() -> None:
    rule = _rule(STAGE_TRIGGER, TASK)
    assert rule.fires_on_stage(STAGE, NOW)
    assert not rule.fires_on_stage(uuid.uuid4(), NOW)
    assert not rule.fires_on_stage(STAGE, NOW - timedelta(seconds=1))
    assert not _rule(STAGE_TRIGGER, TASK, active=False).fires_on_stage(STAGE, NOW)


def test_the_task_is_for_the_deal_owner_due_days_after_entering() -> None:
    deal_id, owner_id = uuid.uuid4(), uuid.uuid4()
    task = _rule(STAGE_TRIGGER, TASK).task_for(deal_id, owner_id, NOW)
    assert task["kind"] is ActivityKind.TASK
    assert task["subject"] == "Send the proposal"
    assert task["due_at"] == NOW + timedelta(days=2)
    assert (task["deal_id"], task["owner_id"]) == (deal_id, owner_id)


@pytest.mark.parametrize(
    ("trigger", "action"),
    [
        (STAGE_TRIGGER, {"type": "reassign"}),
        ({"type": "lead.untouched", "days": 3}, TASK),
    ],
)
def test_a_trigger_sets_off_only_its_own_action(
    trigger: dict[str, Any], action: dict[str, Any]
) -> None:
    with pytest.raises(InvalidDealError) as caught:
        _rule(trigger, action)
    assert caught.value.field == "action"


@pytest.mark.parametrize(
    ("trigger", "action", "field"),
    [
        ({"type": "lead.untouched", "days": 0}, {"type": "reassign"}, "trigger.days"),
        ({"type": "lead.untouched", "days": 366}, {"type": "reassign"}, "trigger.days"),
        ({"type": "lead.untouched", "days": True}, {"type": "reassign"}, "trigger.days"),
        (STAGE_TRIGGER, {**TASK, "due_in_days": -1}, "action.due_in_days"),
    ],
)
def test_days_out_of_range_name_their_field(
    trigger: dict[str, Any], action: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidDealError) as caught:
        _rule(trigger, action)
    assert caught.value.field == field


def test_an_idle_rule_cuts_off_at_its_days() -> None:
    rule = _rule({"type": "lead.untouched", "days": 7}, {"type": "reassign"})
    assert rule.idle_cutoff(NOW) == NOW - timedelta(days=7)
    with pytest.raises(ValueError, match="idle leads"):
        _rule(STAGE_TRIGGER, TASK).idle_cutoff(NOW)


@pytest.mark.parametrize(
    ("action", "data", "entered"),
    [
        ("created", {"stage_id": str(STAGE), "status": "open"}, True),
        ("stage_changed", {"stage_id": "x", "to_stage_id": str(STAGE)}, True),
        ("won", {"to_stage_id": str(STAGE), "status": "won"}, True),
        ("lost", {"to_stage_id": str(STAGE), "status": "lost"}, True),
        # Created in a closed stage: the `won` that follows is the entry.
        ("created", {"stage_id": str(STAGE), "status": "won"}, False),
        ("updated", {"stage_id": str(STAGE)}, False),
        ("deleted", {"stage_id": str(STAGE)}, False),
        ("stage_changed", {"to_stage_id": "not-a-uuid"}, False),
        ("stage_changed", {}, False),
    ],
)
def test_which_deal_events_enter_a_stage(action: str, data: dict[str, Any], entered: bool) -> None:
    assert entered_stage(action, data) == (STAGE if entered else None)


def test_the_api_schema_names_the_field_of_a_bad_rule() -> None:
    with pytest.raises(ValidationError) as caught:
        AutomationRuleIn.model_validate(
            {"name": "x", "trigger": STAGE_TRIGGER, "action": {"type": "reassign"}}
        )
    assert [error["loc"] for error in caught.value.errors()] == [("action",)]
    with pytest.raises(ValidationError) as caught:
        AutomationRuleIn.model_validate(
            {"name": "x", "trigger": {"type": "lead.untouched", "days": 0}, "action": TASK}
        )
    assert ("trigger", "lead.untouched", "days") in [e["loc"] for e in caught.value.errors()]
    rule = AutomationRuleIn.model_validate(
        {"name": "x", "trigger": STAGE_TRIGGER, "action": {"type": "create_task", "subject": "s"}}
    )
    assert rule.values()["action"] == {
        "type": "create_task",
        "subject": "s",
        "notes": None,
        "due_in_days": 1,
    }


def test_any_change_but_the_score_touches_a_lead() -> None:
    lead = Lead.register({"email": "a@example.com"}, now=NOW)
    assert lead.touched_at == NOW
    later = NOW + timedelta(days=3)
    lead.touch(later)
    lead.note_worked(["score", "fit_score"])
    assert lead.touched_at == NOW
    lead.note_worked(["owner_id", "score"])
    assert lead.touched_at == later
