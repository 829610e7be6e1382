"""HTTP API under /api/v1/analytics: routers and response schemas."""

from fastapi import APIRouter

from crm_analytics.api import customers

ROUTERS: tuple[APIRouter, ...] = (customers.router,)
