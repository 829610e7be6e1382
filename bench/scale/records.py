"""Company and contact rows, chunk by chunk, in the column order `dataset` copies them.

Contacts are made company by company, so each company's addresses are kept unique with a
small set that is dropped when the company is done: memory stays flat however many
contacts are made. About `duplicate_rate` of the contacts are near-copies of an earlier
colleague: the same mailbox spelled differently (case and `+tag`, Gmail dots), the same
name with a typo, or the same phone number spelled another way.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bench.scale import people
from crm_cli.demo_data import COMPANY_SIZES, INDUSTRIES, STAGE_WEIGHTS, TAGS


def _cycle(items: Iterator[tuple[str, ...]], count: int) -> list[tuple[str, ...]]:
    return list(itertools.islice(itertools.cycle(items), count))


COMPANY_COLUMNS = (
    "id", "name", "domain", "industry", "size", "created_at", "updated_at", "version",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "title", "company_id",
    "lifecycle_stage", "owner_id", "tags", "custom_fields", "consent", "created_at",
    "updated_at", "version", "erased",
)  # fmt: skip
# Custom field values the rows carry (key -> type), for benchmarks to define and query.
CUSTOM_FIELDS = {"score": "number", "segment": "single_select", "renewal_date": "date"}
SEGMENTS = ("smb", "mid_market", "enterprise")
YEARS = 5
_SPAN = YEARS * 365 * 86400.0
# Weighted picks as lookups into a list of 100 (random.choices per row costs more).
_STAGES = [stage for stage, weight in STAGE_WEIGHTS.items() for _ in range(weight)]
# 40% untagged, 35% one tag, 18% two, 7% three: a table of 1000 picks.
_TAG_SETS = [
    sorted(tags)
    for size, share in ((0, 400), (1, 350), (2, 180), (3, 70))
    for tags in _cycle(itertools.combinations(TAGS, size), share)
]
_CONSENT = ("granted", "denied", "unknown")


@dataclass(frozen=True, slots=True)
class Company:
    """What a contact row needs to know of its company."""

    id: uuid.UUID | None
    domain: str | None
    size: int


class RecordMaker:
    """Deterministic rows for one seed; `now` anchors every timestamp."""

    def __init__(self, seed: int, duplicate_rate: float, now: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.duplicate_rate = duplicate_rate
        self.now = now or datetime.now(UTC)
        self.owners = [self._uuid() for _ in range(40)]
        first_day = date(self.now.year, 1, 1)
        self.renewals = [(first_day + timedelta(days=d)).isoformat() for d in range(3 * 365)]
        self.now_ts = self.now.timestamp()
        self.contacts_made = 0

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _moment(self) -> tuple[datetime, datetime]:
        # More recent than old: a CRM grows. updated_at is on or after created_at.
        r = self.rng.random
        back = _SPAN * (1 - r() ** 0.5) + 1
        created = datetime.fromtimestamp(self.now_ts - back, UTC)
        if r() < 0.5:
            return created, created
        return created, datetime.fromtimestamp(self.now_ts - back * r(), UTC)

    def companies(self, count: int) -> tuple[list[tuple[object, ...]], list[Company]]:
        """`count` company rows with unique domains, and their handles for contacts."""
        rows: list[tuple[object, ...]] = []
        handles: list[Company] = []
        domains: set[str] = set()
        for _ in range(count):
            name = people.company_name(self.rng)
            domain = f"{people.slug(name)[:30]}.{self.rng.choice(people.TLDS)}"
            while domain in domains:
                domain = f"{self.rng.randint(2, 999)}{domain}"
            domains.add(domain)
            created, updated = self._moment()
            company_id = self._uuid()
            industry, size = self.rng.choice(INDUSTRIES), self.rng.choice(COMPANY_SIZES)
            rows.append((company_id, name, domain, industry, size, created, updated, 1))
            # Heavy tail: most companies have a few contacts, some have hundreds.
            weight = min(self.rng.paretovariate(1.2), 200.0)
            handles.append(Company(company_id, domain, int(weight * 1000)))
        return rows, handles

    def contacts(self, companies: list[Company], total: int) -> Iterator[tuple[object, ...]]:
        """`total` contact rows: about 92% at `companies` (by their weight), the rest alone."""
        with_company = int(total * 0.92) if companies else 0
        weight = sum(c.size for c in companies) or 1
        made = 0
        for index, company in enumerate(companies):
            share = with_company * company.size // weight
            if index == len(companies) - 1:
                share = with_company - made
            made += share
            yield from self._colleagues(company, share)
        while made < total:  # people with no company: small blocks keep the sets small
            block = min(25, total - made)
            made += block
            yield from self._colleagues(Company(None, None, 0), block)

    def _colleagues(self, company: Company, count: int) -> Iterator[tuple[object, ...]]:
        taken: set[str] = set()
        earlier: list[tuple[object, ...]] = []
        for _ in range(count):
            original = self.rng.choice(earlier) if earlier else None
            if original is not None and self.rng.random() < self.duplicate_rate:
                row = self._duplicate(original, company, taken)
            else:
                row = self._contact(company, taken)
                if len(earlier) < 50:
                    earlier.append(row)
            self.contacts_made += 1
            yield row

    def _email(self, local: str, domain: str, taken: set[str]) -> str:
        email, n = f"{local}@{domain}", 2
        while email.lower() in taken:
            email, n = f"{local}{n}@{domain}", n + 1
        taken.add(email.lower())
        return email

    def _contact(self, company: Company, taken: set[str]) -> tuple[object, ...]:
        rng = self.rng
        first, last = rng.choice(people.first_names()), rng.choice(people.last_names())
        email: str | None
        if company.domain is not None and rng.random() < 0.85:
            email = self._email(people.corporate_local(first, last, rng), company.domain, taken)
        elif rng.random() < 0.95:
            # The running number makes free-mail addresses unique across all companies.
            local = f"{people.slug(first)}.{people.slug(last)}{self.contacts_made}"
            email = self._email(local, rng.choice(people.FREE_MAIL), taken)
        else:
            email = None
        number = people.phone(rng) if rng.random() < 0.7 else None
        return self._row(first, last, email, number, company)

    def _duplicate(
        self, original: tuple[object, ...], company: Company, taken: set[str]
    ) -> tuple[object, ...]:
        rng = self.rng
        first, last, email, number = (str(v) if v else None for v in original[1:5])
        kind = rng.randrange(3)
        if kind == 0 and email:  # same mailbox: case and +tag, or Gmail's ignored dots
            local, domain = email.split("@")
            if domain == "gmail.com" and rng.random() < 0.5:
                email = self._email(people.gmail_dot_variant(local, rng), domain, taken)
            else:
                email = self._email(f"{local.title()}+{rng.choice(TAGS)}", domain.upper(), taken)
        elif kind == 1 and first and last:  # typo in the name, another address or none
            first, last = (people.typo(first, rng), last) if rng.random() < 0.5 else (
                first, people.typo(last, rng))  # fmt: skip
            domain = company.domain or rng.choice(people.FREE_MAIL)
            email = (
                self._email(people.slug(first + last), domain, taken) if company.domain else None
            )
        else:  # same phone spelled differently, the address lost
            number = people.reformat_phone(number, rng) if number else people.phone(rng)
            email = None
        return self._row(first, last, email, number, company)

    def _row(
        self,
        first: str | None,
        last: str | None,
        email: str | None,
        number: str | None,
        company: Company,
    ) -> tuple[object, ...]:
        # The hottest code of a seed: plain float picks and f-strings, no per-row json.
        r = self.rng.random
        created, updated = self._moment()
        stage = _STAGES[int(r() * len(_STAGES))] if r() < 0.9 else None
        owner = self.owners[int(r() * len(self.owners))] if r() < 0.9 else None
        consent_status = _CONSENT[int(r() * 3)]
        when = "null" if consent_status == "unknown" else f'"{created.isoformat()}"'
        consent = f'{{"email": "{consent_status}", "updated_at": {when}}}'
        custom = "{}"
        if r() < 0.7:
            custom = (
                f'{{"score": {int(r() * 101)}, "segment": "{SEGMENTS[int(r() * 3)]}",'
                f' "renewal_date": "{self.renewals[int(r() * len(self.renewals))]}"}}'
            )
        title = people.TITLES[int(r() * len(people.TITLES))] if r() < 0.8 else None
        return (
            self._uuid(), first, last, email, number, title, company.id, stage, owner,
            _TAG_SETS[int(r() * len(_TAG_SETS))], custom, consent, created, updated, 1, False,
        )  # fmt: skip
