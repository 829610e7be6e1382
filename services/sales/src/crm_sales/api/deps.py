"""Who may do what, and the small dependencies every router shares."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.auth import CurrentPrincipal, Principal, require_roles
from crm_shared.db import SessionDep

API_PREFIX = "/api/v1"
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}

# Reads are open to every role with a valid token (marketing and analysts read deals).
Reader = CurrentPrincipal
# Admins pass every check. Sales people and their managers work deals; marketing reads
# them (attribution) but does not change them.
DEAL_WRITER_ROLES = frozenset({"manager", "sales"})
DealWriter = Annotated[Principal, require_roles(*DEAL_WRITER_ROLES)]
# Pipelines and targets shape everyone's forecast: managers (and admins) set them.
SALES_ADMIN_ROLES = frozenset({"manager"})
SalesAdmin = Annotated[Principal, require_roles(*SALES_ADMIN_ROLES)]

PipelineId = Annotated[uuid.UUID, Path(description="The pipeline's id (a UUID)")]
DealId = Annotated[uuid.UUID, Path(description="The deal's id (a UUID)")]
TargetId = Annotated[uuid.UUID, Path(description="The target's id (a UUID)")]


def utc_now() -> datetime:
    """The time a change happens, in UTC."""
    return datetime.now(UTC)


async def _read_session(session: SessionDep) -> AsyncSession:
    # Reads run in autocommit: each statement sees a consistent snapshot on its own, and
    # the request saves the BEGIN and ROLLBACK round trips.
    await session.connection(execution_options=AUTOCOMMIT)
    return session


ReadSession = Annotated[AsyncSession, Depends(_read_session)]
