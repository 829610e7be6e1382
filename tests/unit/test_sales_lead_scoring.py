"""Fit rules as data: which operators fit which field, how values are stored and matched,
and engagement points."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from crm_sales.domain.lead_errors import InvalidLeadError
from crm_sales.domain.scoring import FitRule, Operator, Score, ScoreField, check_rule, fit_score
from crm_sales.domain.scoring_engagement import (
    check_points,
    engagement_score,
    engagement_type,
)
from crm_sales.domain.scoring_ruleset import Ruleset

F, Op = ScoreField, Operator


def rule(field: ScoreField, op: Operator, value: Any, points: int = 1, **kw: Any) -> FitRule:
    stored = check_rule(field, op, value)
    return FitRule(
        uuid.uuid4(), field, op, tuple(stored) if isinstance(stored, list) else stored, points, **kw
    )


@pytest.mark.parametrize(
    ("field", "op", "value", "lead_value", "matches"),
    [
        (F.TITLE, Op.CONTAINS, "Chief", "Chief Executive Officer", True),
        (F.TITLE, Op.CONTAINS, "chief", "CHIEF of staff", True),
        (F.TITLE, Op.CONTAINS, "chief", "Head of Sales", False),
        (F.TITLE, Op.EQUALS, " cto ", "CTO", True),
        (F.TITLE, Op.EQUALS, "cto", "CTO Office", False),
        (F.TITLE, Op.IN, ["CEO", "cfo"], "CFO", True),
        (F.SOURCE, Op.IN, ["web", "event"], "referral", False),
        (F.COUNTRY, Op.IN, ["de", "AT"], "DE", True),
        (F.COUNTRY, Op.EQUALS, "us", "US", True),
        (F.COMPANY_SIZE, Op.GTE, 100, 100, True),
        (F.COMPANY_SIZE, Op.GTE, 100, 99, False),
        (F.COMPANY_SIZE, Op.LTE, 10, 10, True),
        (F.COMPANY_SIZE, Op.LTE, 10, 11, False),
        (F.COMPANY_SIZE, Op.IN, [1, 2], 2, True),
        (F.COMPANY_SIZE, Op.EQUALS, 0, 0, True),
        (F.TITLE, Op.CONTAINS, "chief", None, False),
        (F.COMPANY_SIZE, Op.LTE, 10, None, False),
    ],
)
def test_a_rule_matches_the_field_it_names(
    field: ScoreField, op: Operator, value: Any, lead_value: Any, matches: bool
) -> None:
    assert rule(field, op, value).matches({field.value: lead_value}) is matches


def test_fit_score_adds_the_points_of_active_matching_rules() -> None:
    rules = [
        rule(F.TITLE, Op.CONTAINS, "vp", 15),
        rule(F.COUNTRY, Op.IN, ["DE", "FR"], 10),
        rule(F.COMPANY_SIZE, Op.LTE, 5, -20),
        rule(F.SOURCE, Op.EQUALS, "web", 5, active=False),
    ]
    lead = {"title": "VP Engineering", "country": "FR", "company_size": 3, "source": "web"}
    assert fit_score(rules, lead) == 15 + 10 - 20
    assert fit_score(rules, {}) == 0


@pytest.mark.parametrize(
    ("field", "op", "value", "loc"),
    [
        (F.COUNTRY, Op.CONTAINS, "D", "operator"),
        (F.TITLE, Op.GTE, 1, "operator"),
        (F.COMPANY_SIZE, Op.CONTAINS, 1, "operator"),
        (F.COMPANY_SIZE, Op.GTE, "10", "value"),
        (F.COMPANY_SIZE, Op.GTE, True, "value"),
        (F.COMPANY_SIZE, Op.GTE, -1, "value"),
        (F.COUNTRY, Op.EQUALS, "Germany", "value"),
        (F.TITLE, Op.IN, "CEO", "value"),
        (F.TITLE, Op.IN, [], "value"),
        (F.TITLE, Op.EQUALS, "", "value"),
        (F.TITLE, Op.EQUALS, "x" * 201, "value"),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_part(
    field: ScoreField, op: Operator, value: Any, loc: str
) -> None:
    with pytest.raises(InvalidLeadError) as refused:
        check_rule(field, op, value)
    assert refused.value.field == loc


def test_values_are_stored_normalized() -> None:
    assert check_rule(F.COUNTRY, Op.IN, ["de", "AT", "de"]) == ["AT", "DE"]
    assert check_rule(F.TITLE, Op.CONTAINS, "  Head   of ") == "Head of"
    assert check_rule(F.COMPANY_SIZE, Op.IN, [50, 10, 50]) == [10, 50]


def test_engagement_types_come_from_marketing_event_types() -> None:
    assert engagement_type("crm.marketing.engagement.clicked") == "clicked"
    assert engagement_type("crm.marketing.engagement.mql_reached") == "mql_reached"
    assert engagement_type("crm.marketing.campaign.sent") is None
    assert engagement_type("crm.marketing.engagement.Bad-Type") is None


def test_engagement_score_counts_configured_types_only() -> None:
    points = {"opened": 1, "clicked": 3, "unsubscribed": -10}
    assert engagement_score({"opened": 4, "clicked": 2, "bounced": 7}, points) == 10
    assert engagement_score({"unsubscribed": 1}, points) == -10


@pytest.mark.parametrize(
    "points",
    [
        {"Opened": 1},
        {"opened": 1.5},
        {"opened": True},
        {"opened": 5000},
        {f"t{i}": 1 for i in range(51)},
    ],
)
def test_bad_points_are_refused(points: dict[str, Any]) -> None:
    with pytest.raises(InvalidLeadError):
        check_points(points)


def test_a_ruleset_scores_fit_and_engagement() -> None:
    ruleset = Ruleset(version=3, rules=(rule(F.TITLE, Op.EQUALS, "cto", 20),), points={"opened": 2})
    score = ruleset.score({"title": "CTO"}, {"opened": 3})
    assert score == Score(fit=20, engagement=6)
    assert score.total == 26
