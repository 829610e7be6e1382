"""Reacting to other services' events.

Marketing engagement (`crm.marketing.engagement.<type>`: opened, clicked, replied,
unsubscribed, ...) scores the leads it is about. Each handler runs inside
crm_shared.inbox's transaction, after the event id was claimed, so a redelivered event
counts once; a changed score is versioned and published (`crm.sales.lead.scored`) in
that same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_engagements import count_engagement, engaged_lead_ids
from crm_sales.adapters.lead_scorer import Scorer
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.domain.scoring_engagement import engagement_type
from crm_sales.events.automation import register_automation
from crm_sales.events.contact_reactions import register_contact_reactions
from crm_sales.events.contract_reactions import register_contract_reactions
from crm_sales.events.topics import LeadAction
from crm_shared.db import Database
from crm_shared.events import Envelope
from crm_shared.inbox import Handler, subscribe_group
from crm_shared.settings import ServiceSettings

CONSUMER = "sales.leads"
MARKETING_ENGAGEMENT_TOPIC = "crm.marketing.engagement"

_log = structlog.get_logger("crm.sales.engagement")


async def score_engagement(session: AsyncSession, event: Envelope) -> None:
    """Count an engagement for the leads it is about and rescore them.

    Types without configured points (see /leads/engagement-points), events naming no
    open lead and other event types are ignored.
    """
    kind = engagement_type(event.type)
    if kind is None:
        return
    scorer = await Scorer.load(session)
    points = scorer.ruleset.points.get(kind)
    if points is None:
        _log.debug("engagement type scores nothing; ignored", type=event.type)
        return
    lead_ids = await engaged_lead_ids(session, event.data)
    if not lead_ids:
        _log.info("engagement names no open lead; ignored", event_id=event.id, type=kind)
        return
    store = LeadStore(session, actor=event.actor or event.source)
    found = await store.lock_many(lead_ids)
    now = datetime.now(UTC)
    await count_engagement(session, [lead.id for lead in found], kind, now)
    changes = await scorer.rescore(found)
    cause = {"engagement": {"type": kind, "event_id": event.id, "points": points}}
    for lead in found:
        if changes[lead.id]:
            lead.touch(now)
            await store.save(
                lead, LeadAction.SCORED, changed=changes[lead.id], extra={"cause": cause}
            )


HANDLERS: dict[str, Handler] = {MARKETING_ENGAGEMENT_TOPIC: score_engagement}


def register_consumers(broker: KafkaBroker, db: Database, settings: ServiceSettings) -> None:
    """Subscribe the service's handlers, one consumer group for all their topics."""
    subscribe_group(broker, db, settings, consumer=CONSUMER, handlers=HANDLERS)
    # Contact events have a group of their own: a backlog of them never delays scoring.
    register_contact_reactions(broker, db, settings)
    register_contract_reactions(broker, db, settings)
    register_automation(broker, db, settings)
