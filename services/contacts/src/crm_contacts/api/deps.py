"""Who may do what, and the small dependencies every router shares."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.auth import CurrentPrincipal, Principal, require_roles
from crm_shared.db import SessionDep

# Reads are open to every role with a valid token.
Reader = CurrentPrincipal
# Admins pass every check; these roles change contacts and companies.
WRITER_ROLES = frozenset({"manager", "sales", "marketing"})
Writer = Annotated[Principal, require_roles(*WRITER_ROLES)]
# GDPR erasure is for admins and managers only.
Eraser = Annotated[Principal, require_roles("manager")]

ContactId = Annotated[uuid.UUID, Path(description="The contact's id (a UUID)")]
CompanyId = Annotated[uuid.UUID, Path(description="The company's id (a UUID)")]

API_PREFIX = "/api/v1"
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def utc_now() -> datetime:
    """The time a change happens, in UTC."""
    return datetime.now(UTC)


async def _read_session(session: SessionDep) -> AsyncSession:
    # Reads run in autocommit: each statement sees a consistent snapshot on its own, and
    # the request saves the BEGIN and ROLLBACK round trips.
    await session.connection(execution_options=AUTOCOMMIT)
    return session


ReadSession = Annotated[AsyncSession, Depends(_read_session)]
