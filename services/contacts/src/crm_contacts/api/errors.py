"""Domain rule violations and database conflicts, answered as problem+json."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.integrity import violated_constraint
from crm_contacts.domain.errors import (
    BackwardStageMoveError,
    ContactErasedError,
    DomainError,
    InvalidContactError,
)
from crm_shared.problems import ProblemError, problem_response

PROBLEM_TYPE = "urn:crm:problem:"
EMAIL_TAKEN = "uq_contacts_email_live"
UNKNOWN_COMPANY = "fk_contacts_company_id_companies"


def domain_problem(exc: DomainError) -> ProblemError:
    """The problem that tells a client which rule its request broke."""
    if isinstance(exc, InvalidContactError):
        loc = ["body", exc.field] if exc.field else ["body"]
        return ProblemError(422, detail=str(exc), errors=[{"loc": loc, "msg": str(exc)}])
    if isinstance(exc, BackwardStageMoveError):
        return ProblemError(
            409,
            "Lifecycle stage cannot move backwards",
            str(exc),
            type_=PROBLEM_TYPE + "lifecycle-stage-backwards",
        )
    if isinstance(exc, ContactErasedError):
        return ProblemError(409, "Contact erased", str(exc), type_=PROBLEM_TYPE + "contact-erased")
    return ProblemError(409, detail=str(exc))


async def _on_domain_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return problem_response(domain_problem(exc))


def install_domain_errors(app: FastAPI) -> None:
    """Answer every DomainError a route lets through as its problem."""
    app.add_exception_handler(DomainError, _on_domain_error)


async def contact_write_problem(
    store: ContactStore, exc: IntegrityError, email: str | None
) -> ProblemError:
    """409 naming the contact that already has the email, or 422 for an unknown company.

    Runs after the failed transaction rolled back; any other integrity error re-raises.
    """
    constraint = violated_constraint(exc)
    if constraint == EMAIL_TAKEN and email:
        existing = await store.id_by_email(email)
        return ProblemError(
            409,
            "Email already in use",
            f"Another contact already has the email {email}",
            type_=PROBLEM_TYPE + "duplicate-email",
            extra={"existing_id": str(existing) if existing else None},
        )
    if constraint == UNKNOWN_COMPANY:
        msg = "no company has this id"
        return ProblemError(422, detail=msg, errors=[{"loc": ["body", "company_id"], "msg": msg}])
    raise exc
