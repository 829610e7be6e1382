"""The CRM API gateway: users, roles, API keys, routing, rate limits, merged OpenAPI."""
