"""The marketing service: segments, campaigns, engagement, attribution (skeleton for now)."""
