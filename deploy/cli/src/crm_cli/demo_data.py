"""Realistic, reproducible demo records (no I/O): the same seed always gives the same data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Education",
    "Energy",
    "Media",
    "Telecommunications",
)
# The headcount bands of crm_contacts' CompanySize.
COMPANY_SIZES = (
    "1-10",
    "11-50",
    "51-200",
    "201-500",
    "501-1000",
    "1001-5000",
    "5001-10000",
    "10001+",
)
# A pipeline looks like a funnel: many subscribers and leads, few evangelists.
STAGE_WEIGHTS = {
    "subscriber": 20,
    "lead": 30,
    "marketing_qualified_lead": 15,
    "sales_qualified_lead": 10,
    "opportunity": 10,
    "customer": 12,
    "evangelist": 3,
}
TAGS = ("vip", "newsletter", "webinar", "partner", "trial", "enterprise", "churn-risk", "referral")


@dataclass(frozen=True)
class DemoPlan:
    """Companies, contacts (with `company` = index into companies) and notes to create."""

    seed: int
    companies: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (contact index, body)

    @property
    def total(self) -> int:
        """Number of requests the plan takes (for a progress bar)."""
        return len(self.companies) + len(self.contacts) + len(self.notes)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def build_plan(*, seed: int = 42, companies: int = 20, contacts: int = 200) -> DemoPlan:
    """Deterministic demo data for `seed`: unique company domains and contact emails."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    plan = DemoPlan(seed=seed)

    domains: set[str] = set()
    for _ in range(companies):
        name = fake.unique.company()
        domain = f"{_slug(name)[:40] or 'company'}.example.com"
        while domain in domains:
            domain = f"{fake.unique.random_int(10, 9999)}{domain}"
        domains.add(domain)
        plan.companies.append(
            {
                "name": name,
                "domain": domain,
                "industry": fake.random_element(INDUSTRIES),
                "size": fake.random_element(COMPANY_SIZES),
            }
        )

    emails: set[str] = set()
    stages = list(STAGE_WEIGHTS)
    weights = list(STAGE_WEIGHTS.values())
    for index in range(contacts):
        first, last = fake.first_name(), fake.last_name()
        company = fake.random_int(0, companies - 1) if companies and index % 10 else None
        domain = plan.companies[company]["domain"] if company is not None else "mail.example.org"
        email = f"{_slug(first)}.{_slug(last)}@{domain}"
        if email in emails:
            email = f"{_slug(first)}.{_slug(last)}{index}@{domain}"
        emails.add(email)
        plan.contacts.append(
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": fake.numerify("+1-###-555-####"),
                "title": fake.job()[:100],
                "company": company,
                "lifecycle_stage": fake.random.choices(stages, weights)[0],
                "tags": sorted(set(fake.random.sample(TAGS, fake.random_int(0, 3)))),
            }
        )
        # About a third of the contacts have a history worth reading.
        for _ in range(fake.random_int(0, 2) if index % 3 == 0 else 0):
            plan.notes.append((index, fake.paragraph(nb_sentences=3)))
    return plan
