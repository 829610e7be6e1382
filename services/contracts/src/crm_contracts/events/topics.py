"""Topics this service publishes (DESIGN §4). Other services import these names.

Event types will be `<topic>.<action>`; the payload schemas come with the features.
"""

from __future__ import annotations

from crm_shared.events import topic_for

SERVICE = "contracts"
CONTRACT_TOPIC = topic_for(SERVICE, "contract")  # crm.contracts.contract
# An active contract nearing its end; sales opens a renewal deal (one per contract and
# term). subject = the contract id; data = the contract: id, title, contact_id,
# company_id?, owner_id?, amount (decimal string), currency, start_date, end_date,
# deal_id? (the deal it came from), renewal?: {"term_start", "term_end"}.
RENEWAL_DUE = f"{CONTRACT_TOPIC}.renewal_due"

PUBLISHED_TOPICS: tuple[str, ...] = (CONTRACT_TOPIC,)
