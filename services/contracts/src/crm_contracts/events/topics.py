"""Topics this service publishes (DESIGN §4). Other services import these names.

Event types will be `<topic>.<action>`; the payload schemas come with the features.
"""

from __future__ import annotations

from crm_shared.events import topic_for

SERVICE = "contracts"
CONTRACT_TOPIC = topic_for(SERVICE, "contract")  # crm.contracts.contract

PUBLISHED_TOPICS: tuple[str, ...] = (CONTRACT_TOPIC,)
