"""While a lead's conversion waits for the contacts service, people cannot change or
delete the lead (409 naming the conversion): the contact and deal on their way would
otherwise be made from, or for, a lead that is no longer what was converted. The pending
conversion is written straight to the database, so no contacts service can end it."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
from support.sales import LEADS, SalesApp, assert_problem, create, sales_app_fixture, user_fixture

from crm_sales.adapters.conversion_store import ConversionStore
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.domain.conversion import Conversion, DealSpec
from crm_sales.domain.lead_status import LeadStatus
from crm_shared.db import Database

service = sales_app_fixture()
rep = user_fixture("sales")


async def _pending_conversion(service: SalesApp, lead_id: str) -> uuid.UUID:
    db: Database = service.app.state.db
    async with db.sessions() as session, session.begin():
        lead = await LeadStore(session, actor=None).get(uuid.UUID(lead_id), lock=True)
        assert lead is not None
        conversion = Conversion.request(
            lead, DealSpec("Pilot", Decimal("10"), "EUR"), now=lead.updated_at
        )
        await ConversionStore(session).add(conversion)
        return conversion.id


async def _lead(rep: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create(rep, LEADS, {"email": f"p.{uuid.uuid4().hex[:8]}@example.com", **fields})


async def test_a_lead_being_converted_cannot_be_edited_or_deleted(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    lead = await _lead(rep)
    conversion_id = await _pending_conversion(service, lead["id"])
    url = f"{LEADS}/{lead['id']}"
    for response in (
        await rep.patch(url, json={"status": "disqualified"}),
        await rep.delete(url),
    ):
        problem = assert_problem(response, 409)
        assert problem["conversion_id"] == str(conversion_id)
    after = (await rep.get(url)).json()
    assert (after["status"], after["version"]) == (lead["status"], lead["version"])


async def test_a_disqualified_lead_is_not_converted(rep: httpx.AsyncClient) -> None:
    lead = await _lead(rep)
    url = f"{LEADS}/{lead['id']}"
    dropped = await rep.patch(url, json={"status": "disqualified"})
    assert dropped.status_code == 200, dropped.text
    body = {"deal": {"name": "Pilot", "amount": "10.00", "currency": "EUR"}}
    problem = assert_problem(await rep.post(f"{url}/convert", json=body), 409)
    assert problem["current_status"] == LeadStatus.DISQUALIFIED
    assert (await rep.get(f"{url}/conversion")).status_code == 404
