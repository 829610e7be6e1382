"""Deciding what each row of a batch does: create a contact, update one, skip, or fail.

Pure: the batch has already looked up the live contacts that own the rows' emails and
the rows' companies; nothing here touches the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_contacts.domain.changes import Revision
from crm_contacts.domain.contact import PLAIN_FIELDS, Contact
from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.errors import BackwardStageMoveError, DomainError, InvalidContactError
from crm_contacts.domain.import_mapping import CUSTOM_PREFIX, MappedColumn
from crm_contacts.domain.imports import BatchCounts, DedupMode, RowOutcome, RowProblem
from crm_contacts.domain.tags import normalize_tags
from crm_contacts.domain.timeline import TimelineEntry, TimelineKind
from crm_contacts.imports.rows import RowDraft


@dataclass(frozen=True, slots=True)
class NewContact:
    """A contact a row creates, with its `created` timeline entry."""

    row: int
    contact: Contact
    entry: TimelineEntry


@dataclass(frozen=True, slots=True)
class ContactUpdate:
    """An existing contact a row changed (already revised in memory)."""

    row: int
    contact: Contact
    revision: Revision


@dataclass(slots=True)
class BatchPlan:
    """What the rows of a batch will do; `counts` has all but created and updated."""

    creates: list[NewContact] = field(default_factory=list)
    updates: list[ContactUpdate] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    counts: BatchCounts = field(default_factory=BatchCounts)


@dataclass(frozen=True)
class PlanContext:
    """What every row of one import is decided with."""

    import_id: uuid.UUID
    dedup: DedupMode
    columns: Sequence[MappedColumn]
    schema: FieldSchema
    is_admin: bool
    now: datetime

    def column_of(self, target: str) -> str:
        """The CSV column mapped to `target` (the target itself when none is)."""
        return next((c.name for c in self.columns if c.target == target), target)


def plan_batch(
    drafts: Sequence[RowDraft],
    ctx: PlanContext,
    *,
    existing: Mapping[str, Contact],
    company_ids: Mapping[str, uuid.UUID],
) -> BatchPlan:
    """Decide every row; `existing` is keyed by lowercase email, `company_ids` by ref key."""
    plan = BatchPlan()
    for draft in drafts:
        plan.counts.processed += 1
        if not draft.problems:
            _decide(draft, plan, ctx, existing, company_ids)
        if draft.problems:
            plan.counts.failed += 1
            plan.problems.extend(draft.problems)
    return plan


def _decide(
    draft: RowDraft,
    plan: BatchPlan,
    ctx: PlanContext,
    existing: Mapping[str, Contact],
    company_ids: Mapping[str, uuid.UUID],
) -> None:
    if draft.company is not None:
        draft.fields["company_id"] = company_ids[draft.company.key]
    match = existing.get(draft.email.lower()) if draft.email else None
    if match is None or ctx.dedup is DedupMode.CREATE:
        created = _create(draft, ctx)
        if created is not None:
            plan.creates.append(created)
    elif ctx.dedup is DedupMode.SKIP:
        plan.counts.skipped += 1
        message = f"a contact with this email exists already ({match.id}); skipped"
        plan.problems.append(
            RowProblem(draft.row, ctx.column_of("email"), message, RowOutcome.SKIPPED)
        )
    else:
        update = _update(draft, match, ctx)
        if update is not None and update.revision.changed:
            plan.updates.append(update)
        elif update is not None:
            plan.counts.unchanged += 1


def _custom_fields(draft: RowDraft, values: Mapping[str, Any], ctx: PlanContext) -> dict[str, Any]:
    stored, errors = ctx.schema.check(values)
    for error in errors:
        draft.fail(ctx.column_of(CUSTOM_PREFIX + error.key), error.msg)
    return stored


def _create(draft: RowDraft, ctx: PlanContext) -> NewContact | None:
    edits = dict(draft.fields)
    edits["custom_fields"] = _custom_fields(draft, draft.custom, ctx)
    if draft.problems:
        return None
    try:
        contact, _ = Contact.register(edits, now=ctx.now)
    except DomainError as exc:
        draft.fail(None, str(exc))
        return None
    entry = TimelineEntry(TimelineKind.CREATED, {"import_id": str(ctx.import_id)})
    return NewContact(draft.row, contact, entry)


def _update(draft: RowDraft, contact: Contact, ctx: PlanContext) -> ContactUpdate | None:
    """The row's non-empty cells written onto `contact`: fields replaced, tags added,
    custom fields merged key by key. The email is the match key and stays as it is."""
    edits: dict[str, Any] = {name: getattr(contact, name) for name in PLAIN_FIELDS}
    edits["lifecycle_stage"] = contact.lifecycle_stage
    edits["consent_email"] = contact.consent.email
    for name, value in draft.fields.items():
        if name != "email":
            edits[name] = value
    merged = {**contact.custom_fields, **draft.custom}
    edits["custom_fields"] = _custom_fields(draft, merged, ctx)
    try:
        if "tags" in draft.fields:
            edits["tags"] = normalize_tags([*contact.tags, *draft.fields["tags"]])
        if draft.problems:
            return None
        revision = contact.revise(edits, is_admin=ctx.is_admin, now=ctx.now)
    except DomainError as exc:
        draft.fail(_domain_column(exc, ctx), str(exc))
        return None
    return ContactUpdate(draft.row, contact, revision)


def _domain_column(exc: DomainError, ctx: PlanContext) -> str | None:
    if isinstance(exc, BackwardStageMoveError):
        return ctx.column_of("lifecycle_stage")
    if isinstance(exc, InvalidContactError) and exc.field:
        return ctx.column_of(exc.field)
    return None
