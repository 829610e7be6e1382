"""The gateway's tables, on a metadata that already holds the infra tables."""

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    Row,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import UserDefinedType

from crm_shared.db import new_metadata

metadata = new_metadata()
AnyRow = Row[Any]  # rows of any shape (SQLAlchemy 2.0 types Row by its tuple)


class CIText(UserDefinedType[str]):
    """PostgreSQL `citext`: emails compare case-insensitively, in the unique index too."""

    cache_ok = True

    def get_col_spec(self, **_: object) -> str:
        return "CITEXT"


users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", CIText(), nullable=False, unique=True),
    Column("full_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default="true"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False, server_default="1"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("prefix", Text, nullable=False),
    Column("key_hash", Text, nullable=False, unique=True),
    Column("roles", ARRAY(Text), nullable=False),
    Column("rate_limit_per_second", Float),
    Column("created_by", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
)
