"""HTTP API under /api/v1: routers and request/response schemas."""

from fastapi import APIRouter

from crm_sales.api import automation_rules, leads, pipelines, work

ROUTERS: tuple[APIRouter, ...] = (
    *pipelines.ROUTERS,
    *leads.ROUTERS,
    *work.ROUTERS,
    automation_rules.router,
)
