"""Handlers of the /_sim control API. Errors are ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import yaml
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from micc_sim.faces.micc.wire import dotnet_datetime
from micc_sim.harness.control.common import _enum, _json_body, _sim, error
from micc_sim.harness.control.faults import FaultRuleSpec
from micc_sim.harness.control.journal import JournalFilter, entries_view
from micc_sim.harness.control.state_files import StateFileError, read_state_file, write_state_file
from micc_sim.limits import InputError, checked_json, load_yaml, loads_limited
from micc_sim.runtime import Simulator
from micc_sim.spec.contract import CONTRACTS_DIR
from micc_sim.world.config import AgentProfileConfig, WorldConfig, apply_world_patch
from micc_sim.world.core import NotFound, World, WorldError
from micc_sim.world.model import MediaType, OpenMediaItem, PresenceAvailability
from micc_sim.world.snapshot import SnapshotError

MAX_ADVANCE = 10 * 365 * 86400.0


# -- views ------------------------------------------------------------------------------------
def item_view(world: World, item: OpenMediaItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "state": item.state.name,
        "queue_id": item.queue_id,
        "agent_id": item.agent_id,
        "position_in_queue": world.position(item),
        "swallowed": item.swallowed,
        "failed_reason": item.failed_reason.name if item.failed_reason.value else None,
        "requested_queue": item.requested_queue,
        "time_offered_to_system": dotnet_datetime(item.time_offered_to_system),
        "time_offered_to_queue": dotnet_datetime(item.time_offered_to_queue),
        "time_offered_to_agent": dotnet_datetime(item.time_offered_to_agent),
        "time_accepted": dotnet_datetime(item.time_accepted),
        "time_ended": dotnet_datetime(item.time_ended),
        "from": item.from_,
        "subject": item.subject,
        "posted_by": item.posted_by,
    }


def world_view(sim: Simulator) -> dict[str, Any]:
    from micc_sim.harness.control.interactions import interactions_summary

    world = sim.world
    return {
        "clock": clock_view(sim),
        "quirks": sim.quirks.as_dict(),
        "site": {"id": world.site.id, "name": world.site.name},
        "media_servers": [
            {"id": m.id, "name": m.name, "media_type": m.media_type.name,
             "default_queue_id": m.default_queue_id, "routing_failure_queue_id": m.routing_failure_queue_id}
            for m in world.media_servers.values()
        ],
        "employees": [
            {"id": e.id, "username": e.username, "name": e.name, "role": e.role.value,
             "reporting": e.reporting, "extension": e.extension, "logged_in": e.logged_in,
             "presence": e.presence.name, "ready_media": sorted(m.name for m in e.ready_media),
             "max_concurrent": e.max_concurrent, "profile": e.profile, "active_items": list(e.active_items)}
            for e in world.employees.values()
        ],
        "agent_groups": [
            {"id": g.id, "name": g.name, "reporting": g.reporting, "members": list(g.members)}
            for g in world.agent_groups.values()
        ],
        "queues": [
            {"id": q.id, "name": q.name, "reporting": q.reporting, "media_type": q.media_type.name,
             "media_server_id": q.media_server_id, "agent_group_ids": list(q.agent_group_ids),
             "workflow_validated": q.workflow_validated, "online": (reason := world.offline_reason(q)) is None,
             "offline_reason": reason, "waiting": list(q.waiting), "stats": vars(q.stats).copy()}
            for q in world.queues.values()
        ],
        "open_media": {
            "counts": {state.name: n for state, n in sorted(world.state_counts().items()) if n},
            "items": [item_view(world, i) for i in world.items.values()],
        },
        "agent_profiles": {name: p.model_dump(mode="json") for name, p in world.config.agent_profiles.items()},
        "clients": {"source": sim.clients.source, "ids": sorted(sim.clients.clients),
                    "rejected": list(sim.clients.rejected)},
        "sessions": len(sim.tokens),
        "interactions": interactions_summary(world),
    }


def clock_view(sim: Simulator) -> dict[str, Any]:
    clock = sim.clock
    return {"mode": clock.mode.value, "scale": clock.scale, "now": dotnet_datetime(clock.now()),
            "pending_timers": clock.pending()}


# -- endpoints --------------------------------------------------------------------------------
async def get_world(request: Request) -> JSONResponse:
    return JSONResponse(world_view(_sim(request)))


async def reset(request: Request) -> JSONResponse:
    sim = _sim(request)
    sim.reset()
    return JSONResponse({"reset": True, "clock": clock_view(sim)})


async def save_baseline(request: Request) -> JSONResponse:
    """The world configured now (after PUT or PATCH /_sim/world) becomes what every later reset returns to."""
    sim = _sim(request)
    sim.save_baseline()
    return JSONResponse({"baseline": True, **_world_summary(sim)})


async def ready(request: Request) -> JSONResponse:
    """200 once the server answers: every face is mounted on this one ASGI app, so it is ready when this is
    (the container healthcheck, ``micc-sim exec`` and ``serve --ready-file`` rely on it)."""
    sim = _sim(request)
    return JSONResponse({"ready": True, "started": dotnet_datetime(sim.started_at), "clock": clock_view(sim),
                         **_world_summary(sim)})


async def get_clock(request: Request) -> JSONResponse:
    return JSONResponse(clock_view(_sim(request)))


async def advance_clock(request: Request) -> JSONResponse:
    try:
        body = await _json_body(request)
        seconds = float(body.get("seconds", request.query_params.get("seconds", "nan")))
    except (ValueError, TypeError) as exc:
        return error(400, "invalid_body", f"{exc}; send {{\"seconds\": N}}")
    if not 0 <= seconds <= MAX_ADVANCE:
        return error(400, "invalid_seconds", f"seconds must be a number from 0 to {MAX_ADVANCE:.0f} (ten years), "
                                             "e.g. {\"seconds\": 30}")
    sim = _sim(request)
    fired = sim.clock.advance(seconds)
    request.app.state.metrics.maybe_sample()  # a manual clock's series has a point after each move
    return JSONResponse({**clock_view(sim), "advanced": seconds, "timers_fired": fired})


async def iis_restart(request: Request) -> JSONResponse:
    report = _sim(request).iis_restart()
    return JSONResponse(vars(report))


async def patch_employee(request: Request) -> JSONResponse:
    sim = _sim(request)
    try:
        employee = sim.world.employee(request.path_params["ref"])
    except NotFound as exc:
        return error(404, "not_found", str(exc))
    try:
        body = await _json_body(request)
        unknown = set(body) - {"logged_in", "presence", "ready_media", "profile"}
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; use logged_in, presence, ready_media, profile")
        presence = _enum(PresenceAvailability, body["presence"]) if "presence" in body else None
        ready = [_enum(MediaType, m) for m in body["ready_media"]] if "ready_media" in body else None
        logged_in = body.get("logged_in")
        if logged_in is not None and not isinstance(logged_in, bool):
            raise ValueError("logged_in must be true or false")
        profile = body.get("profile")
        if isinstance(profile, dict):  # a profile of the agent's own, named after it
            config = AgentProfileConfig.model_validate(profile)
            sim.world.agents.define(profile := f"@{employee.username}", config)
        elif profile is not None and not isinstance(profile, str):
            raise ValueError("profile is a profile's name or a profile ({accept_delay, handle_time, not_ready})")
        sim.world.set_employee_state(employee, logged_in=logged_in, presence=presence, ready_media=ready,
                                     profile=profile)
    except ValidationError as exc:
        return error(400, "invalid_body", "profile: " + _problems(exc))
    except (ValueError, TypeError, WorldError) as exc:
        return error(400, "invalid_body", str(exc))
    view = next(e for e in world_view(sim)["employees"] if e["id"] == employee.id)
    return JSONResponse(view)


# -- request journal --------------------------------------------------------------------------
def _journal_filter(params: Any) -> JournalFilter:
    def text(name: str) -> str | None:
        value = params.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a string")
        return value or None

    def when(name: str) -> datetime | None:
        value = text(name)
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
        except ValueError:
            raise ValueError(f"{name} must be an ISO 8601 date and time, not {value!r}") from None

    after = text("after")
    if after is not None and not (after.isascii() and after.isdigit()):
        raise ValueError(f"after must be a sequence number, not {after!r}")
    return JournalFilter(method=text("method"), path=text("path"), status=text("status"), face=text("face"),
                         since=when("since"), until=when("until"), operation=text("operation"), text=text("text"),
                         id=text("id"), kind=text("kind"), stub=text("stub"), fault=text("fault"),
                         after=int(after) if after else None)


JOURNAL_FIELDS = {"method", "path", "status", "face", "since", "until", "operation", "text", "id", "kind", "stub",
                  "fault", "after"}


async def get_journal(request: Request) -> JSONResponse:
    sim = _sim(request)
    try:
        query = _journal_filter(request.query_params)
        limit = int(request.query_params.get("limit", "1000"))
        bodies = request.query_params.get("bodies", "true").lower() != "false"
    except ValueError as exc:
        return error(400, "invalid_query", str(exc))
    found = sim.journal.find(query)
    return JSONResponse({"count": len(found), "dropped": sim.journal.dropped,
                         "entries": entries_view(found[-limit:] if limit else [], bodies)})


async def count_journal(request: Request) -> JSONResponse:
    try:
        query = _journal_filter(request.query_params)
    except ValueError as exc:
        return error(400, "invalid_query", str(exc))
    return JSONResponse({"count": len(_sim(request).journal.find(query))})


async def verify_journal(request: Request) -> JSONResponse:
    """WireMock's verify: were matching requests made exactly ``count`` (or at_least / at_most) times?"""
    sim = _sim(request)
    try:
        body = await _json_body(request)
        bounds = {k: body.pop(k) for k in ("count", "at_least", "at_most") if k in body}
        if not bounds:
            raise ValueError("say how many: count, at_least and/or at_most")
        if any(not isinstance(v, int) or v < 0 for v in bounds.values()):
            raise ValueError("count, at_least and at_most are non-negative integers")
        query = _journal_filter(body)
        unknown = set(body) - JOURNAL_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}")
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    found = len(sim.journal.find(query))
    ok = (found == bounds.get("count", found) and found >= bounds.get("at_least", 0)
          and found <= bounds.get("at_most", found))
    if ok:
        return JSONResponse({"verified": True, "count": found})
    wanted = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in bounds.items())
    return JSONResponse({"error": {"code": "verification_failed",
                                   "message": f"expected {wanted} matching request(s), found {found}",
                                   "count": found,
                                   "near_misses": entries_view(sim.journal.near_misses(query))}},
                        status_code=409)


async def clear_journal(request: Request) -> JSONResponse:
    _sim(request).journal.clear()
    return JSONResponse({"cleared": True})


# -- faults -----------------------------------------------------------------------------------
async def get_faults(request: Request) -> JSONResponse:
    return JSONResponse({"rules": [r.view() for r in _sim(request).faults.rules]})


async def add_fault(request: Request) -> JSONResponse:
    try:
        spec = FaultRuleSpec.model_validate(await _json_body(request))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        return error(400, "invalid_body", problems)
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    return JSONResponse(_sim(request).faults.add(spec).view(), status_code=201)


async def delete_fault(request: Request) -> JSONResponse:
    if not _sim(request).faults.remove(request.path_params["id"]):
        return error(404, "not_found", f"no fault rule {request.path_params['id']!r}")
    return JSONResponse({"deleted": request.path_params["id"]})


async def clear_faults(request: Request) -> JSONResponse:
    _sim(request).faults.clear()
    return JSONResponse({"cleared": True})


# -- snapshots and world replacement --------------------------------------------------------------
def canonical_json(data: Any) -> bytes:
    """Sorted keys, no insignificant spaces: equal worlds give equal bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


async def get_snapshot(request: Request) -> Response:
    return Response(canonical_json(_sim(request).snapshot()), media_type="application/json")


async def save_snapshot(request: Request) -> JSONResponse:
    """Write the snapshot to a file of the state directory (``{"file": "busy.json"}``)."""
    sim = _sim(request)
    try:
        body = await _json_body(request)
        name = body["file"]
    except (ValueError, KeyError, TypeError) as exc:
        return error(400, "invalid_body", f"send {{\"file\": \"name.json\"}}, a file of the state directory ({exc})")
    data = canonical_json(sim.snapshot())
    try:
        path = write_state_file(sim.settings.state_dir, name, data)
    except StateFileError as exc:
        return error(exc.status, exc.code, str(exc))
    return JSONResponse({"file": str(path), "bytes": len(data)})


async def restore_snapshot(request: Request) -> JSONResponse:
    sim = _sim(request)
    try:
        body = await _json_body(request)
        if set(body) == {"file"}:
            raw = read_state_file(sim.settings.state_dir, body["file"], sim.settings.max_control_body_bytes)
            body = loads_limited(raw, sim.settings.max_json_depth)
        sim.restore(body)
    except StateFileError as exc:
        return error(exc.status, exc.code, str(exc))
    except (SnapshotError, ValueError) as exc:
        return error(400, "invalid_snapshot", str(exc))
    return JSONResponse({"restored": True, "clock": clock_view(sim)})


async def replace_world(request: Request) -> JSONResponse:
    """PUT a world file's content (JSON or YAML): the simulator serves that world from now on."""
    try:
        data = checked_json(load_yaml(await request.body(), "the body"))
        config = WorldConfig.model_validate(data if data is not None else {})
    except (yaml.YAMLError, InputError) as exc:
        return error(400, "invalid_body", f"not JSON or YAML: {exc}")
    except ValidationError as exc:
        return error(400, "invalid_world", _problems(exc))
    _sim(request).replace_world(config)
    return JSONResponse(_world_summary(_sim(request)))


async def patch_world(request: Request) -> JSONResponse:
    """A merge patch on the world's configuration (named entities merge by name); the world restarts."""
    sim = _sim(request)
    try:
        patch = await _json_body(request)
        config = WorldConfig.model_validate(apply_world_patch(sim.world_config.model_dump(mode="json"), patch))
    except ValidationError as exc:
        return error(400, "invalid_world", _problems(exc))
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    sim.replace_world(config)
    return JSONResponse(_world_summary(sim))


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'world'}: {e['msg']}" for e in exc.errors())


def _world_summary(sim: Simulator) -> dict[str, Any]:
    world = sim.world
    return {"site": world.site.name, "employees": len(world.employees), "agent_groups": len(world.agent_groups),
            "queues": len(world.queues), "media_servers": len(world.media_servers)}


async def get_contract(request: Request) -> Response:
    """The live OpenAPI documents: what this server serves, as it serves it."""
    name = request.path_params["name"].removesuffix(".yaml")
    path = CONTRACTS_DIR / f"{name}.openapi.yaml"
    if name not in CONTRACT_NAMES or not path.is_file():
        return error(404, "not_found", f"no contract {request.path_params['name']!r}; "
                                       f"there are {', '.join(n + '.yaml' for n in CONTRACT_NAMES)}")
    return Response(path.read_bytes(), media_type="application/yaml")


CONTRACT_NAMES = tuple(sorted(p.name.removesuffix(".openapi.yaml") for p in CONTRACTS_DIR.glob("*.openapi.yaml")))


# -- metrics ----------------------------------------------------------------------------------
async def get_metrics_series(request: Request) -> JSONResponse:
    """The sampled time series (totals, or one queue's with ``?queue=``), the queues' peaks and the ledger."""
    sim, metrics = _sim(request), request.app.state.metrics
    queue = None
    try:
        if "queue" in request.query_params:
            queue = sim.world.queue(request.query_params["queue"])
        since = request.query_params.get("since")
        since_at = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
        if since_at is not None and since_at.tzinfo is None:
            raise ValueError("since needs a time zone (Z or +00:00)")
    except NotFound as exc:
        return error(404, "not_found", str(exc))
    except ValueError as exc:
        return error(400, "invalid_query", f"since must be an ISO 8601 date and time with a zone: {exc}")
    return JSONResponse(metrics.series(queue, since_at))


async def clear_metrics_series(request: Request) -> JSONResponse:
    """Start the series afresh; ``?queue=Q&cap=N`` also notes a load run's queue cap (the dashboard's cap line)."""
    sim, params = _sim(request), request.query_params
    cap = None
    if "cap" in params:
        try:
            queue, cap = sim.world.queue(params.get("queue", "")), int(params["cap"])
        except NotFound as exc:
            return error(404, "not_found", str(exc))
        except ValueError:
            return error(400, "invalid_query", "cap must be a whole number")
    request.app.state.metrics.clear()
    if cap is not None:
        request.app.state.metrics.caps[queue.id] = cap
    return JSONResponse({"cleared": True})


async def get_metrics(request: Request) -> Response:
    """Prometheus' text format, from a fresh sample."""
    return Response(request.app.state.metrics.prometheus(), media_type="text/plain; version=0.0.4; charset=utf-8")
