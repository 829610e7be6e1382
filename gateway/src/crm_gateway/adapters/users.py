"""User repository (SQLAlchemy Core on the request's session)."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm_gateway.adapters.tables import AnyRow, users

PUBLIC_COLUMNS = [c for c in users.c if c.name != "password_hash"]


async def get(session: AsyncSession, user_id: uuid.UUID) -> AnyRow | None:
    """The user with this id, or None."""
    return (await session.execute(select(*PUBLIC_COLUMNS).where(users.c.id == user_id))).first()


async def get_credentials(session: AsyncSession, email: str) -> AnyRow | None:
    """id, email, roles, is_active and password_hash of the user with this email (any case)."""
    query = select(
        users.c.id, users.c.email, users.c.roles, users.c.is_active, users.c.password_hash
    ).where(users.c.email == email)
    return (await session.execute(query)).first()


async def page(
    session: AsyncSession, *, limit: int, after: tuple[datetime, uuid.UUID] | None
) -> list[AnyRow]:
    """Up to `limit` users in (created_at, id) order, after the given sort key."""
    query = select(*PUBLIC_COLUMNS).order_by(users.c.created_at, users.c.id).limit(limit)
    if after is not None:
        created_at, user_id = after
        query = query.where(
            or_(
                users.c.created_at > created_at,
                and_(users.c.created_at == created_at, users.c.id > user_id),
            )
        )
    return list((await session.execute(query)).all())


async def add(session: AsyncSession, values: dict[str, Any]) -> AnyRow | None:
    """Insert a user; None if the email is taken."""
    query = (
        insert(users)
        .values(id=uuid.uuid4(), **values)
        .on_conflict_do_nothing(index_elements=[users.c.email])
        .returning(*PUBLIC_COLUMNS)
    )
    return (await session.execute(query)).first()


async def change(
    session: AsyncSession, user_id: uuid.UUID, version: int, values: dict[str, Any]
) -> AnyRow | None:
    """Apply `values` if the user is still at `version`; None if it moved on or is gone."""
    query = (
        update(users)
        .where(users.c.id == user_id, users.c.version == version)
        .values(**values, version=users.c.version + 1, updated_at=func.now())
        .returning(*PUBLIC_COLUMNS)
    )
    return (await session.execute(query)).first()


async def set_password_hash(session: AsyncSession, user_id: uuid.UUID, password_hash: str) -> None:
    """Store a re-hashed password (stronger parameters) without bumping the version."""
    await session.execute(
        update(users).where(users.c.id == user_id).values(password_hash=password_hash)
    )


async def remove(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the user."""
    await session.execute(delete(users).where(users.c.id == user_id))


async def create_first_admin(
    conn: AsyncConnection, *, email: str, full_name: str, password_hash: str
) -> bool:
    """Create this admin unless an active admin exists; True if a row was inserted.

    One statement with ON CONFLICT DO NOTHING, so replicas starting together are safe.
    """
    has_admin = exists().where(users.c.roles.any("admin"), users.c.is_active)
    source = select(
        literal(uuid.uuid4()),
        literal(email, type_=users.c.email.type),
        literal(full_name),
        literal(password_hash),
        literal(["admin"], type_=users.c.roles.type),
    ).where(~has_admin)
    query = (
        insert(users)
        .from_select(["id", "email", "full_name", "password_hash", "roles"], source)
        .on_conflict_do_nothing()
        .returning(users.c.id)
    )
    return (await conn.execute(query)).first() is not None
