"""Property-based fuzzing of the contacts service's HTTP API with schemathesis.

Every operation of the contacts service's OpenAPI document (contacts, companies, notes,
timeline, tags, custom fields, duplicates and scans, merges, imports, erase) gets
schemathesis-generated requests, valid and invalid, on the running stack's contacts port
with an admin token; tests/support/fuzz.py checks every answer against DESIGN.md section 3.

The stack is shared by every e2e test, so the fuzzing keeps out of their way. Custom-field
definitions are global (a valid required field would break every later contact create):
their collections get invalid input only, anything such a request still creates is deleted
at once, and writes by key go to keys no test defines. Merges and erasures reach only rows
the fuzzing made itself or random ids. Valid imports upload a tiny CSV of one contact with
a fresh email, so no dedup mode can touch another test's contact.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from support.fuzz import BOTH_MODES, Fuzzer, FuzzReport, fuzz_operations, load_operations

from crm_cli.stack import Stack

# Per operation and generation mode: 36 operations x 2 modes stay inside ~90 s.
MAX_EXAMPLES = 25
CUSTOM_FIELDS = ("/api/v1/contacts/custom-fields", "/api/v1/companies/custom-fields")
MERGES = {"/api/v1/contacts/merge": "contacts", "/api/v1/companies/merge": "companies"}
ERASE = "/api/v1/contacts/{contact_id}/erase"
IMPORTS = "/api/v1/contacts/imports"
CONTACT_WRITES = {("POST", "/api/v1/contacts"), ("PATCH", "/api/v1/contacts/{contact_id}")}
ENCODINGS = ("utf-8", "latin-1", "cp1252", "utf-16", "utf-32", "ascii")
DELIMITERS = (",", ";", "\t", "|")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FODDER = 8  # rows of each kind that valid merges may consume


def _tiny_csv(encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """One contact with an email no other test uses."""
    email = f"fuzz-import-{uuid.uuid4().hex[:12]}@example.com"
    rows = (("first_name", "last_name", "email"), ("Fuzz", "Import", email))
    return "".join(delimiter.join(row) + "\n" for row in rows).encode(encoding)


class ContactsFuzzer(Fuzzer):
    """Fuzzes the contacts service; global custom-field definitions get invalid input only."""

    max_examples = MAX_EXAMPLES
    own_ids_in_nested_paths = True  # tags: /contacts/{contact_id}/tags/{tag}

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(base_url, token)
        company = self._company("Fuzzed company")
        contact = self._contact(company_id=company)
        self.fodder = {
            "contacts": [self._contact() for _ in range(FODDER)],
            "companies": [self._company("Fuzzed merge company") for _ in range(FODDER)],
        }
        self.own_ids = {
            "contact_id": contact,
            "company_id": company,
            "import_id": self._import(),
            "scan_id": self.post("/api/v1/contacts/duplicates/scans", {}, expected=202),
        }

    def _contact(self, **extra: Any) -> str:
        email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
        body = {"first_name": "Fuzz", "last_name": "Contact", "email": email, **extra}
        return self.post("/api/v1/contacts", body)

    def _company(self, name: str) -> str:
        return self.post("/api/v1/companies", {"name": f"{name} {uuid.uuid4().hex[:8]}"})

    def _import(self) -> str:
        response = self.session.post(
            f"{self.base_url}{IMPORTS}",
            headers=self.auth,
            files={"file": ("fuzz.csv", _tiny_csv(), "text/csv")},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def modes(self, method: str, path: str) -> Iterable[GenerationMode]:
        if method == "POST" and path in CUSTOM_FIELDS:
            return [GenerationMode.NEGATIVE]
        return BOTH_MODES

    def order(self, operation: Any) -> int:
        """Merges and erasures late (they use up the fuzzing's own rows), deletes last."""
        method, path = operation.method.upper(), operation.path
        if method == "DELETE":
            return 2
        return int(path in MERGES or path == ERASE)

    def plausible(self, operation: Any, strategy: Any, mode: GenerationMode) -> Any:
        method, path = operation.method.upper(), operation.path
        if mode is not GenerationMode.POSITIVE:
            return strategy
        if path == IMPORTS:
            options = st.tuples(st.sampled_from(ENCODINGS), st.sampled_from(DELIMITERS))
            return st.tuples(strategy, options).map(lambda drawn: _tiny_upload(*drawn))
        if (method, path) in CONTACT_WRITES:
            # Generated emails are rarely valid: half the writes get a real, fresh one.
            return st.tuples(strategy, st.booleans()).map(lambda drawn: _fresh_email(*drawn))
        kind = MERGES.get(path)
        if kind is None:
            return strategy
        # Random ids only reach the 404s: half the valid merges take the fuzzing's own rows.
        picks = st.lists(st.sampled_from(self.fodder[kind]), min_size=2, max_size=4, unique=True)
        return st.tuples(strategy, picks, st.booleans()).map(lambda drawn: _own_merge(*drawn))

    def prepare(self, case: schemathesis.Case, mode: GenerationMode) -> None:
        method, path = case.operation.method.upper(), case.operation.path
        if path.startswith(CUSTOM_FIELDS) and method != "GET" and case.path_parameters:
            # A definition by key: only keys that no test defines (a valid PATCH could make
            # another test's field required); invalid keys stay as generated.
            key = case.path_parameters.get("key")
            if isinstance(key, str) and KEY.match(key):
                case.path_parameters["key"] = f"zz_fuzz_{key}"[:40]
        if mode is GenerationMode.POSITIVE and case.headers:
            # Documented as any string, answered 400 unless an integer version.
            case.headers.pop("If-Match", None)

    def undo(self, method: str, path: str, response: schemathesis.Response) -> None:
        """Delete a custom field that invalid input still created."""
        if method == "POST" and path in CUSTOM_FIELDS:
            self.restore("DELETE", f"{path}/{response.json()['key']}")


def _own_merge(case: schemathesis.Case, ids: list[str], use: bool) -> schemathesis.Case:
    """With `use`, the merge of the fuzzing's own rows `ids` (the first one survives)."""
    if use and isinstance(case.body, dict):
        case.body["primary_id"], case.body["duplicate_ids"] = ids[0], ids[1:]
        choices = case.body.get("field_choices")
        if isinstance(choices, dict):  # generated names are no fields; ours are
            case.body["field_choices"] = {"email": ids[-1]} if choices else {}
    return case


def _fresh_email(case: schemathesis.Case, use: bool) -> schemathesis.Case:
    if use and isinstance(case.body, dict):
        case.body["email"] = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    return case


def _tiny_upload(case: schemathesis.Case, options: tuple[str, str]) -> schemathesis.Case:
    """A valid upload: a tiny CSV of one new contact, in a real encoding and delimiter (a
    generated file could name another test's contact, for `dedup=update` to change)."""
    encoding, delimiter = options
    chosen = {"encoding": encoding, "delimiter": delimiter}
    if isinstance(case.body, dict) and "file" in case.body:
        fields = {k: v for k, v in case.body.items() if k != "file" and _readable(k, v)}
        # The upload is streamed: its form fields come before the file.
        case.body = {**fields, **chosen, "file": _tiny_csv(encoding, delimiter)}
    elif isinstance(case.body, bytes | str):
        case.body = _tiny_csv(encoding, delimiter)
    query = {k: v for k, v in (case.query or {}).items() if _readable(k, v)}
    case.query = {**query, **chosen} if query or not isinstance(case.body, dict) else None
    return case


def _readable(name: str, value: Any) -> bool:
    """False for a generated `mapping` that is not even JSON (the mapping has tests of its
    own): the rest of the valid upload then reaches the import."""
    if name != "mapping":
        return True
    try:
        json.loads(value)
    except (TypeError, ValueError):
        return False
    return True


def fuzz_contacts(
    base_url: str, token: str, on_operation: Callable[[str], None] = print
) -> FuzzReport:
    """Fuzz every operation of the contacts service at `base_url`."""
    operations = load_operations(f"{base_url}/openapi.json")
    return fuzz_operations(ContactsFuzzer(base_url, token), operations, on_operation)


async def test_every_contacts_operation_answers_bad_input_with_a_problem(
    stack: Stack, admin_token: str
) -> None:
    # The fuzzing blocks (sync HTTP): in a thread, the session's loop keeps serving.
    report = await asyncio.to_thread(
        fuzz_contacts, stack.service_urls["contacts"], admin_token, lambda _: None
    )
    print(report.summary())
    assert report.operations >= 35, report
    assert report.requests >= report.operations * MAX_EXAMPLES, report
    assert not report.failures, (
        f"{len(report.failures)} operations broke the contract:\n{report.broken()}"
    )
