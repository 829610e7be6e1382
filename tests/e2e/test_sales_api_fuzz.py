"""Property-based fuzzing of the sales service's HTTP API with schemathesis.

Every operation of the sales service's OpenAPI document gets schemathesis-generated
requests, valid (positive) and invalid (negative), on the running stack's sales port with
an admin token. Bad input must always answer a clear 4xx `application/problem+json`
(DESIGN.md section 3): never a 5xx, `status` equal to the HTTP status, a `title`, and for
a 422 the `errors` naming each field; answers must match the documented status codes,
content types and schemas.

The stack is shared by every e2e test, so the fuzzing must not change global behaviour
that later tests rely on. Writes to the global configuration collections (fit scoring
rules, engagement points, sales reps, assignment rules, automation rules) get invalid
input only, and anything such a request still creates is undone at once; new pipelines
are never made the default (the flag is forced off in valid input, and the default is put
back if invalid input moved it). Writes by id on those collections are fuzzed with random
ids only (404), which cannot touch another test's rows. The resources the fuzzing creates
itself (leads, deals, activities, products, quotes, targets with random owners) change no
other test's view: those tests filter by their own owners and ids."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from support.fuzz import (
    BOTH_MODES,
    Fuzzer,
    FuzzReport,
    fuzz_operations,
    load_operations,
    replace_strings,
)

from crm_cli.stack import Stack

# Per operation and generation mode: 64 operations x 2 modes stay well inside 90 s.
MAX_EXAMPLES = 25
# Collections whose valid writes change how the whole service behaves for every test.
GLOBAL_CONFIG = (
    "/api/v1/leads/scoring-rules",
    "/api/v1/leads/engagement-points",
    "/api/v1/leads/sales-reps",
    "/api/v1/leads/assignment-rules",
    "/api/v1/automation-rules",
)
PIPELINES = "/api/v1/pipelines"
CURRENCIES = ("EUR", "USD", "JPY", "ISK", "BHD")
PERIODS = ("2030-Q1", "2030-02", "2031-Q4")


def _is_config_write(method: str, path: str) -> bool:
    """A write on a global configuration collection itself (not on one row by id)."""
    return method != "GET" and "{" not in path and path.startswith(GLOBAL_CONFIG)


class SalesFuzzer(Fuzzer):
    """Fuzzes the sales service; global configuration gets invalid input only."""

    max_examples = MAX_EXAMPLES

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(base_url, token)
        self.default_pipeline = self._default_pipeline()
        self.engagement = self.get("/api/v1/leads/engagement-points")
        self.own_ids = self._make_own_resources()

    def _make_own_resources(self) -> dict[str, str]:
        """One resource of each kind for the by-id operations to reach real rows with (the
        rest of their cases use random ids); none of them is global configuration."""
        pipeline = self.post(
            PIPELINES,
            {
                "name": f"Fuzzed pipeline {uuid.uuid4().hex[:8]}",
                "stages": [
                    {"name": "Open", "probability": 10},
                    {"name": "Won", "kind": "won"},
                    {"name": "Lost", "kind": "lost"},
                ],
            },
        )
        deal = self.post(
            "/api/v1/deals",
            {"name": "Fuzzed deal", "amount": "100.00", "currency": "EUR", "pipeline_id": pipeline},
        )
        product = self.post(
            "/api/v1/products",
            {
                "sku": f"FUZZ-{uuid.uuid4().hex[:8]}",
                "name": "Fuzz",
                "unit_price": "9.50",
                "currency": "EUR",
            },
        )
        return {
            "pipeline_id": pipeline,
            "deal_id": deal,
            "product_id": product,
            "lead_id": self.post("/api/v1/leads", {"first_name": "Fuzz", "last_name": "Lead"}),
            "activity_id": self.post(
                "/api/v1/activities", {"kind": "task", "subject": "Fuzz", "deal_id": deal}
            ),
            "quote_id": self.post(
                "/api/v1/quotes",
                {"deal_id": deal, "lines": [{"product_id": product, "quantity": "2"}]},
            ),
            "target_id": self.post(
                "/api/v1/targets",
                {
                    "owner_id": str(uuid.uuid4()),
                    "period": "2030-Q1",
                    "amount": "10",
                    "currency": "EUR",
                },
            ),
        }

    def _default_pipeline(self) -> str | None:
        page = self.get(PIPELINES, limit=200)
        return next((p["id"] for p in page["items"] if p["is_default"]), None)

    def modes(self, method: str, path: str) -> Iterable[GenerationMode]:
        return [GenerationMode.NEGATIVE] if _is_config_write(method, path) else BOTH_MODES

    def plausible(self, operation: Any, strategy: Any, mode: GenerationMode) -> Any:
        if mode is not GenerationMode.POSITIVE:
            return strategy
        # The schema says "three letters" and "20 characters" where the service wants
        # an ISO 4217 code and a period: help valid input get past that to the domain.
        strategy = st.tuples(strategy, st.sampled_from(CURRENCIES), st.sampled_from(PERIODS))
        return strategy.map(lambda drawn: _plausible(*drawn))

    def undo(self, method: str, path: str, response: schemathesis.Response) -> None:
        """Put back what a write to global configuration changed (invalid input let through)."""
        if path == PIPELINES or path.startswith(f"{PIPELINES}/"):
            if self.default_pipeline and self._default_pipeline() != self.default_pipeline:
                self.restore(
                    "PATCH", f"{PIPELINES}/{self.default_pipeline}", json={"is_default": True}
                )
            return
        if not _is_config_write(method, path):
            return
        if path.endswith("engagement-points"):
            points = {
                k: v for k, v in self.engagement.items() if k not in {"version", "updated_at"}
            }
            self.restore("PATCH", path, json=points)
            return
        body = response.json()
        row = body.get("id") or body.get("user_id")
        self.restore("DELETE", f"{path}/{row}")


def _plausible(case: schemathesis.Case, currency: str, period: str) -> schemathesis.Case:
    """A valid case with a real currency and period; a pipeline is never made the default."""
    if isinstance(case.body, dict):
        replace_strings(case.body, {"currency": currency, "period": period})
        if case.operation.path.startswith(PIPELINES) and "is_default" in case.body:
            case.body["is_default"] = False
    if case.query and "period" in case.query:
        case.query["period"] = period
    if case.headers:
        # Documented as any string, answered 400 unless an integer version: leave it out.
        case.headers.pop("If-Match", None)
    return case


def fuzz_sales(
    base_url: str, token: str, on_operation: Callable[[str], None] = print
) -> FuzzReport:
    """Fuzz every operation of the sales service at `base_url`; writes on the global
    configuration collections get invalid input only."""
    operations = load_operations(f"{base_url}/openapi.json")
    return fuzz_operations(SalesFuzzer(base_url, token), operations, on_operation)


async def test_every_sales_operation_answers_bad_input_with_a_problem(
    stack: Stack, admin_token: str
) -> None:
    # The fuzzing blocks (sync HTTP): in a thread, the session's loop keeps serving.
    report = await asyncio.to_thread(
        fuzz_sales, stack.service_urls["sales"], admin_token, lambda _: None
    )
    print(report.summary())
    assert report.operations >= 60, report
    assert report.requests >= report.operations * MAX_EXAMPLES, report
    assert not report.failures, (
        f"{len(report.failures)} operations broke the contract:\n{report.broken()}"
    )
