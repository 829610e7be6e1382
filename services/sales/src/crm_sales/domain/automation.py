"""Sales automation rules, stored as data: a trigger and the action it sets off.

- `deal.stage_entered` (a stage id) -> `create_task`: when a deal enters the stage (it is
  created in it, or moves, wins or loses into it), a task is logged against the deal for
  its owner, due `due_in_days` after the deal entered the stage.
- `lead.untouched` (a number of days) -> `reassign`: an open lead (new or working) with
  an owner that nobody has worked for that many days goes to the next owner the
  assignment rules choose, never back to its current owner.

Any other pairing is refused. Rules are plain values here; storing them, listening to
deal events and the idle-lead scheduler live in the adapters.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from crm_sales.domain.activity import ActivityKind
from crm_sales.domain.deal_errors import InvalidDealError

MAX_DAYS = 365
# Deal events that mean "the deal entered a stage", and where they name it.
_STAGE_ENTRIES = {
    "created": "stage_id",
    "stage_changed": "to_stage_id",
    "won": "to_stage_id",
    "lost": "to_stage_id",
}


class TriggerType(StrEnum):
    """What sets a rule off."""

    DEAL_STAGE_ENTERED = "deal.stage_entered"
    LEAD_UNTOUCHED = "lead.untouched"


class ActionType(StrEnum):
    """What a rule does."""

    CREATE_TASK = "create_task"
    REASSIGN = "reassign"


# The one action each trigger can set off.
ACTION_OF = {
    TriggerType.DEAL_STAGE_ENTERED: ActionType.CREATE_TASK,
    TriggerType.LEAD_UNTOUCHED: ActionType.REASSIGN,
}


def check_pair(trigger: dict[str, Any], action: dict[str, Any]) -> None:
    """Refuse an action its trigger cannot set off (422 naming `action`)."""
    wanted = ACTION_OF[TriggerType(trigger["type"])]
    if ActionType(action["type"]) is not wanted:
        raise InvalidDealError(
            f"a {trigger['type']} trigger sets off a {wanted.value} action", field="action"
        )


def check_rule(trigger: dict[str, Any], action: dict[str, Any]) -> None:
    """Refuse a rule whose action does not fit its trigger or whose numbers of days are
    out of range (422 naming the field)."""
    check_pair(trigger, action)
    if "days" in trigger:
        _check_days(trigger["days"], field="trigger.days", low=1)
    if "due_in_days" in action:
        _check_days(action["due_in_days"], field="action.due_in_days", low=0)


def _check_days(days: Any, *, field: str, low: int) -> None:
    if not isinstance(days, int) or isinstance(days, bool) or not low <= days <= MAX_DAYS:
        raise InvalidDealError(f"must be a whole number of days, {low} to {MAX_DAYS}", field=field)


@dataclass(slots=True)
class AutomationRule:
    """One rule; `trigger` and `action` are the JSON objects the API serves."""

    id: uuid.UUID
    name: str
    trigger: dict[str, Any]
    action: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    active: bool = True
    version: int = 1

    def __post_init__(self) -> None:
        check_rule(self.trigger, self.action)

    @property
    def trigger_type(self) -> TriggerType:
        """The kind of trigger."""
        return TriggerType(self.trigger["type"])

    def fires_on_stage(self, stage_id: uuid.UUID, entered_at: datetime) -> bool:
        """Whether a deal entering `stage_id` at `entered_at` sets this rule off. Entries
        from before the rule existed do not (a new consumer group reads old events)."""
        return (
            self.active
            and self.trigger_type is TriggerType.DEAL_STAGE_ENTERED
            and str(self.trigger["stage_id"]) == str(stage_id)
            and entered_at >= self.created_at
        )

    def idle_cutoff(self, now: datetime) -> datetime:
        """Leads last touched at or before this time are idle for this rule."""
        if self.trigger_type is not TriggerType.LEAD_UNTOUCHED:
            raise ValueError("only lead.untouched rules look for idle leads")
        return now - timedelta(days=int(self.trigger["days"]))

    def task_for(
        self, deal_id: uuid.UUID, owner_id: uuid.UUID | None, entered_at: datetime
    ) -> dict[str, Any]:
        """The fields of the task this rule logs for a deal that entered its stage at
        `entered_at` (as Activity.log takes them)."""
        action = self.action
        return {
            "kind": ActivityKind.TASK,
            "subject": action["subject"],
            "notes": action.get("notes"),
            "due_at": entered_at + timedelta(days=int(action["due_in_days"])),
            "owner_id": owner_id,
            "deal_id": deal_id,
        }

    def describe(self) -> dict[str, str]:
        """What an event changed by this rule carries as `automation`."""
        return {"rule_id": str(self.id), "rule": self.name}


def entered_stage(action: str, data: dict[str, Any]) -> uuid.UUID | None:
    """The stage a `crm.sales.deal.<action>` event says the deal entered, or None.

    A deal created in a won or lost stage publishes `created`, then `won` or `lost` for
    the same entry: only the second counts, so the entry sets a rule off once.
    """
    field = _STAGE_ENTRIES.get(action)
    if field is None or (action == "created" and data.get("status") not in (None, "open")):
        return None
    try:
        return uuid.UUID(str(data[field]))
    except (KeyError, ValueError):
        return None


def actor_of(rule_id: uuid.UUID) -> str:
    """The `actor` of the changes a rule makes."""
    return f"automation-rule:{rule_id}"
