"""Rules for a pipeline's list of stages, checked whenever it is set."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.pipeline import Stage, StageKind

MAX_STAGES = 30
# Closed stages have fixed probabilities: a won deal is certain, a lost one is not coming.
CLOSED_PROBABILITY = {StageKind.WON: 100, StageKind.LOST: 0}


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage as a client describes it; no `id` means a new stage."""

    name: str
    kind: StageKind
    probability: int | None = None
    id: uuid.UUID | None = None


def plan_stages(specs: Sequence[StageSpec], existing: Sequence[Stage] = ()) -> list[Stage]:
    """The stages `specs` describe, in their order. Stages named by id keep it (it must be
    one of `existing`); the others get new ids. InvalidDealError (field `stages`) when
    the list breaks a rule: 1-30 stages, names unique ignoring case, at least one open,
    one won and one lost stage, probabilities 0-100 (won 100, lost 0)."""
    if not specs or len(specs) > MAX_STAGES:
        raise _invalid(f"a pipeline has 1 to {MAX_STAGES} stages")
    known = {stage.id for stage in existing}
    names: set[str] = set()
    ids: set[uuid.UUID] = set()
    stages = []
    for position, spec in enumerate(specs):
        if spec.name.casefold() in names:
            raise _invalid(f"two stages are named {spec.name!r}")
        names.add(spec.name.casefold())
        if spec.id is not None and (spec.id not in known or spec.id in ids):
            raise _invalid(f"{spec.id} is not a stage of this pipeline (or is listed twice)")
        stage_id = spec.id or uuid.uuid4()
        ids.add(stage_id)
        stages.append(Stage(stage_id, spec.name, _probability(spec), spec.kind, position))
    missing = [kind.value for kind in StageKind if not any(s.kind == kind for s in stages)]
    if missing:
        raise _invalid(f"a pipeline needs at least one stage of each kind; none is {missing}")
    return stages


def _probability(spec: StageSpec) -> int:
    fixed = CLOSED_PROBABILITY.get(spec.kind)
    if spec.probability is None:
        if fixed is None:
            raise _invalid(f"the open stage {spec.name!r} needs a probability (0-100)")
        return fixed
    if not 0 <= spec.probability <= 100:
        raise _invalid("a probability is a whole percentage from 0 to 100")
    if fixed is not None and spec.probability != fixed:
        raise _invalid(f"a {spec.kind.value} stage has probability {fixed}")
    return spec.probability


def _invalid(message: str) -> InvalidDealError:
    return InvalidDealError(message, field="stages")


def stages_in_use_changed(
    current: Sequence[Stage], planned: Sequence[Stage]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(stages removed, stages whose kind changed): either is refused while deals are in
    the stage, since a deal's status follows its stage's kind."""
    planned_by_id = {stage.id: stage for stage in planned}
    removed = [s.id for s in current if s.id not in planned_by_id]
    rekinded = [
        s.id for s in current if s.id in planned_by_id and planned_by_id[s.id].kind != s.kind
    ]
    return removed, rekinded
