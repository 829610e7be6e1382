"""Reacting to `crm.contracts.contract` events: a renewal coming due opens a renewal deal.

`crm.contracts.contract.renewal_due` (other types are ignored) is expected as:

- `subject`: the contract id (else `data.id`);
- `data`: the contract: `id, title?, contact_id, company_id?, owner_id?, amount` (decimal
  string), `currency` (ISO 4217), `start_date?, end_date` (ISO dates), `deal_id?` (the
  deal it came from), `renewal?: {"term_start", "term_end"}`.

It opens one deal per contract and term (`renewal.term_start`, else `end_date`) in the
default pipeline's first open stage: `Renewal: <title>`, the contract's amount, currency,
contact and company, closing on its `end_date`, owned by `owner_id`, else by the owner of
the deal it came from. The deal is published as `crm.sales.deal.created`, through the
outbox, in the inbox's transaction. A redelivered event is deduplicated by the inbox; a
second event for the same term finds the term taken (contract_renewals) and opens nothing.

An event that can never open a deal (no contract id, no contact_id, no term, a bad amount
or currency) raises InvalidRenewalError naming the field: after the inbox's bounded
retries it is parked on `crm.contracts.contract.dlq` with that reason in `x-error`, where
the contracts team sees it and can replay it once fixed. Skipping it with a log line
would silently lose a renewal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.renewal_store import open_renewal_deal
from crm_sales.domain.renewal import RenewalDue
from crm_shared.db import Database
from crm_shared.events import Envelope
from crm_shared.inbox import subscribe_group
from crm_shared.settings import ServiceSettings

CONSUMER = "sales.contracts"
CONTRACT_TOPIC = "crm.contracts.contract"
RENEWAL_DUE = f"{CONTRACT_TOPIC}.renewal_due"


async def react_to_contract(session: AsyncSession, event: Envelope) -> None:
    """Open the renewal deal a `renewal_due` asks for; other contract events are ignored."""
    if event.type != RENEWAL_DUE:
        return
    renewal = RenewalDue.parse(event.subject, event.data)
    await open_renewal_deal(
        session,
        renewal,
        event_id=event.id,
        actor=event.actor or event.source,
        now=datetime.now(UTC),
    )


def register_contract_reactions(
    broker: KafkaBroker, db: Database, settings: ServiceSettings
) -> None:
    """Subscribe the reactions to contract events, as a consumer group of their own."""
    subscribe_group(
        broker, db, settings, consumer=CONSUMER, handlers={CONTRACT_TOPIC: react_to_contract}
    )
