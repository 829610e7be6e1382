"""The contracts service: the contract lifecycle from draft to renewal (skeleton for now)."""
