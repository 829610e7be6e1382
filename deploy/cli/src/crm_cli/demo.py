"""Loading the demo data through the gateway, as any API client would."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crm_cli.demo_data import DemoPlan, SalesPlan, build_plan

API = "/api/v1"


class DemoError(RuntimeError):
    """The gateway refused the demo data for a reason other than "already there"."""


def login(client: httpx.Client, email: str, password: str) -> str:
    """An access token for `email` from `POST /api/v1/auth/token` (OAuth2 password form)."""
    response = client.post(f"{API}/auth/token", data={"username": email, "password": password})
    if response.status_code != 200:
        raise DemoError(f"login as {email} failed: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


@dataclass(frozen=True)
class Posted:
    """What a POST answered: the resource, and whether it was a replay of an earlier run."""

    body: dict[str, Any]
    replayed: bool

    @property
    def id(self) -> str:
        """The resource's id (a sales rep is keyed by its `user_id`)."""
        return str(self.body.get("id") or self.body["user_id"])


def _post(client: httpx.Client, path: str, body: dict[str, Any], key: str) -> Posted | None:
    """POST with an Idempotency-Key; the new (or replayed) resource, or None on 409 Conflict.

    Keys derive from the seed, so a second run replays the first run's responses instead
    of creating duplicates; 409 covers data that exists without a stored key.
    """
    response = client.post(f"{API}{path}", json=body, headers={"Idempotency-Key": key})
    if response.status_code == 409:
        return None
    if response.status_code not in (200, 201):
        raise DemoError(f"POST {path} -> {response.status_code}: {response.text[:500]}")
    replayed = response.headers.get("idempotent-replayed") == "true"
    return Posted(dict(response.json()), replayed)


def _tally(counts: Counter[str], what: str, posted: Posted | None) -> str | None:
    """Count `posted` as created, or skipped (replayed or already there); its id."""
    counts[what if posted and not posted.replayed else f"{what} skipped"] += 1
    return posted.id if posted else None


def _create(
    client: httpx.Client, counts: Counter[str], what: str, path: str, body: dict[str, Any], key: str
) -> str | None:
    """POST and count one record; its id (None when it was there without a stored key)."""
    return _tally(counts, what, _post(client, path, body, key))


def load_demo(
    gateway_url: str,
    email: str,
    password: str,
    *,
    seed: int = 42,
    plan: DemoPlan | None = None,
    console: Console | None = None,
    sales_rules: bool = True,
) -> Counter[str]:
    """Create the demo companies, contacts and notes, then the sales records (see
    `_SalesLoader`); counts of what was created/skipped.

    `sales_rules=False` leaves out the sales service's global configuration (sales reps,
    the assignment, scoring and automation rules), which would change how every other
    client's leads are assigned and scored: for a stack shared with other work (tests).
    """
    plan = plan or build_plan(seed=seed)
    counts: Counter[str] = Counter()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        httpx.Client(base_url=gateway_url, timeout=30.0, trust_env=False) as client,
        Progress(*columns, console=console, transient=False) as progress,
    ):
        client.headers["Authorization"] = f"Bearer {login(client, email, password)}"
        task = progress.add_task("Loading demo data", total=plan.total)
        prefix = f"crm-demo-{plan.seed}"

        company_ids: list[str | None] = []
        for i, company in enumerate(plan.companies):
            key = f"{prefix}-company-{i}"
            company_ids.append(_create(client, counts, "companies", "/companies", company, key))
            progress.advance(task)

        contact_ids: list[str | None] = []
        for i, contact in enumerate(plan.contacts):
            body = {k: v for k, v in contact.items() if k != "company"}
            body["company_id"] = _ref(company_ids, contact["company"])
            key = f"{prefix}-contact-{i}"
            contact_ids.append(_create(client, counts, "contacts", "/contacts", body, key))
            progress.advance(task)

        for n, (index, text) in enumerate(plan.notes):
            target = contact_ids[index]
            if target is not None:
                path, key = f"/contacts/{target}/notes", f"{prefix}-note-{n}"
                _create(client, counts, "notes", path, {"body": text}, key)
            progress.advance(task)

        loader = _SalesLoader(client, counts, prefix, lambda n: progress.advance(task, n))
        loader.load(plan, company_ids, contact_ids, sales_rules=sales_rules)
    return counts


def _ref(ids: list[str | None], index: int | None) -> str | None:
    """The id made for plan record `index` (None: no reference, or the record was skipped)."""
    return ids[index] if index is not None else None


class _SalesLoader:
    """The sales part of the demo, in dependency order: users for the reps, the global
    configuration, products, deals (created directly in their stage: won and lost ones
    too), the quote (then sent), targets, activities, and the leads last.

    The leads go last because the last lead is the marker of a complete load: once it
    exists (a second run, even after the stored Idempotency-Keys expired), the sales part
    is skipped as a whole, so no deal or lead is ever doubled.
    """

    def __init__(
        self,
        client: httpx.Client,
        counts: Counter[str],
        prefix: str,
        advance: Callable[[int], None],
    ) -> None:
        self.client, self.counts, self.prefix, self.advance = client, counts, prefix, advance

    def _create(self, what: str, path: str, body: dict[str, Any], key: str) -> str | None:
        created = _create(self.client, self.counts, what, path, body, f"{self.prefix}-{key}")
        self.advance(1)
        return created

    def load(
        self,
        plan: DemoPlan,
        company_ids: list[str | None],
        contact_ids: list[str | None],
        *,
        sales_rules: bool,
    ) -> None:
        """Load `plan.sales` (ids of the demo companies and contacts already made)."""
        sales = plan.sales
        if not sales.total:
            return
        if sales.leads and self._loaded(sales.leads[-1]["email"]):
            self.counts["sales records skipped (loaded before)"] += sales.total
            self.advance(sales.total)
            return
        reps = [self._user(i, rep) for i, rep in enumerate(sales.reps)]
        if sales_rules:
            self._rules(sales, reps)
        else:
            self.advance(sales.rules_total)
        products = [
            self._create("products", "/products", product, f"product-{i}")
            for i, product in enumerate(sales.products)
        ]
        deals: list[str | None] = []
        for i, deal in enumerate(sales.deals):
            body = self._deal(deal, reps, company_ids, contact_ids)
            deals.append(self._create("deals", "/deals", body, f"deal-{i}"))
        self._quote(sales.quote, deals, products)
        for i, target in enumerate(sales.targets):
            body = {**_plain(target), "owner_id": reps[target["owner"]]}
            self._create("targets", "/targets", body, f"target-{i}")
        for i, activity in enumerate(sales.activities):
            body = {**_plain(activity), "owner_id": reps[activity["owner"]]}
            body["deal_id"] = _ref(deals, activity["deal"])
            self._create("activities", "/activities", body, f"activity-{i}")
        for i, lead in enumerate(sales.leads):
            self._lead(i, lead, reps, contact_ids)

    def _loaded(self, email: str) -> bool:
        """Whether a lead with `email` (the plan's last one) exists already."""
        response = self.client.get(f"{API}/leads", params={"q": email, "limit": 20})
        if response.status_code != 200:
            raise DemoError(f"GET /leads -> {response.status_code}: {response.text[:500]}")
        return any(lead["email"] == email for lead in response.json()["items"])

    def _user(self, index: int, rep: dict[str, Any]) -> str:
        """The id of the rep's gateway user (role `sales`), created with a random password
        that nobody is told: an admin sets one to sign in as the rep."""
        body = {
            "email": rep["email"],
            "full_name": rep["full_name"],
            "password": secrets.token_urlsafe(24),
            "roles": ["sales"],
        }
        user_id = self._create("users", "/users", body, f"user-{index}")
        return user_id or self._user_id(rep["email"])

    def _user_id(self, email: str) -> str:
        """The id of the existing user with `email` (the gateway keys no POST /users)."""
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = self.client.get(f"{API}/users", params=params).json()
            for user in page["items"]:
                if user["email"] == email:
                    return str(user["id"])
            cursor = page.get("next_cursor")
            if not cursor:
                raise DemoError(f"user {email} exists but could not be found")

    def _rules(self, sales: SalesPlan, reps: list[str]) -> None:
        """Reps with their territories, a round robin among them, fit scoring rules and an
        automation rule (a task when a deal enters Proposal): before the records, so the
        demo's deals in Proposal get their follow-up task."""
        for i, (rep, user_id) in enumerate(zip(sales.reps, reps, strict=True)):
            body = {"user_id": user_id, "name": rep["full_name"], "countries": rep["countries"]}
            self._create("sales reps", "/leads/sales-reps", body, f"rep-{i}")
        rule = {**sales.assignment_rule, "user_ids": reps}
        self._create("assignment rules", "/leads/assignment-rules", rule, "assignment-rule")
        for i, scoring in enumerate(sales.scoring_rules):
            self._create("scoring rules", "/leads/scoring-rules", scoring, f"scoring-rule-{i}")
        automation = sales.automation_rule
        self._create("automation rules", "/automation-rules", automation, "automation-rule")

    @staticmethod
    def _deal(
        deal: dict[str, Any],
        reps: list[str],
        company_ids: list[str | None],
        contact_ids: list[str | None],
    ) -> dict[str, Any]:
        body = _plain(deal)
        body["owner_id"] = reps[deal["owner"]]
        body["contact_id"] = _ref(contact_ids, deal["contact"])
        body["company_id"] = _ref(company_ids, deal["company"])
        return body

    def _quote(
        self, quote: dict[str, Any], deals: list[str | None], products: list[str | None]
    ) -> None:
        """The quote on its deal, then sent (skipped if its deal or a product is missing)."""
        if not quote:
            return
        lines = [
            {**_plain(line), "product_id": products[line["product"]]} for line in quote["lines"]
        ]
        deal_id = deals[quote["deal"]]
        if deal_id is None or any(line["product_id"] is None for line in lines):
            self.counts["quotes skipped"] += 1
            self.advance(2)
            return
        body = {**_plain(quote), "deal_id": deal_id, "lines": lines}
        quote_id = self._create("quotes", "/quotes", body, "quote")
        if quote_id is None:
            self.advance(1)
            return
        self._create("quotes sent", f"/quotes/{quote_id}/send", {}, "quote-send")

    def _lead(
        self, index: int, lead: dict[str, Any], reps: list[str], contact_ids: list[str | None]
    ) -> None:
        """Create the lead for its rep; a lead to qualify is qualified once, when new."""
        body = {k: v for k, v in _plain(lead).items() if k != "qualify"}
        body["owner_id"] = reps[lead["owner"]]
        body["contact_id"] = _ref(contact_ids, lead["contact"])
        posted = _post(self.client, "/leads", body, f"{self.prefix}-lead-{index}")
        _tally(self.counts, "leads", posted)
        self.advance(1)
        if posted is None or posted.replayed or not lead["qualify"]:
            return
        response = self.client.patch(
            f"{API}/leads/{posted.id}",
            json={"status": "qualified"},
            headers={
                "If-Match": str(posted.body["version"]),
                "Content-Type": "application/merge-patch+json",
            },
        )
        if response.status_code != 200:
            raise DemoError(f"PATCH /leads -> {response.status_code}: {response.text[:500]}")
        self.counts["leads qualified"] += 1


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A plan record without its references (`owner`, `contact`, `company`, `deal`,
    `product`: indexes that the loader turns into ids)."""
    refs = {"owner", "contact", "company", "deal", "product"}
    return {k: v for k, v in record.items() if k not in refs}
