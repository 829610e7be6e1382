"""Pure ASGI middleware every service runs: request ids, trace headers, metrics, body limit."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

import structlog
from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.problems import ProblemError, send_problem, unexpected_problem
from crm_shared.telemetry import current_traceparent

REQUEST_SECONDS = Histogram(
    "crm_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route", "status"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Gives every response `X-Request-ID` and `traceparent`, and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (_header(scope, b"x-request-id") or uuid.uuid4().hex)[:128]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status: int | None = None  # set once the response has started

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                traceparent = current_traceparent()
                if traceparent:
                    headers.append((b"traceparent", traceparent.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # Answer here rather than in Starlette's outer error middleware, so that even
            # a 500 carries X-Request-ID and traceparent, and its log line the request id.
            if status is not None:
                raise
            problem = unexpected_problem(exc, scope.get("query_string", b""))
            await send_problem(send_with_headers, problem)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            REQUEST_SECONDS.labels(scope["method"], path, str(status or 500)).observe(
                time.perf_counter() - started
            )
            structlog.contextvars.unbind_contextvars("request_id")


_TOO_LARGE = ProblemError(413, detail="The request body is too large")


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413, whether or not they say their size.

    `streamed` maps exact paths (bulk uploads) to a larger limit of their own. Their
    routes read the body as a stream, so it is counted as it passes instead of being read
    up front; going over the limit raises a 413 ProblemError inside the route's read.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, streamed: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.streamed = dict(streamed or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        streamed_limit = self.streamed.get(scope["path"])
        limit = self.max_bytes if streamed_limit is None else streamed_limit
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_problem(send, _TOO_LARGE)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # the server enforces Content-Length
            return
        if streamed_limit is not None:
            await self.app(scope, _counting(receive, limit), send)
            return
        # A body of unannounced size (chunked): read it, up to the limit, before the app.
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await send_problem(send, _TOO_LARGE)
                return
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def _counting(receive: Receive, limit: int) -> Receive:
    """`receive`, raising a 413 problem once the body passes `limit` bytes."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise _TOO_LARGE
        return message

    return counted
