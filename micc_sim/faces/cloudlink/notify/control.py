"""``GET /_sim/notifications/deliveries``: the delivery log of CloudLink notifications (docs/control-api.md).

Newest first, with the counts by state (finished ones counted since the last reset, even once the log has
dropped them). Each attempt carries simulated times and wall-clock times, so a benchmark of webhook fan-out can
measure when each delivery started and ended.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from micc_sim.faces.cloudlink.notify.models import Attempt, Delivery, DeliveryState
from micc_sim.harness.control.responses import error

FILTERS = ("subscription_id", "publication_id", "transport", "status", "target")


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _wall(seconds: float | None) -> str | None:
    return _time(datetime.fromtimestamp(seconds, UTC)) if seconds is not None else None


def attempt_view(a: Attempt) -> dict[str, Any]:
    return {"number": a.number, "started_on": _time(a.started_on), "ended_on": _time(a.ended_on),
            "wall_started_at": _wall(a.wall_started), "wall_ended_at": _wall(a.wall_ended),
            "duration_ms": round((a.wall_ended - a.wall_started) * 1000, 3) if a.wall_ended is not None else None,
            "outcome": a.outcome, "status": a.status}


def delivery_view(d: Delivery) -> dict[str, Any]:
    return {"delivery_id": d.delivery_id, "subscription_id": d.subscription_id,
            "publication_id": d.publication.publication_id, "topic": d.publication.topic,
            "subject": d.publication.subject, "transport": d.transport, "target": d.target, "status": d.state.value,
            "created_on": _time(d.created_on), "wall_created_at": _wall(d.wall_created), "ended_on": _time(d.ended_on),
            "next_attempt_on": _time(d.next_attempt_on), "reason": d.reason,
            "attempts": [attempt_view(a) for a in d.attempts]}


async def get_deliveries(request: Request) -> JSONResponse:
    notify = request.app.state.sim.cloudlink.notify
    params = request.query_params
    wanted = {name: params[name] for name in FILTERS if params.get(name)}
    states = {s.value for s in DeliveryState}
    if "status" in wanted and wanted["status"] not in states:
        return error(400, "invalid_query", f"status is one of {', '.join(sorted(states))}")
    try:
        limit = int(params.get("limit", "100"))
        if limit < 0:
            raise ValueError
    except ValueError:
        return error(400, "invalid_query", "limit is a whole number from 0")
    found = [d for d in reversed(notify.deliveries.values())
             if all(_field(d, name) == value for name, value in wanted.items())]
    return JSONResponse({"counts": notify.counts(), "overflowed": dict(notify.overflowed), "count": len(found),
                         "deliveries": [delivery_view(d) for d in found[:limit]]})


def _field(d: Delivery, name: str) -> str:
    """A filterable field of a delivery, as its view shows it (views are built only for the page answered, so
    a benchmark polling the counts does not pay for the whole log)."""
    return d.publication.publication_id if name == "publication_id" else (
        d.state.value if name == "status" else getattr(d, name))
