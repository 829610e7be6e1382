"""The service defaults: every CRM service (and the gateway) is built by create_service_app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.telemetry import TelemetryConfig
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from sqlalchemy import MetaData, func, select

from crm_shared.db import Database
from crm_shared.events import CloudEvent
from crm_shared.idempotency import IdempotencyMiddleware, purge_expired
from crm_shared.inbox import purge_processed, refresh_consumer_lag
from crm_shared.logs import configure_logging
from crm_shared.middleware import BodyLimitMiddleware, RequestContextMiddleware
from crm_shared.outbox import OUTBOX, OUTBOX_BACKLOG, OutboxRelay
from crm_shared.periodic import BackgroundLoop
from crm_shared.problems import install_problem_handlers
from crm_shared.settings import ServiceSettings
from crm_shared.telemetry import instrument_database, setup_tracing

TELEMETRY: TelemetryConfig = {
    "tracing": True,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
}
Consumers = Callable[[KafkaBroker, Database], None]
Hook = Callable[[FastAPI], Awaitable[None]]
_log = structlog.get_logger("crm.service")


async def _connect_broker(app: FastAPI) -> None:
    # Keep serving HTTP while the broker is away: writes land in the outbox, and
    # /readyz says the broker is down until this succeeds.
    delay = 0.5
    while True:
        try:
            await app.state.broker.start()
        except Exception as exc:
            _log.warning("broker not reachable; retrying", error=repr(exc), delay=delay)
            with contextlib.suppress(Exception):
                await app.state.broker.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
            continue
        app.state.broker_connected.set()
        _log.info("broker connected")
        return


def _housekeeping(db: Database, settings: ServiceSettings) -> BackgroundLoop:
    """Every 10 minutes: stored Idempotency-Key responses expire, and consumers forget
    the event ids they handled after CRM_INBOX_RETENTION_DAYS. Every replica may run it:
    both are idempotent deletes."""

    async def purge() -> bool:
        try:
            await purge_expired(db)
        finally:  # one failing never keeps the other from running
            await purge_processed(db, older_than=timedelta(days=settings.inbox_retention_days))
        return False

    return BackgroundLoop("housekeeping", purge, poll_seconds=600)


def _lifespan(
    startup_hooks: Sequence[Hook], shutdown_hooks: Sequence[Hook], *, outbox_relay: bool
) -> Callable[[FastAPI], Any]:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: ServiceSettings = app.state.settings
        relay = (
            OutboxRelay(
                settings.database_url,
                settings.kafka_bootstrap_servers,
                lock_name=f"crm-outbox-relay:{settings.service_name}",
            )
            if outbox_relay
            else None
        )
        await app.state.db.open_pool()
        connecting = asyncio.create_task(_connect_broker(app))
        housekeeping = _housekeeping(app.state.db, settings)
        housekeeping.start()
        if relay is not None:
            relay.start()
        for hook in startup_hooks:
            await hook(app)
        # Everything loaded so far lives as long as the process: keep the collector off it.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            for hook in shutdown_hooks:
                with contextlib.suppress(Exception):
                    await hook(app)
            connecting.cancel()
            await housekeeping.stop()
            if relay is not None:
                await relay.stop()
            with contextlib.suppress(Exception):
                await app.state.broker.stop()
            await app.state.db.dispose()

    return lifespan


def _metrics_refresher(db: Database) -> Callable[[], Awaitable[None]]:
    """What /metrics measures when scraped: the outbox backlog and the consumer lag."""

    async def refresh() -> None:
        with contextlib.suppress(Exception):
            async with db.engine.connect() as conn:
                OUTBOX_BACKLOG.set(
                    (await conn.execute(select(func.count()).select_from(OUTBOX))).scalar_one()
                )
        await refresh_consumer_lag()

    return refresh


def create_service_app(
    *,
    settings: ServiceSettings,
    title: str,
    routers: Sequence[APIRouter],
    metadata: MetaData | None = None,
    consumers: Consumers | None = None,
    publishes: Mapping[str, Any] | None = None,
    idempotency: bool = True,
    body_limit: bool = True,
    startup_hooks: Sequence[Hook] = (),
    shutdown_hooks: Sequence[Hook] = (),
    streamed_uploads: Sequence[str] = (),
    outbox_relay: bool = True,
    version: str = "0.1.0",
    description: str = "",
) -> FastAPI:
    """Build a service's FastAPI app with telemetry, errors, health, broker and outbox relay.

    `publishes` maps each topic the service writes (through the outbox) to its event
    schema, for the AsyncAPI document. `consumers` registers the service's subscribers
    (crm_shared.inbox.subscribe_group). `metadata` is accepted so every app names its
    tables in one place; migrations are run by `python -m <service> migrate`.
    `shutdown_hooks` run first on shutdown, while the database is still open (stop the
    background work the startup hooks began). `streamed_uploads` are paths whose routes
    stream their bodies: they may be up to `settings.max_import_bytes` (CRM_MAX_IMPORT_BYTES).
    `outbox_relay=False` is for an app that publishes no events (the gateway).
    """
    settings.jwt_key()  # fail at start-up, not on the first request, when it is missing
    configure_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name, settings.otel_endpoint)
    # Worker processes share the service's connection budget (PostgreSQL's is finite).
    db = Database(
        settings.database_url, pool_size=max(2, settings.db_pool_size // settings.workers)
    )
    instrument_database(db.engine)
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        enable_idempotence=False,  # Tansu has no idempotent producer
        middlewares=[KafkaTelemetryMiddleware()],
        logger=None,
    )
    for topic, schema in (publishes or {}).items():
        broker.publisher(
            topic,
            title=topic,
            schema=CloudEvent[schema],  # type: ignore[valid-type]
            description=f"CloudEvents (application/cloudevents+json), key = subject, on {topic}",
        )
    if consumers is not None:
        consumers(broker, db)

    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=_lifespan(startup_hooks, shutdown_hooks, outbox_relay=outbox_relay),
        # FastAPI's native OpenTelemetry: one server span per request that continues the
        # caller's traceparent; our own middleware does metrics and logs.
        telemetry=TELEMETRY,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.broker = broker
    app.state.metadata = metadata
    app.state.broker_connected = asyncio.Event()
    app.state.refresh_metrics = _metrics_refresher(db)
    install_problem_handlers(app)

    from crm_shared.health import router as health_router

    # The service's own routes first: every request walks the routers in order.
    for router in routers:
        app.include_router(router)
    app.include_router(health_router)
    # Middleware added last runs first: request context, then body limit, then idempotency.
    if idempotency:
        app.add_middleware(IdempotencyMiddleware, streamed=streamed_uploads)
    if body_limit:
        app.add_middleware(
            BodyLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            streamed=dict.fromkeys(streamed_uploads, settings.max_import_bytes),
        )
    app.add_middleware(RequestContextMiddleware)
    return app
