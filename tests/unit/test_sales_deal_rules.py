"""The deal aggregate: its status follows its stage, lost deals need a reason, closing
sets the close date, and each revision names what changed."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_stages import choose_stage
from crm_sales.domain.deal_status import DealStatus
from crm_sales.domain.pipeline import Pipeline, StageKind
from crm_sales.domain.pipeline_stages import StageSpec, plan_stages

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=3)


def _pipeline() -> Pipeline:
    stages = plan_stages(
        [
            StageSpec("Prospecting", StageKind.OPEN, 10),
            StageSpec("Negotiation", StageKind.OPEN, 75),
            StageSpec("Won", StageKind.WON),
            StageSpec("Lost", StageKind.LOST),
        ]
    )
    return Pipeline.register("Sales", stages, now=T0)


def _edits(**overrides: Any) -> dict[str, Any]:
    edits: dict[str, Any] = {
        "name": "Renewal",
        "amount": Decimal("1200.00"),
        "currency": "EUR",
        "close_date": date(2026, 12, 1),
        "owner_id": uuid.uuid4(),
        "contact_id": uuid.uuid4(),
        "company_id": None,
        "lost_reason": None,
    }
    return {**edits, **overrides}


def _kept(deal: Deal, **overrides: Any) -> dict[str, Any]:
    """The deal's own fields as a complete set of edits, with `overrides`."""
    kept = _edits(owner_id=deal.owner_id, contact_id=deal.contact_id, close_date=deal.close_date)
    return {**kept, **overrides}


def _open(pipeline: Pipeline, **overrides: Any) -> Deal:
    stage = pipeline.first_stage(StageKind.OPEN)
    deal, _ = Deal.open(
        _edits(**overrides), stage, pipeline_id=pipeline.id, now=T0, sent=frozenset()
    )
    return deal


def test_a_new_deal_takes_its_stage_status_and_probability() -> None:
    pipeline = _pipeline()
    deal, move = Deal.open(
        _edits(),
        pipeline.stages[1],
        pipeline_id=pipeline.id,
        now=T0,
        sent=frozenset({"name"}),
    )
    assert (deal.status, deal.probability, deal.version) == (DealStatus.OPEN, 75, 1)
    assert move.from_stage_id is None
    assert move.to_stage_id == pipeline.stages[1].id
    assert not move.closes


def test_winning_closes_on_the_day_unless_the_client_gives_a_date() -> None:
    pipeline = _pipeline()
    deal = _open(pipeline)
    won = pipeline.first_stage(StageKind.WON)
    change = deal.revise(_kept(deal), won, pipeline_id=pipeline.id, now=T1, sent=frozenset())
    assert deal.status == DealStatus.WON
    assert deal.close_date == T1.date()
    assert change.move is not None
    assert change.move.closes
    assert set(change.changed) == {"stage_id", "status", "probability", "close_date"}
    assert deal.version == 2

    other = _open(pipeline)
    given = date(2026, 11, 30)
    other.revise(
        _edits(close_date=given),
        won,
        pipeline_id=pipeline.id,
        now=T1,
        sent=frozenset({"close_date"}),
    )
    assert other.close_date == given


def test_a_lost_deal_needs_a_reason_and_reopening_forgets_it() -> None:
    pipeline = _pipeline()
    deal = _open(pipeline)
    lost = pipeline.first_stage(StageKind.LOST)
    with pytest.raises(InvalidDealError) as refused:
        deal.revise(_edits(), lost, pipeline_id=pipeline.id, now=T1, sent=frozenset())
    assert refused.value.field == "lost_reason"

    deal = _open(pipeline)
    deal.revise(
        _kept(deal, lost_reason="Budget cut"),
        lost,
        pipeline_id=pipeline.id,
        now=T1,
        sent=frozenset({"lost_reason"}),
    )
    assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "Budget cut")
    reopened = deal.revise(
        _kept(deal, lost_reason="Budget cut"),
        pipeline.stages[0],
        pipeline_id=pipeline.id,
        now=T1,
        sent=frozenset({"stage_id"}),
    )
    assert deal.status == DealStatus.OPEN
    assert deal.lost_reason is None
    assert reopened.move is not None
    assert not reopened.move.closes
    assert set(reopened.changed) == {"stage_id", "status", "probability", "lost_reason"}


def test_an_open_deal_refuses_a_lost_reason_sent_to_it() -> None:
    pipeline = _pipeline()
    with pytest.raises(InvalidDealError) as refused:
        Deal.open(
            _edits(lost_reason="why?"),
            pipeline.stages[0],
            pipeline_id=pipeline.id,
            now=T0,
            sent=frozenset({"lost_reason"}),
        )
    assert refused.value.field == "lost_reason"


def test_an_unchanged_revision_changes_nothing() -> None:
    pipeline = _pipeline()
    deal = _open(pipeline)
    edits = _kept(deal, amount=Decimal("1200"))
    change = deal.revise(
        edits, pipeline.stages[0], pipeline_id=pipeline.id, now=T1, sent=frozenset({"amount"})
    )
    assert change.changed == []
    assert change.move is None
    assert (deal.version, deal.updated_at) == (1, T0)


def test_editable_is_json_with_the_currency_digits() -> None:
    pipeline = _pipeline()
    deal = _open(pipeline, amount=Decimal("1200.5"), company_id=None)
    editable = deal.editable()
    assert editable["amount"] == "1200.50"
    assert editable["close_date"] == "2026-12-01"
    assert editable["status"] == "open"
    assert "company_id" not in editable  # None fields are absent, as merge patch expects


def test_choose_stage_by_id_status_or_default() -> None:
    pipeline = _pipeline()
    first, second, won, lost = pipeline.stages
    assert choose_stage(pipeline, stage_id=None, status=None) == first
    assert choose_stage(pipeline, stage_id=second.id, status=None) == second
    assert choose_stage(pipeline, stage_id=None, status=DealStatus.WON) == won
    assert (
        choose_stage(pipeline, stage_id=None, status=DealStatus.OPEN, current=second.id) == second
    )
    assert choose_stage(pipeline, stage_id=None, status=None, current=lost.id) == lost
    # The current stage of another pipeline does not count: a move to this one's first.
    assert choose_stage(pipeline, stage_id=None, status=None, current=uuid.uuid4()) == first
    with pytest.raises(InvalidDealError) as foreign:
        choose_stage(pipeline, stage_id=uuid.uuid4(), status=None)
    assert foreign.value.field == "stage_id"
    with pytest.raises(InvalidDealError) as clash:
        choose_stage(pipeline, stage_id=won.id, status=DealStatus.LOST)
    assert clash.value.field == "status"
