"""Leads: capture (create), read, merge-patch (status moves, owner, contact), delete."""

from __future__ import annotations

from fastapi import APIRouter, Response

from crm_sales.adapters.assignment_store import assign_by_rules
from crm_sales.adapters.lead_publisher import action_of
from crm_sales.adapters.lead_scorer import Scorer
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.api.deps import API_PREFIX, ReadSession, utc_now
from crm_sales.api.lead_convert import with_conversion
from crm_sales.api.lead_deps import LeadCreator, LeadId, LeadReader, LeadWriter
from crm_sales.api.lead_loading import etag, lead_location, lock_lead
from crm_sales.api.lead_schemas import LeadIn, LeadPatch
from crm_sales.domain.lead import Lead
from crm_sales.events.conversion_schemas import LeadWithConversion
from crm_sales.events.lead_schemas import LeadData
from crm_shared.db import SessionDep
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/leads", tags=["leads"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, operation_id="create_lead")
async def create_lead(
    body: LeadIn, session: SessionDep, principal: LeadCreator, response: Response
) -> LeadData:
    """Capture a lead, scored at once. Without an `owner_id` the assignment rules pick
    one: the lead is then at version 2 (`created`, then `assigned`)."""
    now = utc_now()
    async with session.begin():
        lead = Lead.register(body.edits(), now=now)
        await (await Scorer.load(session)).rescore_one(lead)
        store = LeadStore(session, actor=principal.subject)
        resource = await store.add(lead)
        if lead.owner_id is None:
            resource = await assign_by_rules(store, lead, now) or resource
    response.headers.update({"Location": lead_location(lead.id), "ETag": etag(lead.version)})
    return resource


@router.get("/{lead_id}", operation_id="get_lead")
async def get_lead(
    lead_id: LeadId, _: LeadReader, session: ReadSession, response: Response
) -> LeadWithConversion:
    """One lead, with its conversion (status, then contact and deal) once converting."""
    lead = await LeadStore(session, actor=None).get(lead_id)
    if lead is None:
        raise not_found("Lead")
    response.headers["ETag"] = etag(lead.version)
    return await with_conversion(session, lead)


@router.patch("/{lead_id}", operation_id="update_lead")
async def update_lead(
    lead_id: LeadId,
    body: LeadPatch,
    session: SessionDep,
    principal: LeadWriter,
    if_match: IfMatch,
    response: Response,
) -> LeadData:
    """Apply a JSON merge patch; the score is recomputed. Status moves: new -> working,
    qualified, disqualified; working -> qualified, disqualified; qualified -> working,
    disqualified; disqualified -> working. Anything else, and any change of a converted
    lead, is a 409 (`converted` is reached by POST /leads/{id}/convert only)."""
    store = LeadStore(session, actor=principal.subject)
    async with session.begin():
        lead = await lock_lead(store, lead_id, if_match)
        changed = lead.revise(merged(LeadIn, lead.editable(), body).edits())
        changed += await (await Scorer.load(session)).rescore_one(lead)
        resource = LeadData.of(lead)
        if changed:
            lead.touch(utc_now())
            resource = await store.save(lead, action_of(lead, changed), changed=changed)
    response.headers["ETag"] = etag(lead.version)
    return resource


@router.delete("/{lead_id}", status_code=204, operation_id="delete_lead")
async def delete_lead(
    lead_id: LeadId, session: SessionDep, principal: LeadWriter, if_match: IfMatch
) -> None:
    """Delete a lead (a converted one stays: 409)."""
    store = LeadStore(session, actor=principal.subject)
    async with session.begin():
        lead = await lock_lead(store, lead_id, if_match)
        lead.check_deletable()
        await store.delete(lead)
