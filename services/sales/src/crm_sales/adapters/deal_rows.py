"""Mapping between table rows and deals, pipelines and targets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping

from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_status import DealStatus
from crm_sales.domain.pipeline import Pipeline, Stage, StageKind
from crm_sales.domain.target import Target

DEAL_COLUMNS = (
    "id",
    "name",
    "amount",
    "currency",
    "close_date",
    "pipeline_id",
    "stage_id",
    "status",
    "owner_id",
    "contact_id",
    "company_id",
    "lost_reason",
    "created_at",
    "updated_at",
    "version",
)
PIPELINE_COLUMNS = ("id", "name", "is_default", "created_at", "updated_at", "version")
TARGET_COLUMNS = (
    "id",
    "owner_id",
    "period",
    "amount",
    "currency",
    "created_at",
    "updated_at",
    "version",
)


def deal_from_row(row: RowMapping) -> Deal:
    """A deal loaded from its row joined with its stage's `probability`."""
    values = {name: row[name] for name in DEAL_COLUMNS}
    values["status"] = DealStatus(values["status"])
    return Deal(**values, probability=row["probability"])


def deal_to_row(deal: Deal) -> dict[str, Any]:
    """The column values of a deal."""
    row = {name: getattr(deal, name) for name in DEAL_COLUMNS}
    row["status"] = deal.status.value
    return row


def pipeline_from_rows(row: RowMapping, stage_rows: Sequence[RowMapping]) -> Pipeline:
    """A pipeline loaded from its row and its stages' rows (in any order)."""
    stages = sorted(
        (
            Stage(s["id"], s["name"], s["probability"], StageKind(s["kind"]), s["position"])
            for s in stage_rows
        ),
        key=lambda stage: stage.position,
    )
    return Pipeline(**{name: row[name] for name in PIPELINE_COLUMNS}, stages=stages)


def stage_to_row(pipeline: Pipeline, stage: Stage) -> dict[str, Any]:
    """The column values of one of `pipeline`'s stages."""
    return {
        "id": stage.id,
        "pipeline_id": pipeline.id,
        "position": stage.position,
        "name": stage.name,
        "probability": stage.probability,
        "kind": stage.kind.value,
    }


def target_from_row(row: RowMapping) -> Target:
    """A target loaded from its row."""
    return Target(**{name: row[name] for name in TARGET_COLUMNS})


def target_to_row(target: Target) -> dict[str, Any]:
    """The column values of a target (with the days its period spans)."""
    row = {name: getattr(target, name) for name in TARGET_COLUMNS}
    span = target.span
    row.update(starts_on=span.starts_on, ends_before=span.ends_before)
    return row
