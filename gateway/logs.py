"""Logging set-up: JSON lines in production, readable lines elsewhere."""

from __future__ import annotations

import logging

import structlog

from gateway.settings import Settings


def configure_logging(settings: Settings) -> None:
    """Route stdlib and structlog records through one structlog formatter."""
    # Plain tracebacks: the default rich rendering (with locals) takes seconds per exception
    # on the event loop, which stalled the webhook receiver while Redis was down.
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.is_production
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared, processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer]
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # httpx logs every request at INFO; the Stripe adapter logs what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
