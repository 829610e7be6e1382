"""What a value of each custom field type may be, and its one stored (JSON) form.

Stored forms: text and dates as strings (dates `YYYY-MM-DD`, which sort as text),
numbers as JSON numbers (an int when integral, else a float), booleans as JSON booleans,
a single select as the option's own spelling, a multi select as a sorted list of options
without repeats. "No value" is None: the key is left out of the stored object.

Every function raises ValueError with a message meant for the client.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

# A btree index entry holds at most ~2,700 bytes; 500 characters of UTF-8 always fit.
MAX_TEXT_LENGTH = 500
# Spreadsheets keep 15 significant digits; beyond that a float stops being exact.
MAX_NUMBER = Decimal(10) ** 15
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
# A CSV cell lists several options separated by either of these.
MULTI_SEPARATORS = re.compile(r"[;|]")


def text_value(raw: Any) -> str | None:
    """Trimmed text of at most MAX_TEXT_LENGTH characters; blank is no value."""
    if not isinstance(raw, str):
        raise ValueError("must be a string")
    value = raw.strip()
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
    return value or None


def number_value(raw: Any) -> int | float:
    """A finite number below 10^15 in size, from a JSON number or a decimal string."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("must be a number")
    try:
        number = Decimal(raw.strip() if isinstance(raw, str) else repr(raw))
    except InvalidOperation:
        raise ValueError(f"not a number: {raw!r}") from None
    if not number.is_finite() or abs(number) >= MAX_NUMBER:
        raise ValueError("must be a finite number between -10^15 and 10^15")
    if number == number.to_integral_value():
        return int(number)
    result = float(number)
    if not math.isfinite(result):  # pragma: no cover - bounded above
        raise ValueError("must be a finite number")
    return result


def date_value(raw: Any) -> str:
    """A calendar date written `YYYY-MM-DD`."""
    if not isinstance(raw, str) or not _DATE.match(raw.strip()):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise ValueError(f"not a calendar date: {raw.strip()!r}") from None


def boolean_value(raw: Any) -> bool:
    """true or false (JSON booleans only: "false" as a string is truthy in too many places)."""
    if not isinstance(raw, bool):
        raise ValueError("must be true or false")
    return raw


def option_value(raw: Any, options: Sequence[str]) -> str:
    """One of `options`, matched case-insensitively; returned as the option is spelled."""
    if not isinstance(raw, str):
        raise ValueError("must be a string, one of the field's options")
    wanted = raw.strip().casefold()
    for option in options:
        if option.casefold() == wanted:
            return option
    raise ValueError(f"{raw.strip()!r} is not one of the options: {', '.join(options)}")


def options_value(raw: Any, options: Sequence[str]) -> list[str] | None:
    """Some of `options` as a sorted list without repeats; an empty list is no value."""
    if not isinstance(raw, list):
        raise ValueError("must be a list of the field's options")
    chosen = {option_value(item, options) for item in raw}
    return sorted(chosen) or None


def number_from_text(raw: str) -> int | float:
    """A number as a CSV cell holds it: `1234.5`, `-7`, or with thousands `1,234.5`.

    A comma is only read as a thousands separator in groups of three; `1,5` is refused
    rather than guessed at (decimal comma or thousands?).
    """
    cell = raw.strip().replace(" ", "")
    if _GROUPED.match(cell):
        cell = cell.replace(",", "")
    elif "," in cell:
        raise ValueError(f"not a number: {raw!r} (use a dot as the decimal point)")
    return number_value(cell)


def boolean_from_text(raw: str) -> bool:
    """true/false, yes/no, y/n or 1/0, in any case."""
    cell = raw.strip().lower()
    if cell in _TRUE:
        return True
    if cell in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {raw!r} (use true/false, yes/no or 1/0)")
