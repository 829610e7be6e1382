"""OpenTelemetry setup: one tracer provider per process, W3C trace context everywhere."""

from __future__ import annotations

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from sqlalchemy.ext.asyncio import AsyncEngine

_configured = False
_exporting = False


def setup_tracing(service_name: str, otlp_endpoint: str | None) -> None:
    """Install the tracer provider; export over OTLP/HTTP only when an endpoint is set.

    Without an exporter nothing is recorded: spans are non-recording but keep valid trace
    and span ids, so `traceparent` still flows through HTTP, the outbox and Kafka, at a
    fraction of the CPU cost of building spans nobody reads.
    """
    global _configured, _exporting
    if _configured:
        return
    resource = Resource.create({"service.name": service_name})
    sampler = ParentBased(ALWAYS_ON) if otlp_endpoint else ALWAYS_OFF
    provider = TracerProvider(resource=resource, sampler=sampler)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        _exporting = True
    trace.set_tracer_provider(provider)
    _configured = True


def instrument_database(engine: AsyncEngine) -> None:
    """Trace SQL (SQLAlchemy sessions and plain asyncpg) when traces are exported."""
    if not _exporting:
        return
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)
    if not AsyncPGInstrumentor().is_instrumented_by_opentelemetry:
        AsyncPGInstrumentor().instrument()


def current_traceparent() -> str | None:
    """The W3C traceparent of the active span, if there is one."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_traceparent(traceparent: str | None) -> Context | None:
    """A context whose parent is the given traceparent (None when there is none)."""
    if not traceparent:
        return None
    return propagate.extract({"traceparent": traceparent})


def current_trace_id() -> str | None:
    """The active trace id as 32 hex digits, for logs."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x")
