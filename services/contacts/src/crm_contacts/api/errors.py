"""Domain rule violations and database conflicts, answered as problem+json."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.custom_field_conflicts import holder_of, unique_field
from crm_contacts.adapters.integrity import violated_constraint
from crm_contacts.domain.custom_fields import CustomFieldsInvalid, ObjectType
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
    if isinstance(exc, CustomFieldsInvalid):
        errors = [{"loc": ["body", "custom_fields", e.key], "msg": e.msg} for e in exc.errors]
        return ProblemError(422, detail="Custom fields are not valid", errors=errors)
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


async def custom_field_taken(
    session: AsyncSession,
    object_type: ObjectType,
    exc: IntegrityError,
    values: Mapping[str, Any] | None,
) -> ProblemError | None:
    """409 naming the unique custom field (and the record holding the value) that the
    write collided on; None if it was another constraint."""
    key = unique_field(object_type, violated_constraint(exc))
    if key is None or not values or key not in values:
        return None
    value = values[key]
    holder = await holder_of(session, object_type, key, value)
    msg = f"another {object_type.value} already has {key} = {value!r}"
    return ProblemError(
        409,
        "Custom field value already in use",
        msg,
        type_=PROBLEM_TYPE + "duplicate-custom-field",
        errors=[{"loc": ["body", "custom_fields", key], "msg": msg}],
        extra={"existing_id": str(holder) if holder else None},
    )


async def company_write_problem(
    session: AsyncSession, exc: IntegrityError, custom_fields: Mapping[str, Any] | None
) -> ProblemError:
    """409 for a unique custom field's value already in use; other errors re-raise."""
    problem = await custom_field_taken(session, ObjectType.COMPANY, exc, custom_fields)
    if problem is None:
        raise exc
    return problem


async def contact_write_problem(
    store: ContactStore,
    exc: IntegrityError,
    email: str | None,
    custom_fields: Mapping[str, Any] | None = None,
) -> ProblemError:
    """409 naming the contact that already has the email (or the value of a unique custom
    field), or 422 for an unknown company.

    Runs after the failed transaction rolled back; any other integrity error re-raises.
    """
    problem = await custom_field_taken(store.session, ObjectType.CONTACT, exc, custom_fields)
    if problem is not None:
        return problem
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
