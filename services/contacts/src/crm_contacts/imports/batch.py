"""Importing one batch of staged rows, inside the caller's transaction.

The rows (already read, reading.py) end before a row repeating an email; the live
contacts owning their emails are looked up (and locked, when they may be updated), the
companies they name found or created, each row decided (plan.py), and the outcome written
(writing.py) unless this is a dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_companies import resolve_companies
from crm_contacts.adapters.import_writes import live_contacts_by_email
from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.domain.imports import BatchCounts, DedupMode, RowProblem
from crm_contacts.imports.plan import PlanContext, plan_batch
from crm_contacts.imports.reading import until_repeated_email
from crm_contacts.imports.rows import RowDraft
from crm_contacts.imports.writing import write, write_one_by_one


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch did: counts, the problems to report, the last row it covered."""

    counts: BatchCounts
    problems: list[RowProblem]
    last_row: int


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
        await write_one_by_one(session, plan, job)
    else:
        await write(session, plan, job)
    problems = sorted(plan.problems, key=lambda problem: problem.row)
    return BatchOutcome(plan.counts, problems, drafts[-1].row)
