"""Loading the demo data through the gateway, as any API client would."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crm_cli.demo_data import DemoPlan, build_plan

API = "/api/v1"


class DemoError(RuntimeError):
    """The gateway refused the demo data for a reason other than "already there"."""


def login(client: httpx.Client, email: str, password: str) -> str:
    """An access token for `email` from `POST /api/v1/auth/token` (OAuth2 password form)."""
    response = client.post(f"{API}/auth/token", data={"username": email, "password": password})
    if response.status_code != 200:
        raise DemoError(f"login as {email} failed: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def _create(client: httpx.Client, path: str, body: dict[str, Any], key: str) -> str | None:
    """POST with an Idempotency-Key; the new (or replayed) id, or None on 409 Conflict.

    Keys derive from the seed, so a second run replays the first run's responses instead
    of creating duplicates; 409 covers data that exists without a stored key.
    """
    response = client.post(f"{API}{path}", json=body, headers={"Idempotency-Key": key})
    if response.status_code == 409:
        return None
    if response.status_code not in (200, 201):
        raise DemoError(f"POST {path} -> {response.status_code}: {response.text[:500]}")
    return str(response.json()["id"])


def load_demo(
    gateway_url: str,
    email: str,
    password: str,
    *,
    seed: int = 42,
    plan: DemoPlan | None = None,
    console: Console | None = None,
) -> Counter[str]:
    """Create the demo companies, contacts and notes; counts of what was created/skipped."""
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
            company_id = _create(client, "/companies", company, f"{prefix}-company-{i}")
            company_ids.append(company_id)
            counts["companies" if company_id else "companies skipped"] += 1
            progress.advance(task)

        contact_ids: list[str | None] = []
        for i, contact in enumerate(plan.contacts):
            body = {k: v for k, v in contact.items() if k != "company"}
            index = contact["company"]
            body["company_id"] = company_ids[index] if index is not None else None
            contact_id = _create(client, "/contacts", body, f"{prefix}-contact-{i}")
            contact_ids.append(contact_id)
            counts["contacts" if contact_id else "contacts skipped"] += 1
            progress.advance(task)

        for n, (index, text) in enumerate(plan.notes):
            target = contact_ids[index]
            if target is not None:
                key = f"{prefix}-note-{n}"
                created = _create(client, f"/contacts/{target}/notes", {"body": text}, key)
                counts["notes" if created else "notes skipped"] += 1
            progress.advance(task)
    return counts
