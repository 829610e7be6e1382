"""The analytics service: read models and dashboards over every topic (skeleton for now)."""
