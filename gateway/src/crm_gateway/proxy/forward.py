"""Streaming forwarder: one ASGI request to one service and the answer back, unchanged.

It renders the request head itself and hands it to the shared client's transport (the
`exchange` method below httpx's Request/Response models): the client layer's cookie jar,
redirects, auth flow, default headers and header normalisation are all things a proxy must
not apply, and skipping them is most of what the proxy hop would otherwise cost.
"""

from collections.abc import AsyncIterator, Mapping

import httpx
import structlog
from starlette.types import Receive, Scope, Send

from crm_gateway.proxy.headers import Headers, downstream_headers, request_head
from crm_gateway.proxy.transport import PooledHttp11Transport
from crm_shared.problems import ProblemError

_log = structlog.get_logger("crm.gateway.proxy")


class ClientDisconnectedError(Exception):
    """The caller went away while its request body was still arriving."""


async def _request_body(receive: Receive) -> bytes | AsyncIterator[bytes]:
    """The body as bytes when it arrived in one message (the common case), else a stream."""
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnectedError
    first = message.get("body", b"")
    if not message.get("more_body", False):
        return first

    async def stream() -> AsyncIterator[bytes]:
        yield first
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnectedError
            yield message.get("body", b"")
            more = message.get("more_body", False)

    return stream()


def _problem_for(exc: httpx.HTTPError, service: str) -> ProblemError:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return ProblemError(503, detail=f"The {service} service is not available")
    if isinstance(exc, httpx.TimeoutException):
        return ProblemError(504, detail=f"The {service} service did not answer in time")
    return ProblemError(502, detail=f"The {service} service gave no valid answer")


class Forwarder:
    """Forwards requests to service base URLs over the shared client's connection pools."""

    def __init__(self, client: httpx.AsyncClient, base_urls: Mapping[str, str]) -> None:
        transport = client._transport  # see the module docstring
        if not isinstance(transport, PooledHttp11Transport):
            raise TypeError("the proxy needs the client made by proxy.client.new_client")
        self._transport = transport
        self._timeouts = client.timeout.as_dict()
        self._origins: dict[str, tuple[tuple[str, int], bytes, bytes]] = {}
        for name, base in base_urls.items():
            url = httpx.URL(base)
            if url.scheme != "http":
                raise ValueError(f"{name}: only http:// service URLs are supported, not {base}")
            prefix = url.raw_path.rstrip(b"/")
            self._origins[name] = ((url.host, url.port or 80), url.netloc, prefix)

    async def forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        service: str,
        headers: Headers,
        request_id: str,
        traceparent: str | None,
    ) -> int:
        """Forward the request, stream the response back, return the status sent.

        Raises ProblemError (502/503/504) when nothing was sent yet and the service failed.
        """
        origin, host, prefix = self._origins[service]
        target = prefix + (scope.get("raw_path") or scope["path"].encode())
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        body = await _request_body(receive)
        method = scope["method"]
        head, chunked = request_head(
            method, target, host, headers, body if isinstance(body, bytes) else None
        )
        try:
            exchange = await self._transport.exchange(
                origin,
                head,
                body,
                chunked=chunked,
                head_only=method == "HEAD",
                timeouts=self._timeouts,
            )
        except httpx.HTTPError as exc:
            _log.warning(
                "upstream failed", upstream=service, error=repr(exc), request_id=request_id
            )
            raise _problem_for(exc, service) from exc
        try:
            response_headers = downstream_headers(
                exchange.headers, request_id=request_id, traceparent=traceparent
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": exchange.status,
                    "headers": response_headers,
                }
            )
            await _stream_body(exchange.body(), send)
        finally:
            exchange.release()
        return exchange.status


async def _stream_body(chunks: AsyncIterator[bytes], send: Send) -> None:
    """Send the body as it arrives; a one-chunk body goes out as a single message."""
    pending = b""
    try:
        async for chunk in chunks:
            if chunk:
                if pending:
                    await send({"type": "http.response.body", "body": pending, "more_body": True})
                pending = chunk
    except httpx.HTTPError as exc:
        # Headers are out already; all we can do is cut the response short.
        _log.warning("upstream broke off mid-response", error=repr(exc))
        raise
    await send({"type": "http.response.body", "body": pending, "more_body": False})
