"""The lead events of a conversion, written to the outbox in the caller's transaction:
`crm.sales.lead.conversion_requested` (the contacts service acts on it) and
`crm.sales.lead.converted` (the saga's end)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_rows import lead_to_row
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.conversion import Conversion
from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.lead import Lead
from crm_sales.events.lead_schemas import LeadData
from crm_sales.events.topics import LEAD_AGGREGATE, LEAD_TOPIC, SERVICE
from crm_shared import outbox
from crm_shared.events import new_event


class ConversionAction(StrEnum):
    """The lead actions of a conversion; the type is `crm.sales.lead.<action>`."""

    CONVERSION_REQUESTED = "conversion_requested"
    CONVERTED = "converted"


def conversion_view(conversion: Conversion) -> dict[str, Any]:
    """The conversion as events (`data.conversion`) and the API show it."""
    spec = conversion.deal
    return {
        "id": str(conversion.id),
        "lead_id": str(conversion.lead_id),
        "status": conversion.status.value,
        "deal": {
            "name": spec.name,
            "amount": format_amount(spec.amount, spec.currency),
            "currency": spec.currency,
            "pipeline_id": str(spec.pipeline_id) if spec.pipeline_id else None,
        },
        "contact_id": _text(conversion.contact_id),
        "company_id": _text(conversion.company_id),
        "deal_id": _text(conversion.deal_id),
        "error": conversion.error,
        "created_at": conversion.created_at.isoformat(),
        "updated_at": conversion.updated_at.isoformat(),
    }


async def save_and_publish(
    session: AsyncSession,
    lead: Lead,
    conversion: Conversion,
    action: ConversionAction,
    *,
    actor: str | None,
    changed: list[str],
) -> None:
    """Write the (already touched) lead and publish `action` with the lead and its
    conversion; `data` carries the full lead, as every lead event does."""
    row = lead_to_row(lead)
    del row["id"], row["created_at"]
    await session.execute(update(leads).where(leads.c.id == lead.id).values(row))
    data = LeadData.of(lead).model_dump(mode="json")
    data["conversion"] = conversion_view(conversion)
    event = new_event(
        service=SERVICE,
        aggregate=LEAD_AGGREGATE,
        action=action.value,
        subject=lead.id,
        data=data,
        sequence=lead.version,
        actor=actor,
        changed=changed,
    )
    await outbox.add(session, event, topic=LEAD_TOPIC, key=str(lead.id))


def _text(value: object | None) -> str | None:
    return str(value) if value is not None else None
