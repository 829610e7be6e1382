"""Which CSV column fills which contact field.

A mapping is a JSON object `{"CSV column": "contact field"}`. Fields: the contact's own
(first_name, last_name, email, phone, title, lifecycle_stage, owner_id, tags (split on
';'), consent_email), `company` (a company name: found case-insensitively, else created),
`company_domain` (found by domain first; names the new company if `company` is empty) and
`custom_fields.<key>`. Without a mapping, every header that names a field maps to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

CONTACT_TARGETS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company",
    "company_domain",
    "lifecycle_stage",
    "owner_id",
    "tags",
    "consent_email",
)
CUSTOM_PREFIX = "custom_fields."
TAG_SEPARATOR = ";"
_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True, slots=True)
class MappedColumn:
    """A CSV column (its position and header name) and the field it fills;
    `custom_key` is the custom field's key for a `custom_fields.<key>` target."""

    index: int
    name: str
    target: str
    custom_key: str | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Read for every cell of every row: worked out once.
        key = self.target.removeprefix(CUSTOM_PREFIX) if self.is_custom else None
        object.__setattr__(self, "custom_key", key)

    @property
    def is_custom(self) -> bool:
        """Whether the column fills a custom field."""
        return self.target.startswith(CUSTOM_PREFIX)


class MappingError(ValueError):
    """The mapping does not fit the file; `problems` are (where, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def _known_target(target: str) -> bool:
    return target in CONTACT_TARGETS or (
        target.startswith(CUSTOM_PREFIX) and len(target) > len(CUSTOM_PREFIX)
    )


def _guess(name: str) -> str | None:
    """The field a header names ("First Name" -> first_name), if any."""
    candidate = _SEPARATORS.sub("_", name.strip().lower())
    if candidate.startswith(CUSTOM_PREFIX):
        return CUSTOM_PREFIX + name.strip()[len(CUSTOM_PREFIX) :]
    return candidate if candidate in CONTACT_TARGETS else None


def resolve_mapping(
    header: Sequence[str], mapping: Mapping[str, str | None] | None
) -> list[MappedColumn]:
    """The mapped columns of a file with `header`; MappingError naming every problem.

    A column mapped to null or "" is ignored. Each field takes at most one column.
    """
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(name, []).append(index)
    if mapping is None:
        wanted = {name: _guess(name) for name in positions}
    else:
        wanted = {column: target or None for column, target in mapping.items()}
    problems: list[tuple[str, str]] = []
    columns: list[MappedColumn] = []
    taken: dict[str, str] = {}
    for column, target in wanted.items():
        if target is None:
            continue
        if column not in positions:
            problems.append((column, f"column {column!r} is not in the file's header"))
        elif len(positions[column]) > 1:
            problems.append((column, f"the header has column {column!r} more than once"))
        elif not _known_target(target):
            problems.append((column, f"{target!r} is not a contact field"))
        elif target in taken:
            problems.append((column, f"{target!r} is mapped from {taken[target]!r} already"))
        else:
            taken[target] = column
            columns.append(MappedColumn(positions[column][0], column, target))
    if not problems and not columns:
        problems.append(("mapping", "no column of the file is mapped to a contact field"))
    if problems:
        raise MappingError(problems)
    return sorted(columns, key=lambda c: c.index)
