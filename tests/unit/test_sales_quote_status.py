"""Quote statuses: draft -> sent -> accepted or rejected, and only drafts are edited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from crm_sales.domain.quote import Quote, QuoteStateError, QuoteStatus
from crm_sales.domain.quote_totals import QuoteLine

NOW = datetime(2026, 11, 23, tzinfo=UTC)
S = QuoteStatus


LINE = QuoteLine("Seat", Decimal(1), Decimal(10), Decimal(0), None)


def _quote(status: QuoteStatus, lines: tuple[QuoteLine, ...] = (LINE,)) -> Quote:
    return Quote(uuid.uuid4(), uuid.uuid4(), "EUR", NOW, NOW, lines=list(lines), status=status)


@pytest.mark.parametrize(
    ("start", "to"), [(S.DRAFT, S.SENT), (S.SENT, S.ACCEPTED), (S.SENT, S.REJECTED)]
)
def test_legal_moves(start: QuoteStatus, to: QuoteStatus) -> None:
    quote = _quote(start)
    quote.move(to, NOW)
    assert quote.status == to
    assert quote.version == 2


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.ACCEPTED),
        (S.DRAFT, S.REJECTED),
        (S.SENT, S.SENT),
        (S.ACCEPTED, S.REJECTED),
        (S.REJECTED, S.ACCEPTED),
        (S.ACCEPTED, S.SENT),
    ],
)
def test_illegal_moves(start: QuoteStatus, to: QuoteStatus) -> None:
    quote = _quote(start)
    with pytest.raises(QuoteStateError):
        quote.move(to, NOW)
    assert quote.status == start
    assert quote.version == 1


def test_only_drafts_are_editable() -> None:
    _quote(S.DRAFT).check_editable()
    for status in (S.SENT, S.ACCEPTED, S.REJECTED):
        with pytest.raises(QuoteStateError):
            _quote(status).check_editable()


def test_a_quote_without_lines_is_not_sent() -> None:
    quote = _quote(S.DRAFT, lines=())
    with pytest.raises(QuoteStateError, match="without lines"):
        quote.move(S.SENT, NOW)
    assert (quote.status, quote.version) == (S.DRAFT, 1)
