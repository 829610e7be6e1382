"""A lead's status and the moves a person may make between statuses.

`converted` is reached only by converting the lead (POST /leads/{id}/convert), never by
editing it, and nothing leaves it: the lead has become a contact and a deal.
"""

from __future__ import annotations

from enum import StrEnum

from crm_sales.domain.lead_errors import IllegalStatusChangeError


class LeadStatus(StrEnum):
    """Where a lead is in qualification."""

    NEW = "new"
    WORKING = "working"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


S = LeadStatus
# Moves a person makes with PATCH. Qualified can go back to working (the deal fell
# through before conversion); a disqualified lead can be worked again, not made new.
TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    S.NEW: frozenset({S.WORKING, S.QUALIFIED, S.DISQUALIFIED}),
    S.WORKING: frozenset({S.QUALIFIED, S.DISQUALIFIED}),
    S.QUALIFIED: frozenset({S.WORKING, S.DISQUALIFIED}),
    S.DISQUALIFIED: frozenset({S.WORKING}),
    S.CONVERTED: frozenset(),
}
# What a new lead may start as: qualifying is something done to a lead that exists.
INITIAL: frozenset[LeadStatus] = frozenset({S.NEW, S.WORKING})


def check_move(current: LeadStatus, target: LeadStatus) -> None:
    """Refuse a status change a person may not make (staying put is always fine)."""
    if target == current:
        return
    if target is S.CONVERTED:
        raise IllegalStatusChangeError(
            current, target, "convert a lead with POST /api/v1/leads/{id}/convert"
        )
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "nothing (it is final)"
        raise IllegalStatusChangeError(current, target, f"from {current} it may go to {allowed}")
