"""Fill a migrated contacts database with a realistic dataset, fast.

    python -m bench.scale.dataset --dsn postgresql://... --contacts 1000000

Rows come from `records.RecordMaker` (deterministic per seed, with injected duplicates)
and go in with binary COPY in chunks, the next chunk made while the server takes the
last one, so memory stays flat. For a big load the secondary non-unique indexes of
`contacts` are dropped and rebuilt afterwards in the same transaction (building a GIN
index once is several times cheaper than growing it row by row); unique indexes stay, so
a row clashing with existing data (say an imported email) is skipped, never doubled.
Everything is one transaction: a failed seed leaves the database as it was.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable, Iterator

import asyncpg

from bench.scale.records import COMPANY_COLUMNS, CONTACT_COLUMNS, RecordMaker

CHUNK = 20_000
# Below this many new rows, keeping the indexes is cheaper than rebuilding them.
REBUILD_THRESHOLD = 200_000


async def seed(
    dsn: str,
    contacts: int,
    *,
    companies: int | None = None,
    seed: int = 1,
    duplicate_rate: float = 0.03,
    report: Callable[[str], None] | None = None,
) -> None:
    """Add `contacts` contacts (and `companies` companies, default one per 20 contacts);
    `report` is told how long each phase took."""
    clock = _Clock(report)
    maker = RecordMaker(seed, duplicate_rate)
    company_count = max(1, contacts // 20) if companies is None else companies
    conn = await asyncpg.connect(dsn)
    try:
        await _text_codecs(conn)
        async with conn.transaction():
            await conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
            rows, handles = maker.companies(company_count)
            for start in range(0, len(rows), CHUNK):
                await conn.copy_records_to_table(
                    "companies", records=rows[start : start + CHUNK], columns=COMPANY_COLUMNS
                )
            rebuild = await _drop_indexes(conn) if contacts >= REBUILD_THRESHOLD else []
            await _copy_contacts(conn, maker.contacts(handles, contacts))
            clock.lap(f"copied {company_count} companies, {contacts} contacts")
            for definition in rebuild:
                await conn.execute(definition)
            clock.lap(f"rebuilt {len(rebuild)} indexes")
        # Plans and index-only scans need fresh statistics and a visibility map.
        await conn.execute("VACUUM (ANALYZE) companies")
        await conn.execute("VACUUM (ANALYZE) contacts")
        clock.lap("vacuumed and analyzed")
    finally:
        await conn.close()


class _Clock:
    def __init__(self, report: Callable[[str], None] | None) -> None:
        self.report = report
        self.started = time.perf_counter()

    def lap(self, what: str) -> None:
        now = time.perf_counter()
        if self.report is not None:
            self.report(f"{what}: {now - self.started:.1f} s")
        self.started = now


async def _text_codecs(conn: asyncpg.Connection) -> None:
    # citext is an extension type; its binary form is text's, so COPY can send it as text.
    await conn.set_type_codec(
        "citext", schema="public", encoder=str.encode, decoder=bytes.decode, format="binary"
    )


async def _drop_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drop the non-unique secondary indexes of contacts; returns their definitions."""
    rows = await conn.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl"
        " FROM pg_index i WHERE i.indrelid = 'contacts'::regclass"
        " AND NOT i.indisunique AND NOT i.indisprimary"
    )
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    return [row["ddl"] for row in rows]


async def _copy_contacts(conn: asyncpg.Connection, rows: Iterator[tuple[object, ...]]) -> None:
    iterator = rows

    def next_chunk() -> list[tuple[object, ...]]:
        return [row for _, row in zip(range(CHUNK), iterator, strict=False)]

    chunk = next_chunk()
    while chunk:
        # Make the next chunk in a thread while the server stores this one.
        _, following = await asyncio.gather(_copy_chunk(conn, chunk), asyncio.to_thread(next_chunk))
        chunk = following


async def _copy_chunk(conn: asyncpg.Connection, chunk: list[tuple[object, ...]]) -> None:
    try:
        async with conn.transaction():  # a savepoint: a clash undoes this chunk only
            await conn.copy_records_to_table("contacts", records=chunk, columns=CONTACT_COLUMNS)
    except asyncpg.UniqueViolationError:
        # Some row clashes with data already there: stage the chunk, insert the rest.
        await conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS seed_stage"
            " (LIKE contacts INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        await conn.execute("TRUNCATE seed_stage")
        await conn.copy_records_to_table("seed_stage", records=chunk, columns=CONTACT_COLUMNS)
        names = ", ".join(CONTACT_COLUMNS)
        await conn.execute(
            f"INSERT INTO contacts ({names}) SELECT {names} FROM seed_stage ON CONFLICT DO NOTHING"
        )


def main() -> None:
    """`python -m bench.scale.dataset`: seed a database and say how long it took."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True, help="asyncpg DSN of a migrated contacts DB")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duplicate-rate", type=float, default=0.03)
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(
        seed(
            args.dsn,
            args.contacts,
            companies=args.companies,
            seed=args.seed,
            duplicate_rate=args.duplicate_rate,
            report=print,
        )
    )
    print(f"seeded {args.contacts} contacts in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
