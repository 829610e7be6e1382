"""API key repository."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from crm_gateway.adapters.tables import AnyRow, api_keys
from crm_gateway.domain.api_keys import ApiKeyLookup, ApiKeyRecord

PUBLIC_COLUMNS = [c for c in api_keys.c if c.name != "key_hash"]


async def add(session: AsyncSession, values: dict[str, Any]) -> AnyRow:
    """Store a new key (its hash, never the key) and return its public columns."""
    query = api_keys.insert().values(id=uuid.uuid4(), **values).returning(*PUBLIC_COLUMNS)
    return (await session.execute(query)).one()


async def get(session: AsyncSession, key_id: uuid.UUID) -> AnyRow | None:
    """The key with this id (revoked or not), or None."""
    query = select(*PUBLIC_COLUMNS).where(api_keys.c.id == key_id)
    return (await session.execute(query)).first()


async def page(
    session: AsyncSession, *, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[AnyRow]:
    """Up to `limit` keys in (created_at, id) order, after the given sort key."""
    query = select(*PUBLIC_COLUMNS).order_by(api_keys.c.created_at, api_keys.c.id).limit(limit)
    if after is not None:
        created_at, key_id = after
        query = query.where(
            or_(
                api_keys.c.created_at > created_at,
                and_(api_keys.c.created_at == created_at, api_keys.c.id > key_id),
            )
        )
    return list((await session.execute(query)).all())


async def revoke(session: AsyncSession, key_id: uuid.UUID) -> bool:
    """Mark the key revoked; False if there is no such key (revoking twice is fine)."""
    query = (
        update(api_keys)
        .where(api_keys.c.id == key_id)
        .values(revoked_at=func.coalesce(api_keys.c.revoked_at, func.now()))
        .returning(api_keys.c.id)
    )
    return (await session.execute(query)).first() is not None


def active_key_lookup(engine: AsyncEngine) -> ApiKeyLookup:
    """The request path's lookup: key hash -> active key record, or None."""

    async def lookup(key_hash: str) -> ApiKeyRecord | None:
        statement = select(api_keys.c.id, api_keys.c.roles, api_keys.c.rate_limit_per_second).where(
            api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
        )
        async with engine.connect() as conn:
            row = (await conn.execute(statement)).first()
        if row is None:
            return None
        return ApiKeyRecord(row.id, tuple(row.roles), row.rate_limit_per_second)

    return lookup
