"""The body limit's allowance for streamed uploads: larger bodies on the named path only,
counted as the route reads them (never buffered), 413 past the allowance."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from crm_shared.middleware import BodyLimitMiddleware
from crm_shared.problems import install_problem_handlers

LIMIT, ALLOWANCE = 1_000, 10_000


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        size, chunks = 0, 0
        async for chunk in request.stream():
            size, chunks = size + len(chunk), chunks + 1
        return {"size": size, "chunks": chunks}

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT, streamed={"/upload": ALLOWANCE})
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app(), raise_server_exceptions=False)


def pieces(total: int, size: int = 500) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_the_upload_path_takes_bodies_over_the_ordinary_limit(client: TestClient) -> None:
    sized = client.post("/upload", content=b"x" * 5_000)
    assert sized.status_code == 200
    assert sized.json()["size"] == 5_000
    streamed = client.post("/upload", content=pieces(5_000))  # chunked, no Content-Length
    assert streamed.status_code == 200
    assert streamed.json()["size"] == 5_000


async def test_a_streamed_body_reaches_the_route_chunk_by_chunk() -> None:
    consumed: list[int] = []
    sent: list[Message] = []

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            consumed.append(len(message["body"]))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def client_body() -> Message:
        # The route has read every earlier chunk before the next one is even asked for.
        index = len(consumed)
        return {"type": "http.request", "body": b"x" * 500, "more_body": index < 9}

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = BodyLimitMiddleware(route, max_bytes=LIMIT, streamed={"/upload": ALLOWANCE})
    scope = {"type": "http", "method": "POST", "path": "/upload", "headers": []}
    await middleware(scope, client_body, send)
    assert consumed == [500] * 10
    assert sent[0]["status"] == 204


def test_past_the_allowance_is_a_413_whether_declared_or_not(client: TestClient) -> None:
    for content in (b"x" * (ALLOWANCE + 1), pieces(ALLOWANCE + 1)):
        response = client.post("/upload", content=content)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"


def test_other_paths_keep_the_ordinary_limit(client: TestClient) -> None:
    assert client.post("/small", content=b"x" * LIMIT).status_code == 200
    assert client.post("/small", content=b"x" * (LIMIT + 1)).status_code == 413
    assert client.post("/small", content=pieces(LIMIT + 1)).status_code == 413
