"""Lifecycle stages and the rule that they only move forward.

`other` (partners, vendors, ...) sits outside the funnel, and so does "no stage yet":
moving into or out of either is never a step backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crm_contacts.domain.errors import BackwardStageMoveError


class LifecycleStage(StrEnum):
    """Where a contact is in the funnel."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MARKETING_QUALIFIED_LEAD = "marketing_qualified_lead"
    SALES_QUALIFIED_LEAD = "sales_qualified_lead"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"


FUNNEL: tuple[LifecycleStage, ...] = tuple(
    s for s in LifecycleStage if s is not LifecycleStage.OTHER
)
_RANK = {stage: rank for rank, stage in enumerate(FUNNEL)}


@dataclass(frozen=True, slots=True)
class StageMove:
    """A change of stage; `override` marks an admin moving a contact backwards."""

    previous: LifecycleStage | None
    stage: LifecycleStage | None
    override: bool = False


def is_backward(current: LifecycleStage | None, target: LifecycleStage | None) -> bool:
    """True when `target` comes before `current` in the funnel.

    Clearing a funnel stage counts as backwards; `other` is outside the order, so moves
    into or out of it are not.
    """
    if current is None or current is LifecycleStage.OTHER:
        return False
    if target is None:
        return True
    if target is LifecycleStage.OTHER:
        return False
    return _RANK[target] < _RANK[current]


def plan_move(
    current: LifecycleStage | None, target: LifecycleStage | None, *, is_admin: bool
) -> StageMove | None:
    """The move a person asked for, or None when the stage stays; refuses going back
    unless `is_admin`, in which case the move is an override."""
    if target == current:
        return None
    backward = is_backward(current, target)
    if backward and not is_admin:
        raise BackwardStageMoveError(current, target)
    return StageMove(previous=current, stage=target, override=backward)


def plan_advance(current: LifecycleStage | None, target: LifecycleStage) -> StageMove | None:
    """The move an event from another service causes: forward along the funnel only.

    A contact someone put in `other` stays there: automation does not overrule a person's
    decision that the contact is not in the funnel.
    """
    if current is LifecycleStage.OTHER or target is LifecycleStage.OTHER:
        return None
    if current is not None and _RANK[target] <= _RANK[current]:
        return None
    return StageMove(previous=current, stage=target)
