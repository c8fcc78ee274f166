"""Where the log goes and how it reads: one handler on standard error, text for people or JSON lines for a
log shipper, each line with what it is about and with its secrets masked."""

from __future__ import annotations

import logging
import sys
from typing import IO, Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from supportbot.logs.context import FIELDS, ContextFilter
from supportbot.logs.redaction import RedactingFilter, Redactor

Format = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(about)s%(message)s"
# JSON keys: the record's fields renamed for log shippers; the context fields and `extra=` come after.
JSON_FIELDS = ("levelname", "name", "message")
JSON_NAMES = {"levelname": "level", "name": "logger"}
# Libraries whose routine lines would bury the bot's own, and the least level each logs at whatever the bot's:
# a line per job run; every statement with its parameters; each step of each HTTP connection.
QUIET = {"apscheduler": logging.WARNING, "aiosqlite": logging.INFO, "httpcore": logging.INFO}
# Libraries with a line per platform API call (Bot API URLs hold the token, masked like every secret):
# shown at DEBUG only, from this level on otherwise.
PER_CALL = {"httpx": logging.WARNING, "telegram": logging.INFO}


class TextFormatter(logging.Formatter):
    """The classic line, with what it is about in brackets: `[telegram chat=-100 update=5 ticket=#12 3.1ms] `."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.about = about_text(record)
        return super().formatMessage(record)


def about_text(record: logging.LogRecord) -> str:
    """The record's context, compact, with a space after it; empty when it has none."""
    known = {name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None}
    if not known:
        return ""
    parts = [str(known.pop("platform"))] if "platform" in known else []
    parts += [f"{name}=#{value}" if name == "ticket" else f"{name}={value}" for name, value in known.items()]
    duration = getattr(record, "duration_ms", None)
    if duration is not None:
        parts.append(f"{duration}ms")
    return f"[{' '.join(parts)}] "


class JsonLines(JsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, then the context fields
    (platform, chat, update, ticket, outbox, duration_ms) when the line is about something, and exc_info."""

    def __init__(self) -> None:
        super().__init__(list(JSON_FIELDS), rename_fields=JSON_NAMES, timestamp="time",
                         reserved_attrs=[*RESERVED_ATTRS, "taskName"])

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {"time": log_data.pop("time"), **log_data}  # first, as in the text format


def configure(*, level: str, fmt: Format = "text", secrets: list[str] | tuple[str, ...] = (),
              stream: IO[str] | None = None) -> None:
    """Send every log line to `stream` (standard error) in this format and from this level on, with its
    context and with secrets masked; replaces the handler a previous call installed."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("supportbot")
    handler.setFormatter(JsonLines() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    handler.addFilter(ContextFilter())  # after: ids and platform names need no masking
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "supportbot"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    number = root.level
    for name, least in QUIET.items():
        logging.getLogger(name).setLevel(max(least, number))
    for name, least in PER_CALL.items():
        logging.getLogger(name).setLevel(number if number <= logging.DEBUG else max(least, number))
    logging.captureWarnings(True)  # Python's warnings as log lines too, in the same format
