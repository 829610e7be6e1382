"""A keep-alive pool of HTTP/1.1 connections to one host:port, O(1) per request.

The most recently used idle connection is handed out first (it is the least likely to have
been closed by the server); connections closed while idle are dropped as the event loop
reports them, never probed.
"""

import asyncio
from collections import deque
from typing import Any

import httpx

from crm_gateway.proxy.http11 import Http11Connection


class OriginPool:
    """Connections to one host:port, at most `limit` of them."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port, self.limit = host, port, limit
        self.count = 0
        self.idle: list[Http11Connection] = []
        self.waiters: deque[asyncio.Future[Http11Connection | None]] = deque()

    async def acquire(self, timeouts: dict[str, Any]) -> tuple[Http11Connection, bool]:
        """A connection and whether it was used before (so may be stale)."""
        while self.idle:
            conn = self.idle.pop()
            if not conn.closed:
                return conn, True
        if self.count >= self.limit:
            handed = await self._wait_for_slot(timeouts.get("pool"))
            if handed is not None:
                return handed, True
        self.count += 1
        try:
            return await self._connect(timeouts.get("connect")), False
        except BaseException:
            self.count -= 1
            self._pass_slot()
            raise

    async def _wait_for_slot(self, timeout: float | None) -> Http11Connection | None:
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except TimeoutError as exc:
            raise httpx.PoolTimeout("No free connection to the service") from exc
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and (conn := waiter.result()):
                self.release(conn)  # handed to us just as we were cancelled
            raise

    async def _connect(self, timeout: float | None) -> Http11Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: Http11Connection(self.lost), self.host, self.port
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(f"Connecting to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(f"Cannot connect to {self.host}:{self.port}: {exc}") from exc
        return conn

    def release(self, conn: Http11Connection) -> None:
        """Take a connection back after an exchange: keep it if reusable, else close it."""
        if not conn.reusable():
            self.discard(conn)
            return
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self.idle.append(conn)

    def discard(self, conn: Http11Connection) -> None:
        """Close a connection and free its slot."""
        conn.close()
        self.lost(conn)

    def lost(self, conn: Http11Connection) -> None:
        """The socket closed (or is being closed): forget it, once."""
        if not conn.counted:
            return
        conn.counted = False
        self.count -= 1
        if conn in self.idle:
            self.idle.remove(conn)
        self._pass_slot()

    def _pass_slot(self) -> None:
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the waiter opens a connection itself
                return
