"""Scoring configuration: fit rules and engagement points, versioned as one ruleset.

Every change bumps `lead_scoring.rules_version` in its own transaction; a lead whose
`scored_version` is older is rescored (adapters.rescoring). The single `lead_scoring`
row is locked by the bump, so configuration changes queue up one after another.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.config_rows import ConfigRows
from crm_sales.adapters.lead_keyset import after_cursor, cut_page
from crm_sales.adapters.lead_tables import lead_scoring, scoring_rules
from crm_sales.domain.scoring import FitRule, Operator, ScoreField
from crm_sales.domain.scoring_ruleset import Ruleset

_ONE = lead_scoring.c.id == 1
_KEYS = (scoring_rules.c.created_at, scoring_rules.c.id)
_LIST = "scoring-rules"


def fit_rule_from_row(row: RowMapping) -> FitRule:
    """The rule as scoring evaluates it."""
    value = row["value"]
    return FitRule(
        id=row["id"],
        field=ScoreField(row["field"]),
        operator=Operator(row["operator"]),
        value=tuple(value) if isinstance(value, list) else value,
        points=row["points"],
        active=row["active"],
    )


async def load_ruleset(session: AsyncSession) -> Ruleset:
    """The current ruleset. The version is read before the rules: a change committed in
    between makes the ruleset newer than its version says, so at worst a lead is
    rescored once more, never left with an outdated score."""
    state = (await session.execute(select(lead_scoring).where(_ONE))).mappings().one()
    rows = (await session.execute(select(scoring_rules))).mappings().all()
    return Ruleset(
        version=state["rules_version"],
        rules=tuple(fit_rule_from_row(row) for row in rows),
        points=dict(state["engagement_points"]),
    )


async def current_version(session: AsyncSession) -> int:
    """The version of the scoring configuration now."""
    stmt = select(lead_scoring.c.rules_version).where(_ONE)
    return int((await session.execute(stmt)).scalar_one())


async def bump_version(session: AsyncSession, now: datetime) -> int:
    """A new ruleset version, in the caller's transaction (which it serializes)."""
    stmt = (
        update(lead_scoring)
        .where(_ONE)
        .values(rules_version=lead_scoring.c.rules_version + 1, updated_at=now)
        .returning(lead_scoring.c.rules_version)
    )
    return int((await session.execute(stmt)).scalar_one())


async def list_rules(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[RowMapping], str | None]:
    """Fit rules, oldest first, in cursor pages."""
    stmt = after_cursor(
        select(scoring_rules), _KEYS, (datetime, uuid.UUID), token=_LIST, cursor=cursor
    )
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    return cut_page(rows, limit, _LIST, lambda row: (row["created_at"], row["id"]))


RULES = ConfigRows(scoring_rules)
get_rule = RULES.get


async def add_rule(session: AsyncSession, values: dict[str, Any], now: datetime) -> RowMapping:
    """Insert a fit rule (a new ruleset version); its row."""
    created = await RULES.add(session, values, now)
    await bump_version(session, now)
    return created


async def save_rule(
    session: AsyncSession, rule_id: uuid.UUID, values: dict[str, Any], now: datetime
) -> RowMapping:
    """Change a fit rule (a new ruleset version); its row after the change."""
    saved = await RULES.save(session, rule_id, values, now)
    await bump_version(session, now)
    return saved


async def delete_rule(session: AsyncSession, rule_id: uuid.UUID, now: datetime) -> None:
    """Delete a fit rule (a new ruleset version)."""
    await RULES.delete(session, rule_id)
    await bump_version(session, now)


async def get_points(session: AsyncSession, *, lock: bool = False) -> RowMapping:
    """The engagement points row: `engagement_points`, `engagement_version`, `updated_at`."""
    stmt = select(lead_scoring).where(_ONE)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).mappings().one()


async def set_points(session: AsyncSession, points: dict[str, int], now: datetime) -> RowMapping:
    """Replace the engagement points (a new ruleset version); the row after."""
    stmt = (
        update(lead_scoring)
        .where(_ONE)
        .values(
            engagement_points=points,
            engagement_version=lead_scoring.c.engagement_version + 1,
            rules_version=lead_scoring.c.rules_version + 1,
            updated_at=now,
        )
        .returning(lead_scoring)
    )
    return (await session.execute(stmt)).mappings().one()
