"""Lifecycle stages only move forward, except by an admin's override; events never go back."""

from __future__ import annotations

import pytest

from crm_contacts.domain.errors import BackwardStageMoveError
from crm_contacts.domain.lifecycle import (
    FUNNEL,
    LifecycleStage,
    is_backward,
    plan_advance,
    plan_move,
)

S = LifecycleStage


def test_funnel_order_is_the_documented_one() -> None:
    assert [s.value for s in FUNNEL] == [
        "subscriber",
        "lead",
        "marketing_qualified_lead",
        "sales_qualified_lead",
        "opportunity",
        "customer",
        "evangelist",
    ]
    assert S.OTHER not in FUNNEL


@pytest.mark.parametrize(
    ("current", "target", "backward"),
    [
        (S.LEAD, S.CUSTOMER, False),
        (S.CUSTOMER, S.LEAD, True),
        (S.EVANGELIST, S.SUBSCRIBER, True),
        (None, S.SUBSCRIBER, False),
        (S.LEAD, None, True),
        (S.CUSTOMER, S.OTHER, False),
        (S.OTHER, S.SUBSCRIBER, False),
        (S.OTHER, None, False),
    ],
)
def test_is_backward(current: S | None, target: S | None, backward: bool) -> None:
    assert is_backward(current, target) is backward


def test_forward_move_is_allowed_for_anyone() -> None:
    move = plan_move(S.LEAD, S.OPPORTUNITY, is_admin=False)
    assert move is not None
    assert (move.previous, move.stage, move.override) == (S.LEAD, S.OPPORTUNITY, False)


def test_backward_move_is_refused_for_non_admins() -> None:
    with pytest.raises(BackwardStageMoveError) as refused:
        plan_move(S.CUSTOMER, S.LEAD, is_admin=False)
    assert refused.value.current == S.CUSTOMER
    assert refused.value.target == S.LEAD


def test_admin_may_move_backwards_and_it_is_an_override() -> None:
    move = plan_move(S.CUSTOMER, S.LEAD, is_admin=True)
    assert move is not None
    assert move.override is True


def test_admin_forward_move_is_not_an_override() -> None:
    move = plan_move(S.LEAD, S.CUSTOMER, is_admin=True)
    assert move is not None
    assert move.override is False


def test_same_stage_is_no_move() -> None:
    assert plan_move(S.LEAD, S.LEAD, is_admin=False) is None


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        (None, S.MARKETING_QUALIFIED_LEAD, S.MARKETING_QUALIFIED_LEAD),
        (S.LEAD, S.SALES_QUALIFIED_LEAD, S.SALES_QUALIFIED_LEAD),
        (S.OPPORTUNITY, S.CUSTOMER, S.CUSTOMER),
        (S.CUSTOMER, S.OPPORTUNITY, None),
        (S.CUSTOMER, S.MARKETING_QUALIFIED_LEAD, None),
        (S.OPPORTUNITY, S.OPPORTUNITY, None),
        (S.OTHER, S.CUSTOMER, None),
    ],
)
def test_events_only_advance(current: S | None, target: S, expected: S | None) -> None:
    move = plan_advance(current, target)
    assert (move.stage if move else None) == expected
    if move:
        assert move.override is False
