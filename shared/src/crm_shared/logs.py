"""JSON logs carrying trace_id and request_id."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from crm_shared.telemetry import current_trace_id


def _add_trace_id(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    trace_id = current_trace_id()
    if trace_id:
        event["trace_id"] = trace_id
    return event


def configure_logging(service_name: str, level: str = "INFO") -> None:
    """Send structlog and stdlib logging to stdout as one JSON object per line."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_id,
        structlog.processors.EventRenamer("message"),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(service=service_name)
    # aiokafka is chatty at INFO about every group join.
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
