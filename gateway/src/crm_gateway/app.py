"""Builds the gateway app: the service defaults, its own routes, and the proxy in front."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from crm_gateway.adapters.api_keys import active_key_lookup
from crm_gateway.adapters.tables import metadata
from crm_gateway.api import api_keys, auth, users
from crm_gateway.bootstrap import ensure_first_admin
from crm_gateway.domain.rate_limit import RateLimiter
from crm_gateway.domain.routing import RoutingTable
from crm_gateway.openapi import routes as openapi_routes
from crm_gateway.openapi.catalog import OpenApiCatalog
from crm_gateway.proxy.client import new_client
from crm_gateway.proxy.forward import Forwarder
from crm_gateway.proxy.front import GatewayFront
from crm_gateway.proxy.gatekeeper import Gatekeeper
from crm_gateway.proxy.identity import ApiKeyResolver, TokenVerifier
from crm_gateway.proxy.tracing import ProxyTracing
from crm_gateway.settings import GatewaySettings, get_settings
from crm_shared.service import create_service_app


def _front(app: FastAPI, settings: GatewaySettings, table: RoutingTable) -> GatewayFront:
    # Every cache and limiter lives here, in memory, for this process.
    secret, issuer, audience = settings.jwt_key(), settings.jwt_issuer, settings.jwt_audience
    gatekeeper = Gatekeeper(
        tokens=TokenVerifier(secret, issuer=issuer, audience=audience),
        api_keys=ApiKeyResolver(
            active_key_lookup(app.state.db.engine),
            secret=secret,
            issuer=issuer,
            audience=audience,
            cache_seconds=settings.api_key_cache_seconds,
            token_ttl_seconds=settings.api_key_token_ttl_seconds,
        ),
        limiter=RateLimiter(
            rate=settings.rate_limit_rps,
            burst=settings.rate_limit_burst,
            max_buckets=settings.rate_limit_max_buckets,
        ),
        anonymous_limiter=RateLimiter(
            rate=settings.anonymous_rate_limit_rps,
            burst=settings.anonymous_rate_limit_burst,
            max_buckets=settings.rate_limit_max_buckets,
        ),
    )
    tracing = ProxyTracing(recording=settings.otel_endpoint is not None)
    return GatewayFront(app, table=table, gatekeeper=gatekeeper, tracing=tracing)


def _http_client_router(settings: GatewaySettings) -> APIRouter:
    """A router whose lifespan owns the shared HTTP client (merged into the app's)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = new_client(
            max_connections=settings.proxy_max_connections,
            connect_timeout=settings.proxy_connect_timeout,
            timeout=settings.proxy_timeout,
        )
        app.state.http = client
        app.state.front.forwarder = Forwarder(client, settings.service_urls())
        try:
            yield
        finally:
            app.state.front.forwarder = None
            await client.aclose()

    return APIRouter(lifespan=lifespan)


def create_app(settings: GatewaySettings | None = None) -> GatewayFront:
    """The gateway's ASGI app (uvicorn factory): the front, with the FastAPI app as `.app`."""
    settings = settings or get_settings()
    table = RoutingTable.default()
    routers = [auth.router, users.router, api_keys.router, openapi_routes.router]
    app = create_service_app(
        settings=settings,
        title="CRM gateway",
        routers=[*routers, _http_client_router(settings)],
        metadata=metadata,
        # Services handle Idempotency-Key themselves, and the gateway's own POSTs must not
        # store their responses (a new API key would sit in the idempotency table).
        idempotency=False,
        startup_hooks=[ensure_first_admin],
        outbox_relay=False,  # the gateway publishes no events
        description="Users, roles, API keys and routing for the CRM services.",
    )
    openapi_routes.replace_docs_route(app)
    front = _front(app, settings, table)
    app.state.front = front
    app.state.api_keys = front.gatekeeper.api_keys
    app.state.openapi = OpenApiCatalog(
        lambda: app.state.http, settings.service_urls(), table, settings.openapi_cache_seconds
    )
    # The front sits outside FastAPI (its telemetry wrapper and middleware stack), so proxied
    # requests pay for nothing but identity, rate limit and forwarding.
    return front
