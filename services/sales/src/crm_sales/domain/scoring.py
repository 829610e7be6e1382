"""Fit scoring: rules stored as data say how many points a lead's profile is worth.

A rule looks at one field (title, company size, country, source) with one operator;
a lead's fit score is the sum of the points of every active rule it matches. Text is
compared ignoring case; company size is a number of employees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from crm_sales.domain.lead_errors import InvalidLeadError
from crm_sales.domain.lead_values import MAX_COMPANY_SIZE, normalize_country

MAX_POINTS = 1000
MAX_VALUES = 200
MAX_TEXT = 200


class ScoreField(StrEnum):
    """The lead fields a fit rule may look at."""

    TITLE = "title"
    COMPANY_SIZE = "company_size"
    COUNTRY = "country"
    SOURCE = "source"


class Operator(StrEnum):
    """How a rule compares the field with its value(s)."""

    EQUALS = "equals"
    IN = "in"
    CONTAINS = "contains"
    GTE = "gte"
    LTE = "lte"


F, Op = ScoreField, Operator
OPERATORS: dict[ScoreField, frozenset[Operator]] = {
    F.TITLE: frozenset({Op.EQUALS, Op.IN, Op.CONTAINS}),
    F.SOURCE: frozenset({Op.EQUALS, Op.IN, Op.CONTAINS}),
    F.COUNTRY: frozenset({Op.EQUALS, Op.IN}),
    F.COMPANY_SIZE: frozenset({Op.EQUALS, Op.IN, Op.GTE, Op.LTE}),
}


@dataclass(frozen=True, slots=True)
class Score:
    """A lead's score: fit (its profile) plus engagement (what it did)."""

    fit: int
    engagement: int

    @property
    def total(self) -> int:
        """The score leads are sorted and filtered by."""
        return self.fit + self.engagement


@dataclass(frozen=True, slots=True)
class FitRule:
    """One fit rule; `value` is a string, an integer or a tuple of them (for `in`)."""

    id: uuid.UUID
    field: ScoreField
    operator: Operator
    value: Any
    points: int
    active: bool = True

    def matches(self, lead: Mapping[str, Any]) -> bool:
        """Whether the lead's field (as `lead[field]`) meets this rule."""
        actual = _fold(lead.get(self.field.value))
        if actual is None or actual == "":
            return False
        expected = _fold(self.value)
        if self.operator is Op.EQUALS:
            return bool(actual == expected)
        if self.operator is Op.IN:
            return actual in expected
        if self.operator is Op.CONTAINS:
            return str(expected) in str(actual)
        if self.operator is Op.GTE:
            return bool(actual >= expected)
        return bool(actual <= expected)


def fit_score(rules: Iterable[FitRule], lead: Mapping[str, Any]) -> int:
    """The sum of the points of every active rule `lead` matches."""
    return sum(rule.points for rule in rules if rule.active and rule.matches(lead))


def check_rule(field: ScoreField, operator: Operator, value: Any) -> Any:
    """The rule's value as it is stored (trimmed text, uppercase countries, integers);
    InvalidLeadError naming `operator` or `value` when they do not fit the field."""
    if operator not in OPERATORS[field]:
        allowed = ", ".join(sorted(OPERATORS[field]))
        raise InvalidLeadError(f"{field} rules use one of: {allowed}", field="operator")
    if operator is Op.IN:
        if not isinstance(value, list) or not 0 < len(value) <= MAX_VALUES:
            raise InvalidLeadError(f"`in` takes a list of 1 to {MAX_VALUES} values", field="value")
        return sorted({_one(field, item) for item in value}, key=str)
    if operator is Op.CONTAINS and field is not F.COMPANY_SIZE:
        return _text(value)
    return _one(field, value)


def _one(field: ScoreField, value: Any) -> Any:
    if field is F.COMPANY_SIZE:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidLeadError("company size values are whole numbers", field="value")
        if not 0 <= value <= MAX_COMPANY_SIZE:
            raise InvalidLeadError(
                f"company size is between 0 and {MAX_COMPANY_SIZE}", field="value"
            )
        return value
    text = _text(value)
    if field is F.COUNTRY:
        try:
            return normalize_country(text)
        except InvalidLeadError as exc:
            raise InvalidLeadError(str(exc), field="value") from exc
    return text


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise InvalidLeadError(
            f"this operator takes text of 1 to {MAX_TEXT} characters", field="value"
        )
    return " ".join(value.split())


def _fold(value: Any) -> Any:
    # Rules and leads keep text as typed; comparisons ignore case.
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list | tuple):
        return tuple(_fold(item) for item in value)
    return value
