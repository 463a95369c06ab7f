"""Logging set-up: JSON lines in production, readable lines elsewhere, secrets redacted in both.

Every record, whether logged through the stdlib (`logging.getLogger(...)`: the gateway,
uvicorn, Dramatiq, the Stripe SDK) or through structlog, goes through one formatter:

1. the shared pre-chain: context bound with `structlog.contextvars` (`request_id`,
   `principal`, `idempotency_key`, `event_id`…), level, logger name, timestamp, and the
   `extra=` fields the gateway passes (`STRUCTURED_EXTRAS`, e.g. `stripe_request_id`);
2. `format_exc_info`: a traceback becomes the `exception` string, so it is redacted too;
3. `redact_event`: every string in the event dict (the message, every value, the
   traceback) goes through `base.redaction.redact`, and keys naming a credential
   lose their value;
4. the renderer (JSON, or console), then `redact_rendered`: one last pass over the
   rendered line, for whatever a renderer made of a non-string value (a repr).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import structlog

from base.redaction import REDACTED, is_secret_key, redact, redact_value
from base.settings import Settings

STRUCTURED_EXTRAS: Final = ("stripe_operation", "stripe_request_id", "stripe_idempotency_key", "error_code")
"""`extra=` fields of stdlib records that become keys of the structured line (the Stripe adapter's).

`idempotency_key` is the CLIENT's key (bound by `billing.mutations.run_mutation`); the
key sent to Stripe, derived from it, is `stripe_idempotency_key`."""


def redact_event(logger: Any, method_name: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    """Redact every string of the event dict; a key naming a credential keeps no value at all."""
    return {
        key: (REDACTED if is_secret_key(key) and value else redact_value(value)) for key, value in event_dict.items()
    }


def redact_rendered(logger: Any, method_name: str, rendered: Any) -> Any:
    """The last processor: redact the rendered line itself (a str, or bytes from a bytes renderer)."""
    if isinstance(rendered, str):
        return redact(rendered)
    return rendered


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
            foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(allow=STRUCTURED_EXTRAS)],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                # Tracebacks as text BEFORE redaction: an exception message may quote a secret.
                structlog.processors.format_exc_info,
                redact_event,
                renderer,
                redact_rendered,
            ],
        )
    )
    # No line shows where it was logged from, or which thread/process: the logging HOWTO's "Optimization"
    # switches skip computing them for every record (the caller lookup walks the stack each time).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # httpx and the Stripe SDK log every request at INFO; the Stripe adapter's own line carries
    # the same facts (resource, outcome, Stripe request id), and each extra line costs a redaction pass.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("stripe").setLevel(logging.WARNING)
