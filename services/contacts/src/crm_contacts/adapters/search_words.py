"""The names a mistyped search word may mean, from `contact_name_words` (migration 0007).

That table holds every first and last name once, lowercase: thousands of rows where the
contacts are a million, so scoring candidates there is cheap. Candidates are the nearest
words by trigram distance (GiST order) plus the words sharing the typed word's first two
letters (a btree range); domain.typos keeps those within a few edits.
"""

from __future__ import annotations

from sqlalchemy import Integer, Text, bindparam, column, func, select, table, union
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.search_prefix import in_range, range_params
from crm_contacts.domain.typos import (
    MIN_WORD_LENGTH,
    Correction,
    allowed_edits,
    corrections,
    full_names,
)

words = table("contact_name_words", column("word"))
NEAREST, SAME_START = 40, 400


# One statement for every word: the values travel as parameters.
_TYPED = bindparam("typed", type_=Text)
_CANDIDATES = union(
    select(words.c.word).order_by(words.c.word.op("<->")(_TYPED)).limit(NEAREST),
    select(words.c.word)
    .where(in_range(words.c.word))
    .where(
        func.length(words.c.word).between(
            bindparam("shortest", type_=Integer), bindparam("longest", type_=Integer)
        )
    )
    .limit(SAME_START),
)


async def _corrections(session: AsyncSession, word: str) -> list[Correction]:
    spread = allowed_edits(word)
    params = {
        "typed": word,
        **range_params(word[:2]),
        "shortest": len(word) - spread,
        "longest": len(word) + spread,
    }
    found = (await session.execute(_CANDIDATES, params)).scalars().all()
    return corrections(word, found)


async def fuzzy_names(session: AsyncSession, query: str) -> tuple[str, list[Correction]]:
    """What a query may have meant: ("word", names) for one word, matched against first
    and last names; ("full_name", "first last" names) for two words; nothing otherwise."""
    typed = query.lower().split()
    if not 1 <= len(typed) <= 2 or any(len(w) < 2 for w in typed) or "@" in query:
        return "word", []
    if len(typed) == 1:
        if len(typed[0]) < MIN_WORD_LENGTH:
            return "word", []
        return "word", await _corrections(session, typed[0])
    first = await _exact_or_corrections(session, typed[0])
    last = await _exact_or_corrections(session, typed[1])
    return "full_name", full_names(first, last)


async def _exact_or_corrections(session: AsyncSession, word: str) -> list[Correction]:
    # Short words are taken as typed (a two-letter name has no room for a typo).
    if len(word) < MIN_WORD_LENGTH:
        return [Correction(0, word)]
    return await _corrections(session, word)
