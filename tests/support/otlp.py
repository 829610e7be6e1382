"""A tiny OTLP/HTTP trace receiver on loopback: the stack exports its spans here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    kind: int


class OtlpReceiver:
    """Collects every span POSTed to /v1/traces (protobuf), by service name."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self._runner: web.AppRunner | None = None
        self.endpoint = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/traces", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.endpoint = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest()
        export.ParseFromString(await request.read())
        for resource_spans in export.resource_spans:
            service = next(
                (
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                ),
                "?",
            )
            for scope in resource_spans.scope_spans:
                for span in scope.spans:
                    self.spans.append(
                        ReceivedSpan(service, span.name, span.trace_id.hex(), span.kind)
                    )
        return web.Response(status=200, content_type="application/x-protobuf")

    def of_trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [span for span in self.spans if span.trace_id == trace_id]

    async def wait_for(
        self, trace_id: str, wanted: Callable[[ReceivedSpan], bool], timeout: float = 30
    ) -> ReceivedSpan:
        """Wait until a span of `trace_id` matching `wanted` was exported, and return it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for span in self.of_trace(trace_id):
                if wanted(span):
                    return span
            await asyncio.sleep(0.1)
        seen = sorted({(s.service, s.name, s.kind) for s in self.of_trace(trace_id)})
        raise AssertionError(f"trace {trace_id}: no matching span among {seen}")
