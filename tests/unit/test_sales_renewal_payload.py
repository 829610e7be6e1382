"""Reading a contract's renewal_due payload into the renewal deal it opens."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crm_sales.domain.renewal import InvalidRenewalError, RenewalDue

CONTRACT = uuid.uuid4()
CONTACT = uuid.uuid4()


def _data(**fields: Any) -> dict[str, Any]:
    data = {
        "id": str(CONTRACT),
        "title": "Support plan",
        "contact_id": str(CONTACT),
        "amount": "12000.50",
        "currency": "eur",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    return {name: value for name, value in {**data, **fields}.items() if value is not ...}


def test_a_full_payload_gives_every_field() -> None:
    company, owner, origin = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    renewal = RenewalDue.parse(
        str(CONTRACT),
        _data(
            company_id=str(company),
            owner_id=str(owner),
            deal_id=str(origin),
            renewal={"term_start": "2027-01-01", "term_end": "2027-12-31"},
        ),
    )
    assert renewal == RenewalDue(
        contract_id=CONTRACT,
        contact_id=CONTACT,
        amount=Decimal("12000.50"),
        currency="EUR",
        term_key="2027-01-01",
        title="Support plan",
        company_id=company,
        owner_id=owner,
        origin_deal_id=origin,
        end_date=date(2026, 12, 31),
        term_start=date(2027, 1, 1),
    )
    assert renewal.deal_name == "Renewal: Support plan"
    assert renewal.close_date == date(2026, 12, 31)


def test_optional_fields_may_be_missing() -> None:
    renewal = RenewalDue.parse(None, _data(title=..., end_date="2026-12-31T23:59:59Z"))
    assert renewal.contract_id == CONTRACT  # from data.id when the subject is missing
    assert (renewal.company_id, renewal.owner_id, renewal.origin_deal_id) == (None, None, None)
    assert renewal.term_key == "2026-12-31"  # no renewal term: the end of the current one
    assert renewal.deal_name == f"Renewal of contract {str(CONTRACT)[:8]}"


def test_a_long_title_fits_a_deal_name() -> None:
    renewal = RenewalDue.parse(str(CONTRACT), _data(title="x" * 500))
    assert len(renewal.deal_name) == 200


@pytest.mark.parametrize(
    ("subject", "fields", "field"),
    [
        (None, {"id": ...}, "subject"),
        ("not-an-id", {"id": "nor-this"}, "subject"),
        (str(CONTRACT), {"contact_id": ...}, "data.contact_id"),
        (str(CONTRACT), {"contact_id": "nobody"}, "data.contact_id"),
        (str(CONTRACT), {"amount": ...}, "data.amount"),
        (str(CONTRACT), {"amount": "lots"}, "data.amount"),
        (str(CONTRACT), {"amount": 12.5}, "data.amount"),
        (str(CONTRACT), {"amount": "-1"}, "data.amount"),
        (str(CONTRACT), {"amount": "1.001"}, "data.amount"),
        (str(CONTRACT), {"currency": ...}, "data.currency"),
        (str(CONTRACT), {"currency": "EURO"}, "data.currency"),
        (str(CONTRACT), {"end_date": ...}, "data.end_date"),
        (str(CONTRACT), {"end_date": "soon"}, "data.end_date"),
        (str(CONTRACT), {"renewal": {"term_start": "later"}}, "data.renewal.term_start"),
        (str(CONTRACT), {"renewal": "yes"}, "data.renewal"),
        (str(CONTRACT), {"owner_id": "boss"}, "data.owner_id"),
    ],
)
def test_a_payload_that_cannot_open_a_deal_names_its_field(
    subject: str | None, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRenewalError) as raised:
        RenewalDue.parse(subject, _data(**fields))
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")
