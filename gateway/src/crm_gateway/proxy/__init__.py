"""The request path in front of every `/api/v1` route: identity, rate limit, forwarding."""
