"""Whether we may email a contact, and since when we know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ConsentStatus(StrEnum):
    """A contact's answer about one channel."""

    GRANTED = "granted"
    DENIED = "denied"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Consent:
    """Consent per channel (only email so far); `updated_at` is when the answer changed."""

    email: ConsentStatus = ConsentStatus.UNKNOWN
    updated_at: datetime | None = None

    def with_email(self, status: ConsentStatus, now: datetime) -> Consent:
        """This consent with the email answer set; the time moves only if it changed."""
        if status == self.email:
            return self
        return Consent(email=status, updated_at=now)
