"""Pipeline stage rules: order, kinds, probabilities, ids kept across edits, and which
edits deals in a stage forbid."""

from __future__ import annotations

import uuid

import pytest

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.pipeline import StageKind
from crm_sales.domain.pipeline_stages import StageSpec, plan_stages, stages_in_use_changed

OPEN, WON, LOST = StageKind.OPEN, StageKind.WON, StageKind.LOST


def _basic() -> list[StageSpec]:
    return [StageSpec("New", OPEN, 10), StageSpec("Won", WON), StageSpec("Lost", LOST)]


def test_stages_are_ordered_and_closed_ones_get_fixed_probabilities() -> None:
    stages = plan_stages(_basic())
    assert [(s.name, s.position, s.probability, s.kind) for s in stages] == [
        ("New", 0, 10, OPEN),
        ("Won", 1, 100, WON),
        ("Lost", 2, 0, LOST),
    ]
    assert len({s.id for s in stages}) == 3


@pytest.mark.parametrize(
    "specs",
    [
        [],
        [StageSpec("New", OPEN, 10), StageSpec("Won", WON)],  # no lost stage
        [StageSpec("New", OPEN), StageSpec("Won", WON), StageSpec("Lost", LOST)],  # no prob.
        [
            StageSpec("A", OPEN, 10),
            StageSpec("a", OPEN, 20),
            StageSpec("W", WON),
            StageSpec("L", LOST),
        ],  # names clash ignoring case
        [StageSpec("New", OPEN, 101), StageSpec("Won", WON), StageSpec("Lost", LOST)],
        [StageSpec("New", OPEN, 10), StageSpec("Won", WON, 90), StageSpec("Lost", LOST)],
        [StageSpec(f"S{i}", OPEN, 10) for i in range(29)]
        + [StageSpec("Won", WON), StageSpec("Lost", LOST)],  # 31 stages
    ],
)
def test_bad_stage_lists_are_refused_naming_stages(specs: list[StageSpec]) -> None:
    with pytest.raises(InvalidDealError) as refused:
        plan_stages(specs)
    assert refused.value.field == "stages"


def test_edits_keep_ids_and_only_known_ids_are_accepted() -> None:
    current = plan_stages(_basic())
    new, won, lost = current
    reordered = plan_stages(
        [
            StageSpec("Demo", OPEN, 40),
            StageSpec("New", OPEN, 15, new.id),
            StageSpec("Lost", LOST, None, lost.id),
            StageSpec("Won", WON, 100, won.id),
        ],
        current,
    )
    assert [s.id for s in reordered[1:]] == [new.id, lost.id, won.id]
    assert reordered[1].position == 1
    assert reordered[1].probability == 15
    with pytest.raises(InvalidDealError):
        plan_stages([*_basic()[:2], StageSpec("Lost", LOST, None, uuid.uuid4())], current)
    with pytest.raises(InvalidDealError):  # one id twice
        plan_stages(
            [StageSpec("A", OPEN, 1, new.id), StageSpec("B", OPEN, 2, new.id), *_basic()[1:]],
            current,
        )


def test_removed_and_rekinded_stages_are_reported() -> None:
    current = plan_stages([*_basic(), StageSpec("Dead", LOST)])
    new, won, lost, dead = current
    planned = plan_stages(
        [
            StageSpec("New", OPEN, 10, new.id),
            StageSpec("Won", WON, None, won.id),
            StageSpec("Lost", OPEN, 5, lost.id),  # was lost, now open
            StageSpec("Gone", LOST),
        ],
        current,
    )
    removed, rekinded = stages_in_use_changed(current, planned)
    assert removed == [dead.id]
    assert rekinded == [lost.id]
