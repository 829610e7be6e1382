"""The lead aggregate: registering, revising, scoring, assigning."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from crm_sales.adapters.lead_publisher import action_of
from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_errors import (
    IllegalStatusChangeError,
    InvalidLeadError,
    LeadConvertedError,
)
from crm_sales.domain.lead_status import LeadStatus
from crm_sales.domain.scoring import Score
from crm_sales.events.topics import LeadAction

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def a_lead(**edits: Any) -> Lead:
    return Lead.register({"last_name": "Noether", **edits}, now=NOW)


def test_register_starts_new_at_version_one() -> None:
    lead = a_lead(title="CTO", company_size=40)
    assert (lead.status, lead.version, lead.score, lead.owner_id) == (
        LeadStatus.NEW,
        1,
        0,
        None,
    )
    assert (lead.title, lead.company_size) == ("CTO", 40)
    assert a_lead(status="working").status is LeadStatus.WORKING


@pytest.mark.parametrize("edits", [{"status": "qualified"}, {"status": "converted"}])
def test_register_refuses_statuses_a_new_lead_cannot_have(edits: dict[str, Any]) -> None:
    with pytest.raises(InvalidLeadError) as refused:
        a_lead(**edits)
    assert refused.value.field == "status"


def test_a_lead_needs_a_name_an_email_or_a_company() -> None:
    with pytest.raises(InvalidLeadError):
        Lead.register({"title": "CTO"}, now=NOW)
    assert Lead.register({"company_name": "Acme"}, now=NOW).company_name == "Acme"


def test_revise_reports_changed_fields_and_checks_the_status_move() -> None:
    lead = a_lead(title="CTO")
    edits = {**lead.editable(), "title": "CEO", "status": "qualified", "country": "DE"}
    assert sorted(lead.revise(edits)) == ["country", "status", "title"]
    assert lead.version == 1  # the caller versions the whole write
    assert lead.revise(lead.editable()) == []
    with pytest.raises(IllegalStatusChangeError):
        lead.revise({**lead.editable(), "status": "new"})


def test_a_converted_lead_no_longer_changes() -> None:
    lead = a_lead()
    lead.status = LeadStatus.CONVERTED
    with pytest.raises(LeadConvertedError):
        lead.revise({**lead.editable(), "title": "x"})
    with pytest.raises(LeadConvertedError):
        lead.check_deletable()


def test_rescore_reports_the_score_fields_that_moved() -> None:
    lead = a_lead()
    assert lead.rescore(Score(fit=10, engagement=0), rules_version=4) == ["fit_score", "score"]
    assert (lead.score, lead.scored_version) == (10, 4)
    assert lead.rescore(Score(fit=10, engagement=0), rules_version=5) == []
    assert lead.scored_version == 5
    assert lead.rescore(Score(fit=7, engagement=3), rules_version=5) == [
        "fit_score",
        "engagement_score",
    ]


def test_the_event_is_named_by_the_most_telling_change() -> None:
    lead = a_lead()
    assert action_of(lead, ["title"]) is LeadAction.UPDATED
    assert action_of(lead, ["score", "fit_score"]) is LeadAction.SCORED
    lead.assign(uuid.uuid4())
    assert action_of(lead, ["owner_id", "title"]) is LeadAction.ASSIGNED
    lead.status = LeadStatus.QUALIFIED
    assert action_of(lead, ["status", "owner_id"]) is LeadAction.QUALIFIED
    lead.status = LeadStatus.DISQUALIFIED
    assert action_of(lead, ["status"]) is LeadAction.DISQUALIFIED
    lead.status = LeadStatus.WORKING
    assert action_of(lead, ["status"]) is LeadAction.UPDATED
