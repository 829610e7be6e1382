"""Typo tolerance: which known names a mistyped word may have meant.

Distance is the optimal string alignment edit distance (insert, delete, replace, or swap
two neighbouring letters: "jonh" is one edit from "john"). Longer words may be further
off; short words must be close, or every three-letter name would match every other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

MIN_WORD_LENGTH = 4  # shorter words are searched by prefix only
CORRECTIONS_PER_WORD = 5
MAX_FULL_NAMES = 10


@dataclass(frozen=True, slots=True, order=True)
class Correction:
    """A known name and how many edits away from the typed word it is."""

    distance: int
    name: str


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may be off by."""
    return 1 if len(word) <= 5 else 2 if len(word) <= 9 else 3


def corrections(word: str, known: Iterable[str]) -> list[Correction]:
    """The closest `known` names within `allowed_edits`, nearest first (then by name)."""
    limit = allowed_edits(word)
    found = {
        Correction(distance, name)
        for name in known
        if (distance := OSA.distance(word, name, score_cutoff=limit)) <= limit
    }
    return sorted(found)[:CORRECTIONS_PER_WORD]


def full_names(first: list[Correction], last: list[Correction]) -> list[Correction]:
    """ "first last" names from each word's corrections, both word orders, nearest first.

    `first` corrects the query's first word and `last` its second; a person may type
    either name first, so "smith jonh" also yields "john smith".
    """
    found = {
        Correction(a.distance + b.distance, f"{a.name} {b.name}")
        for one, two in ((first, last), (last, first))
        for a in one
        for b in two
    }
    return sorted(found)[:MAX_FULL_NAMES]
