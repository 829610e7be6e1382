"""Topics this service publishes: none. Analytics only reads; its read models are
built from every other service's topics and never leave its database."""

from __future__ import annotations

SERVICE = "analytics"
PUBLISHED_TOPICS: tuple[str, ...] = ()
