"""crm_shared HTTP pieces: problem+json, pagination, If-Match, body limit, auth."""

from __future__ import annotations

import time

import asyncpg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, EmailStr

from crm_shared.auth import CurrentPrincipal, issue_token, require_roles, verify_token
from crm_shared.middleware import BodyLimitMiddleware
from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError, install_problem_handlers, unexpected_problem
from crm_shared.versioning import check_version, parse_if_match

SECRET = "unit-test-secret-that-is-long-enough"


class Settings:
    jwt_issuer = "crm-gateway"
    jwt_audience = "crm"

    def jwt_key(self) -> str:
        return SECRET


class Body(BaseModel):
    email: EmailStr


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings()
    install_problem_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"email": body.email}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"sub": principal.subject}

    @app.get("/sales-only", dependencies=[require_roles("sales")])
    async def sales_only() -> dict[str, bool]:
        return {"ok": True}

    app.add_middleware(BodyLimitMiddleware, max_bytes=1000)
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app(), raise_server_exceptions=False)


def token(roles: list[str], ttl: int = 60) -> str:
    return issue_token(SECRET, subject="u1", email="u@x.io", roles=roles, ttl_seconds=ttl)


def test_validation_error_is_problem_json_with_errors(client: TestClient) -> None:
    response = client.post("/things", json={"email": "not-an-email"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["loc"] == ["body", "email"]


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/things", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_unexpected_error_hides_internals(client: TestClient) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert response.json()["title"] == "Internal Server Error"


def test_unknown_route_is_problem_404(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_body_over_limit_is_413(client: TestClient) -> None:
    response = client.post("/things", json={"email": "a@b.io" + "x" * 2000})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_missing_and_bad_tokens_are_401(client: TestClient) -> None:
    assert client.get("/me").status_code == 401
    bad = client.get("/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    ok = client.get("/me", headers={"Authorization": f"Bearer {token(['sales'])}"})
    assert ok.json() == {"sub": "u1"}


def test_roles_are_checked_and_admin_passes(client: TestClient) -> None:
    def call(roles: list[str]) -> int:
        headers = {"Authorization": f"Bearer {token(roles)}"}
        return client.get("/sales-only", headers=headers).status_code

    assert call(["marketing"]) == 403
    assert call(["sales"]) == 200
    assert call(["admin"]) == 200


def test_expired_token_and_wrong_audience_rejected() -> None:
    expired = token(["sales"], ttl=-10)
    with pytest.raises(ProblemError) as info:
        verify_token(SECRET, expired, issuer="crm-gateway", audience="crm")
    assert info.value.status == 401
    fresh = token(["sales"])
    with pytest.raises(ProblemError):
        verify_token(SECRET, fresh, issuer="crm-gateway", audience="other")
    principal = verify_token(SECRET, fresh, issuer="crm-gateway", audience="crm")
    assert principal.roles == frozenset({"sales"})
    assert not principal.is_admin
    assert time.time() > 0


def test_cursor_round_trip_and_rejects_garbage() -> None:
    cursor = encode_cursor("2026-01-01T00:00:00Z", "a1")
    assert decode_cursor(cursor, 2) == ("2026-01-01T00:00:00Z", "a1")
    for garbage in ("%%%", "bm90IGpzb24", encode_cursor(1, 2, 3)):
        with pytest.raises(ProblemError) as info:
            decode_cursor(garbage, 2)
        assert info.value.status == 400


@pytest.mark.parametrize(
    ("header", "expected"), [(None, None), ("3", 3), ('"3"', 3), ('W/"12"', 12), ("*", None)]
)
def test_if_match_parsing(header: str | None, expected: int | None) -> None:
    assert parse_if_match(header) == expected


def test_if_match_malformed_and_stale() -> None:
    with pytest.raises(ProblemError) as info:
        parse_if_match("abc")
    assert info.value.status == 400
    with pytest.raises(ProblemError) as stale:
        check_version(2, 3)
    assert stale.value.status == 412
    check_version(3, 3)
    check_version(None, 3)


def test_a_value_the_database_cannot_store_is_a_422_naming_the_body() -> None:
    try:
        try:
            raise asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence 0x00")
        except asyncpg.DataError as cause:
            raise RuntimeError("flush failed") from cause
    except RuntimeError as exc:
        problem = unexpected_problem(exc)
    assert problem.status == 422
    assert problem.errors == [{"loc": ["body"], "msg": problem.detail}]


def test_a_nul_in_a_query_parameter_is_a_422_naming_the_parameter() -> None:
    try:
        try:
            raise asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence 0x00")
        except asyncpg.DataError as cause:
            raise RuntimeError("query failed") from cause
    except RuntimeError as exc:
        problem = unexpected_problem(exc, b"limit=5&q=a%00b")
    assert problem.status == 422
    assert problem.errors == [{"loc": ["query", "q"], "msg": problem.detail}]
