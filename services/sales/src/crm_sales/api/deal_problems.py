"""Rule violations of pipelines, deals and targets, and database conflicts, answered as
problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from crm_sales.adapters.deal_integrity import violated_constraint
from crm_sales.domain.deal_errors import InvalidDealError, SalesRuleError, StageInUseError
from crm_shared.problems import ProblemError, problem_response

PROBLEM_TYPE = "urn:crm:problem:"
_CONFLICTS = {
    "uq_pipelines_name": ("Pipeline name in use", "another pipeline has this name"),
    "uq_pipelines_default": (
        "Default pipeline changed",
        "another pipeline became the default meanwhile: read it and retry",
    ),
    "fk_deals_stage_id_pipeline_stages": (
        "Stage in use",
        "deals entered the stage meanwhile: read the pipeline and retry",
    ),
}


def sales_rule_problem(exc: SalesRuleError) -> ProblemError:
    """The problem that tells a client which rule its request broke."""
    if isinstance(exc, InvalidDealError):
        loc = ["body", exc.field] if exc.field else ["body"]
        return ProblemError(422, detail=str(exc), errors=[{"loc": loc, "msg": str(exc)}])
    if isinstance(exc, StageInUseError):
        return ProblemError(
            409,
            "Stage in use",
            str(exc),
            type_=PROBLEM_TYPE + "stage-in-use",
            extra={"stage_ids": [str(stage_id) for stage_id in exc.stage_ids]},
        )
    return ProblemError(409, detail=str(exc))


def conflict_problem(exc: IntegrityError) -> ProblemError:
    """409 for a write that collided with another (a name in use, a race); re-raises
    any other integrity error."""
    known = _CONFLICTS.get(violated_constraint(exc) or "")
    if known is None:
        raise exc
    title, detail = known
    return ProblemError(409, title, detail, type_=PROBLEM_TYPE + "conflict")


async def _on_sales_rule_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesRuleError)
    return problem_response(sales_rule_problem(exc))


def install_deal_errors(app: FastAPI) -> None:
    """Answer every SalesRuleError a route lets through as its problem."""
    app.add_exception_handler(SalesRuleError, _on_sales_rule_error)
