"""Assignment: who a rule may give a lead to, and whose turn it is."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from crm_sales.domain.assignment import AssignmentMethod, AssignmentRule, SalesRep, next_in_turn

NOW = datetime(2026, 1, 1, tzinfo=UTC)
IDS = sorted(uuid.uuid4() for _ in range(4))


def rep(i: int, *countries: str, active: bool = True) -> SalesRep:
    return SalesRep(IDS[i], NOW, NOW, active=active, countries=list(countries))


def a_rule(method: AssignmentMethod, **kw: object) -> AssignmentRule:
    return AssignmentRule(uuid.uuid4(), "r", method, NOW, NOW, **kw)  # type: ignore[arg-type]


def test_turns_go_round_in_id_order() -> None:
    team = [IDS[2], IDS[0], IDS[1]]
    turns, last = [], None
    for _ in range(7):
        last = next_in_turn(team, last)
        turns.append(last)
    assert turns == [IDS[0], IDS[1], IDS[2], IDS[0], IDS[1], IDS[2], IDS[0]]
    assert next_in_turn([], IDS[0]) is None


def test_a_rep_who_left_does_not_break_the_turn() -> None:
    # IDS[1] had the last lead and left the team: the next after it in order goes on.
    assert next_in_turn([IDS[0], IDS[2], IDS[3]], IDS[1]) == IDS[2]
    assert next_in_turn([IDS[0], IDS[2]], IDS[3]) == IDS[0]


def test_round_robin_deals_to_active_reps_of_the_team() -> None:
    reps = [rep(0), rep(1, active=False), rep(2), rep(3)]
    everyone = a_rule(AssignmentMethod.ROUND_ROBIN)
    assert everyone.candidates(reps, None) == [IDS[0], IDS[2], IDS[3]]
    team = a_rule(AssignmentMethod.ROUND_ROBIN, user_ids=[IDS[1], IDS[3]])
    assert team.candidates(reps, "DE") == [IDS[3]]


def test_territory_deals_to_reps_covering_the_country() -> None:
    reps = [rep(0, "DE", "AT"), rep(1, "DE"), rep(2, "FR"), rep(3, "DE", active=False)]
    territory = a_rule(AssignmentMethod.TERRITORY)
    assert territory.candidates(reps, "DE") == [IDS[0], IDS[1]]
    assert territory.candidates(reps, "FR") == [IDS[2]]
    assert territory.candidates(reps, "JP") == []
    assert territory.candidates(reps, None) == []


def test_a_rule_applies_to_its_countries_when_active() -> None:
    anywhere = a_rule(AssignmentMethod.ROUND_ROBIN)
    assert anywhere.applies_to(None)
    assert anywhere.applies_to("BR")
    dach = a_rule(AssignmentMethod.ROUND_ROBIN, countries=["AT", "CH", "DE"])
    assert dach.applies_to("CH")
    assert not dach.applies_to("FR")
    assert not dach.applies_to(None)
    assert not a_rule(AssignmentMethod.ROUND_ROBIN, active=False).applies_to("DE")
