"""Lead conversion rules: who may be converted, what a conversion records, how it is
shown, and which contact events the sales side reacts to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from crm_sales.adapters.conversion_publisher import conversion_view
from crm_sales.domain.conversion import Conversion, ConversionStatus, DealSpec
from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_errors import (
    IllegalStatusChangeError,
    InvalidLeadError,
    LeadConvertedError,
)
from crm_sales.domain.lead_status import LeadStatus
from crm_sales.events.conversion_schemas import ConversionData

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SPEC = DealSpec("Pilot", Decimal("1500.5"), "EUR")


def a_lead(**edits: object) -> Lead:
    return Lead.register({"last_name": "Noether", "owner_id": uuid.uuid4(), **edits}, now=NOW)


def test_a_request_starts_pending_for_the_lead_and_its_owner() -> None:
    lead = a_lead()
    conversion = Conversion.request(lead, SPEC, now=NOW)
    assert (conversion.lead_id, conversion.owner_id) == (lead.id, lead.owner_id)
    assert conversion.status is ConversionStatus.PENDING
    assert conversion.pending
    assert (conversion.contact_id, conversion.deal_id) == (None, None)


def test_a_converted_lead_is_not_converted_again() -> None:
    lead = a_lead()
    lead.status = LeadStatus.CONVERTED
    with pytest.raises(LeadConvertedError):
        Conversion.request(lead, SPEC, now=NOW)


def test_a_disqualified_lead_is_worked_again_before_it_is_converted() -> None:
    lead = a_lead()
    lead.status = LeadStatus.DISQUALIFIED
    with pytest.raises(IllegalStatusChangeError) as refused:
        Conversion.request(lead, SPEC, now=NOW)
    assert (refused.value.current, refused.value.target) == ("disqualified", "converted")
    lead.status = LeadStatus.WORKING
    assert Conversion.request(lead, SPEC, now=NOW).pending


def test_a_lead_known_only_by_its_company_cannot_become_a_contact() -> None:
    lead = Lead.register({"company_name": "Acme"}, now=NOW)
    with pytest.raises(InvalidLeadError) as refused:
        Conversion.request(lead, SPEC, now=NOW)
    assert refused.value.field == "email"


def test_complete_and_fail_end_the_pending_state() -> None:
    later = NOW + timedelta(seconds=3)
    done = Conversion.request(a_lead(), SPEC, now=NOW)
    contact, company, deal = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    done.complete(contact_id=contact, company_id=company, deal_id=deal, now=later)
    assert (done.status, done.contact_id, done.company_id, done.deal_id) == (
        ConversionStatus.COMPLETED,
        contact,
        company,
        deal,
    )
    assert not done.pending
    assert done.updated_at == later
    failed = Conversion.request(a_lead(), SPEC, now=NOW)
    failed.fail("no pipeline", now=later)
    assert (failed.status, failed.error, failed.pending) == (
        ConversionStatus.FAILED,
        "no pipeline",
        False,
    )


def test_the_view_shows_money_with_the_currency_digits_and_validates() -> None:
    conversion = Conversion.request(a_lead(), SPEC, now=NOW)
    view = conversion_view(conversion)
    assert view["deal"] == {
        "name": "Pilot",
        "amount": "1500.50",
        "currency": "EUR",
        "pipeline_id": None,
    }
    shown = ConversionData.model_validate(view)
    assert (shown.id, shown.status) == (conversion.id, ConversionStatus.PENDING)
