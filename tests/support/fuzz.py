"""Property-based API fuzzing with schemathesis on the running stack (DESIGN.md section 3).

`Fuzzer` sends schemathesis-generated cases, valid (positive) and invalid (negative), to one
service's operations over HTTP with an admin token, and checks every answer: never a 5xx
or a stack trace; every 4xx an `application/problem+json` whose `status` is the HTTP status,
with a `title`, and for a 422 the `errors: [{loc, msg}]` naming each field; status codes,
content types and bodies as documented. The fuzz tests of each service subclass it to keep
the shared stack usable for the other e2e tests (what they fuzz with invalid input only,
what they undo, which of their own rows the by-id operations may reach).

The fuzzing is blocking (sync HTTP): async tests run `fuzz_operations` in a thread.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

PROBLEM = "application/problem+json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
BOTH_MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class FuzzReport:
    """What the fuzzing sent and every broken promise it saw (at most a few per operation)."""

    operations: int = 0
    requests: int = 0
    undone: list[str] = field(default_factory=list)
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)

    def fail(self, label: str, message: str) -> None:
        seen = self.failures.setdefault(label, [])
        if len(seen) < 3 and message not in seen:
            seen.append(message)

    def summary(self) -> str:
        """Operations, requests and how often each status answered, for the test log."""
        totals: Counter[int] = Counter()
        for counts in self.statuses.values():
            totals.update(counts)
        answered = ", ".join(f"{status}: {n}" for status, n in sorted(totals.items()))
        return (
            f"{self.operations} operations, {self.requests} requests ({answered}),"
            f" {len(self.undone)} undone"
        )

    def broken(self) -> str:
        """The failures, one operation after the other, for an assertion message."""
        return "\n".join(
            f"{label}:\n  " + "\n  ".join(messages) for label, messages in self.failures.items()
        )


def content_type(response: schemathesis.Response) -> str:
    values = {name.lower(): value for name, value in response.headers.items()}
    return values.get("content-type", [""])[0]


def problem_errors(response: schemathesis.Response) -> list[str]:
    """How a 4xx answer breaks the problem+json contract (empty when it keeps it)."""
    status = response.status_code
    if not content_type(response).startswith(PROBLEM):
        return [f"{status} is {content_type(response)!r}, not problem+json"]
    try:
        body = response.json()
    except ValueError:
        return [f"{status} problem body is not JSON: {response.text[:120]!r}"]
    wrong: list[str] = []
    if body.get("status") != status:
        wrong.append(f"{status} problem says status {body.get('status')!r}")
    if not isinstance(body.get("title"), str) or not body["title"]:
        wrong.append(f"{status} problem has no title")
    if status == 422:
        errors = body.get("errors")
        if not errors or not all(isinstance(e, dict) and "loc" in e and "msg" in e for e in errors):
            wrong.append(f"422 problem has no errors [{{loc, msg}}]: {body!r:.200}")
    return wrong


def negates_auth(case: schemathesis.Case) -> bool:
    """Whether the only invalid part of a negative case is its Authorization header."""
    data = case.meta.phase.data if case.meta is not None else None
    mutations = getattr(data, "mutations", ())
    return bool(mutations) and all(m.parameter == "Authorization" for m in mutations)


def replace_strings(value: Any, replacements: dict[str, str]) -> None:
    """Set every string under one of `replacements`' keys, however deep, to its value."""
    if isinstance(value, list):
        for item in value:
            replace_strings(item, replacements)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in replacements and isinstance(item, str):
                value[key] = replacements[key]
            else:
                replace_strings(item, replacements)


def load_operations(schema_url: str, keep: Callable[[str], bool] = lambda _: True) -> list[Any]:
    """The operations of the OpenAPI document at `schema_url` whose path `keep` accepts."""
    schema = schemathesis.openapi.from_url(schema_url)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if keep(op.path)]


class Fuzzer:
    """Sends schemathesis cases to one service and checks every answer.

    Subclasses adapt it to their service through `modes`, `own_ids`, `plausible`,
    `prepare`, `undo` and `order`; the defaults fuzz every operation both ways, by-id
    operations with generated ids only, and undo nothing.
    """

    max_examples = 25  # per operation and generation mode
    # Least seconds between two requests without the token (the gateway limits anonymous
    # callers per IP, and the other tests log in as such callers).
    anonymous_pause = 0.0
    # Whether paths with several parameters get the own rows too (the others generated).
    own_ids_in_nested_paths = False

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False
        self.auth = {"Authorization": f"Bearer {token}"}
        self.report = FuzzReport()
        # Path parameter -> a row of the fuzzing's own, mixed into the generated ids.
        self.own_ids: dict[str, str] = {}
        self._last_anonymous = 0.0

    # -- plain requests of the fixtures around the fuzzing ------------------------------

    def get(self, path: str, **params: Any) -> Any:
        response = self.session.get(
            f"{self.base_url}{path}", headers=self.auth, params=params, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any], expected: int = 201) -> str:
        response = self.session.post(
            f"{self.base_url}{path}", headers=self.auth, json=body, timeout=30
        )
        assert response.status_code == expected, response.text
        return str(response.json()["id"])

    def restore(self, method: str, path: str, **kwargs: Any) -> None:
        """Undo one change the fuzzing made (recorded in the report)."""
        self.report.undone.append(f"{method} {path}")
        response = self.session.request(
            method, f"{self.base_url}{path}", headers=self.auth, timeout=30, **kwargs
        )
        assert response.status_code < 300, f"could not undo {method} {path}: {response.text}"

    # -- what subclasses adapt -------------------------------------------------------------

    def modes(self, method: str, path: str) -> Iterable[GenerationMode]:
        """The generation modes an operation is fuzzed with."""
        return BOTH_MODES

    def plausible(self, operation: Any, strategy: Any, mode: GenerationMode) -> Any:
        """The strategy with generated values made more realistic (unchanged by default)."""
        return strategy

    def prepare(self, case: schemathesis.Case, mode: GenerationMode) -> None:
        """Change a case just before it is sent (keep the shared stack safe)."""

    def undo(self, method: str, path: str, response: schemathesis.Response) -> None:
        """Put back what a successful write changed that other tests rely on."""

    def order(self, operation: Any) -> int:
        """Operations run in ascending order: deletes last, so the others find what
        earlier cases made."""
        return int(operation.method.upper() == "DELETE")

    # -- the fuzzing ---------------------------------------------------------------------

    def fuzz(self, operation: Any, mode: GenerationMode) -> None:
        """Run `max_examples` cases of `mode` against one operation."""
        label = f"{operation.method.upper()} {operation.path} [{mode.value}]"
        strategy = operation.as_strategy(generation_mode=mode)
        names = {p.name for p in operation.path_parameters}
        own = {name: self.own_ids[name] for name in names if name in self.own_ids}
        if own and (len(names) == 1 or self.own_ids_in_nested_paths):
            strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=own)
        strategy = self.plausible(operation, strategy, mode)

        @settings(
            max_examples=self.max_examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        @given(case=strategy)
        def run(case: schemathesis.Case) -> None:
            self.prepare(case, mode)
            self.send(case, label)

        run()

    def send(self, case: schemathesis.Case, label: str) -> None:
        """Send one case, check the answer, undo any global change it made."""
        # A case whose invalid part is the missing token goes as it is (a 401); every other
        # case carries the admin token, so its other parts reach the validation.
        headers = None if negates_auth(case) else self.auth
        if headers is None:
            self._pace_anonymous()
        try:
            response = case.call(
                base_url=self.base_url, session=self.session, headers=headers, timeout=30
            )
        except (requests.exceptions.InvalidHeader, UnicodeEncodeError, ValueError):
            return  # a header that the HTTP client itself refuses to send
        self.report.requests += 1
        self.report.statuses.setdefault(label, Counter())[response.status_code] += 1
        method, path = case.operation.method.upper(), case.operation.path
        if response.status_code < 300:
            self.undo(method, path, response)
        where = f"{case.method} {case.formatted_path} -> {response.status_code}"
        if "Traceback" in response.text:
            self.report.fail(label, f"{where}: stack trace in the answer")
        if 400 <= response.status_code < 500:
            for wrong in problem_errors(response):
                self.report.fail(label, f"{where}: {wrong}")
        try:
            case.validate_response(response, checks=CHECKS, headers=self.auth)
        except (Failure, FailureGroup) as found:
            group = found.exceptions if isinstance(found, FailureGroup) else (found,)
            for failure in group:
                message = " ".join(failure.message.split())[:200]
                self.report.fail(label, f"{where}: {failure.title}: {message}")

    def _pace_anonymous(self) -> None:
        wait = self._last_anonymous + self.anonymous_pause - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_anonymous = time.monotonic()


def fuzz_operations(
    fuzzer: Fuzzer, operations: list[Any], on_operation: Callable[[str], None] = print
) -> FuzzReport:
    """Fuzz each operation with the fuzzer's modes, in the fuzzer's order."""
    for operation in sorted(operations, key=fuzzer.order):
        fuzzer.report.operations += 1
        method, path = operation.method.upper(), operation.path
        for mode in fuzzer.modes(method, path):
            started = time.monotonic()
            fuzzer.fuzz(operation, mode)
            on_operation(f"{method} {path} [{mode.value}] {time.monotonic() - started:.1f}s")
    return fuzzer.report


def sampled_or_generated(strategy: Any, pick: st.SearchStrategy[Any], apply: Any) -> Any:
    """`strategy`, where about half the cases get `apply(case, picked)` of a `pick`."""
    return st.tuples(strategy, pick, st.booleans()).map(
        lambda drawn: apply(drawn[0], drawn[1]) if drawn[2] else drawn[0]
    )
