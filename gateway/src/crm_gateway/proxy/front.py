"""The pure ASGI layer in front of the gateway app, on every `/api/v1` request.

It is the outermost ASGI app. It identifies the caller (bearer JWT or X-API-Key), applies
the rate limit, and either forwards to the owning service or hands the request to the
gateway's own routes (with an API key swapped for a minted JWT, so those routes only know
JWTs too). Proxied requests never enter FastAPI: no routing, no dependency injection, no
middleware stack, no telemetry wrapper (the gateway's own span is made by `tracing`).
"""

import time

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_gateway.domain.routing import API_PREFIX, RoutingTable
from crm_gateway.proxy.forward import ClientDisconnectedError, Forwarder
from crm_gateway.proxy.gatekeeper import Gatekeeper
from crm_gateway.proxy.headers import request_id_from, upstream_headers
from crm_gateway.proxy.identity import Identity
from crm_gateway.proxy.problems import send_problem
from crm_gateway.proxy.tracing import ProxyTracing
from crm_shared.middleware import REQUEST_SECONDS
from crm_shared.problems import ProblemError


class GatewayFront:
    """Identity, rate limit and routing for `/api/v1/*`; everything else passes through.

    This is the ASGI app uvicorn serves; `app` is the gateway's FastAPI app behind it.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        table: RoutingTable,
        gatekeeper: Gatekeeper,
        tracing: ProxyTracing,
    ) -> None:
        self.app = app
        self.table = table
        self.gatekeeper = gatekeeper
        self.tracing = tracing
        self.forwarder: Forwarder | None = None  # set while the app's lifespan runs
        self._routes = {seg: f"{API_PREFIX}{seg}" for seg in table.owners}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        authorization = api_key = request_id = parent = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"x-api-key":
                api_key = value
            elif name == b"x-request-id":
                request_id = value
            elif name == b"traceparent":
                parent = value
        rid = request_id_from(request_id)
        segment = scope["path"][len(API_PREFIX) :].split("/", 1)[0]
        service = self.table.owners.get(segment)
        try:
            identity = await self.gatekeeper.admit(
                scope, authorization, api_key, required=service is not None
            )
        except ProblemError as problem:
            route = self._routes.get(segment, API_PREFIX)
            span, traceparent = self.tracing.start(scope["method"], route, parent)
            await send_problem(send, problem, request_id=rid, traceparent=traceparent)
            self.tracing.finish(span, problem.status)
            return
        if service is None:
            await self.app(_with_identity(scope, identity, api_key), receive, send)
            return
        assert identity is not None  # required=True above
        await self._proxy(scope, receive, send, service, segment, identity, rid, parent)

    async def _proxy(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        service: str,
        segment: str,
        identity: Identity,
        rid: str,
        incoming_traceparent: bytes | None,
    ) -> None:
        started = time.perf_counter()
        route = self._routes[segment]
        span, traceparent = self.tracing.start(scope["method"], route, incoming_traceparent)
        client = scope.get("client")
        headers = upstream_headers(
            scope["headers"],
            token=identity.token,
            request_id=rid,
            traceparent=traceparent,
            client=client[0] if client else None,
        )
        status = 500
        try:
            if self.forwarder is None:
                raise ProblemError(503, detail="The gateway is starting")
            status = await self.forwarder.forward(
                scope,
                receive,
                send,
                service=service,
                headers=headers,
                request_id=rid,
                traceparent=traceparent,
            )
        except ProblemError as problem:
            status = problem.status
            await send_problem(send, problem, request_id=rid, traceparent=traceparent)
        except ClientDisconnectedError:
            status = 499  # nginx's code for "client closed request"
        except httpx.HTTPError:
            status = 502  # broke off mid-response (logged by the forwarder); the cut is the answer
        finally:
            self.tracing.finish(span, status)
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )


def _with_identity(scope: Scope, identity: Identity | None, api_key: bytes | None) -> Scope:
    """For API-key calls to the gateway's own routes: the minted JWT instead of the key."""
    if identity is None or api_key is None:
        return scope
    headers = [(n, v) for n, v in scope["headers"] if n not in (b"authorization", b"x-api-key")]
    headers.append((b"authorization", b"Bearer " + identity.token.encode()))
    return {**scope, "headers": headers}
