"""Which constraint a failed write broke, so the API can say what was wrong."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint behind an IntegrityError raised through asyncpg."""
    # SQLAlchemy wraps the DB-API adapter's error, which wraps asyncpg's: only the last
    # one carries the constraint name.
    error: BaseException | None = exc.orig
    while error is not None:
        name = getattr(error, "constraint_name", None)
        if name:
            return str(name)
        error = error.__cause__
    return None
