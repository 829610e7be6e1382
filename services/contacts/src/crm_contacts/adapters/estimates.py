"""The planner's estimate of how many rows a query returns (EXPLAIN, nothing is read).

Planning takes about a millisecond; counting the matches of a common filter can take a
hundred. The estimate is only used to choose how to read a page, and every way is
bounded, so an estimate that is off costs time, never correctness.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable


class _Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.stmt, **kw)


async def estimated_rows(session: AsyncSession, stmt: Select[Any]) -> float:
    """How many rows the planner expects `stmt` to return."""
    plan = (await session.execute(_Explain(stmt))).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])
