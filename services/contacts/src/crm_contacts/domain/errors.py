"""Rule violations the domain raises; the API turns each into a problem response."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the change."""


class InvalidContactError(DomainError, ValueError):
    """A value or the contact as a whole breaks a rule (e.g. neither a name nor an email).

    It is a ValueError too, so the same rules work as Pydantic validators.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BackwardStageMoveError(DomainError):
    """A lifecycle stage may only move backwards by an admin's override."""

    def __init__(self, current: str | None, target: str | None) -> None:
        super().__init__(
            f"lifecycle stage cannot move back from {current} to {target} (admins may override)"
        )
        self.current = current
        self.target = target


class ContactErasedError(DomainError):
    """An erased contact is a tombstone: it cannot change any more."""

    def __init__(self) -> None:
        super().__init__("the contact has been erased and can no longer change")
