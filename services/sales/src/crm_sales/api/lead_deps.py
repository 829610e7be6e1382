"""Who may do what with leads and their rules, and the path parameters of those routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

from crm_shared.auth import Principal, require_roles

# Admins pass every check. Analysts and marketing read leads; marketing also captures
# them (forms, events); sales people and their managers work them.
LEAD_READER_ROLES = frozenset({"manager", "sales", "marketing", "analyst"})
LEAD_CREATOR_ROLES = frozenset({"manager", "sales", "marketing"})
LEAD_WRITER_ROLES = frozenset({"manager", "sales"})
# Scoring rules, assignment rules and the sales reps shape every rep's day: managers.
LEAD_CONFIG_ROLES = frozenset({"manager"})

LeadReader = Annotated[Principal, require_roles(*LEAD_READER_ROLES)]
LeadCreator = Annotated[Principal, require_roles(*LEAD_CREATOR_ROLES)]
LeadWriter = Annotated[Principal, require_roles(*LEAD_WRITER_ROLES)]
LeadConfigurer = Annotated[Principal, require_roles(*LEAD_CONFIG_ROLES)]

LeadId = Annotated[uuid.UUID, Path(description="The lead's id (a UUID)")]
RuleId = Annotated[uuid.UUID, Path(description="The rule's id (a UUID)")]
UserId = Annotated[uuid.UUID, Path(description="The sales rep's user id (a UUID)")]
