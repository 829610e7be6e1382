"""Customer 360: what analytics knows of a contact (first piece: the contact itself)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from crm_analytics.adapters.customer_store import CustomerStore
from crm_shared.auth import CurrentPrincipal
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES, not_found

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=PROBLEM_RESPONSES)
ContactId = Annotated[uuid.UUID, Path(description="A contact's id (a merged one too)")]


class CustomerOut(BaseModel):
    """A customer as the contacts service's events describe it; personal data is blank
    once the contact is erased."""

    contact_id: uuid.UUID = Field(description="The contact (the survivor, for a merged id)")
    name: str | None
    email: str | None
    company_id: uuid.UUID | None
    lifecycle_stage: str | None
    erased: bool
    updated_at: datetime
    last_sequence: int = Field(description="The contact version of the newest event applied")
    merged_ids: list[uuid.UUID] = Field(description="Contacts merged into this one")


@router.get("/customers/{contact_id}", operation_id="get_customer")
async def get_customer(
    contact_id: ContactId, _: CurrentPrincipal, session: SessionDep
) -> CustomerOut:
    """One customer; for a merged contact id, the survivor it was merged into."""
    store = CustomerStore(session)
    row = await store.get(contact_id)
    if row is not None and row.merged_into is not None:
        row = await store.get(row.merged_into)
    if row is None or row.deleted:
        raise not_found("customer")
    return CustomerOut(
        contact_id=row.contact_id,
        name=row.name,
        email=row.email,
        company_id=row.company_id,
        lifecycle_stage=row.lifecycle_stage,
        erased=row.erased,
        updated_at=row.updated_at,
        last_sequence=row.last_sequence,
        merged_ids=await store.merged_into(row.contact_id),
    )
