"""Rule violations of leads, scoring and assignment; the API turns each into a problem."""

from __future__ import annotations


class LeadError(Exception):
    """A business rule about leads refused the change."""


class InvalidLeadError(LeadError, ValueError):
    """A value breaks a rule; `field` names it (a ValueError too, so the same rules work
    as Pydantic validators and the 422 names the field)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IllegalStatusChangeError(LeadError):
    """The lead's status cannot move from `current` to `target` (409)."""

    def __init__(self, current: str, target: str, hint: str = "") -> None:
        message = f"a lead cannot go from {current} to {target}"
        super().__init__(f"{message}; {hint}" if hint else message)
        self.current = current
        self.target = target


class LeadConvertedError(LeadError):
    """A converted lead is history: it no longer changes (409)."""

    def __init__(self) -> None:
        super().__init__("the lead has been converted and can no longer change")
