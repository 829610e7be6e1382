"""Reading a contact list's query string: search, filters, sort, page; every mistake named.

?q=jo                                  search, best match first
?lifecycle_stage=lead,customer&tag=vip filters (see list_fields)
?created_at.gte=2024-01-01&custom.score.gte=50
?sort=-updated_at  ?sort=last_name  ?sort=custom.renewal_date
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from crm_contacts.domain import list_fields as lf
from crm_contacts.domain.custom_fields import FieldDefinition
from crm_contacts.domain.errors import DomainError

DEFAULT_SORT = "created_at"
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
MAX_QUERY_LENGTH, MAX_CURSOR_LENGTH = 200, 1024
RESERVED = frozenset({"q", "sort", "limit", "cursor"})


@dataclass(frozen=True, slots=True)
class Filter:
    """`field op values`; `custom` is the definition of a custom field."""

    field: str
    op: str
    values: tuple[Any, ...]
    custom: FieldDefinition | None = None


@dataclass(frozen=True, slots=True)
class Sort:
    """Order by `field` (`custom` for a custom field), ascending unless `descending`."""

    field: str = DEFAULT_SORT
    descending: bool = False
    custom: FieldDefinition | None = None

    @property
    def token(self) -> str:
        """How `?sort=` spells it (cursors remember it)."""
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True, slots=True)
class ListRequest:
    """What one list request asks for."""

    q: str | None = None
    filters: tuple[Filter, ...] = ()
    sort: Sort = Sort()
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


class ListQueryError(DomainError):
    """The query string is wrong; `errors` names each parameter and what is wrong."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in errors))
        self.errors = errors


def parse_list_query(
    params: Iterable[tuple[str, str]], custom: Mapping[str, FieldDefinition]
) -> ListRequest:
    """The request `params` (name, value pairs, repeats kept) stand for; ListQueryError
    naming every unknown parameter and bad value."""
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    errors: list[dict[str, Any]] = []

    def fail(name: str, msg: str) -> None:
        errors.append({"loc": ["query", name], "msg": msg})

    for name in RESERVED & grouped.keys():
        if len(grouped[name]) > 1:
            fail(name, "give this parameter once")
    q = _single(grouped, "q")
    q = " ".join(q.split()) if q is not None else None
    if q is not None and not 1 <= len(q) <= MAX_QUERY_LENGTH:
        fail("q", f"must be 1 to {MAX_QUERY_LENGTH} characters")
    limit = _limit(_single(grouped, "limit"), fail)
    cursor = _single(grouped, "cursor")
    if cursor is not None and len(cursor) > MAX_CURSOR_LENGTH:
        fail("cursor", "is not a cursor this list gave out")
    sort = _sort(_single(grouped, "sort"), custom, fail)
    if q and "sort" in grouped:
        fail("sort", "search results come best match first; drop `sort` or `q`")
    filters = []
    for name, values in grouped.items():
        if name not in RESERVED:
            filters.extend(_filter(name, values, custom, fail))
    if errors:
        raise ListQueryError(errors)
    return ListRequest(q or None, tuple(filters), sort, limit, cursor)


def _single(grouped: dict[str, list[str]], name: str) -> str | None:
    values = grouped.get(name)
    return values[0] if values else None


def _limit(raw: str | None, fail: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        fail("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
        return DEFAULT_LIMIT
    return int(raw)


def _sort(raw: str | None, custom: Mapping[str, FieldDefinition], fail: Any) -> Sort:
    if raw is None:
        return Sort()
    name = raw.strip()
    descending = name.startswith("-")
    name = name.removeprefix("-")
    if name.startswith(lf.CUSTOM_PREFIX):
        definition = custom.get(name.removeprefix(lf.CUSTOM_PREFIX))
        if definition is not None and lf.custom_sortable(definition):
            return Sort(name, descending, definition)
    elif name in lf.FIELDS and lf.FIELDS[name].sortable:
        return Sort(name, descending)
    sortable = [n for n, f in lf.FIELDS.items() if f.sortable]
    fail("sort", f"cannot sort on {name!r}; sort on {', '.join(sortable)} or custom.<key>")
    return Sort()


def _filter(
    name: str, raws: list[str], custom: Mapping[str, FieldDefinition], fail: Any
) -> list[Filter]:
    field, _, op = name.partition(".")
    definition = None
    read: Callable[[str], Any]
    if field == "custom":
        key, _, op = op.partition(".")
        field, definition = f"{lf.CUSTOM_PREFIX}{key}", custom.get(key)
        if definition is None:
            fail(name, f"no custom field {key!r} is defined")
            return []
        ops, read, many = lf.custom_ops(definition), partial(lf.read_custom, definition), False
    elif field in lf.FIELDS:
        spec = lf.FIELDS[field]
        ops, read, many = set(spec.ops), spec.read, spec.many
    else:
        fail(name, f"unknown filter {name!r}")
        return []
    op = op or lf.EQ
    if op not in ops:
        fail(name, f"{field} takes {', '.join(sorted(ops))}, not {op!r}")
        return []
    # Several values: a list field's commas or repeats; a custom field's repeats.
    parts = [p for raw in raws for p in (raw.split(",") if many else [raw])]
    if len(parts) > 1 and not (many or (definition and op == lf.EQ)):
        fail(name, "give one value")
        return []
    values = []
    for part in parts:
        try:
            values.append(read(part))
        except ValueError as exc:
            fail(name, str(exc))
            return []
    return [Filter(field, op, tuple(values), definition)]
