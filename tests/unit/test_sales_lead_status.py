"""Lead status moves: what a person may do with PATCH; converted is reached and left by
nothing but conversion."""

from __future__ import annotations

import itertools

import pytest

from crm_sales.domain.lead_errors import IllegalStatusChangeError
from crm_sales.domain.lead_status import INITIAL, TRANSITIONS, LeadStatus, check_move

S = LeadStatus
ALLOWED = {
    (S.NEW, S.WORKING),
    (S.NEW, S.QUALIFIED),
    (S.NEW, S.DISQUALIFIED),
    (S.WORKING, S.QUALIFIED),
    (S.WORKING, S.DISQUALIFIED),
    (S.QUALIFIED, S.WORKING),
    (S.QUALIFIED, S.DISQUALIFIED),
    (S.DISQUALIFIED, S.WORKING),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_every_pair_of_statuses(current: LeadStatus, target: LeadStatus) -> None:
    if current == target or (current, target) in ALLOWED:
        check_move(current, target)
    else:
        with pytest.raises(IllegalStatusChangeError) as refused:
            check_move(current, target)
        assert (refused.value.current, refused.value.target) == (current, target)


def test_converted_is_final_and_only_reached_by_conversion() -> None:
    assert TRANSITIONS[S.CONVERTED] == frozenset()
    assert all(S.CONVERTED not in targets for targets in TRANSITIONS.values())
    with pytest.raises(IllegalStatusChangeError, match="/convert"):
        check_move(S.QUALIFIED, S.CONVERTED)


def test_new_leads_start_new_or_working() -> None:
    assert sorted(INITIAL) == [S.NEW, S.WORKING]
