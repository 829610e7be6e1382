"""A lean keep-alive HTTP/1.1 transport for the shared httpx client.

httpcore's pool (httpx's default transport) checks every pooled connection, with a
`poll()` system call each, on every request: with 50 concurrent requests that cost more
than everything else in the gateway together; `pool.OriginPool` does it in O(1).
Plain `http://` only: services sit on the internal network.
"""

from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import httpx

from crm_gateway.proxy.http11 import Http11Connection
from crm_gateway.proxy.pool import OriginPool


class Exchange:
    """A response whose headers are in and whose body is still to be read."""

    __slots__ = ("_conn", "_pool", "_released", "_timeout", "headers", "status")

    def __init__(self, conn: Http11Connection, pool: OriginPool, timeout: float | None):
        self.status, self.headers = conn.status, conn.headers
        self._conn, self._pool, self._timeout = conn, pool, timeout
        self._released = False

    def body(self) -> AsyncIterator[bytes]:
        """The body chunks as they arrive."""
        return self._conn.receive_body(self._timeout)

    def release(self) -> None:
        """Give the connection back (kept alive only if the body was read to the end)."""
        if not self._released:
            self._released = True
            self._pool.release(self._conn)


class _ResponseBody(httpx.AsyncByteStream):
    def __init__(self, exchange: Exchange) -> None:
        self._exchange = exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._exchange.body():
            yield chunk

    async def aclose(self) -> None:
        self._exchange.release()


def _request_head(request: httpx.Request) -> bytes:
    lines = [request.method.encode(), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    for name, value in request.headers.raw:
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines)


class PooledHttp11Transport(httpx.AsyncBaseTransport):
    """httpx transport with one small O(1) keep-alive pool per service."""

    def __init__(self, *, max_connections_per_host: int) -> None:
        self._limit = max_connections_per_host
        self._pools: dict[tuple[str, int], OriginPool] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` and return the response with its body still to be streamed."""
        url = request.url
        if url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"Only http:// is supported, not {url.scheme}://")
        body: Any = request.stream
        if isinstance(body, httpx.ByteStream):
            body = request.content
        exchange = await self.exchange(
            (url.host, url.port or 80),
            _request_head(request),
            body,
            chunked=request.headers.get("transfer-encoding") == "chunked",
            head_only=request.method == "HEAD",
            timeouts=request.extensions.get("timeout", {}),
        )
        return httpx.Response(
            exchange.status,
            headers=exchange.headers,
            stream=_ResponseBody(exchange),
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def exchange(
        self,
        origin: tuple[str, int],
        head: bytes,
        body: bytes | AsyncIterable[bytes],
        *,
        chunked: bool,
        head_only: bool,
        timeouts: dict[str, Any],
    ) -> Exchange:
        """Send a request already rendered as bytes; the proxy's path, below httpx's models.

        `chunked` says the head announced `Transfer-Encoding: chunked` for a streamed body.
        """
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = OriginPool(origin[0], origin[1], self._limit)
        replayable = isinstance(body, bytes) and _may_resend(head)
        attempt = 0
        while True:
            conn, reused = await pool.acquire(timeouts)
            try:
                await conn.send(
                    head,
                    body,
                    chunked=chunked and not replayable,
                    head_only=head_only,
                    write_timeout=timeouts.get("write"),
                )
                await conn.receive_headers(timeouts.get("read"))
            except httpx.RemoteProtocolError:
                pool.discard(conn)
                # A kept-alive connection closed just as we reused it. Probably the service
                # never saw the request, but that is not proof (it may have committed, then
                # died): resend only what is safe to repeat (RFC 9110 §9.2.2).
                if reused and replayable and not conn.received_any and attempt == 0:
                    attempt += 1
                    continue
                raise
            except BaseException:
                pool.discard(conn)
                raise
            return Exchange(conn, pool, timeouts.get("read"))

    async def aclose(self) -> None:
        """Close every idle connection."""
        for pool in self._pools.values():
            for conn in list(pool.idle):
                pool.discard(conn)


_IDEMPOTENT_METHODS = (b"GET ", b"HEAD ", b"OPTIONS ", b"PUT ", b"DELETE ")


def _may_resend(head: bytes) -> bool:
    """Idempotent methods, and a POST or PATCH that carries an Idempotency-Key."""
    if head.startswith(_IDEMPOTENT_METHODS):
        return True
    return b"\r\nidempotency-key:" in head.lower()
