"""The requests the search benchmark sends, with values sampled from the data itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.scale.records import SEGMENTS
from crm_cli.demo_data import STAGE_WEIGHTS, TAGS

Make = Callable[[int], dict[str, str]]


@dataclass(frozen=True)
class Samples:
    """Real values to search and filter by."""

    total: int
    people: list[tuple[str, str]]  # (first, last), lowercase
    emails: list[str]
    domains: list[str]
    owners: list[str]
    companies: list[str]

    @classmethod
    async def load(cls, dsn: str) -> Samples:
        """Sample the database at `dsn`."""
        conn = await asyncpg.connect(dsn)
        try:
            total = await conn.fetchval("SELECT count(*) FROM contacts WHERE NOT erased")
            # Pages from all over the table (imported rows lie together at its start).
            sample = "FROM contacts TABLESAMPLE SYSTEM (2) REPEATABLE (7) WHERE NOT erased"
            rows = await conn.fetch(
                "SELECT lower(first_name) AS f, lower(last_name) AS l, lower(email::text) AS e"
                f" {sample} AND first_name ~ '^[A-Za-z]{{3,}}$'"
                " AND last_name ~ '^[A-Za-z]{5,}$' ORDER BY random() LIMIT 500"
            )
            owners = await conn.fetch(f"SELECT DISTINCT owner_id::text AS v {sample} LIMIT 50")
            companies = await conn.fetch(
                f"SELECT company_id::text AS v {sample} AND company_id IS NOT NULL"
                " ORDER BY random() LIMIT 200"
            )
        finally:
            await conn.close()
        emails = [r["e"] for r in rows if r["e"]]
        return cls(
            total=total,
            people=[(r["f"], r["l"]) for r in rows],
            emails=emails,
            domains=[e.split("@")[1] for e in emails],
            owners=[r["v"] for r in owners if r["v"]],
            companies=[r["v"] for r in companies],
        )


def typo(word: str, i: int) -> str:
    """`word` with two neighbouring letters swapped somewhere in its middle."""
    at = 1 + i % max(1, len(word) - 3)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def scenarios(s: Samples) -> dict[str, Make]:
    """Scenario name -> the parameters of its i-th request."""

    def person(i: int) -> tuple[str, str]:
        return s.people[i % len(s.people)]

    def pick(values: list[str], i: int) -> str:
        return values[i % len(values)]

    stages = list(STAGE_WEIGHTS)
    day = datetime(2024, 1, 1, tzinfo=UTC)
    plan: dict[str, Make] = {
        "q: 1 letter": lambda i: {"q": person(i)[1][0]},
        "q: 2 letters": lambda i: {"q": person(i)[1][:2]},
        "q: 3 letters": lambda i: {"q": person(i)[0][:3]},
        "q: full last name": lambda i: {"q": person(i)[1]},
        "q: first and last name": lambda i: {"q": " ".join(person(i))},
        "q: typo in a last name": lambda i: {"q": typo(person(i)[1], i)},
        "q: typo in first + last": lambda i: {"q": f"{typo(person(i)[0], i)} {person(i)[1]}"},
        "q: whole email": lambda i: {"q": pick(s.emails, i)},
        "q: email domain": lambda i: {"q": pick(s.domains, i)},
        "filter: stage": lambda i: {"lifecycle_stage": stages[i % len(stages)]},
        "filter: two stages": lambda i: {"lifecycle_stage": f"{stages[i % 3]},evangelist"},
        "filter: tag": lambda i: {"tag": TAGS[i % len(TAGS)]},
        "filter: owner": lambda i: {"owner_id": pick(s.owners, i)},
        "filter: company": lambda i: {"company_id": pick(s.companies, i)},
        "filter: stage + tag": lambda i: {"lifecycle_stage": stages[i % 7], "tag": TAGS[i % 8]},
        "filter: email domain": lambda i: {"email_domain": pick(s.domains, i)},
        "filter: created_at month": lambda i: {
            "created_at.gte": (day + timedelta(days=30 * (i % 24))).isoformat(),
            "created_at.lte": (day + timedelta(days=30 * (i % 24) + 30)).isoformat(),
        },
        "filter: custom segment": lambda i: {"custom.segment": SEGMENTS[i % 3]},
        "filter: custom score range": lambda i: {
            "custom.score.gte": str(i % 90),
            "custom.score.lte": str(i % 90 + 5),
        },
        "sort: last_name": lambda i: {"sort": "last_name"},
        "sort: -updated_at": lambda i: {"sort": "-updated_at"},
        "sort: custom.score": lambda i: {"sort": "custom.score"},
        "sort: -custom.renewal_date": lambda i: {"sort": "-custom.renewal_date"},
        "sort + filter: tag, last_name": lambda i: {"tag": TAGS[i % 8], "sort": "last_name"},
        "sort + filter: stage, -custom.score": lambda i: {
            "lifecycle_stage": stages[i % 7],
            "sort": "-custom.score",
        },
        "sort + filter: owner, -updated_at": lambda i: {
            "owner_id": pick(s.owners, i),
            "sort": "-updated_at",
        },
    }
    # A database without some kind of value (no owners, say) skips its scenarios.
    needs = {"owner": s.owners, "company": s.companies, "email": s.emails, "q:": s.people}
    return {
        name: make
        for name, make in plan.items()
        if all(values for word, values in needs.items() if word in name)
    }
