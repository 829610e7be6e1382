"""Topics this service publishes (DESIGN §4). Other services import these names.

Event types will be `<topic>.<action>`; the payload schemas come with the features.
"""

from __future__ import annotations

from crm_shared.events import topic_for

SERVICE = "marketing"
CAMPAIGN_TOPIC = topic_for(SERVICE, "campaign")  # crm.marketing.campaign
ENGAGEMENT_TOPIC = topic_for(SERVICE, "engagement")  # crm.marketing.engagement

PUBLISHED_TOPICS: tuple[str, ...] = (CAMPAIGN_TOPIC, ENGAGEMENT_TOPIC)
