"""Structured logging that cannot carry a reporter's identity or words.

We log events, never requests: no bodies, headers, cookies, query strings,
client addresses or exception messages (a message can quote what someone
typed). An error is logged as its type and a random error id that the
error page shows, so support can find it without us recording anything else.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from typing import Any

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

# Loggers whose records could contain request details. They are silenced, not filtered:
# a filter can miss a format we did not foresee.
SILENCED_LOGGERS = (
    "uvicorn.access", "litestar.middleware.logging", "httpx", "httpcore", "twilio.http_client", "urllib3",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (to the second), level, logger, event, and explicit fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        # Tracebacks are deliberately not rendered: frames can quote input.
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable development output with the same content rules as the JSON form."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(
            f"{k}={v}" for k, v in record.__dict__.items() if k not in _RESERVED and not k.startswith("_")
        )
        exc = ""
        if record.exc_info and record.exc_info[0] is not None:
            exc = f" exc_type={record.exc_info[0].__name__}"
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        return f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()} {extras}{exc}".rstrip()


def configure_logging(fmt: str = "text", level: str = "INFO", stream: Any = None) -> None:
    """Install our formatter on the root logger and silence request loggers."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in SILENCED_LOGGERS:
        logging.getLogger(name).disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # uvicorn's error logger reports startup and protocol errors; keep it, through our formatter.
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True


def new_error_id() -> str:
    """A short random id shown to the user and logged, to match a report of trouble to a log line."""
    return secrets.token_hex(6)


def log_exception(logger: logging.Logger, exc: BaseException, *, where: str) -> str:
    """Log an unexpected error by type and id only, and return the id."""
    error_id = new_error_id()
    logger.error("unhandled_error", extra={"error_id": error_id, "exc_type": type(exc).__name__, "where": where})
    return error_id
