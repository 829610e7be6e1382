"""Many rows in one statement: `INSERT ... SELECT FROM unnest(<one array per column>)`.

One parameter per column, whatever the number of rows, so a batch of a thousand rows is
one round trip and one prepared statement (a multi-row VALUES list would be a new
statement for every batch size, and SQLAlchemy would compile each). The statement is
built from the table's own columns, so it follows the schema.

Columns whose values PostgreSQL cannot take as an array of arrays travel as JSON: text
arrays (a `text[][]` must be rectangular) as a JSON list per row, JSONB as its text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import ARRAY

from crm_shared.db import json_dumps

_DIALECT = postgresql.dialect()
_quote = _DIALECT.identifier_preparer.quote


def _sql_type(table: Table, name: str) -> str:
    return str(table.c[name].type.compile(dialect=_DIALECT))


def _travels_as_json(table: Table, name: str) -> bool:
    return isinstance(table.c[name].type, ARRAY) or _sql_type(table, name) == "JSONB"


def _array_type(table: Table, name: str) -> str:
    if _travels_as_json(table, name):
        return "jsonb[]"
    sql_type = _sql_type(table, name)
    return "text[]" if sql_type == "CITEXT" else f"{sql_type}[]"


def _value(table: Table, name: str) -> str:
    """How a column's value is read from the unnested row `u`."""
    column = f"u.{_quote(name)}"
    column_type = table.c[name].type
    if isinstance(column_type, ARRAY):
        element = str(column_type.item_type.compile(dialect=_DIALECT))
        return f"ARRAY(SELECT jsonb_array_elements_text({column}))::{element}[]"
    if _sql_type(table, name) == "CITEXT":
        return f"{column}::citext"
    return column


def _unnest(table: Table, columns: Sequence[str]) -> str:
    arrays = ", ".join(f"CAST(:p_{name} AS {_array_type(table, name)})" for name in columns)
    names = ", ".join(_quote(name) for name in columns)
    return f"unnest({arrays}) AS u({names})"


def unnest_insert(
    table: Table, columns: Sequence[str], *, skip_conflicts: bool = False, returning: str = ""
) -> TextClause:
    """INSERT of many rows of `columns`; `skip_conflicts` drops rows a unique index
    refuses (ON CONFLICT DO NOTHING), and RETURNING `returning` names the rows written."""
    names = ", ".join(_quote(name) for name in columns)
    values = ", ".join(_value(table, name) for name in columns)
    target = f"{_quote(table.name)} ({names})"
    sql = f"INSERT INTO {target} SELECT {values} FROM {_unnest(table, columns)}"  # noqa: S608
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {_quote(returning)}"
    return text(sql)


def unnest_update(table: Table, key: str, columns: Sequence[str]) -> TextClause:
    """UPDATE of many rows, each found by `key`, setting `columns` to its own values."""
    sets = ", ".join(f"{_quote(name)} = {_value(table, name)}" for name in columns)
    where = f"t.{_quote(key)} = u.{_quote(key)}"
    target = f"{_quote(table.name)} AS t"
    return text(f"UPDATE {target} SET {sets} FROM {_unnest(table, [key, *columns])} WHERE {where}")  # noqa: S608


def column_arrays(
    table: Table, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> dict[str, list[Any]]:
    """The parameters of an unnest statement: one list per column, in row order."""
    params: dict[str, list[Any]] = {}
    for name in columns:
        values = [row[name] for row in rows]
        if _travels_as_json(table, name):
            values = [None if value is None else json_dumps(value) for value in values]
        params[f"p_{name}"] = values
    return params
