"""Engagement scoring: what a lead did with marketing's emails is worth points.

Marketing publishes `crm.marketing.engagement.<type>` events (opened, clicked, replied,
unsubscribed, ...). Each type's points are configured as data; a lead's engagement score
is the sum over the engagements recorded for it, at the points configured now, so
changing the points rescores every lead like a fit-rule change does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from crm_sales.domain.lead_errors import InvalidLeadError
from crm_sales.domain.scoring import MAX_POINTS

ENGAGEMENT_EVENT_PREFIX = "crm.marketing.engagement."
# The points a fresh database starts with (migration 0003 stores them).
DEFAULT_POINTS: dict[str, int] = {"opened": 1, "clicked": 3, "replied": 10, "unsubscribed": -10}
MAX_TYPES = 50
_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def engagement_type(event_type: str) -> str | None:
    """`clicked` for `crm.marketing.engagement.clicked`; None for any other event."""
    if not event_type.startswith(ENGAGEMENT_EVENT_PREFIX):
        return None
    name = event_type[len(ENGAGEMENT_EVENT_PREFIX) :]
    return name if _TYPE.match(name) else None


def engagement_score(counts: Mapping[str, int], points: Mapping[str, int]) -> int:
    """The points of every recorded engagement (`counts`: type -> how many); types with
    no configured points count nothing."""
    return sum(points.get(kind, 0) * count for kind, count in counts.items())


def check_points(points: Mapping[str, int]) -> dict[str, int]:
    """A valid points table: lowercase type names, whole points within +-MAX_POINTS."""
    if len(points) > MAX_TYPES:
        raise InvalidLeadError(f"at most {MAX_TYPES} engagement types", field="points")
    for kind, value in points.items():
        if not _TYPE.match(kind):
            raise InvalidLeadError(
                f"{kind!r} is not an engagement type (lowercase letters, digits, _)",
                field="points",
            )
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_POINTS:
            raise InvalidLeadError(
                f"points of {kind} are a whole number within +-{MAX_POINTS}", field="points"
            )
    return dict(sorted(points.items()))
