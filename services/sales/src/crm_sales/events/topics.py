"""Topics this service publishes (DESIGN §4). Other services import these names.

Event types will be `<topic>.<action>`; the payload schemas come with the features.
"""

from __future__ import annotations

from crm_shared.events import topic_for

SERVICE = "sales"
LEAD_TOPIC = topic_for(SERVICE, "lead")  # crm.sales.lead
DEAL_TOPIC = topic_for(SERVICE, "deal")  # crm.sales.deal
ACTIVITY_TOPIC = topic_for(SERVICE, "activity")  # crm.sales.activity
QUOTE_TOPIC = topic_for(SERVICE, "quote")  # crm.sales.quote

PUBLISHED_TOPICS: tuple[str, ...] = (LEAD_TOPIC, DEAL_TOPIC, ACTIVITY_TOPIC, QUOTE_TOPIC)
