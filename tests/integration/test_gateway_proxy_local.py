"""The proxy path of an in-process gateway in front of fake services.

It shares the session stack's gateway database and broker, but routes to local fakes: an
echo service, a port nobody listens on, a service that never answers and one that answers
garbage, so that every failure the proxy maps to a status can be made to happen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from crm_cli.stack import Stack
from crm_gateway.app import create_app
from crm_gateway.settings import GatewaySettings
from crm_shared.auth import issue_token

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
REQUESTS: list[dict[str, Any]] = []


async def echo_service(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Echoes what reached it; remembers every request (to prove rejected ones did not)."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
        "body": body.decode(),
    }
    REQUESTS.append(seen)
    if scope["path"].endswith("/big"):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(20):
            await send({"type": "http.response.body", "body": b"x" * 100_000, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    out = orjson.dumps(seen)
    headers = [
        (b"content-type", b"application/json"),
        (b"x-service", b"echo"),
        (b"connection", b"keep-alive"),
    ]
    await send({"type": "http.response.start", "status": 201, "headers": headers})
    await send({"type": "http.response.body", "body": out})


@contextlib.asynccontextmanager
async def _echo() -> AsyncIterator[str]:
    import uvicorn

    config = uvicorn.Config(
        echo_service, host="127.0.0.1", port=0, lifespan="off", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(10)
    writer.close()


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"this is not http\r\n\r\n")
    writer.close()


def _closed_port_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="module")
async def local(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on an in-process gateway: contacts=echo, sales=closed port,
    marketing=silent, contracts=garbage; default limit 5 requests (burst) per principal."""
    silent = await asyncio.start_server(_silent, "127.0.0.1", 0)
    garbage = await asyncio.start_server(_garbage, "127.0.0.1", 0)
    async with _echo() as echo_url:
        settings = GatewaySettings(
            database_url=stack.database_urls["gateway"],
            jwt_secret=stack.jwt_secret,
            kafka_bootstrap_servers=stack.kafka_bootstrap,
            contacts_url=echo_url,
            sales_url=_closed_port_url(),
            marketing_url=f"http://127.0.0.1:{silent.sockets[0].getsockname()[1]}",
            contracts_url=f"http://127.0.0.1:{garbage.sockets[0].getsockname()[1]}",
            analytics_url=_closed_port_url(),
            proxy_timeout=0.5,
            rate_limit_rps=0.01,
            rate_limit_burst=5,
            admin_email=None,
        )
        app = create_app(settings)
        api: Any = app.app
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 4567))
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield client
    silent.close()
    garbage.close()


def _token(stack: Stack, subject: str, roles: list[str]) -> dict[str, str]:
    token = issue_token(stack.jwt_secret, subject=subject, email=None, roles=roles)
    return {"Authorization": f"Bearer {token}"}


def _is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers["content-type"] == "application/problem+json"
        and response.json()["status"] == status
    )


async def test_request_reaches_service_with_auth_ids_and_trace(
    local: httpx.AsyncClient, stack: Stack
) -> None:
    headers = {
        **_token(stack, "user-forwarded", ["sales"]),
        "X-Request-ID": "req-123",
        "traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01",
        "X-API-Key-Not": "kept",
        "Connection": "keep-alive, x-hop",
        "X-Hop": "dropped",
    }
    response = await local.post(
        "/api/v1/contacts/a%2Fb?limit=5&q=x", content=b'{"a":1}', headers=headers
    )
    assert response.status_code == 201
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/api/v1/contacts/a/b"
    assert seen["query"] == "limit=5&q=x"
    assert seen["body"] == '{"a":1}'
    assert seen["headers"]["authorization"] == headers["Authorization"]
    assert seen["headers"]["x-request-id"] == "req-123"
    assert seen["headers"]["x-forwarded-for"] == "10.1.2.3"
    assert seen["headers"]["x-api-key-not"] == "kept"
    assert "x-hop" not in seen["headers"]
    version, trace_id, parent_id, _ = seen["headers"]["traceparent"].split("-")
    assert (version, trace_id) == ("00", TRACE_ID)
    assert parent_id != "00f067aa0ba902b7"  # the gateway's own span id
    assert response.headers["x-service"] == "echo"
    assert response.headers["x-request-id"] == "req-123"
    assert "connection" not in response.headers


async def test_request_id_is_generated_when_absent(local: httpx.AsyncClient, stack: Stack) -> None:
    response = await local.get("/api/v1/companies", headers=_token(stack, "user-rid", ["sales"]))
    generated = response.headers["x-request-id"]
    assert len(generated) == 32
    assert response.json()["headers"]["x-request-id"] == generated
    assert response.headers["traceparent"].startswith("00-")


async def test_large_response_is_streamed_through(local: httpx.AsyncClient, stack: Stack) -> None:
    headers = _token(stack, "user-big", ["sales"])
    async with local.stream("GET", "/api/v1/contacts/big", headers=headers) as response:
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    assert response.status_code == 200
    assert body == b"x" * 2_000_000


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic YTpi"}],
    ids=["no-token", "bad-token", "basic-auth"],
)
async def test_unauthenticated_requests_never_reach_the_service(
    local: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    before = len(REQUESTS)
    response = await local.post("/api/v1/contacts", content=b"{}", headers=headers)
    assert _is_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["x-request-id"]
    assert len(REQUESTS) == before


async def test_expired_token_is_refused(local: httpx.AsyncClient, stack: Stack) -> None:
    token = issue_token(stack.jwt_secret, subject="old", email=None, roles=[], ttl_seconds=-10)
    response = await local.get("/api/v1/contacts", headers={"Authorization": f"Bearer {token}"})
    assert _is_problem(response, 401)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/deals", 503), ("/api/v1/segments", 504), ("/api/v1/contracts", 502)],
    ids=["service-down", "service-silent", "service-garbage"],
)
async def test_failing_services_give_gateway_problems(
    local: httpx.AsyncClient, stack: Stack, path: str, status: int
) -> None:
    response = await local.get(path, headers=_token(stack, f"user-{status}", ["admin"]))
    assert _is_problem(response, status)
    assert response.headers["traceparent"].startswith("00-")


async def test_unknown_api_path_is_a_404_problem(local: httpx.AsyncClient, stack: Stack) -> None:
    response = await local.get("/api/v1/no-such-thing", headers=_token(stack, "u404", ["admin"]))
    assert _is_problem(response, 404)


async def test_rate_limit_per_principal_gives_429_with_retry_after(
    local: httpx.AsyncClient, stack: Stack
) -> None:
    noisy, quiet = _token(stack, "user-noisy", ["sales"]), _token(stack, "user-quiet", ["sales"])
    statuses = [(await local.get("/api/v1/contacts", headers=noisy)).status_code for _ in range(7)]
    assert statuses[:5] == [201] * 5
    assert statuses[5:] == [429, 429]
    limited = await local.get("/api/v1/contacts", headers=noisy)
    assert _is_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert (await local.get("/api/v1/contacts", headers=quiet)).status_code == 201
