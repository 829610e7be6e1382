"""Persistence: tables, stores that load and save aggregates, list queries, the outbox."""
