"""The server's log: one line per request to a face and every message of the simulator, in text or JSON, each with
the wall time and the simulated time, so a CI failure can be lined up with the simulated clock and the journal.

A request's line carries what the journal recorded (face, operationId, method, path, status, duration) and its
request id, which is the journal entry's id and the answer's ``X-Request-Id``. It replaces uvicorn's access log,
which knows neither the simulated time nor the operation.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from micc_sim.faces.micc.wire import dotnet_datetime

ACCESS = logging.getLogger("micc_sim.access")
FORMATS = ("text", "json")


class _SimulatedTime(logging.Filter):
    """Gives every record the simulated clock's reading (``record.sim``) as it is logged."""

    def __init__(self, clock: Any) -> None:
        super().__init__()
        self.clock = clock

    def filter(self, record: logging.LogRecord) -> bool:
        record.sim = dotnet_datetime(self.clock.now()) if self.clock is not None else None
        return True


def _wall(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (wall), ``sim`` (simulated), ``level``, ``logger``, ``message`` and, for
    requests, ``request_id``, ``face``, ``operation``, ``method``, ``path``, ``status``, ``duration_ms``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"time": _wall(record), "sim": getattr(record, "sim", None), "level": record.levelname,
                                "logger": record.name, "message": record.getMessage()}
        line.update(getattr(record, "request", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = f"{_wall(record)} sim={getattr(record, 'sim', None) or '-'} {record.levelname} {record.name}: " \
               f"{record.getMessage()}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure(level: str, fmt: str, clock: Any = None) -> None:
    """The root logger and uvicorn's write through one handler in ``fmt``, each line with the simulated time."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_SimulatedTime(clock))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line says more


def log_requests(journal: Any) -> None:
    """A line for each request the journal records (at info; nothing is formatted when info is off)."""

    def on_entry(entry: Any) -> None:
        if entry.kind != "http" or not ACCESS.isEnabledFor(logging.INFO):
            return
        request = {"request_id": entry.id, "face": entry.face, "operation": entry.operation_id,
                   "method": entry.method, "path": entry.path, "status": entry.status,
                   "duration_ms": entry.duration_ms, "client": entry.client}
        ACCESS.info("%s %s %s %s %.1f ms [%s]", entry.method, entry.path, entry.status, entry.operation_id or "-",
                    entry.duration_ms, entry.id, extra={"request": request})

    journal.subscribe(on_entry)
