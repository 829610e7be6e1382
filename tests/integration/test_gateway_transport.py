"""The gateway's keep-alive HTTP/1.1 transport, against real local servers (no stack)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from crm_gateway.proxy.client import new_client

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
CHUNK = 64 * 1024


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """/big?n=N streams N bytes in chunks; /empty is 204; anything else echoes the request."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/big":
        size = int(scope["query_string"].decode().split("=")[1])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for offset in range(0, size, CHUNK):
            chunk = bytes([offset // CHUNK % 251]) * min(CHUNK, size - offset)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    if scope["path"] == "/empty":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    out = orjson.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
            "length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "client_port": scope["client"][1],
        }
    )
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(out))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": out})


@contextlib.asynccontextmanager
async def serve(app: Asgi, **options: Any) -> AsyncIterator[str]:
    """Run `app` with uvicorn on a free loopback port; yield its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_config=None, access_log=False, **options
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def raw_server(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[str]:
    """A bare TCP server (for misbehaving services); yield its base URL."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    client = new_client(max_connections=4, connect_timeout=1.0, timeout=1.0)
    try:
        yield client
    finally:
        await client.aclose()


async def test_get_post_and_keep_alive_reuse(client: httpx.AsyncClient) -> None:
    async with serve(echo_app) as url:
        first = await client.get(f"{url}/x/y?a=1&b=%20")
        second = await client.post(f"{url}/p", content=b"hello", headers={"X-Thing": "1"})
    assert first.status_code == 200
    assert first.json()["path"] == "/x/y"
    assert first.json()["query"] == "a=1&b=%20"
    echoed = second.json()
    assert echoed["method"] == "POST"
    assert echoed["length"] == 5
    assert ["x-thing", "1"] in echoed["headers"]
    # httpx's default Accept-Encoding/User-Agent are not added by the proxy's client.
    assert not any(name in ("accept-encoding", "user-agent") for name, _ in echoed["headers"])
    # Sequential requests reuse one kept-alive connection (same client port).
    assert first.json()["client_port"] == echoed["client_port"]


async def test_streamed_upload_is_sent_chunked_and_arrives_whole(
    client: httpx.AsyncClient,
) -> None:
    parts = [b"a" * 100_000, b"b" * 7, b"", b"c" * 300_000]

    async def body() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    async with serve(echo_app) as url:
        response = await client.post(f"{url}/upload", content=body())
    echoed = response.json()
    assert echoed["length"] == sum(map(len, parts))
    assert echoed["sha256"] == hashlib.sha256(b"".join(parts)).hexdigest()
    assert ["transfer-encoding", "chunked"] in echoed["headers"]


async def test_large_response_streams_in_many_chunks(client: httpx.AsyncClient) -> None:
    size = 3 * 1024 * 1024 + 17
    async with serve(echo_app) as url, client.stream("GET", f"{url}/big?n={size}") as response:
        chunks = [chunk async for chunk in response.aiter_raw()]
    assert sum(map(len, chunks)) == size
    assert len(chunks) > 1


async def test_head_and_no_content_leave_the_connection_usable(
    client: httpx.AsyncClient,
) -> None:
    async with serve(echo_app) as url:
        head = await client.head(f"{url}/anything")
        empty = await client.delete(f"{url}/empty")
        after = await client.get(f"{url}/after")
    assert head.status_code == 200
    assert head.content == b""
    assert empty.status_code == 204
    assert after.json()["path"] == "/after"


async def test_connection_closed_by_idle_server_is_replaced(client: httpx.AsyncClient) -> None:
    async with serve(echo_app, timeout_keep_alive=1) as url:
        first = await client.post(f"{url}/one", content=b"1")
        await asyncio.sleep(1.5)  # the server has closed the idle connection by now
        second = await client.post(f"{url}/two", content=b"2")
    assert second.status_code == 200
    assert second.json()["client_port"] != first.json()["client_port"]


async def test_pool_limit_queues_requests_without_losing_any(client: httpx.AsyncClient) -> None:
    async with serve(echo_app) as url:
        responses = await asyncio.gather(*(client.get(f"{url}/n/{i}") for i in range(40)))
    assert [r.json()["path"] for r in responses] == [f"/n/{i}" for i in range(40)]
    assert len({r.json()["client_port"] for r in responses}) <= 4


async def test_refused_connection_is_a_connect_error(client: httpx.AsyncClient) -> None:
    async with raw_server(lambda r, w: asyncio.sleep(0)) as url:
        pass  # closed again: nothing listens on this port now
    with pytest.raises(httpx.ConnectError):
        await client.get(f"{url}/x")


async def test_silent_server_is_a_read_timeout(client: httpx.AsyncClient) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    async with raw_server(silent) as url:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(f"{url}/x")


async def test_garbage_answer_is_a_protocol_error(client: httpx.AsyncClient) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SPLAT / NOT HTTP\r\n\r\n")
        await writer.drain()
        writer.close()

    async with raw_server(garbage) as url:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{url}/x")


async def test_server_closing_mid_body_is_an_error(client: httpx.AsyncClient) -> None:
    async def truncated(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly-some")
        await writer.drain()
        writer.close()

    async with raw_server(truncated) as url:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"{url}/x")
