"""The sales service: leads, pipelines, deals, activities, quotes, forecast (skeleton for now)."""
