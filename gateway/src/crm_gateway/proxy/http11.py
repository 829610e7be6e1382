"""One keep-alive HTTP/1.1 client connection: an asyncio Protocol parsed by httptools.

One exchange at a time. Waiting is done on plain futures with `call_later` timeouts, which
is the cheapest way asyncio offers: this runs once or twice for every proxied request.
"""

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import cast

import httptools
import httpx

# Stop reading from the socket while this much response body waits for a slow client.
_HIGH_WATER = 512 * 1024


class Http11Connection(asyncio.Protocol):
    """A client connection; `on_lost` is called once when the socket closes."""

    def __init__(self, on_lost: Callable[["Http11Connection"], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_lost = on_lost
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._write_paused = False
        self.closed = False
        self.counted = True  # still counted against its pool's connection limit
        self._begin(head_only=False)

    def _begin(self, *, head_only: bool) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.keep_alive = True
        self.received_any = False
        self.error: Exception | None = None
        self._head_only = head_only
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._reading_paused = False

    # --- asyncio.Protocol -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports quack like asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"Invalid HTTP response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.complete:
            self._fail(httpx.RemoteProtocolError("Server disconnected before the response ended"))
        self._on_lost(self)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake()

    # --- httptools callbacks ----------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self.keep_alive = bool(self._parser.should_keep_alive())
        self.headers_done = True
        if self._head_only:  # a HEAD answer has no body, whatever its headers say
            self.complete, self.keep_alive = True, False
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > _HIGH_WATER and self._transport and not self._reading_paused:
            self._reading_paused = True
            self._transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.complete = True
        self._wake()

    # --- waiting ----------------------------------------------------------------------
    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        self.error = self.error or exc
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)

    async def _wait(self, timeout: float | None, timeout_error: type[Exception]) -> None:
        if self.error is not None:
            raise self.error
        waiter = self._waiter = self._loop.create_future()
        timer = None
        if timeout is not None:
            timer = self._loop.call_later(timeout, _expire, waiter, timeout_error)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    # --- one exchange -----------------------------------------------------------------
    async def send(
        self,
        head: bytes,
        body: bytes | AsyncIterable[bytes],
        *,
        chunked: bool,
        head_only: bool,
        write_timeout: float | None,
    ) -> None:
        """Write the request; a streamed body is written as it arrives, with backpressure."""
        self._begin(head_only=head_only)
        transport = self._transport
        if transport is None or self.closed:
            raise httpx.RemoteProtocolError("Connection closed")
        if isinstance(body, bytes):
            transport.write(head + body)
            return
        transport.write(head)
        async for chunk in body:
            if self.closed:
                raise self.error or httpx.WriteError("Connection closed while sending")
            if chunk:
                transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            while self._write_paused and not self.closed:
                await self._wait(write_timeout, httpx.WriteTimeout)
        if chunked:
            transport.write(b"0\r\n\r\n")

    async def receive_headers(self, timeout: float | None) -> None:
        """Wait until the status line and headers are in."""
        while not self.headers_done:
            await self._wait(timeout, httpx.ReadTimeout)

    async def receive_body(self, timeout: float | None) -> AsyncIterator[bytes]:
        """The body chunks as they arrive."""
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                if self._reading_paused and self._buffered < _HIGH_WATER // 2 and self._transport:
                    self._reading_paused = False
                    self._transport.resume_reading()
                yield chunk
            elif self.complete:
                return
            else:
                await self._wait(timeout, httpx.ReadTimeout)

    def reusable(self) -> bool:
        """True when the last exchange ended cleanly and the server keeps the connection."""
        return self.complete and self.keep_alive and not self.closed and self.error is None

    def close(self) -> None:
        """Close the socket (on_lost follows from the event loop)."""
        if self._transport is not None and not self._transport.is_closing():
            self._transport.close()


def _expire(waiter: asyncio.Future[None], error: type[Exception]) -> None:
    if not waiter.done():
        waiter.set_exception(error("Timed out waiting for the service"))
