"""The forecast: weighted pipeline, commit, best case and closed won of a period, per owner
and currency, next to the owners' targets (rules: crm_sales.domain.forecast)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Query

from crm_sales.adapters.forecast_queries import period_targets, stage_totals
from crm_sales.api.deps import API_PREFIX, Reader, ReadSession
from crm_sales.api.forecast_schemas import ForecastAmounts, ForecastOut, OwnerForecast
from crm_sales.api.target_schemas import PeriodText
from crm_sales.domain.forecast import (
    COMMIT_MIN_PROBABILITY,
    ForecastLine,
    currency_totals,
    forecast_lines,
)
from crm_sales.domain.forecast_period import parse_period
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/forecast", tags=["forecast"], responses=PROBLEM_RESPONSES)


@router.get("", operation_id="get_forecast")
async def get_forecast(
    _: Reader,
    session: ReadSession,
    period: Annotated[PeriodText, Query(description="2026-11 or 2026-Q4")],
    owner_id: Annotated[uuid.UUID | None, Query(description="One owner only")] = None,
    pipeline_id: Annotated[uuid.UUID | None, Query(description="One pipeline only")] = None,
) -> ForecastOut:
    """Open and won deals closing in `period`, per owner and currency: weighted pipeline
    (amount x stage probability), commit (stages at or above 75%), best case (every open
    deal), closed won, and the owner's target with its attainment."""
    span = parse_period(period)
    lines = forecast_lines(
        await stage_totals(session, span, owner_id=owner_id, pipeline_id=pipeline_id)
    )
    for target_owner, currency, amount in await period_targets(session, span, owner_id=owner_id):
        lines.setdefault((target_owner, currency), ForecastLine(currency)).add_target(amount)
    by_owner: dict[uuid.UUID | None, list[ForecastLine]] = defaultdict(list)
    for (line_owner, _currency), line in sorted(lines.items(), key=lambda item: item[0][1]):
        by_owner[line_owner].append(line)
    owners = [
        OwnerForecast(owner_id=owner, by_currency=[ForecastAmounts.of(x) for x in owned])
        for owner, owned in sorted(
            by_owner.items(), key=lambda item: (item[0] is None, str(item[0]))
        )
    ]
    return ForecastOut(
        period=span.label,
        starts_on=span.starts_on,
        ends_on=span.ends_on,
        owner_id=owner_id,
        pipeline_id=pipeline_id,
        commit_min_probability=COMMIT_MIN_PROBABILITY,
        owners=owners,
        totals=[ForecastAmounts.of(line) for line in currency_totals(lines.values())],
    )
