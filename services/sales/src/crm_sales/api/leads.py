"""Leads: capture, scoring, assignment, qualification.

Fixed paths (`/leads/scoring-rules`, `/leads/engagement-points`, `/leads/sales-reps`,
`/leads/assignment-rules`) come before `/leads/{id}`, which would read them as an id.
"""

from __future__ import annotations

from fastapi import APIRouter

from crm_sales.api import (
    lead_assign,
    lead_assignment_rules,
    lead_convert,
    lead_engagement_points,
    lead_list,
    lead_routes,
    lead_sales_reps,
    lead_scoring_rules,
)

ROUTERS: tuple[APIRouter, ...] = (
    lead_scoring_rules.router,
    lead_engagement_points.router,
    lead_sales_reps.router,
    lead_assignment_rules.router,
    lead_list.router,
    lead_convert.router,
    lead_assign.router,
    lead_routes.router,
)
