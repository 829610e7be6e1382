"""A contract's renewal coming due, as the contracts service announces it, and the deal
it opens: one renewal deal per contract and renewal term.

The term is `renewal.term_start` when the event gives one, else the contract's
`end_date` (the old term ends where the new one starts): a second announcement of the
same term opens nothing more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import check_amount, check_currency, parse_amount
from crm_shared.events import uuid_or_none

# Deal names hold up to 200 characters (api.deal_schemas.DealName).
MAX_NAME = 200


class InvalidRenewalError(ValueError):
    """A renewal_due event that no retry can make usable; `field` names what is wrong
    (a path in the CloudEvent, e.g. `data.amount`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class RenewalDue:
    """What a renewal deal is made of, read from a `renewal_due` event."""

    contract_id: uuid.UUID
    contact_id: uuid.UUID
    amount: Decimal
    currency: str
    term_key: str
    title: str | None = None
    company_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    origin_deal_id: uuid.UUID | None = None
    end_date: date | None = None
    term_start: date | None = None

    @classmethod
    def parse(cls, subject: str | None, data: dict[str, Any]) -> RenewalDue:
        """The renewal an event announces (`subject` = the contract id, `data` = the
        contract); InvalidRenewalError naming the field when it cannot open a deal."""
        contract_id = uuid_or_none(subject) or uuid_or_none(data.get("id"))
        if contract_id is None:
            raise InvalidRenewalError("no contract id (subject, or data.id)", field="subject")
        renewal = data.get("renewal") or {}
        if not isinstance(renewal, dict):
            raise InvalidRenewalError("must be an object", field="data.renewal")
        end_date = _date(data.get("end_date"), "data.end_date")
        term_start = _date(renewal.get("term_start"), "data.renewal.term_start")
        term = term_start or end_date
        if term is None:
            raise InvalidRenewalError(
                "a renewal names its term: renewal.term_start or end_date", field="data.end_date"
            )
        currency = _currency(data.get("currency"))
        title = data.get("title")
        return cls(
            contract_id=contract_id,
            contact_id=_required_uuid(data.get("contact_id"), "data.contact_id"),
            amount=_amount(data.get("amount"), currency),
            currency=currency,
            term_key=term.isoformat(),
            title=(title.strip() or None) if isinstance(title, str) else None,
            company_id=_optional_uuid(data.get("company_id"), "data.company_id"),
            owner_id=_optional_uuid(data.get("owner_id"), "data.owner_id"),
            origin_deal_id=_optional_uuid(data.get("deal_id"), "data.deal_id"),
            end_date=end_date,
            term_start=term_start,
        )

    @property
    def deal_name(self) -> str:
        """`Renewal: <title>`, or `Renewal of contract <first 8 of its id>` without one."""
        if self.title:
            return f"Renewal: {self.title}"[:MAX_NAME]
        return f"Renewal of contract {str(self.contract_id)[:8]}"

    @property
    def close_date(self) -> date | None:
        """When the renewal should be signed: when the current term ends."""
        return self.end_date or self.term_start


def _optional_uuid(value: object, field: str) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidRenewalError(f"{value!r} is not a UUID", field=field) from None


def _required_uuid(value: object, field: str) -> uuid.UUID:
    found = _optional_uuid(value, field)
    if found is None:
        raise InvalidRenewalError("is missing", field=field)
    return found


def _date(value: object, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        pass
    try:  # an RFC 3339 time: its date
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        raise InvalidRenewalError(f"{value!r} is not a date", field=field) from None


def _currency(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidRenewalError("an ISO 4217 code is missing", field="data.currency")
    try:
        return check_currency(value)
    except InvalidDealError as exc:
        raise InvalidRenewalError(str(exc), field="data.currency") from None


def _amount(value: object, currency: str) -> Decimal:
    try:
        return check_amount(parse_amount(value), currency)
    except InvalidDealError as exc:
        raise InvalidRenewalError(str(exc), field="data.amount") from None
