"""The demo's sales records: reproducible, realistic, and what the sales API accepts,
with close dates that give the current quarter's forecast figures."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from crm_cli.demo_data import (
    LOST_STAGE,
    OPEN_STAGES,
    PROPOSAL_STAGE,
    WON_STAGE,
    build_plan,
    quarter_of,
)

DEFAULT_STAGES = {
    f"5a1e5000-0000-4000-8000-000000000{n}" for n in ("010", "020", "050", "075", "100", "200")
}
TODAY = date(2026, 12, 6)
REFS = {"owner", "contact", "company", "deal", "product", "qualify"}


def _ids(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the loader sends it: references replaced by (made-up) ids."""
    body = {k: v for k, v in record.items() if k not in REFS}
    for ref, name in (("owner", "owner_id"), ("contact", "contact_id"), ("company", "company_id")):
        if ref in record:
            body[name] = str(uuid.uuid4()) if record[ref] is not None else None
    return body


def test_same_seed_and_day_same_sales_records_other_seed_other_records() -> None:
    assert build_plan(seed=7, today=TODAY).sales == build_plan(seed=7, today=TODAY).sales
    assert (
        build_plan(seed=7, today=TODAY).sales.deals != build_plan(seed=8, today=TODAY).sales.deals
    )


def test_the_sales_plan_has_the_promised_volume() -> None:
    plan = build_plan(seed=1, today=TODAY)
    sales = plan.sales
    assert [rep["email"] for rep in sales.reps] == [
        f"rep{n}@demo.crm.example.com" for n in (1, 2, 3)
    ]
    assert (len(sales.leads), len(sales.deals), len(sales.targets)) == (40, 30, 3)
    assert len(sales.scoring_rules) == 3
    assert len(sales.products) == 4
    assert len(sales.activities) == 5
    assert sales.assignment_rule["method"] == "round_robin"
    assert sales.automation_rule["trigger"] == {
        "type": "deal.stage_entered",
        "stage_id": PROPOSAL_STAGE,
    }
    requests = 3 + 3 + 1 + 3 + 1 + 4 + 30 + 2 + 3 + 5 + 40
    assert sales.total == requests
    assert plan.total == len(plan.companies) + len(plan.contacts) + len(plan.notes) + requests


def test_deals_spread_over_the_default_pipeline_with_exact_amounts() -> None:
    deals = build_plan(seed=2, today=TODAY).sales.deals
    stages = [deal["stage_id"] for deal in deals]
    assert set(stages) <= DEFAULT_STAGES
    assert set(OPEN_STAGES) <= set(stages)
    assert stages.count(WON_STAGE) >= 3
    assert stages.count(LOST_STAGE) >= 2
    for deal in deals:
        amount = Decimal(deal["amount"])
        assert deal["amount"] == f"{amount:.2f}"
        assert amount > 0
        assert deal["currency"] in ("EUR", "USD")
        assert ("lost_reason" in deal) == (deal["stage_id"] == LOST_STAGE)
        assert deal["owner"] in (0, 1, 2)
        assert deal["contact"] is not None
    assert {deal["owner"] for deal in deals} == {0, 1, 2}
    assert {deal["currency"] for deal in deals} == {"EUR", "USD"}


@pytest.mark.parametrize("today", [TODAY, date(2026, 1, 1), date(2026, 3, 31), date(2027, 9, 30)])
def test_close_dates_fall_in_this_quarter_and_the_next(today: date) -> None:
    _, start, end = quarter_of(today)
    _, next_start, next_end = quarter_of(date.fromordinal(end.toordinal() + 1))
    deals = build_plan(seed=3, today=today).sales.deals
    closed = [
        date.fromisoformat(d["close_date"]) for d in deals if d["stage_id"] not in OPEN_STAGES
    ]
    open_ = [date.fromisoformat(d["close_date"]) for d in deals if d["stage_id"] in OPEN_STAGES]
    assert all(start <= day <= today for day in closed)
    assert all(today <= day <= next_end for day in open_)
    this_quarter = [day for day in open_ if day <= end]
    assert this_quarter
    assert len(this_quarter) < len(open_)
    assert all(next_start <= day for day in open_ if day > end)


def test_quarters() -> None:
    assert quarter_of(TODAY) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_of(date(2027, 2, 28)) == ("2027-Q1", date(2027, 1, 1), date(2027, 3, 31))
    assert quarter_of(date(2027, 6, 30)) == ("2027-Q2", date(2027, 4, 1), date(2027, 6, 30))


def test_leads_are_realistic_some_linked_to_nothing_a_few_to_qualify() -> None:
    plan = build_plan(seed=4, today=TODAY)
    leads = plan.sales.leads
    linked = [lead for lead in leads if lead["contact"] is not None]
    assert 5 <= len(linked) <= 20
    for lead in linked:
        assert lead["email"] == plan.contacts[lead["contact"]]["email"]
    assert 2 <= sum(lead["qualify"] for lead in leads) <= 8
    assert {lead["status"] for lead in leads} == {"new", "working"}
    assert len({lead["email"] for lead in leads}) == 40
    assert {lead["owner"] for lead in leads} == {0, 1, 2}
    assert any("chief" in lead["title"].lower() for lead in leads)
    assert len({lead["source"] for lead in leads}) >= 4
    assert len({lead["country"] for lead in leads}) >= 5


def test_quote_targets_and_activities_point_at_the_right_records() -> None:
    plan = build_plan(seed=5, today=TODAY)
    sales = plan.sales
    quoted = sales.deals[sales.quote["deal"]]
    assert (quoted["stage_id"], quoted["currency"]) == (PROPOSAL_STAGE, "EUR")
    assert {line["product"] for line in sales.quote["lines"]} <= set(range(len(sales.products)))
    assert [(t["owner"], t["period"]) for t in sales.targets] == [
        (0, "2026-Q4"),
        (1, "2026-Q4"),
        (2, "2026-Q4"),
    ]
    due = [datetime.fromisoformat(a["due_at"]).date() for a in sales.activities]
    assert sum(day < TODAY for day in due) == 1
    assert all(day <= date(2026, 12, 13) for day in due)
    for activity in sales.activities:
        assert sales.deals[activity["deal"]]["stage_id"] in OPEN_STAGES
        assert activity["owner"] == sales.deals[activity["deal"]]["owner"]


def test_sales_records_are_what_the_sales_api_accepts() -> None:
    from crm_sales.api.activity_schemas import ActivityIn
    from crm_sales.api.automation_schemas import AutomationRuleIn
    from crm_sales.api.deal_schemas import DealIn
    from crm_sales.api.lead_assignment_schemas import AssignmentRuleIn, SalesRepIn
    from crm_sales.api.lead_schemas import LeadIn
    from crm_sales.api.lead_scoring_schemas import ScoringRuleIn
    from crm_sales.api.product_schemas import ProductIn
    from crm_sales.api.quote_schemas import QuoteIn
    from crm_sales.api.target_schemas import TargetIn
    from crm_sales.domain.scoring import check_rule

    sales = build_plan(seed=6, today=TODAY).sales
    for deal in sales.deals:
        DealIn.model_validate(_ids(deal)).edits()
    for lead in sales.leads:
        parsed = LeadIn.model_validate(_ids(lead))
        assert (parsed.email, parsed.country, parsed.source) == (
            lead["email"],
            lead["country"],
            lead["source"],
        )
    for rule in sales.scoring_rules:
        parsed_rule = ScoringRuleIn.model_validate(rule)
        check_rule(parsed_rule.field, parsed_rule.operator, parsed_rule.value)
    users = [str(uuid.uuid4()) for _ in sales.reps]
    for user_id, rep in zip(users, sales.reps, strict=True):
        SalesRepIn.model_validate(
            {"user_id": user_id, "name": rep["full_name"], "countries": rep["countries"]}
        )
    AssignmentRuleIn.model_validate({**sales.assignment_rule, "user_ids": users})
    AutomationRuleIn.model_validate(sales.automation_rule)
    for product in sales.products:
        ProductIn.model_validate(product)
    for target in sales.targets:
        TargetIn.model_validate(_ids(target)).edits()
    for activity in sales.activities:
        ActivityIn.model_validate({**_ids(activity), "deal_id": str(uuid.uuid4())})
    lines = [{**_ids(line), "product_id": str(uuid.uuid4())} for line in sales.quote["lines"]]
    QuoteIn.model_validate({**_ids(sales.quote), "deal_id": str(uuid.uuid4()), "lines": lines})


def test_small_plans_stay_consistent() -> None:
    bare = build_plan(seed=9, companies=3, contacts=0, today=TODAY)
    assert bare.sales.total == 0
    assert bare.total == 3
    small = build_plan(seed=9, companies=2, contacts=5, leads=3, deals=4, today=TODAY)
    sales = small.sales
    assert (len(sales.leads), len(sales.deals)) == (3, 4)
    assert all(0 <= deal["contact"] < 5 for deal in sales.deals)
    planned_quote = 2 if sales.quote else 0
    assert sales.total == 3 + 3 + 5 + 4 + 4 + planned_quote + 3 + len(sales.activities) + 3
