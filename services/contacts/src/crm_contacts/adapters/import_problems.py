"""The per-row report of an import: problems and skips, by row number."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_sql import column_arrays, unnest_insert
from crm_contacts.adapters.paging import cut_page, read_cursor
from crm_contacts.adapters.tables import contact_import_problems
from crm_contacts.domain.imports import RowOutcome, RowProblem

_COLUMNS = ("import_id", "row_number", "seq", "outcome", "column", "message")
_INSERT = unnest_insert(contact_import_problems, _COLUMNS)


async def add_problems(
    session: AsyncSession, import_id: uuid.UUID, problems: Sequence[RowProblem]
) -> None:
    """Store a batch's problems; `seq` orders several problems of one row."""
    rows = []
    seqs: dict[int, int] = {}
    for problem in problems:
        seqs[problem.row] = seq = seqs.get(problem.row, 0) + 1
        rows.append(
            {
                "import_id": import_id,
                "row_number": problem.row,
                "seq": seq,
                "outcome": problem.outcome.value,
                "column": problem.column,
                "message": problem.message,
            }
        )
    if rows:
        await session.execute(_INSERT, column_arrays(contact_import_problems, _COLUMNS, rows))


async def list_problems(
    session: AsyncSession, import_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[RowProblem], str | None]:
    """One page of an import's problems, in row order."""
    table = contact_import_problems
    stmt = (
        select(table)
        .where(table.c.import_id == import_id)
        .order_by(table.c.row_number, table.c.seq)
        .limit(limit + 1)
    )
    if cursor:
        row_number, seq = read_cursor(cursor, int, int)
        stmt = stmt.where(tuple_(table.c.row_number, table.c.seq) > (row_number, seq))
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, lambda row: (row["row_number"], row["seq"]))
    problems = [
        RowProblem(row["row_number"], row["column"], row["message"], RowOutcome(row["outcome"]))
        for row in page
    ]
    return problems, next_cursor
