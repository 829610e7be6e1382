"""Fill a migrated sales database with deals, fast (binary COPY, one transaction).

    python -m bench.sales_seed --dsn postgresql://... --deals 100000

Deals are spread over the pipelines that exist (most in the default one), 50 owners,
three currencies, close dates over three years and creation times over two; each stage
gets deals of its kind (won stages won deals, ...). Deterministic per seed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

COLUMNS = (
    "id", "name", "amount", "currency", "close_date", "pipeline_id", "stage_id", "status",
    "owner_id", "contact_id", "company_id", "lost_reason", "created_at", "updated_at", "version",
)  # fmt: skip
OWNERS = 50
CURRENCIES = (("EUR", 6), ("USD", 3), ("GBP", 1))
FIRST_CLOSE, CLOSE_DAYS = date(2025, 1, 1), 3 * 365
FIRST_CREATED = datetime(2024, 7, 1, tzinfo=UTC)
CHUNK = 20_000


async def stages(conn: asyncpg.Connection) -> list[tuple[uuid.UUID, uuid.UUID, str, bool]]:
    """(pipeline, stage, kind, in the default pipeline) of every stage."""
    rows = await conn.fetch(
        "SELECT s.pipeline_id, s.id, s.kind, p.is_default FROM pipeline_stages s"
        " JOIN pipelines p ON p.id = s.pipeline_id ORDER BY p.created_at, s.position"
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def deal_rows(
    count: int, stage_list: list[tuple[uuid.UUID, uuid.UUID, str, bool]], seed: int
) -> Iterator[tuple[object, ...]]:
    """`count` deal rows in COPY column order."""
    rng = random.Random(seed)
    owners = [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(OWNERS)]
    # The default pipeline gets four deals in five; its open stages most of them.
    weights = [
        (8 if default else 1) * (3 if kind == "open" else 1) for *_, kind, default in stage_list
    ]
    currencies = [code for code, weight in CURRENCIES for _ in range(weight)]
    for i in range(count):
        pipeline_id, stage_id, kind, _ = rng.choices(stage_list, weights)[0]
        currency = rng.choice(currencies)
        created = FIRST_CREATED + timedelta(seconds=i * 630 + rng.randrange(600))
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            f"Deal {i}",
            Decimal(rng.randrange(100_000, 20_000_000)) / 100,
            currency,
            FIRST_CLOSE + timedelta(days=rng.randrange(CLOSE_DAYS)),
            pipeline_id,
            stage_id,
            kind,
            rng.choice(owners),
            uuid.UUID(int=rng.getrandbits(128), version=4),
            None,
            "Chose a competitor" if kind == "lost" else None,
            created,
            created,
            1,
        )


async def seed(dsn: str, count: int, *, seed: int = 1) -> None:
    """Add `count` deals to the database at `dsn`, then vacuum and analyze."""
    conn = await asyncpg.connect(dsn)
    try:
        stage_list = await stages(conn)
        rows = deal_rows(count, stage_list, seed)
        async with conn.transaction():
            while chunk := [row for _, row in zip(range(CHUNK), rows, strict=False)]:
                await conn.copy_records_to_table("deals", records=chunk, columns=COLUMNS)
        await conn.execute("VACUUM (ANALYZE) deals")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--deals", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(seed(args.dsn, args.deals))
