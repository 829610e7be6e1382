"""Lead rule violations answered as problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from crm_sales.domain.conversion import ConversionPendingError
from crm_sales.domain.lead_errors import (
    IllegalStatusChangeError,
    InvalidLeadError,
    LeadConvertedError,
    LeadError,
)
from crm_shared.problems import ProblemError, problem_response

PROBLEM_TYPE = "urn:crm:problem:"


def lead_problem(exc: LeadError) -> ProblemError:
    """The problem that tells a client which rule its request broke."""
    if isinstance(exc, InvalidLeadError):
        loc = ["body", exc.field] if exc.field else ["body"]
        return ProblemError(422, detail=str(exc), errors=[{"loc": loc, "msg": str(exc)}])
    if isinstance(exc, IllegalStatusChangeError):
        return ProblemError(
            409,
            "Illegal status change",
            str(exc),
            type_=PROBLEM_TYPE + "illegal-status-change",
            extra={"current_status": exc.current, "requested_status": exc.target},
        )
    if isinstance(exc, ConversionPendingError):
        return ProblemError(
            409,
            "Lead being converted",
            str(exc),
            type_=PROBLEM_TYPE + "lead-conversion-pending",
            extra={"conversion_id": str(exc.conversion_id)},
        )
    if isinstance(exc, LeadConvertedError):
        return ProblemError(409, "Lead converted", str(exc), type_=PROBLEM_TYPE + "lead-converted")
    return ProblemError(409, detail=str(exc))


async def _on_lead_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, LeadError)
    return problem_response(lead_problem(exc))


def install_lead_errors(app: FastAPI) -> None:
    """Answer every LeadError a route lets through as its problem."""
    app.add_exception_handler(LeadError, _on_lead_error)
