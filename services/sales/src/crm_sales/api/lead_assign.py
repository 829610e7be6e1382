"""POST /leads/{id}/assign (stub, being built)."""

from __future__ import annotations

from fastapi import APIRouter

from crm_sales.api.deps import API_PREFIX
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/leads", tags=["leads"], responses=PROBLEM_RESPONSES)
