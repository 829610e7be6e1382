"""The gateway's part of a trace: a span per proxied request and the `traceparent` it sends.

Done by hand rather than by the ASGI/httpx instrumentations, which make three or four
spans per request and cost more than the rest of the proxy hop. Without an exporter
(OTEL_EXPORTER_OTLP_ENDPOINT unset) no span object is built at all, since it would be
thrown away: the caller's trace id is carried on with a fresh span id, so the services'
spans still join the caller's trace.
"""

import os
import re

from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Span, SpanKind

_tracer = trace.get_tracer("crm_gateway.proxy")
_TRACEPARENT = re.compile(rb"00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})")
_ZERO_TRACE = b"0" * 32


def _continued(incoming: bytes | None) -> str:
    match = _TRACEPARENT.fullmatch(incoming) if incoming else None
    if match and match.group(1) != _ZERO_TRACE:
        trace_id, flags = match.group(1).decode(), match.group(2).decode()
    else:
        trace_id, flags = os.urandom(16).hex(), "01"
    return f"00-{trace_id}-{os.urandom(8).hex()}-{flags}"


class ProxyTracing:
    """Starts the gateway's span (when spans are exported) and names the parent to pass on."""

    def __init__(self, *, recording: bool) -> None:
        self.recording = recording

    def start(self, method: str, route: str, incoming: bytes | None) -> tuple[Span | None, str]:
        """(span or None, traceparent for the service) for one proxied request."""
        if not self.recording:
            return None, _continued(incoming)
        context = extract({"traceparent": incoming.decode("latin-1")}) if incoming else None
        span = _tracer.start_span(
            f"{method} {route}",
            context=context,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "http.route": route},
        )
        ctx = span.get_span_context()
        if not ctx.is_valid:  # no SDK tracer provider installed after all
            return span, _continued(incoming)
        return span, f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"

    @staticmethod
    def finish(span: Span | None, status: int) -> None:
        """End the span (if any) with the response status."""
        if span is not None:
            span.set_attribute("http.response.status_code", status)
            span.end()
