"""Automation rules (configuration, no events) and the record of what they did."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import RowMapping, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.automation_tables import automation_rules, automation_runs
from crm_sales.adapters.config_rows import ConfigRows
from crm_sales.adapters.deal_tables import pipeline_stages
from crm_sales.adapters.lead_keyset import after_cursor, cut_page
from crm_sales.domain.automation import AutomationRule, TriggerType

_KEYS = (automation_rules.c.created_at, automation_rules.c.id)
_RUN_KEYS = (automation_runs.c.created_at, automation_runs.c.id)
_LIST = "automation-rules"
_RUNS = "automation-runs"


def rule_from_row(row: RowMapping) -> AutomationRule:
    """A rule as automation evaluates it."""
    return AutomationRule(**dict(row))


async def stage_exists(session: AsyncSession, stage_id: uuid.UUID) -> bool:
    """Whether some pipeline has the stage."""
    stmt = select(exists().where(pipeline_stages.c.id == stage_id))
    return bool((await session.execute(stmt)).scalar())


async def rules_of(session: AsyncSession, trigger: TriggerType) -> list[AutomationRule]:
    """The active rules with a trigger of this type, oldest first."""
    stmt = (
        select(automation_rules)
        .where(automation_rules.c.active, automation_rules.c.trigger["type"].astext == trigger)
        .order_by(*_KEYS)
    )
    return [rule_from_row(row) for row in (await session.execute(stmt)).mappings()]


async def stage_rules(
    session: AsyncSession, stage_id: uuid.UUID, entered_at: datetime
) -> list[AutomationRule]:
    """The active rules a deal entering `stage_id` at `entered_at` sets off."""
    rules = await rules_of(session, TriggerType.DEAL_STAGE_ENTERED)
    return [rule for rule in rules if rule.fires_on_stage(stage_id, entered_at)]


async def list_rules(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[RowMapping], str | None]:
    """Rules oldest first, in cursor pages."""
    stmt = after_cursor(
        select(automation_rules), _KEYS, (datetime, uuid.UUID), token=_LIST, cursor=cursor
    )
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    return cut_page(rows, limit, _LIST, lambda row: (row["created_at"], row["id"]))


RULES = ConfigRows(automation_rules)
# Deleting a rule deletes the record of its runs too (ON DELETE CASCADE).
get_rule, add_rule, save_rule, delete_rule = RULES.get, RULES.add, RULES.save, RULES.delete


async def list_runs(
    session: AsyncSession, rule_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[RowMapping], str | None]:
    """What a rule did, oldest first, in cursor pages."""
    stmt = after_cursor(
        select(automation_runs).where(automation_runs.c.rule_id == rule_id),
        _RUN_KEYS,
        (datetime, uuid.UUID),
        token=_RUNS,
        cursor=cursor,
    )
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    return cut_page(rows, limit, _RUNS, lambda row: (row["created_at"], row["id"]))
