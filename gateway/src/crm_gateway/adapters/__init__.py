"""Database tables and repositories of the gateway."""
