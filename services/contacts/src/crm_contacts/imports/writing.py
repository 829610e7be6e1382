"""Writing a batch's decisions: new contacts, updates, timeline entries and events, a
statement per kind for the whole batch, in the caller's transaction.

A row a unique index refuses at insert time (a contact created meanwhile, a unique custom
field) is reported and the rest go in. `write_one_by_one` is the fallback for a batch
PostgreSQL refused as a whole (a value it cannot take, an update clashing with a unique
custom field): each contact is then written under its own savepoint, so only the rows
PostgreSQL refuses fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_writes import (
    add_timeline,
    contact_events,
    insert_contacts,
    live_contacts_by_email,
    save_contacts,
)
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.domain.imports import DedupMode, RowOutcome, RowProblem
from crm_contacts.events.topics import ContactAction
from crm_contacts.imports.plan import BatchPlan, ContactUpdate, NewContact
from crm_contacts.imports.reading import in_slices
from crm_shared import outbox


async def write(session: AsyncSession, plan: BatchPlan, job: ImportJob) -> None:
    """Write what the plan decided; its counts and problems are completed."""
    actor = job.created_by
    changes: list[tuple[Contact, ContactAction, list[str] | None]]
    changes = [(new.contact, ContactAction.CREATED, None) for new in plan.creates]
    changes += [(u.contact, ContactAction.UPDATED, u.revision.changed) for u in plan.updates]
    # The events (pydantic, JSON: much of a row's CPU) are made while PostgreSQL inserts
    # the contacts.
    building = asyncio.ensure_future(
        in_slices(lambda part: contact_events(part, actor=actor), changes)
    )
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


async def write_one_by_one(session: AsyncSession, plan: BatchPlan, job: ImportJob) -> None:
    """`write`, a contact at a time under a savepoint: only refused rows fail."""
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
                await write(session, single, job)
        except DBAPIError as exc:
            reason = str(exc.orig or exc).splitlines()[0][:300]
            message = f"the database refused the row: {reason}"
            plan.problems.append(RowProblem(item.row, None, message))
            plan.counts.failed += 1
            continue
        plan.problems.extend(single.problems)
        plan.counts.add(single.counts)
