"""Bulk CSV imports of contacts: upload, progress, row errors."""

from __future__ import annotations

from fastapi import APIRouter

from crm_contacts.api.deps import API_PREFIX
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
