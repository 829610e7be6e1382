"""Realistic, reproducible demo records (no I/O): the same seed always gives the same data."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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

# The sales service's default pipeline (fixed ids made by its migration).
PIPELINE_STAGE = "5a1e5000-0000-4000-8000-000000000{}"
OPEN_STAGES = {
    PIPELINE_STAGE.format("010"): 8,  # Prospecting
    PIPELINE_STAGE.format("020"): 6,  # Qualification
    PIPELINE_STAGE.format("050"): 5,  # Proposal
    PIPELINE_STAGE.format("075"): 3,  # Negotiation
}
WON_STAGE = PIPELINE_STAGE.format("100")
LOST_STAGE = PIPELINE_STAGE.format("200")
PROPOSAL_STAGE = PIPELINE_STAGE.format("050")
LEAD_SOURCES = ("web form", "webinar", "referral", "trade show", "linkedin", "cold call", "partner")
LEAD_COUNTRIES = ("US", "DE", "GB", "FR", "NL", "ES", "SE", "CA", "AU", "AT", "CH", "IE")
LOST_REASONS = (
    "Went with a competitor",
    "No budget this year",
    "Project cancelled",
    "Price too high",
)
DEAL_CURRENCIES = ("EUR", "USD")
# (sku suffix, name, unit price in EUR)
PRODUCTS = (
    ("SEAT", "CRM Professional seat (yearly)", "420.00"),
    ("ENT", "CRM Enterprise seat (yearly)", "780.00"),
    ("ONBOARD", "Onboarding package", "2500.00"),
    ("SUPPORT", "Premium support (yearly)", "4800.00"),
)
# The demo's global sales configuration (left out on a shared stack: see crm_cli.demo).
SCORING_RULES: tuple[dict[str, Any], ...] = (
    {"name": "C-level", "field": "title", "operator": "contains", "value": "chief", "points": 20},
    {
        "name": "Core markets",
        "field": "country",
        "operator": "in",
        "value": ["DE", "GB", "US"],
        "points": 10,
    },
    {
        "name": "Mid-market and up",
        "field": "company_size",
        "operator": "gte",
        "value": 200,
        "points": 15,
    },
)
ASSIGNMENT_RULE = {"name": "Demo round robin", "method": "round_robin", "position": 100}
AUTOMATION_RULE: dict[str, Any] = {
    "name": "Proposal follow-up",
    "trigger": {"type": "deal.stage_entered", "stage_id": PROPOSAL_STAGE},
    "action": {"type": "create_task", "subject": "Follow up on the proposal", "due_in_days": 3},
}
C_LEVEL = ("Chief Technology Officer", "Chief Revenue Officer", "Chief Operating Officer")
REPS = (
    ("Avery Brooks", ("US", "CA")),
    ("Lena Hoffmann", ("DE", "AT", "CH")),
    ("Tom Whitaker", ("GB", "IE", "FR", "NL")),
)


@dataclass(frozen=True)
class SalesPlan:
    """What the demo loads into the sales service. References are indexes: `rep` into
    reps, `contact` into the plan's contacts, `company` into its companies, `deal` into
    deals, `product` into products. Dates are relative to the plan's `today`."""

    reps: list[dict[str, Any]] = field(default_factory=list)
    scoring_rules: list[dict[str, Any]] = field(default_factory=list)
    assignment_rule: dict[str, Any] = field(default_factory=dict)
    automation_rule: dict[str, Any] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=list)
    deals: list[dict[str, Any]] = field(default_factory=list)
    quote: dict[str, Any] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rules_total(self) -> int:
        """Requests of the global configuration: reps, assignment, scoring, automation."""
        rules = len(self.scoring_rules) + bool(self.assignment_rule) + bool(self.automation_rule)
        return len(self.reps) + rules

    @property
    def total(self) -> int:
        """Requests the sales part takes: users, configuration, records, sending the quote."""
        records = len(self.products) + len(self.deals) + 2 * bool(self.quote) + len(self.targets)
        return len(self.reps) + self.rules_total + records + len(self.activities) + len(self.leads)


@dataclass(frozen=True)
class DemoPlan:
    """Companies, contacts (with `company` = index into companies), notes, and the sales
    records on top of them."""

    seed: int
    today: date
    companies: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)  # (contact index, body)
    sales: SalesPlan = field(default_factory=SalesPlan)

    @property
    def total(self) -> int:
        """Number of requests the plan takes (for a progress bar)."""
        return len(self.companies) + len(self.contacts) + len(self.notes) + self.sales.total


def quarter_of(day: date) -> tuple[str, date, date]:
    """The quarter `day` is in: its label (`2026-Q4`), first and last day."""
    index = (day.month - 1) // 3
    start = date(day.year, 3 * index + 1, 1)
    after = date(day.year + 1, 1, 1) if index == 3 else date(day.year, 3 * index + 4, 1)
    return f"{day.year}-Q{index + 1}", start, after - timedelta(days=1)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def build_plan(
    *,
    seed: int = 42,
    companies: int = 20,
    contacts: int = 200,
    leads: int = 40,
    deals: int = 30,
    today: date | None = None,
) -> DemoPlan:
    """Deterministic demo data for `seed` and `today` (default: the current date): unique
    company domains and contact emails; sales dates in today's quarter and the next."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    plan = DemoPlan(seed=seed, today=today or date.today())

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
    if contacts:
        _plan_sales(plan, fake, leads=leads, deals=deals)
    return plan


def _plan_sales(plan: DemoPlan, fake: Faker, *, leads: int, deals: int) -> None:
    """Fill `plan.sales`: configuration first, then deals, quote, targets, work, leads."""
    sales = plan.sales
    for number, (name, countries) in enumerate(REPS, start=1):
        email = f"rep{number}@demo.crm.example.com"
        sales.reps.append({"email": email, "full_name": name, "countries": list(countries)})
    sales.scoring_rules.extend(copy.deepcopy(list(SCORING_RULES)))
    sales.assignment_rule.update(ASSIGNMENT_RULE)
    sales.automation_rule.update(copy.deepcopy(AUTOMATION_RULE))
    for suffix, name, price in PRODUCTS:
        sku = f"DEMO{plan.seed}-{suffix}"
        sales.products.append({"sku": sku, "name": name, "unit_price": price, "currency": "EUR"})
    _plan_deals(plan, fake, deals)
    _plan_quote_and_targets(plan)
    _plan_activities(plan)
    _plan_leads(plan, fake, leads)


def _money(fake: Faker, low: int, high: int) -> str:
    """A whole amount rounded to 500, as the decimal string the API takes."""
    return f"{fake.random_int(low // 500, high // 500) * 500}.00"


def _day_between(fake: Faker, first: date, last: date) -> date:
    return first + timedelta(days=fake.random_int(0, max((last - first).days, 0)))


def _plan_deals(plan: DemoPlan, fake: Faker, count: int) -> None:
    """Open deals over the open stages closing this quarter or next; won and lost ones
    closed earlier this quarter; each for a demo contact (and its company)."""
    today = plan.today
    _, start, end = quarter_of(today)
    _, _, next_end = quarter_of(end + timedelta(days=1))
    won, lost = max(count // 6, 1), max(count // 10, 1)
    stages = [s for s, weight in OPEN_STAGES.items() for _ in range(weight)]
    products = ("seats", "platform rollout", "expansion", "renewal", "pilot", "onboarding")
    for index in range(count):
        contact = fake.random_int(0, len(plan.contacts) - 1)
        company = plan.contacts[contact]["company"]
        person = plan.contacts[contact]
        buyer = plan.companies[company]["name"] if company is not None else person["last_name"]
        deal: dict[str, Any] = {
            "name": f"{buyer}: {fake.random_element(products)}",
            "amount": _money(fake, 3_000, 120_000),
            "currency": fake.random_element(DEAL_CURRENCIES),
            "owner": index % len(plan.sales.reps),
            "contact": contact,
            "company": company,
        }
        if index < won or won <= index < won + lost:
            deal["stage_id"] = WON_STAGE if index < won else LOST_STAGE
            deal["close_date"] = _day_between(fake, start, today).isoformat()
            if index >= won:
                deal["lost_reason"] = fake.random_element(LOST_REASONS)
        else:
            deal["stage_id"] = stages[index % len(stages)]
            first, last = (today, end) if index % 2 else (end + timedelta(days=1), next_end)
            deal["close_date"] = _day_between(fake, first, last).isoformat()
        plan.sales.deals.append(deal)


def _plan_quote_and_targets(plan: DemoPlan) -> None:
    """A sent quote in EUR on the first deal in Proposal; a target per rep this quarter."""
    sales = plan.sales
    quoted = next((i for i, d in enumerate(sales.deals) if d["stage_id"] == PROPOSAL_STAGE), None)
    if quoted is not None:
        sales.deals[quoted]["currency"] = "EUR"
        _plan_quote(plan, quoted)
    period = quarter_of(plan.today)[0]
    for rep, amount in enumerate(("150000.00", "120000.00", "100000.00")[: len(sales.reps)]):
        sales.targets.append({"owner": rep, "period": period, "amount": amount, "currency": "EUR"})


def _plan_quote(plan: DemoPlan, quoted: int) -> None:
    """Seats with a volume discount, onboarding and support, 5% off, 19% VAT."""
    plan.sales.quote.update(
        {
            "deal": quoted,
            "tax_rate": "19",
            "discount_percent": "5",
            "lines": [
                {"product": 0, "quantity": "25", "discount_percent": "10"},
                {"product": 2, "quantity": "1", "discount_percent": "0"},
                {"product": 3, "quantity": "1", "discount_percent": "0"},
            ],
        }
    )


def _at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC).isoformat()


def _plan_activities(plan: DemoPlan) -> None:
    """Tasks, a call and a meeting due over the next days, and one task a day late."""
    sales, today = plan.sales, plan.today
    open_deals = [i for i, d in enumerate(sales.deals) if d["stage_id"] in OPEN_STAGES]
    work = (
        ("task", "Send the updated pricing", 1),
        ("call", "Discovery call", 2),
        ("meeting", "Product demo with the buying team", 4),
        ("task", "Prepare the contract draft", 6),
        ("task", "Chase the signed order form", -1),
    )
    for n, (kind, subject, days) in enumerate(work if open_deals else ()):
        deal = open_deals[n % len(open_deals)]
        sales.activities.append(
            {
                "kind": kind,
                "subject": subject,
                "deal": deal,
                "owner": sales.deals[deal]["owner"],
                "due_at": _at(today + timedelta(days=days), 15 if days < 0 else 10),
            }
        )


def _plan_leads(plan: DemoPlan, fake: Faker, count: int) -> None:
    """Inbound leads: a third linked to a demo contact (same person), the rest linked to
    nothing; dealt to the reps in turn; a few qualified, some being worked."""
    for index in range(count):
        contact = fake.random_int(0, len(plan.contacts) - 1) if index % 3 == 0 else None
        if contact is not None:
            person = plan.contacts[contact]
            first, last, title = person["first_name"], person["last_name"], person["title"]
            email = person["email"]
            company = person["company"]
            company_name = plan.companies[company]["name"] if company is not None else None
        else:
            first, last, title = fake.first_name(), fake.last_name(), fake.job()[:100]
            if index % 7 == 2:
                title = fake.random_element(C_LEVEL)
            company_name = fake.company()
            email = f"{_slug(first)}.{_slug(last)}{index}@{_slug(company_name)[:40]}.example.net"
        plan.sales.leads.append(
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "company_name": company_name,
                "title": title,
                "source": fake.random_element(LEAD_SOURCES),
                "country": fake.random_element(LEAD_COUNTRIES),
                "company_size": fake.random_element((8, 35, 120, 250, 800, 2500, 12000)),
                "status": "working" if index % 4 == 1 else "new",
                "qualify": index % 8 == 3,
                "owner": index % len(plan.sales.reps),
                "contact": contact,
            }
        )
