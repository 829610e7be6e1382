"""Importing one batch of staged rows, inside the caller's transaction.

Rows are read and validated, the live contacts owning their emails are looked up (and
locked, when they may be updated), the companies they name are found or created, each
row is decided (plan.py), then every new contact, update, timeline entry and event is
written with one statement per kind. A row a unique index refuses at insert time (a
contact created meanwhile, a unique custom field) is reported; the rest go in.

`one_by_one` is the fallback for a batch PostgreSQL refused as a whole (a value it cannot
take, say): each contact is then written under its own savepoint, so only the rows it
refuses fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_companies import resolve_companies
from crm_contacts.adapters.import_writes import (
    add_timeline,
    contact_events,
    insert_contacts,
    live_contacts_by_email,
    save_contacts,
)
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.imports import BatchCounts, DedupMode, ImportJob, RowOutcome, RowProblem
from crm_contacts.events.topics import ContactAction
from crm_contacts.imports.plan import (
    BatchPlan,
    ContactUpdate,
    NewContact,
    PlanContext,
    plan_batch,
)
from crm_contacts.imports.rows import RowDraft, read_row
from crm_shared import outbox


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch did: counts, the problems to report, the last row it covered."""

    counts: BatchCounts
    problems: list[RowProblem]
    last_row: int


def until_repeated_email(drafts: Sequence[RowDraft]) -> list[RowDraft]:
    """The rows before the first one whose email an earlier row of the batch has.

    That row starts the next batch, where it sees the contact the earlier row made: the
    file is imported as if row by row, whatever the batch size.
    """
    seen: set[str] = set()
    for index, draft in enumerate(drafts):
        email = draft.email.lower() if draft.email else None
        if email in seen:
            return list(drafts[:index])
        if email:
            seen.add(email)
    return list(drafts)


def read_rows(
    job: ImportJob, staged: Sequence[tuple[int, list[str]]], schema: FieldSchema
) -> list[RowDraft]:
    """Staged rows read and validated (CPU only: the worker runs it in a thread)."""
    width = len(job.header)
    return [read_row(row, cells, job.columns, width, schema) for row, cells in staged]


async def import_batch(
    session: AsyncSession,
    job: ImportJob,
    drafts: Sequence[RowDraft],
    schema: FieldSchema,
    *,
    now: datetime,
    one_by_one: bool = False,
    on_cut: Callable[[int], None] | None = None,
) -> BatchOutcome:
    """Import (or, for a dry run, only judge) the rows read into `drafts`.

    The batch ends before a row repeating an email (until_repeated_email); `on_cut` is
    told its last row before anything is written, so the next rows can be read meanwhile.
    """
    drafts = until_repeated_email(drafts)
    if on_cut is not None:
        on_cut(drafts[-1].row)
    readable = [draft for draft in drafts if not draft.problems]
    existing = {}
    if job.dedup is not DedupMode.CREATE:
        emails = [draft.email for draft in readable if draft.email]
        existing = await live_contacts_by_email(
            session, emails, lock=job.dedup is DedupMode.UPDATE and not job.dry_run
        )
    skipping = job.dedup is DedupMode.SKIP
    refs = [
        draft.company
        for draft in readable
        if draft.company and not (skipping and draft.email and draft.email.lower() in existing)
    ]
    company_ids = await resolve_companies(
        session, refs, actor=job.created_by, now=now, create=not job.dry_run
    )
    ctx = PlanContext(job.id, job.dedup, job.columns, schema, job.created_by_admin, now)
    plan = plan_batch(drafts, ctx, existing=existing, company_ids=company_ids)
    if job.dry_run:
        plan.counts.created, plan.counts.updated = len(plan.creates), len(plan.updates)
    elif one_by_one:
        await _write_one_by_one(session, plan, job)
    else:
        await _write(session, plan, job)
    problems = sorted(plan.problems, key=lambda problem: problem.row)
    return BatchOutcome(plan.counts, problems, drafts[-1].row)


async def _write(session: AsyncSession, plan: BatchPlan, job: ImportJob) -> None:
    actor = job.created_by
    changes: list[tuple[Contact, ContactAction, list[str] | None]]
    changes = [(new.contact, ContactAction.CREATED, None) for new in plan.creates]
    changes += [(u.contact, ContactAction.UPDATED, u.revision.changed) for u in plan.updates]
    # The events (pydantic, JSON: most of a row's CPU) are made in a thread while
    # PostgreSQL inserts the contacts.
    building = asyncio.ensure_future(asyncio.to_thread(contact_events, changes, actor=actor))
    try:
        inserted = await insert_contacts(session, [new.contact for new in plan.creates])
    finally:
        events = await building
    created = [new for new in plan.creates if new.contact.id in inserted]
    refused = [new for new in plan.creates if new.contact.id not in inserted]
    if refused:
        await _report_refused(session, plan, job, refused)
        left_out = {str(new.contact.id) for new in refused}
        events = [entry for entry in events if entry[2] not in left_out]
    await save_contacts(session, [update.contact for update in plan.updates])
    entries = [(new.contact, new.entry) for new in created]
    entries += [(u.contact, entry) for u in plan.updates for entry in u.revision.entries]
    await add_timeline(session, entries, actor=actor)
    await outbox.add_many(session, events)
    plan.counts.created += len(created)
    plan.counts.updated += len(plan.updates)


async def _report_refused(
    session: AsyncSession, plan: BatchPlan, job: ImportJob, refused: Sequence[NewContact]
) -> None:
    """Rows a unique index kept out: an email taken meanwhile (skipped, in skip mode) or
    another unique value already in use."""
    emails = [new.contact.email for new in refused if new.contact.email]
    owners = await live_contacts_by_email(session, emails, lock=False)
    email_column = next((c.name for c in job.columns if c.target == "email"), "email")
    for new in refused:
        email = new.contact.email
        owner = owners.get(email.lower()) if email else None
        if owner is None:
            message = "a unique field's value is used by another contact already"
            plan.problems.append(RowProblem(new.row, None, message))
            plan.counts.failed += 1
        elif job.dedup is DedupMode.SKIP:
            message = f"a contact with this email exists already ({owner.id}); skipped"
            skipped = RowProblem(new.row, email_column, message, RowOutcome.SKIPPED)
            plan.problems.append(skipped)
            plan.counts.skipped += 1
        else:
            message = f"another contact has this email already ({owner.id})"
            plan.problems.append(RowProblem(new.row, email_column, message))
            plan.counts.failed += 1


async def _write_one_by_one(session: AsyncSession, plan: BatchPlan, job: ImportJob) -> None:
    items: list[NewContact | ContactUpdate] = [*plan.creates, *plan.updates]
    plan.creates, plan.updates = [], []
    for item in items:
        single = BatchPlan()
        if isinstance(item, NewContact):
            single.creates.append(item)
        else:
            single.updates.append(item)
        try:
            async with session.begin_nested():
                await _write(session, single, job)
        except DBAPIError as exc:
            reason = str(exc.orig or exc).splitlines()[0][:300]
            message = f"the database refused the row: {reason}"
            plan.problems.append(RowProblem(item.row, None, message))
            plan.counts.failed += 1
            continue
        plan.problems.extend(single.problems)
        plan.counts.add(single.counts)
