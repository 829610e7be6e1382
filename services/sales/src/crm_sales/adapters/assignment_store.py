"""Assignment rules (configuration, no events) and choosing an owner for a new lead."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.config_rows import ConfigRows
from crm_sales.adapters.lead_keyset import after_cursor, cut_page
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.adapters.lead_tables import assignment_rules
from crm_sales.adapters.sales_rep_store import active_reps
from crm_sales.domain.assignment import (
    AssignmentMethod,
    AssignmentRule,
    SalesRep,
    next_in_turn,
)
from crm_sales.domain.lead import Lead
from crm_sales.events.lead_schemas import LeadData
from crm_sales.events.topics import LeadAction

_KEYS = (assignment_rules.c.position, assignment_rules.c.id)
_LIST = "assignment-rules"


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who a rule gave a lead to; `describe()` is what the `assigned` event carries."""

    user_id: uuid.UUID
    rule_id: uuid.UUID
    rule_name: str
    method: AssignmentMethod

    def describe(self) -> dict[str, Any]:
        """The event's `assignment` field."""
        return {"rule_id": str(self.rule_id), "rule": self.rule_name, "method": self.method}


def rule_from_row(row: RowMapping) -> AssignmentRule:
    """A rule as assignment evaluates it."""
    values = dict(row)
    values["method"] = AssignmentMethod(values["method"])
    return AssignmentRule(**values)


async def choose_owner(
    session: AsyncSession, country: str | None, *, exclude: uuid.UUID | None = None
) -> Assignment | None:
    """The owner the first applicable rule gives a new lead from `country`, taking the
    rule's turn (None when no rule has anyone to give it to); never `exclude` (a lead's
    current owner, when it is taken away from them).

    The turn is read and moved under the rule row's lock (`SELECT ... FOR UPDATE`), so
    concurrent leads take consecutive turns and no rep is skipped or served twice. The
    turn is runtime state, not configuration: it does not change the rule's version.
    """
    reps = await active_reps(session)
    stmt = select(assignment_rules).where(assignment_rules.c.active).order_by(*_KEYS)
    for row in (await session.execute(stmt)).mappings().all():
        seen = rule_from_row(row)
        if not seen.applies_to(country) or not _others(seen, reps, country, exclude):
            continue
        locked = await get_rule(session, row["id"], lock=True)
        if locked is None:  # deleted meanwhile
            continue
        rule = rule_from_row(locked)
        if not rule.applies_to(country):
            continue
        user_id = next_in_turn(_others(rule, reps, country, exclude), rule.last_user_id)
        if user_id is None:
            continue
        await session.execute(
            update(assignment_rules)
            .where(assignment_rules.c.id == rule.id)
            .values(last_user_id=user_id)
        )
        return Assignment(user_id, rule.id, rule.name, rule.method)
    return None


def _others(
    rule: AssignmentRule, reps: list[SalesRep], country: str | None, exclude: uuid.UUID | None
) -> list[uuid.UUID]:
    return [user_id for user_id in rule.candidates(reps, country) if user_id != exclude]


async def list_rules(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[RowMapping], str | None]:
    """Rules in the order they are tried (position, then id), in cursor pages."""
    stmt = after_cursor(
        select(assignment_rules), _KEYS, (int, uuid.UUID), token=_LIST, cursor=cursor
    )
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    return cut_page(rows, limit, _LIST, lambda row: (row["position"], row["id"]))


RULES = ConfigRows(assignment_rules)
get_rule, add_rule, save_rule, delete_rule = RULES.get, RULES.add, RULES.save, RULES.delete


async def assign_by_rules(store: LeadStore, lead: Lead, now: datetime) -> LeadData | None:
    """Give an unowned lead to the owner the rules choose: a new version and its
    `assigned` event naming the rule; None (nothing written) if no rule has anyone."""
    assignment = await choose_owner(store.session, lead.country)
    if assignment is None:
        return None
    changed = lead.assign(assignment.user_id)
    lead.touch(now)
    return await store.save(
        lead, LeadAction.ASSIGNED, changed=changed, extra={"assignment": assignment.describe()}
    )
