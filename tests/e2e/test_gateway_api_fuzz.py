"""Property-based fuzzing of the gateway's own HTTP routes with schemathesis.

The gateway's `/api/v1/openapi.json` merges every service's paths; the operations fuzzed
here are the ones the gateway answers itself (its routing table owns no service for them):
login, users and API keys. Each gets schemathesis-generated requests, valid and invalid,
through the running stack's gateway with an admin token; tests/support/fuzz.py checks every
answer against DESIGN.md section 3. The merged document and the Swagger UI, which are not
in the document, are checked directly.

The admin's credentials serve every e2e test, so nothing here may reach the admin: by-id
writes go to random ids or to a user and an API key the fuzzing made itself, valid new users
get fresh emails, and no existing user's password changes. The users and API keys that valid
cases create are deleted and revoked at once. Calls without a token count
against the gateway's per-IP limit for anonymous callers (which the other tests' logins
use too): they are paced below it, and the bucket is left full.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from support.fuzz import Fuzzer, FuzzReport, fuzz_operations, load_operations

from crm_cli.stack import Stack
from crm_gateway.domain.routing import RoutingTable
from crm_gateway.openapi.routes import OPENAPI_PATH

MAX_EXAMPLES = 25
LOGIN = "/api/v1/auth/token"
USERS = "/api/v1/users"
KEYS = "/api/v1/api-keys"
# The anonymous limit (50/s, burst 100 per IP): paced at 20/s, refilled in 2 s.
ANONYMOUS_PAUSE = 0.05
ANONYMOUS_REFILL_SECONDS = 2.5


def _fresh_email() -> str:
    return f"fuzz-{uuid.uuid4().hex[:12]}@example.com"


class GatewayFuzzer(Fuzzer):
    """Fuzzes the gateway's own routes; the admin user is never reached."""

    max_examples = MAX_EXAMPLES
    anonymous_pause = ANONYMOUS_PAUSE

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(base_url, token)
        self.login = {"username": _fresh_email(), "password": uuid.uuid4().hex}
        user = {
            "email": self.login["username"],
            "full_name": "Fuzzed user",
            "password": self.login["password"],
            "roles": ["sales"],
        }
        self.own_ids = {
            "user_id": self.post(USERS, user),
            "key_id": self.post(KEYS, {"name": "Fuzzed key", "roles": ["analyst"]}),
        }
        self.admin_id = self.get(f"{USERS}/me")["id"]

    def plausible(self, operation: Any, strategy: Any, mode: GenerationMode) -> Any:
        if operation.path != LOGIN or mode is not GenerationMode.POSITIVE:
            return strategy
        # Random credentials only reach the 401: half the valid logins are the own user's.
        return st.tuples(strategy, st.booleans()).map(lambda drawn: self._own_login(*drawn))

    def _own_login(self, case: schemathesis.Case, use: bool) -> schemathesis.Case:
        if use and isinstance(case.body, dict):
            case.body.update(self.login)
        return case

    def prepare(self, case: schemathesis.Case, mode: GenerationMode) -> None:
        method, path = case.operation.method.upper(), case.operation.path
        user_id = (case.path_parameters or {}).get("user_id")
        assert user_id != self.admin_id, "the fuzzing must never reach the admin"
        if mode is GenerationMode.POSITIVE:
            if method == "POST" and path == USERS and isinstance(case.body, dict):
                case.body["email"] = _fresh_email()
            if case.headers:
                # Documented as any string, answered 400 unless an integer version.
                case.headers.pop("If-Match", None)

    def undo(self, method: str, path: str, response: schemathesis.Response) -> None:
        """Revoke each API key and delete each user that a valid case created (admins with
        generated passwords among them): the stack keeps only the fixtures' own."""
        if method == "POST" and path in (USERS, KEYS):
            self.restore("DELETE", f"{path}/{response.json()['id']}")

    def settle(self) -> None:
        """Leave the anonymous bucket full for the logins of the tests that follow."""
        time.sleep(ANONYMOUS_REFILL_SECONDS)


def _own_operation(path: str) -> bool:
    """An operation the gateway answers itself (no service owns its first segment)."""
    return RoutingTable.default().resolve(path) is None


def fuzz_gateway(
    base_url: str, token: str, on_operation: Callable[[str], None] = print
) -> FuzzReport:
    """Fuzz every operation the gateway at `base_url` serves itself."""
    operations = load_operations(f"{base_url}{OPENAPI_PATH}", keep=_own_operation)
    fuzzer = GatewayFuzzer(base_url, token)
    try:
        return fuzz_operations(fuzzer, operations, on_operation)
    finally:
        fuzzer.settle()


async def test_every_gateway_operation_answers_bad_input_with_a_problem(
    stack: Stack, admin_token: str
) -> None:
    # The fuzzing blocks (sync HTTP): in a thread, the session's loop keeps serving.
    report = await asyncio.to_thread(fuzz_gateway, stack.gateway_url, admin_token, lambda _: None)
    print(report.summary())
    assert report.operations >= 10, report
    assert report.requests >= report.operations * MAX_EXAMPLES, report
    assert not report.failures, (
        f"{len(report.failures)} operations broke the contract:\n{report.broken()}"
    )


async def test_gateway_openapi_and_docs_answer_with_or_without_a_token(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, trust_env=False) as http:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"X-Request-ID": "x" * 300}):
            merged = await http.get(OPENAPI_PATH, headers=headers)
            assert merged.status_code == 200, merged.text
            assert merged.headers["content-type"].startswith("application/json")
            paths = merged.json()["paths"]
            assert {"/api/v1/users", "/api/v1/contacts", "/api/v1/deals"} <= set(paths)
            docs = await http.get("/docs", headers=headers)
            assert docs.status_code == 200
            assert docs.headers["content-type"].startswith("text/html")
            assert OPENAPI_PATH in docs.text
        # Anything else under the prefix that nobody owns is a problem, not a stack trace.
        missing = await http.get("/api/v1/no-such-resource", params={"q": "\x00"})
        assert missing.status_code in (401, 404), missing.text
        assert missing.headers["content-type"].startswith("application/problem+json")
