"""The whole scoring configuration at one version: fit rules plus engagement points."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_sales.domain.scoring import FitRule, Score, fit_score
from crm_sales.domain.scoring_engagement import engagement_score


@dataclass(frozen=True, slots=True)
class Ruleset:
    """Scoring rules as of `version` (lead_scoring.rules_version); every change of a fit
    rule or of the engagement points makes a new version."""

    version: int
    rules: tuple[FitRule, ...] = ()
    points: Mapping[str, int] = field(default_factory=dict)

    def score(self, lead: Mapping[str, Any], engagements: Mapping[str, int]) -> Score:
        """The score of a lead with these fields and these engagement counts."""
        return Score(
            fit=fit_score(self.rules, lead),
            engagement=engagement_score(engagements, self.points),
        )
