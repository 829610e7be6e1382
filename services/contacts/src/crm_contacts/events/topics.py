"""Topics and event types this service publishes. Other services import these names."""

from __future__ import annotations

from enum import StrEnum

from crm_shared.events import topic_for

SERVICE = "contacts"
CONTACT_AGGREGATE = "contact"
COMPANY_AGGREGATE = "company"
CONTACT_TOPIC = topic_for(SERVICE, CONTACT_AGGREGATE)  # crm.contacts.contact
COMPANY_TOPIC = topic_for(SERVICE, COMPANY_AGGREGATE)  # crm.contacts.company


class ContactAction(StrEnum):
    """What happened to a contact; the event type is `crm.contacts.contact.<action>`."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    ERASED = "erased"
    NOTE_ADDED = "note_added"
    TAGGED = "tagged"
    UNTAGGED = "untagged"
    # Duplicates were merged into this contact (the survivor); data.merged_ids names them.
    MERGED = "merged"
    # This contact was merged into data.survivor_id: the last event of its stream.
    MERGED_INTO = "merged_into"
    # A sales lead conversion found this contact by email (data.lead_conversion says which).
    LINKED = "linked"

    @property
    def event_type(self) -> str:
        """The CloudEvents `type` of this action."""
        return f"{CONTACT_TOPIC}.{self.value}"


class CompanyAction(StrEnum):
    """What happened to a company; the event type is `crm.contacts.company.<action>`."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    MERGED = "merged"
    MERGED_INTO = "merged_into"

    @property
    def event_type(self) -> str:
        """The CloudEvents `type` of this action."""
        return f"{COMPANY_TOPIC}.{self.value}"
