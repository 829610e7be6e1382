"""POST /leads/{id}/assign: give a lead to a chosen sales rep, or let the rules choose.

`{"owner_id": ...}` names the new owner, who must be an active sales rep
(`/leads/sales-reps`); an empty body runs the assignment rules again, as for a new lead.
A new owner means a new version and `crm.sales.lead.assigned`, whose `assignment` is
`{"method": "manual"}` or the rule that chose; the same owner again changes nothing.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.assignment_store import choose_owner
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.adapters.sales_rep_store import get_rep
from crm_sales.api.deps import API_PREFIX, utc_now
from crm_sales.api.lead_deps import LeadId, LeadWriter
from crm_sales.api.lead_loading import etag, lock_lead
from crm_sales.api.lead_problems import PROBLEM_TYPE
from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_errors import InvalidLeadError, LeadConvertedError
from crm_sales.domain.lead_status import LeadStatus
from crm_sales.events.lead_schemas import LeadData
from crm_sales.events.topics import LeadAction
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/leads", tags=["leads"], responses=PROBLEM_RESPONSES)

MANUAL = {"method": "manual"}


class AssignIn(BaseModel):
    """Who gets the lead; without `owner_id` the assignment rules choose."""

    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID | None = Field(
        default=None, description="An active sales rep's user id; absent: the rules choose"
    )


@router.post("/{lead_id}/assign", operation_id="assign_lead")
async def assign_lead(
    lead_id: LeadId,
    session: SessionDep,
    principal: LeadWriter,
    if_match: IfMatch,
    response: Response,
    body: Annotated[AssignIn | None, Body()] = None,
) -> LeadData:
    """Assign the lead to `owner_id` (422 unless an active sales rep), or, without it, to
    whom the assignment rules give it (409 if no rule has anyone). A converted lead no
    longer changes (409); `If-Match` guards against a stale version (412)."""
    owner_id = body.owner_id if body else None
    store = LeadStore(session, actor=principal.subject)
    async with session.begin():
        lead = await lock_lead(store, lead_id, if_match)
        if lead.status is LeadStatus.CONVERTED:
            raise LeadConvertedError()
        if owner_id is not None:
            await _check_rep(session, owner_id)
            assignment: dict[str, Any] = MANUAL
        else:
            owner_id, assignment = await _by_rules(session, lead)
        resource = LeadData.of(lead)
        changed = lead.assign(owner_id)
        if changed:
            lead.touch(utc_now())
            resource = await store.save(
                lead, LeadAction.ASSIGNED, changed=changed, extra={"assignment": assignment}
            )
    response.headers["ETag"] = etag(lead.version)
    return resource


async def _check_rep(session: AsyncSession, user_id: uuid.UUID) -> None:
    rep = await get_rep(session, user_id)
    if rep is None or not rep["active"]:
        raise InvalidLeadError(f"{user_id} is not an active sales rep", field="owner_id")


async def _by_rules(session: AsyncSession, lead: Lead) -> tuple[uuid.UUID, dict[str, Any]]:
    chosen = await choose_owner(session, lead.country)
    if chosen is None:
        raise ProblemError(
            409,
            "No one to assign",
            "no active assignment rule has an active sales rep for this lead",
            type_=PROBLEM_TYPE + "no-assignee",
        )
    return chosen.user_id, chosen.describe()
