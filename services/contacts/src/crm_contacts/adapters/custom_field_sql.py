"""SQL over custom field values, and the indexes that serve it.

Every defined field has one btree expression index on its typed value (numbers as
numeric, everything else as text: ISO dates sort as text), UNIQUE when the field is
unique. Queries must use `value_expression`, the very expression the index is built on,
with the key as a literal (a bound parameter would hide the index from generic plans).
Contacts' indexes cover live rows only (`NOT erased`), as every contact list asks for.
Equality filters go through `@>`, served by the GIN index on the whole column.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Numeric, Table, Text, cast, literal, literal_column

from crm_contacts.domain.custom_fields import FieldDefinition, FieldType, is_valid_key


def key_literal(key: str) -> ColumnElement[Any]:
    """`key` as an SQL string literal (what index expressions are built with)."""
    # Keys match KEY_PATTERN (lowercase letters, digits, underscores): safe as a literal.
    if not is_valid_key(key):
        raise ValueError(f"not a custom field key: {key!r}")
    return literal_column(f"'{key}'")


def value_expression(table: Table, definition: FieldDefinition) -> ColumnElement[Any]:
    """The field's typed value, exactly as its index holds it: for ORDER BY and ranges."""
    as_text = table.c.custom_fields.op("->>", return_type=Text)(key_literal(definition.key))
    if definition.type is FieldType.NUMBER:
        return cast(as_text, Numeric)
    return as_text


def equals_condition(table: Table, definition: FieldDefinition, value: Any) -> ColumnElement[bool]:
    """Rows whose field holds `value` (in stored form); for a multi select, rows whose
    options include `value` (one option, or all of a list of them).

    A multi select is matched by containment (the GIN index on custom_fields); any other
    field through its own index, whose expression statistics give the planner a real
    estimate (it guesses 0.1% for any containment, and picks a wrong plan on that).
    """
    if definition.type is FieldType.MULTI_SELECT:
        options = value if isinstance(value, list) else [value]
        condition: ColumnElement[bool] = table.c.custom_fields.contains({definition.key: options})
        return condition
    stored = value_expression(table, definition)
    if definition.type is FieldType.NUMBER:
        return stored == literal(Decimal(str(value)), Numeric)
    if definition.type is FieldType.BOOLEAN:
        return stored == ("true" if value else "false")
    return stored == str(value)


def live_rows_sql(table: Table) -> str:
    """The SQL predicate of rows that take part in indexes and uniqueness ('' for all)."""
    return "NOT erased" if "erased" in table.c else ""


def index_name(table: Table, key: str, *, unique: bool) -> str:
    """The name of a field's index (at most 16 + 40 characters)."""
    return f"{'uq' if unique else 'ix'}_{table.name}_cf_{key}"


def index_sql_expression(definition: FieldDefinition) -> str:
    """value_expression as CREATE INDEX writes it."""
    as_text = f"(custom_fields ->> {key_literal(definition.key)})"
    return f"({as_text}::numeric)" if definition.type is FieldType.NUMBER else f"({as_text})"


def create_index_sql(table: Table, definition: FieldDefinition, *, unique: bool) -> str:
    """CREATE INDEX CONCURRENTLY for a field (run outside a transaction).

    A plain index also holds the id: sorted lists page on (value, id), and a cursor
    inside a run of equal values then continues from the index instead of rescanning it.
    """
    live = live_rows_sql(table)
    columns = index_sql_expression(definition) + ("" if unique else ", id")
    return (
        f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY"
        f" {index_name(table, definition.key, unique=unique)}"
        f" ON {table.name} ({columns})" + (f" WHERE {live}" if live else "")
    )


def create_statistics_sql(table: Table, definition: FieldDefinition) -> str:
    """Statistics on the field's value: PostgreSQL ignores those of a partial index, and
    without them a filter on the field is guessed at 0.5% of the rows whatever it holds."""
    return (
        f"CREATE STATISTICS IF NOT EXISTS st_{table.name}_cf_{definition.key}"
        f" ON {index_sql_expression(definition)} FROM {table.name}"
    )


def drop_statistics_sql(table: Table, key: str) -> str:
    """Drop the field's statistics, if any."""
    return f"DROP STATISTICS IF EXISTS st_{table.name}_cf_{key}"


def drop_index_sql(table: Table, key: str, *, unique: bool) -> str:
    """DROP INDEX CONCURRENTLY for a field's index (run outside a transaction)."""
    return f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(table, key, unique=unique)}"


def stored_form_sql(definition: FieldDefinition) -> str:
    """A predicate true when the row's value (if any) is in the field's stored form:
    for finding rows a new definition would not accept (data written before it)."""
    value = f"custom_fields -> {key_literal(definition.key)}"
    kind = f"jsonb_typeof({value})"
    options = "ARRAY[" + ", ".join(_quoted(o) for o in definition.options) + "]::text[]"
    checks = {
        FieldType.TEXT: f"{kind} = 'string'",
        FieldType.NUMBER: f"{kind} = 'number'",
        FieldType.BOOLEAN: f"{kind} = 'boolean'",
        FieldType.DATE: f"{kind} = 'string' AND ({value} #>> '{{}}') ~ {_ISO_DATE}",
        FieldType.SINGLE_SELECT: f"{kind} = 'string' AND ({value} #>> '{{}}') = ANY({options})",
        FieldType.MULTI_SELECT: f"{kind} = 'array' AND {value} <@ to_jsonb({options})",
    }
    return f"({value} IS NULL OR ({checks[definition.type]}))"


_ISO_DATE = r"'^\d{4}-\d{2}-\d{2}$'"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
