"""Bulk CSV import, in-process against a real PostgreSQL: broken rows, dedup modes, dry
runs, resuming after a restart (between batches and in the middle of one), large uploads,
and one import through the gateway.

The in-process apps here get an unreachable broker, so every event stays in the outbox
table: a test counts exactly what was written, per contact.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from pydantic import SecretStr
from support.service_app import migrate
from test_contacts_api import ContactsApp

from crm_cli.stack import Infra, Stack
from crm_contacts.app import create_app
from crm_shared.settings import ServiceSettings

URL = "/api/v1/contacts/imports"
PROBLEM_JSON = "application/problem+json"
UNREACHABLE_BROKER = "127.0.0.1:9"
# One key for every app of the module, so a token outlives an app restart.
JWT_SECRET = secrets.token_urlsafe(32)


async def new_database(infra: Infra) -> str:
    """A fresh migrated contacts database; returns its name."""
    name = f"contacts_imp_{uuid.uuid4().hex[:10]}"
    await migrate("contacts", await infra.create_database(name))
    return name


@asynccontextmanager
async def imports_app(
    infra: Infra, name: str, *, batch_rows: int | None = None, **overrides: Any
) -> AsyncIterator[ContactsApp]:
    """The contacts app on database `name`, its import worker running, events kept in the
    outbox (the broker is unreachable). `overrides` are ServiceSettings fields."""
    settings = ServiceSettings(
        service_name="contacts",
        port=0,
        database_url=infra.database_url(name),
        kafka_bootstrap_servers=UNREACHABLE_BROKER,
        jwt_secret=SecretStr(JWT_SECRET),
        db_pool_size=5,
        otel_endpoint=None,
        **overrides,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CONTACTS_IMPORT_POLL_SECONDS", "0.2")
        if batch_rows is not None:
            env.setenv("CONTACTS_IMPORT_BATCH_ROWS", str(batch_rows))
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            yield ContactsApp(app, settings, infra.dsn(name))


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with imports_app(infra, await new_database(infra)) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin", subject="importer-1") as client:
        yield client


def csv_of(*rows: list[str]) -> bytes:
    """A CSV file: the first row is the header."""
    lines = [",".join(_quoted(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def _quoted(cell: str) -> str:
    if any(c in cell for c in ',"\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


async def upload(client: httpx.AsyncClient, body: bytes, **options: Any) -> httpx.Response:
    """POST the CSV as multipart/form-data, options as form fields (before the file)."""
    fields = {
        key: orjson.dumps(value).decode() if not isinstance(value, str) else value
        for key, value in options.items()
    }
    return await client.post(URL, data=fields, files={"file": ("people.csv", body, "text/csv")})


async def started(client: httpx.AsyncClient, body: bytes, **options: Any) -> dict[str, Any]:
    response = await upload(client, body, **options)
    assert response.status_code == 202, response.text
    job = dict(response.json())
    assert response.headers["location"] == f"{URL}/{job['id']}"
    return job


async def finished(
    client: httpx.AsyncClient, import_id: str, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"{URL}/{import_id}")
        assert response.status_code == 200, response.text
        job = dict(response.json())
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, job
        await asyncio.sleep(0.1)


async def imported(client: httpx.AsyncClient, body: bytes, **options: Any) -> dict[str, Any]:
    """Upload and wait until the import finished."""
    job = await started(client, body, **options)
    return await finished(client, job["id"])


async def report(client: httpx.AsyncClient, import_id: str) -> list[dict[str, Any]]:
    """Every row problem, following cursor pages of 2 (so paging is exercised)."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get(f"{URL}/{import_id}/errors", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def contacts_by_email(dsn: str, emails: list[str]) -> dict[str, asyncpg.Record]:
    rows = await fetch(
        dsn, "SELECT * FROM contacts WHERE lower(email::text) = ANY($1::text[])",
        [e.lower() for e in emails],
    )  # fmt: skip
    return {row["email"].lower(): row for row in rows}


async def events_of(dsn: str, contact_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Event types in the outbox per contact, in write order."""
    rows = await fetch(
        dsn,
        "SELECT key, payload->>'type' AS type FROM outbox WHERE key = ANY($1::text[]) ORDER BY id",
        [str(i) for i in contact_ids],
    )
    found: dict[uuid.UUID, list[str]] = {i: [] for i in contact_ids}
    for row in rows:
        found[uuid.UUID(row["key"])].append(row["type"].rsplit(".", 1)[1])
    return found


def tag() -> str:
    return uuid.uuid4().hex[:8]


# --- the happy path -----------------------------------------------------------------------


async def test_an_import_creates_contacts_with_companies_tags_and_one_event_each(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    body = csv_of(
        ["First Name", "Last Name", "E-mail", "Company", "Tags", "Stage"],
        ["Ada", "Lovelace", f"ada.{run}@Example.com", f"Analytical {run}", "vip; Early ", "lead"],
        ["Grace", "Hopper", f"grace.{run}@example.com", f"analytical {run}", "", ""],
        ["Alan", "Turing", f"alan.{run}@example.com", "", "vip", "customer"],
    )
    mapping = {
        "First Name": "first_name",
        "Last Name": "last_name",
        "E-mail": "email",
        "Company": "company",
        "Tags": "tags",
        "Stage": "lifecycle_stage",
    }
    job = await imported(admin, body, mapping=mapping)
    assert job["status"] == "completed", job
    assert job["counts"] == {
        "total": 3, "processed": 3, "created": 3, "updated": 0, "unchanged": 0,
        "skipped": 0, "failed": 0,
    }  # fmt: skip
    assert await report(admin, job["id"]) == []
    emails = [f"ada.{run}@example.com", f"grace.{run}@example.com", f"alan.{run}@example.com"]
    rows = await contacts_by_email(service.dsn, emails)
    ada, grace, alan = (rows[e] for e in emails)
    assert (ada["first_name"], ada["email"]) == ("Ada", f"ada.{run}@example.com")
    assert ada["tags"] == ["vip", "early"]
    assert ada["lifecycle_stage"] == "lead"
    # One company, found by name case-insensitively for the second row.
    assert ada["company_id"] is not None
    assert ada["company_id"] == grace["company_id"]
    assert alan["company_id"] is None
    assert alan["lifecycle_stage"] == "customer"
    ids = [ada["id"], grace["id"], alan["id"]]
    assert await events_of(service.dsn, ids) == {i: ["created"] for i in ids}
    company_events = await fetch(
        service.dsn, "SELECT payload->>'type' AS type FROM outbox WHERE key = $1",
        str(ada["company_id"]),
    )  # fmt: skip
    assert [r["type"] for r in company_events] == ["crm.contacts.company.created"]
    timeline = await fetch(
        service.dsn, "SELECT contact_id, kind, details FROM contact_timeline"
        " WHERE contact_id = ANY($1::uuid[])", ids,
    )  # fmt: skip
    assert sorted((r["contact_id"], r["kind"]) for r in timeline) == sorted(
        (i, "created") for i in ids
    )
    assert all(orjson.loads(r["details"])["import_id"] == job["id"] for r in timeline)
    # Staged rows are gone once the import is done.
    staged = await fetch(
        service.dsn, "SELECT count(*) AS n FROM contact_import_rows WHERE import_id = $1",
        uuid.UUID(job["id"]),
    )  # fmt: skip
    assert staged[0]["n"] == 0


# --- broken rows ------------------------------------------------------------------------


async def define(client: httpx.AsyncClient, **field: Any) -> None:
    response = await client.post("/api/v1/contacts/custom-fields", json=field)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
async def with_fields(infra: Infra) -> AsyncIterator[ContactsApp]:
    """An app of its own, whose contacts have a required custom field."""
    async with imports_app(infra, await new_database(infra)) as running:
        async with running.client("admin") as admin:
            await define(admin, key="region", label="Region", type="text", required=True)
            await define(admin, key="renewal", label="Renewal", type="date")
            await define(admin, key="score", label="Score", type="number")
        yield running


BROKEN_HEADER = ["First", "Last", "Email", "Phone", "Stage", "Region", "Renewal", "Score"]
BROKEN_MAPPING = {
    "First": "first_name",
    "Last": "last_name",
    "Email": "email",
    "Phone": "phone",
    "Stage": "lifecycle_stage",
    "Region": "custom_fields.region",
    "Renewal": "custom_fields.renewal",
    "Score": "custom_fields.score",
}


async def test_broken_rows_are_reported_and_every_good_row_imported(
    with_fields: ContactsApp,
) -> None:
    run = tag()
    body = csv_of(
        BROKEN_HEADER,
        ["Ada", "L", f"ada.{run}@example.com", "+44 20", "lead", "EMEA", "2025-01-31", "10"],
        ["Bob", "B", "not-an-email", "", "", "EMEA", "", ""],
        ["Cy", "C", f"cy.{run}@example.com", "", "", "", "", ""],
        ["Di", "D", f"di.{run}@example.com", "", "", "EMEA", "2025-02-30", ""],
        ["Ed", "E", f"ed.{run}@example.com", "", "prospectish", "EMEA", "", ""],
        ["Fay", "F", f"fay.{run}@example.com", "call me", "", "EMEA", "", "1,5"],
        ["", "", "", "", "", "EMEA", "", ""],
        ["Gus", "G", f"gus.{run}@example.com", "", "customer", "APAC", "", "1,234.5"],
        ["Hal", "H", f"hal.{run}@example.com", "", "", "EMEA", "", "", "spilled"],
    )  # fmt: skip
    async with with_fields.client("sales", subject="sales-importer") as sales:
        job = await imported(sales, body, mapping=BROKEN_MAPPING)
        problems = await report(sales, job["id"])
    assert job["status"] == "completed"
    counts = job["counts"]
    assert (counts["total"], counts["processed"]) == (9, 9)
    assert (counts["created"], counts["failed"], counts["skipped"]) == (2, 7, 0)
    by_row: dict[int, list[tuple[str | None, str]]] = {}
    for problem in problems:
        assert problem["outcome"] == "failed"
        by_row.setdefault(problem["row"], []).append((problem["column"], problem["message"]))
    # Row 1 is the header: the first data row is row 2, as a spreadsheet numbers them.
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 10]
    assert [c for c, _ in by_row[3]] == ["Email"]
    assert "valid email" in by_row[3][0][1]
    assert by_row[4] == [("Region", "this custom field is required")]
    assert [c for c, _ in by_row[5]] == ["Renewal"]
    assert "calendar date" in by_row[5][0][1]
    assert [c for c, _ in by_row[6]] == ["Stage"]
    assert "'lead'" in by_row[6][0][1]
    assert sorted(c for c, _ in by_row[7]) == ["Phone", "Score"]
    assert by_row[8][0][0] is None
    assert "first name" in by_row[8][0][1]
    assert by_row[10][0][0] is None
    assert "9 cells" in by_row[10][0][1]
    created = await contacts_by_email(
        with_fields.dsn, [f"ada.{run}@example.com", f"gus.{run}@example.com"]
    )
    ada, gus = created[f"ada.{run}@example.com"], created[f"gus.{run}@example.com"]
    assert orjson.loads(ada["custom_fields"]) == {
        "region": "EMEA", "renewal": "2025-01-31", "score": 10,
    }  # fmt: skip
    assert orjson.loads(gus["custom_fields"]) == {"region": "APAC", "score": 1234.5}
    others = await contacts_by_email(
        with_fields.dsn, [f"{n}.{run}@example.com" for n in ("cy", "di", "ed", "fay", "hal")]
    )
    assert others == {}
    ids = [ada["id"], gus["id"]]
    assert await events_of(with_fields.dsn, ids) == {i: ["created"] for i in ids}


async def test_a_mapping_that_does_not_fit_is_a_422_before_any_row(
    with_fields: ContactsApp,
) -> None:
    header_only = csv_of(BROKEN_HEADER)
    cases = [
        ({**BROKEN_MAPPING, "Nope": "title"}, "'Nope' is not in the file's header"),
        ({**BROKEN_MAPPING, "Phone": "fax"}, "'fax' is not a contact field"),
        ({**BROKEN_MAPPING, "Score": "custom_fields.nope"}, "no custom field 'nope'"),
        ({k: v for k, v in BROKEN_MAPPING.items() if k != "Region"}, "'region' is required"),
        ({"First": "first_name", "Last": "first_name"}, "mapped from 'First' already"),
    ]
    count = "SELECT count(*) AS n FROM contact_imports"
    before = (await fetch(with_fields.dsn, count))[0]["n"]
    async with with_fields.client("admin") as admin:
        for mapping, expected in cases:
            response = await upload(admin, header_only, mapping=mapping)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            assert any(expected in error["msg"] for error in response.json()["errors"]), (
                expected, response.json(),
            )  # fmt: skip
        bad_options = await upload(admin, header_only, mapping="{not json", dedup="merge")
        assert bad_options.status_code == 422
        locs = {tuple(e["loc"]) for e in bad_options.json()["errors"]}
        assert {("body", "mapping"), ("body", "dedup")} <= locs
        empty = await upload(admin, b"", mapping=BROKEN_MAPPING)
        assert empty.status_code == 422
        assert "header row" in empty.json()["detail"]
        assert (await fetch(with_fields.dsn, count))[0]["n"] == before  # nothing stored
        # Only a header: nothing to import, complete at once.
        job = await imported(admin, header_only, mapping=BROKEN_MAPPING)
        assert job["status"] == "completed"
        assert job["counts"]["total"] == 0
    assert (await fetch(with_fields.dsn, count))[0]["n"] == before + 1


async def test_unique_custom_field_clashes_fail_only_their_rows(with_fields: ContactsApp) -> None:
    run = tag()
    async with with_fields.client("admin") as admin:
        response = await admin.get("/api/v1/contacts/custom-fields/code")
        if response.status_code == 404:
            await define(admin, key="code", label="Code", type="text", unique=True)
        people = {}
        for name in ("x", "y"):
            body = {
                "first_name": name, "email": f"{name}.{run}@example.com",
                "custom_fields": {"region": "EMEA", "code": f"{name.upper()}-{run}"},
            }  # fmt: skip
            created = await admin.post("/api/v1/contacts", json=body)
            assert created.status_code == 201, created.text
            people[name] = created.json()
        header = ["email", "first_name", "Region", "Code"]
        mapping = {"Region": "custom_fields.region", "Code": "custom_fields.code"}
        creates = csv_of(
            header,
            [f"a.{run}@example.com", "A", "EMEA", f"X-{run}"],  # taken by x
            [f"b.{run}@example.com", "B", "EMEA", f"B-{run}"],
            [f"c.{run}@example.com", "C", "EMEA", f"B-{run}"],  # taken by b, same batch
        )
        job = await imported(
            admin, creates, mapping={**mapping, "email": "email", "first_name": "first_name"}
        )
        problems = await report(admin, job["id"])
        assert (job["counts"]["created"], job["counts"]["failed"]) == (1, 2), job
        assert [(p["row"], p["column"]) for p in problems] == [(2, None), (4, None)]
        assert all("unique" in p["message"] for p in problems)
        # An update that would take another contact's unique value: the batch is written
        # row by row, so only that row fails.
        updates = csv_of(
            header,
            [people["x"]["email"], "X2", "", f"Y-{run}"],
            [people["y"]["email"], "Y2", "", ""],
        )
        job = await imported(
            admin,
            updates,
            mapping={**mapping, "email": "email", "first_name": "first_name"},
            dedup="update",
        )
        problems = await report(admin, job["id"])
        assert (job["counts"]["updated"], job["counts"]["failed"]) == (1, 1), job
        assert [p["row"] for p in problems] == [2]
        assert "refused" in problems[0]["message"]
        x = (await admin.get(f"/api/v1/contacts/{people['x']['id']}")).json()
        y = (await admin.get(f"/api/v1/contacts/{people['y']['id']}")).json()
    assert (x["first_name"], x["custom_fields"]["code"], x["version"]) == ("x", f"X-{run}", 1)
    assert (y["first_name"], y["version"]) == ("Y2", 2)


# --- dedup modes ------------------------------------------------------------------------

DEDUP_HEADER = ["first_name", "email", "title", "tags", "lifecycle_stage"]


async def existing_contact(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    body = {
        "first_name": "Old", "email": email, "title": "Old title", "tags": ["a"],
        "lifecycle_stage": "lead",
    }  # fmt: skip
    response = await client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_dedup_skip_leaves_the_contact_and_reports_the_row(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    old = await existing_contact(admin, f"x.{run}@example.com")
    body = csv_of(
        DEDUP_HEADER,
        ["New", f"X.{run}@EXAMPLE.com", "CTO", "b", "customer"],
        ["Yan", f"y.{run}@example.com", "", "", ""],
        ["Zed", f"z.{run}@example.com", "", "", ""],
        ["Zed again", f"z.{run}@example.com", "", "", ""],
    )
    job = await imported(admin, body, dedup="skip")
    counts = job["counts"]
    assert (counts["created"], counts["skipped"], counts["failed"]) == (2, 2, 0)
    skipped = await report(admin, job["id"])
    assert [(p["row"], p["column"], p["outcome"]) for p in skipped] == [
        (2, "email", "skipped"), (5, "email", "skipped"),
    ]  # fmt: skip
    assert old["id"] in skipped[0]["message"]
    unchanged = (await admin.get(f"/api/v1/contacts/{old['id']}")).json()
    assert unchanged == old
    zed = (await contacts_by_email(service.dsn, [f"z.{run}@example.com"]))[f"z.{run}@example.com"]
    assert zed["first_name"] == "Zed"


async def test_dedup_update_writes_the_rows_cells_onto_the_contact(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    old = await existing_contact(admin, f"x.{run}@example.com")
    body = csv_of(
        DEDUP_HEADER,
        ["New", f"X.{run}@EXAMPLE.com", "CTO", "b", "customer"],
        ["Zed", f"z.{run}@example.com", "", "", ""],
        ["", f"z.{run}@example.com", "Chief", "", ""],
    )
    job = await imported(admin, body, dedup="update")
    counts = job["counts"]
    assert (counts["created"], counts["updated"], counts["failed"]) == (1, 2, 0), job
    x = (await admin.get(f"/api/v1/contacts/{old['id']}")).json()
    assert (x["first_name"], x["title"], x["tags"]) == ("New", "CTO", ["a", "b"])
    assert (x["lifecycle_stage"], x["email"], x["version"]) == ("customer", old["email"], 2)
    rows = await fetch(
        service.dsn, "SELECT payload FROM outbox WHERE key = $1 ORDER BY id", old["id"]
    )
    events = [orjson.loads(r["payload"]) for r in rows]
    assert [e["type"].rsplit(".", 1)[1] for e in events] == ["created", "updated"]
    assert set(events[1]["data"]["changed"]) == {"first_name", "title", "tags", "lifecycle_stage"}
    assert events[1]["sequence"] == 2
    assert events[1]["actor"] == "importer-1"
    timeline = (await admin.get(f"/api/v1/contacts/{old['id']}/timeline")).json()["items"]
    assert [entry["kind"] for entry in timeline][:2] == ["stage_changed", "updated"]
    # A file's second row with the same email updates the contact its first row created.
    zed = (await contacts_by_email(service.dsn, [f"z.{run}@example.com"]))[f"z.{run}@example.com"]
    assert (zed["first_name"], zed["title"], zed["version"]) == ("Zed", "Chief", 2)
    assert await events_of(service.dsn, [zed["id"]]) == {zed["id"]: ["created", "updated"]}
    # The same file again changes nothing: counted as unchanged, no events.
    again = await imported(admin, body, dedup="update")
    assert (again["counts"]["unchanged"], again["counts"]["updated"]) == (3, 0), again
    assert (await events_of(service.dsn, [zed["id"]]))[zed["id"]] == ["created", "updated"]


async def test_dedup_update_keeps_the_forward_only_stage_rule(service: ContactsApp) -> None:
    run = tag()
    async with service.client("sales", subject="sales-1") as sales:
        old = await existing_contact(sales, f"x.{run}@example.com")
        body = csv_of(["email", "lifecycle_stage"], [old["email"], "subscriber"])
        job = await imported(sales, body, dedup="update")
        problems = await report(sales, job["id"])
    assert job["counts"]["failed"] == 1
    assert [(p["row"], p["column"]) for p in problems] == [(2, "lifecycle_stage")]
    assert "cannot move back" in problems[0]["message"]


async def test_dedup_create_fails_rows_whose_email_is_taken(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    old = await existing_contact(admin, f"x.{run}@example.com")
    body = csv_of(
        DEDUP_HEADER,
        ["New", old["email"].upper(), "", "", ""],
        ["Yan", f"y.{run}@example.com", "", "", ""],
        ["Yan again", f"Y.{run}@example.com", "", "", ""],
    )
    job = await imported(admin, body, dedup="create")
    counts = job["counts"]
    assert (counts["created"], counts["failed"]) == (1, 2), job
    problems = await report(admin, job["id"])
    assert [(p["row"], p["column"], p["outcome"]) for p in problems] == [
        (2, "email", "failed"), (4, "email", "failed"),
    ]  # fmt: skip
    assert old["id"] in problems[0]["message"]
    assert (await admin.get(f"/api/v1/contacts/{old['id']}")).json() == old


# --- dry run ----------------------------------------------------------------------------


async def table_counts(dsn: str) -> dict[str, int]:
    names = ("contacts", "companies", "outbox", "contact_timeline")
    counts = {}
    for name in names:
        counts[name] = (await fetch(dsn, f"SELECT count(*) AS n FROM {name}"))[0]["n"]
    return counts


async def test_a_dry_run_reports_everything_and_writes_nothing(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    old = await existing_contact(admin, f"x.{run}@example.com")
    body = csv_of(
        ["first_name", "email", "company", "title"],
        ["New", old["email"], f"Dry {run}", "CTO"],
        ["Yan", f"y.{run}@example.com", f"Dry {run}", ""],
        ["Bad", "nope", "", ""],
    )
    before = await table_counts(service.dsn)
    job = await imported(admin, body, dedup="update", dry_run=True)
    assert job["dry_run"] is True
    assert job["status"] == "completed"
    counts = job["counts"]
    assert (counts["created"], counts["updated"], counts["failed"]) == (1, 1, 1), job
    assert [p["row"] for p in await report(admin, job["id"])] == [4]
    assert await table_counts(service.dsn) == before
    assert (await admin.get(f"/api/v1/contacts/{old['id']}")).json() == old


# --- surviving a restart ----------------------------------------------------------------


def people(run: str, count: int, *, company_from: int | None = None) -> bytes:
    """`count` rows; from row index `company_from` on, each names one company."""
    rows = [["first_name", "last_name", "email", "company"]]
    for i in range(count):
        company = f"Resume {run}" if company_from is not None and i >= company_from else ""
        rows.append([f"P{i}", run, f"p{i}.{run}@example.com", company])
    return csv_of(*rows)


async def assert_imported_once(dsn: str, run: str, count: int, import_id: str) -> None:
    """Every row is one contact, with one `created` timeline entry and one event."""
    rows = await fetch(dsn, "SELECT id FROM contacts WHERE last_name = $1", run)
    assert len(rows) == count
    ids = [row["id"] for row in rows]
    assert await events_of(dsn, ids) == {i: ["created"] for i in ids}
    timeline = await fetch(
        dsn, "SELECT contact_id FROM contact_timeline WHERE contact_id = ANY($1::uuid[])", ids
    )
    assert sorted(r["contact_id"] for r in timeline) == sorted(ids)
    job = (await fetch(dsn, "SELECT * FROM contact_imports WHERE id = $1", uuid.UUID(import_id)))[0]
    assert (job["status"], job["processed_rows"], job["created_count"]) == (
        "completed", count, count,
    )  # fmt: skip


async def test_a_restart_between_batches_resumes_where_it_stopped(infra: Infra) -> None:
    name, run = await new_database(infra), tag()
    async with imports_app(infra, name, batch_rows=10) as first:
        async with first.client("admin") as admin:
            job = await started(admin, people(run, 45))
        # Hold the import once a batch or two are in: the worker skips a locked import,
        # so this app stops between two batches.
        holder = await asyncpg.connect(first.dsn)
        transaction = holder.transaction()
        await transaction.start()
        deadline = time.monotonic() + 30
        while True:
            row = await holder.fetchrow(
                "SELECT processed_rows FROM contact_imports WHERE id = $1 FOR UPDATE",
                uuid.UUID(job["id"]),
            )
            if row["processed_rows"] >= 10:
                break
            await transaction.rollback()
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
            transaction = holder.transaction()
            await transaction.start()
    done_before_restart = row["processed_rows"]
    await transaction.rollback()
    await holder.close()
    assert 10 <= done_before_restart < 45
    async with (
        imports_app(infra, name, batch_rows=10) as second,
        second.client("admin") as admin,
    ):
        final = await finished(admin, job["id"])
    assert final["counts"]["created"] == 45
    await assert_imported_once(second.dsn, run, 45, job["id"])


async def test_a_restart_in_the_middle_of_a_batch_loses_and_doubles_nothing(
    infra: Infra,
) -> None:
    name, run = await new_database(infra), tag()
    # Rows from the 15th on name a company: the second batch waits for the company lock
    # this test holds, so the app is stopped with that batch half done.
    blocker = await asyncpg.connect(infra.dsn(name))
    await blocker.execute(
        "SELECT pg_advisory_lock(hashtext('crm-company:' || $1))", f"n:resume {run}"
    )
    async with imports_app(infra, name, batch_rows=10) as first, first.client("admin") as admin:
        job = await started(admin, people(run, 30, company_from=15))
        deadline = time.monotonic() + 30
        while not await blocker.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        halfway = (await admin.get(f"{URL}/{job['id']}")).json()
    assert (halfway["status"], halfway["counts"]["processed"]) == ("running", 10)
    written = await fetch(first.dsn, "SELECT count(*) AS n FROM contacts WHERE last_name = $1", run)
    assert written[0]["n"] == 10  # the half-done batch left nothing behind
    await blocker.close()
    async with (
        imports_app(infra, name, batch_rows=10) as second,
        second.client("admin") as admin,
    ):
        final = await finished(admin, job["id"])
    assert final["counts"]["created"] == 30
    await assert_imported_once(second.dsn, run, 30, job["id"])
    companies = await fetch(second.dsn, "SELECT id FROM companies WHERE name = $1", f"Resume {run}")
    assert len(companies) == 1


async def test_two_replicas_share_an_import_without_doubling_it(infra: Infra) -> None:
    name, run = await new_database(infra), tag()
    async with (
        imports_app(infra, name, batch_rows=5) as first,
        imports_app(infra, name, batch_rows=5) as second,
        first.client("admin") as admin,
    ):
        job = await started(admin, people(run, 60, company_from=0))
        final = await finished(admin, job["id"])
        async with second.client("admin") as other:
            assert (await other.get(f"{URL}/{job['id']}")).json()["status"] == "completed"
    assert final["counts"]["created"] == 60
    await assert_imported_once(first.dsn, run, 60, job["id"])
    companies = await fetch(first.dsn, "SELECT id FROM companies WHERE name = $1", f"Resume {run}")
    assert len(companies) == 1


# --- uploads ----------------------------------------------------------------------------


def big_file(run: str, min_bytes: int, *, notes_repeat: int = 20) -> bytes:
    """A CSV of at least `min_bytes`: many rows with a long `notes` column no field takes
    (the default mapping leaves it out)."""
    notes = "Met at the fair; " * notes_repeat
    rows = [["first_name", "email", "title", "notes"]]
    i = 0
    size = 0
    while size < min_bytes:
        rows.append([f"B{i}", f"b{i}.{run}@example.com", "Head of things", notes])
        size += len(notes) + 50
        i += 1
    return csv_of(*rows)


async def test_an_upload_larger_than_the_body_limit_is_accepted_as_a_stream(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    body = big_file(run, 2 * service.settings.max_body_bytes)
    rows = body.count(b"\r\n") - 1

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: chunked upload
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    sized = await admin.post(
        URL, params={"dry_run": "true"}, content=body, headers={"Content-Type": "text/csv"}
    )
    assert sized.status_code == 202, sized.text
    streamed = await admin.post(
        URL, params={"dry_run": "true"}, content=chunked(), headers={"Content-Type": "text/csv"}
    )
    assert streamed.status_code == 202, streamed.text
    for response in (sized, streamed):
        job = await finished(admin, response.json()["id"])
        assert (job["counts"]["total"], job["counts"]["created"]) == (rows, rows), job
    # Other routes keep the ordinary limit.
    too_big = await admin.post(
        "/api/v1/contacts", content=b" " * (service.settings.max_body_bytes + 1),
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert too_big.status_code == 413


async def test_an_upload_over_the_import_limit_is_a_413_and_stores_nothing(
    infra: Infra,
) -> None:
    name, run = await new_database(infra), tag()
    body = big_file(run, 300_000)

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    async with imports_app(infra, name, max_import_bytes=200_000) as small:
        async with small.client("admin") as admin:
            for content in (body, chunked()):
                response = await admin.post(
                    URL, content=content, headers={"Content-Type": "text/csv"}
                )
                assert response.status_code == 413, response.text
                assert response.headers["content-type"].startswith(PROBLEM_JSON)
        stored = await fetch(small.dsn, "SELECT count(*) AS n FROM contact_import_rows")
        assert stored[0]["n"] == 0
        assert (await fetch(small.dsn, "SELECT count(*) AS n FROM contact_imports"))[0]["n"] == 0


async def test_a_raw_csv_body_takes_its_options_from_the_query(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    body = f"Nom;Courriel\nÉlodie;elodie.{run}@example.com\n".encode("latin-1")
    mapping = orjson.dumps({"Nom": "first_name", "Courriel": "email"}).decode()
    response = await admin.post(
        URL,
        params={"mapping": mapping, "encoding": "latin-1", "delimiter": ";", "filename": "fr.csv"},
        content=body,
        headers={"Content-Type": "text/csv; charset=latin-1"},
    )
    assert response.status_code == 202, response.text
    job = await finished(admin, response.json()["id"])
    assert (job["filename"], job["counts"]["created"]) == ("fr.csv", 1)
    found = await contacts_by_email(service.dsn, [f"elodie.{run}@example.com"])
    assert found[f"elodie.{run}@example.com"]["first_name"] == "Élodie"


async def test_an_upload_retried_with_its_idempotency_key_is_one_import(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    run = tag()
    body = f"First,Email\nIda,ida.{run}@example.com\n".encode()
    mapping = orjson.dumps({"First": "first_name", "Email": "email"}).decode()
    headers = {"Content-Type": "text/csv", "Idempotency-Key": f"upload-{run}"}
    first = await admin.post(URL, params={"mapping": mapping}, content=body, headers=headers)
    again = await admin.post(URL, params={"mapping": mapping}, content=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 202), again.text
    assert again.json()["id"] == first.json()["id"]
    job = await finished(admin, first.json()["id"])
    assert job["counts"]["created"] == 1
    found = await contacts_by_email(service.dsn, [f"ida.{run}@example.com"])
    assert len(found) == 1


async def test_unreadable_uploads_are_4xx_problems(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    cases = [
        ({"Content-Type": "application/json"}, b"{}", 415),
        ({"Content-Type": "text/csv"}, b"email\n\xff\xfe@x\n", 422),
        ({"Content-Type": "text/csv"}, b"email\na\x00b@example.com\n", 422),
        ({"Content-Type": "multipart/form-data; boundary=xyz"}, b"--xyz\r\nnope", 422),
    ]
    for headers, content, status in cases:
        response = await admin.post(URL, content=content, headers=headers)
        assert response.status_code == status, (content, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
    fields_after_file = await admin.post(
        URL, files={"file": ("a.csv", b"email\n", "text/csv"), "mapping": (None, "{}")}
    )
    assert fields_after_file.status_code == 422
    assert "before the file" in fields_after_file.text


async def test_only_writers_import_and_read_imports(service: ContactsApp) -> None:
    body = csv_of(["email"], [f"w.{tag()}@example.com"])
    async with service.client() as anonymous, service.client("analyst") as analyst:
        assert (await upload(anonymous, body)).status_code == 401
        assert (await upload(analyst, body)).status_code == 403
        async with service.client("marketing") as marketer:
            job = await imported(marketer, body)
            listed = (await marketer.get(URL, params={"limit": 200})).json()["items"]
        assert job["id"] in [item["id"] for item in listed]
        assert (await analyst.get(f"{URL}/{job['id']}")).status_code == 403
        async with service.client("admin") as admin:
            missing = await admin.get(f"{URL}/{uuid.uuid4()}")
            assert missing.status_code == 404


async def test_cancelling_stops_an_import_and_keeps_what_it_imported(infra: Infra) -> None:
    name, run = await new_database(infra), tag()
    blocker = await asyncpg.connect(infra.dsn(name))
    await blocker.execute(
        "SELECT pg_advisory_lock(hashtext('crm-company:' || $1))", f"n:resume {run}"
    )
    async with imports_app(infra, name, batch_rows=10) as app, app.client("admin") as admin:
        job = await started(admin, people(run, 30, company_from=15))
        while (await admin.get(f"{URL}/{job['id']}")).json()["counts"]["processed"] < 10:
            await asyncio.sleep(0.05)
        cancelling = asyncio.create_task(admin.post(f"{URL}/{job['id']}/cancel"))
        # The cancel waits for the batch in flight (which waits for the blocker): let the
        # batch go only once the cancel is queued on the import's row lock.
        for _ in range(600):
            waiting = await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
                " AND wait_event_type = 'Lock' AND query ILIKE '%contact_imports%FOR UPDATE%'",
                name,
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "the cancel never reached the import's row lock"
        await blocker.close()
        cancelled = await cancelling
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        await asyncio.sleep(0.5)
        final = (await admin.get(f"{URL}/{job['id']}")).json()
        again = await admin.post(f"{URL}/{job['id']}/cancel")
    assert again.status_code == 409
    assert final["status"] == "cancelled"
    assert final["counts"]["processed"] == 20
    rows = await fetch(
        infra.dsn(name), "SELECT count(*) AS n FROM contacts WHERE last_name = $1", run
    )
    assert rows[0]["n"] == 20
    staged = await fetch(infra.dsn(name), "SELECT count(*) AS n FROM contact_import_rows")
    assert staged[0]["n"] == 0


# --- through the gateway ----------------------------------------------------------------


async def test_an_import_through_the_gateway_streams_the_upload_and_publishes_each_contact(
    stack: Stack, gateway: httpx.AsyncClient, kafka_events: Any
) -> None:
    run = tag()
    reader = await kafka_events("crm.contacts.contact")
    body = big_file(run, 1_200_000, notes_repeat=100)  # over the 1 MiB body limit
    rows = body.count(b"\r\n") - 1

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    response = await gateway.post(URL, content=chunked(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"{URL}/{response.json()['id']}"
    job = await finished(gateway, response.json()["id"], timeout=120)
    assert (job["status"], job["counts"]["created"]) == ("completed", rows), job

    def mine(event: dict[str, Any]) -> bool:
        email = event["data"].get("email") or ""
        return event["type"] == "crm.contacts.contact.created" and email.endswith(
            f".{run}@example.com"
        )

    events = await reader.collect(mine, count=rows, timeout=60)
    await reader.none_within(mine, seconds=1)
    assert len({event["subject"] for event in events}) == rows == len(reader.events(mine))
