"""Routers of the day-to-day sales work: activities, the price book, quotes."""

from fastapi import APIRouter

from crm_sales.api import activities, activity_list, products, quote_moves, quotes

# The list route first: it shares its prefix with the per-id routes.
ROUTERS: tuple[APIRouter, ...] = (
    activity_list.router,
    activities.router,
    products.router,
    quotes.router,
    quote_moves.router,
)
