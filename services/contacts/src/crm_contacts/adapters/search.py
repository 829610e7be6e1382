"""Trigram search: substring or fuzzy word matches, ranked, over a lowercase search_text.

Companies keep a generated `search_text` column with a GIN gin_trgm_ops index, which
serves both `LIKE '%q%'` and the word-similarity operator `<%`. (Contacts, a million of
them, are searched by prefix and typo tiers instead: adapters/contact_search.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, Text, bindparam, cast, func, or_

RANK_SCALE = 10_000


def like_pattern(query: str) -> str:
    """`%query%` for LIKE, with the query's own wildcards escaped."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(search_text: ColumnElement[Any], query: str) -> ColumnElement[bool]:
    """The row contains `query`, or one of its words is close to it (typos)."""
    return or_(
        search_text.like(like_pattern(query)),
        bindparam(None, query.lower(), type_=Text).op("<%")(search_text),
    )


def rank(search_text: ColumnElement[Any], query: str) -> ColumnElement[int]:
    """How well a row matches, as an integer (so a cursor can hold it exactly)."""
    return cast(func.word_similarity(query.lower(), search_text) * RANK_SCALE, Integer)
