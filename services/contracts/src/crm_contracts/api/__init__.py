"""FastAPI routers and request/response schemas (none yet: skeleton)."""
