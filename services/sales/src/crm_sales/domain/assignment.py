"""Lead assignment: rules stored as data give each new, unowned lead to a sales rep.

Rules are tried in `position` order; the first that applies to the lead and has someone
to give it to wins. `round_robin` deals leads in turn among the active reps (or the
rule's team); `territory` deals them among the active reps whose territory includes the
lead's country. Either way a rule remembers who got its last lead, and the next lead
goes to the next rep in user-id order after that one, wrapping around: fair, whoever
joins or leaves the team, and the same on every replica.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AssignmentMethod(StrEnum):
    """How a rule chooses among its candidates."""

    ROUND_ROBIN = "round_robin"
    TERRITORY = "territory"


@dataclass(slots=True)
class SalesRep:
    """A user who may be given leads; the gateway owns the user, sales owns this."""

    user_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str | None = None
    active: bool = True
    countries: list[str] = field(default_factory=list)
    version: int = 1


@dataclass(slots=True)
class AssignmentRule:
    """One assignment rule. `countries` limits the leads it applies to (empty: any);
    `user_ids` limits the reps it deals to (empty: every active rep)."""

    id: uuid.UUID
    name: str
    method: AssignmentMethod
    created_at: datetime
    updated_at: datetime
    position: int = 0
    active: bool = True
    countries: list[str] = field(default_factory=list)
    user_ids: list[uuid.UUID] = field(default_factory=list)
    last_user_id: uuid.UUID | None = None
    version: int = 1

    def applies_to(self, country: str | None) -> bool:
        """Whether a lead from `country` is this rule's to assign."""
        if not self.active:
            return False
        return not self.countries or country in self.countries

    def candidates(self, reps: Iterable[SalesRep], country: str | None) -> list[uuid.UUID]:
        """The reps this rule may give a lead from `country` to, in user-id order."""
        team = set(self.user_ids)
        chosen = [rep for rep in reps if rep.active and (not team or rep.user_id in team)]
        if self.method is AssignmentMethod.TERRITORY:
            chosen = [rep for rep in chosen if country is not None and country in rep.countries]
        return sorted(rep.user_id for rep in chosen)


def next_in_turn(candidates: list[uuid.UUID], last: uuid.UUID | None) -> uuid.UUID | None:
    """The first candidate after `last` in id order, wrapping around (None if nobody)."""
    if not candidates:
        return None
    ordered = sorted(candidates)
    if last is None:
        return ordered[0]
    return next((user_id for user_id in ordered if user_id > last), ordered[0])
