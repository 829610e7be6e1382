"""Merging duplicate contacts into a survivor: fields, tags, lifecycle stage and consent.

Besides the rules of every merge (crm_contacts.domain.merge):

- tags: the union, the survivor's first (a contact keeps at most MAX_TAGS);
- lifecycle stage: the most advanced funnel stage any of them reached; `other` only when
  none of them is in the funnel (a merged record that became a customer is a customer);
- email consent: the most restrictive answer (denied, then granted, then unknown), the
  survivor's on a tie. A "no" on any record stands: the records cannot show which answer
  is the person's own, and emailing someone who said no is the costly mistake. A new
  "yes" is recorded by a PATCH after the merge.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime

from crm_contacts.domain.changes import Revision, field_changes
from crm_contacts.domain.consent import Consent, ConsentStatus
from crm_contacts.domain.contact import PLAIN_FIELDS, Contact
from crm_contacts.domain.errors import InvalidContactError
from crm_contacts.domain.lifecycle import FUNNEL, LifecycleStage
from crm_contacts.domain.merge import (
    InvalidMergeError,
    MergeRequest,
    pick_custom_fields,
    pick_fields,
)
from crm_contacts.domain.tags import MAX_TAGS
from crm_contacts.domain.timeline import TimelineEntry, TimelineKind
from crm_contacts.domain.validation import check_custom_fields

# Fields a client may choose in `field_choices` (plus `custom_fields.<key>`).
CHOOSABLE = tuple(name for name in PLAIN_FIELDS if name not in ("tags", "custom_fields"))
_STRICTNESS = {ConsentStatus.UNKNOWN: 0, ConsentStatus.GRANTED: 1, ConsentStatus.DENIED: 2}


def most_advanced_stage(stages: Iterable[LifecycleStage | None]) -> LifecycleStage | None:
    """The furthest funnel stage among `stages`; `other` if none is in the funnel."""
    stages = list(stages)
    in_funnel = [stage for stage in stages if stage in FUNNEL]
    if in_funnel:
        return max(in_funnel, key=FUNNEL.index)
    return LifecycleStage.OTHER if LifecycleStage.OTHER in stages else None


def most_restrictive_consent(consents: Iterable[Consent]) -> Consent:
    """Denied beats granted beats unknown; on a tie the first (the survivor's) wins."""
    return max(consents, key=lambda consent: _STRICTNESS[consent.email])


def union_tags(tag_lists: Iterable[Sequence[str]]) -> list[str]:
    """Every tag once, in first-seen order (tags are already normalized)."""
    return list(dict.fromkeys(tag for tags in tag_lists for tag in tags))


def merge_contacts(
    survivor: Contact, duplicates: Sequence[Contact], request: MergeRequest, *, now: datetime
) -> Revision:
    """Fold `duplicates` into `survivor` (changed in place; its version grows by one) and
    return what changed plus the `merged` timeline entry. Erased contacts cannot merge."""
    everyone = (survivor, *duplicates)
    for contact in everyone:
        if contact.erased:
            message = "an erased contact cannot be merged"
            raise InvalidMergeError(message, loc=request.loc_of(contact.id))
    records = [(c.id, {name: getattr(c, name) for name in PLAIN_FIELDS}) for c in everyone]
    edits = pick_fields(records, CHOOSABLE, request.field_choices)
    edits["custom_fields"] = pick_custom_fields(records, request.field_choices)
    edits["tags"] = union_tags(contact.tags for contact in everyone)
    edits["lifecycle_stage"] = most_advanced_stage(contact.lifecycle_stage for contact in everyone)
    _check(dataclasses.replace(survivor, **edits))
    consent = most_restrictive_consent(contact.consent for contact in everyone)

    changes = field_changes(survivor, edits, tuple(edits), {})
    if consent != survivor.consent:
        changes["consent"] = {"from": str(survivor.consent.email), "to": str(consent.email)}
    for name, value in edits.items():
        setattr(survivor, name, value)
    survivor.consent = consent
    # A merge is a change even when no field moved: the survivor took over notes,
    # timeline and the duplicates' ids.
    survivor.version += 1
    survivor.updated_at = now
    merged_ids = [str(contact.id) for contact in duplicates]
    details = {"merged_ids": merged_ids, "changed": list(changes), "changes": changes}
    return Revision(list(changes), [TimelineEntry(TimelineKind.MERGED, details)])


def _check(merged: Contact) -> None:
    if len(merged.tags) > MAX_TAGS:
        message = f"together they have {len(merged.tags)} tags; a contact has at most {MAX_TAGS}"
        raise InvalidMergeError(message, loc=("duplicate_ids",))
    try:
        merged.check_identifiable()
    except InvalidContactError as exc:
        raise InvalidMergeError(str(exc), loc=("field_choices",)) from exc
    try:
        check_custom_fields(merged.custom_fields)
    except InvalidContactError as exc:
        raise InvalidMergeError(f"merged custom fields: {exc}", loc=("duplicate_ids",)) from exc
