"""Control API handlers for seeing and shaping traffic: one journal entry, the live stream, HAR, and stubs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from micc_sim.harness.control.har import har
from micc_sim.harness.control.journal import Stream
from micc_sim.harness.control.responses import _journal_filter, _json_body, error
from micc_sim.harness.control.stubs import MAX_STUBS, StubError, parse_stub

KEEP_ALIVE = 15.0  # wall seconds between comments on an idle stream, so proxies and clients keep it open


def _sim(request: Request) -> Any:
    return request.app.state.sim


async def get_entry(request: Request) -> JSONResponse:
    entry = _sim(request).journal.get(request.path_params["id"])
    if entry is None:
        return error(404, "not_found", f"no journal entry {request.path_params['id']!r} (or it was dropped)")
    return JSONResponse(entry.as_dict())


async def get_har(request: Request) -> Response:
    sim = _sim(request)
    try:
        query = _journal_filter(request.query_params)
    except ValueError as exc:
        return error(400, "invalid_query", str(exc))
    body = json.dumps(har(sim.journal.find(query), sim.journal.dropped), ensure_ascii=False)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="micc-sim.har"'})


async def stream_journal(request: Request) -> Response:
    """Server-sent events: one ``entry`` event per exchange as it is recorded (``data`` the entry as
    ``GET /_sim/journal/{id}`` shows it; ``id`` its sequence number); filters as for ``GET /_sim/journal``;
    ``backlog=N`` sends the last N entries recorded so far first."""
    sim = _sim(request)
    try:
        query = _journal_filter(request.query_params)
        bodies = request.query_params.get("bodies", "true").lower() != "false"
        backlog = int(request.query_params.get("backlog", "0"))
    except ValueError as exc:
        return error(400, "invalid_query", str(exc))
    stream = Stream(sim.journal, query, backlog=backlog)

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b": micc-sim journal\n\n"
            while True:
                entries = await stream.next(KEEP_ALIVE)
                if not entries:
                    yield b": keep-alive\n\n"
                if stream.lost:
                    yield f"event: lost\ndata: {stream.lost}\n\n".encode()
                    stream.lost = 0
                for entry in entries:
                    data = json.dumps(entry.as_dict(bodies), ensure_ascii=False)
                    yield f"id: {entry.seq}\nevent: entry\ndata: {data}\n\n".encode()
        finally:
            stream.close()

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# -- stubs ------------------------------------------------------------------------------------------
async def get_stubs(request: Request) -> JSONResponse:
    stubs = _sim(request).stubs.items
    return JSONResponse({"count": len(stubs), "stubs": [s.view() for s in stubs]})


async def add_stubs(request: Request) -> JSONResponse:
    """One stub, or WireMock's import shape ``{"mappings": [...]}`` (all or none are added)."""
    sim = _sim(request)
    try:
        body = await _json_body(request)
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    many = "mappings" in body and set(body) <= {"mappings", "importOptions", "meta"}
    raw = body["mappings"] if many else [body]
    if not isinstance(raw, list):
        return error(400, "invalid_stub", "mappings: a list of stubs")
    specs = []
    for n, data in enumerate(raw):
        try:
            specs.append(parse_stub(data))
        except StubError as exc:
            where = f"mappings[{n}].{exc.field}" if many else exc.field
            return JSONResponse({"error": {"code": "invalid_stub", "field": where,
                                           "message": f"{where}: {str(exc).split(': ', 1)[-1]}"}}, status_code=400)
    if len(sim.stubs.items) + len(specs) > MAX_STUBS:
        return error(400, "invalid_stub", f"at most {MAX_STUBS} stubs; remove some first")
    added = [sim.stubs.add(spec).view() for spec in specs]
    return JSONResponse({"mappings": added} if many else added[0], status_code=201)


async def get_stub(request: Request) -> JSONResponse:
    stub = _sim(request).stubs.get(request.path_params["id"])
    if stub is None:
        return error(404, "not_found", f"no stub {request.path_params['id']!r}")
    return JSONResponse(stub.view())


async def delete_stub(request: Request) -> JSONResponse:
    if not _sim(request).stubs.remove(request.path_params["id"]):
        return error(404, "not_found", f"no stub {request.path_params['id']!r}")
    return JSONResponse({"removed": request.path_params["id"]})


async def clear_stubs(request: Request) -> JSONResponse:
    stubs = _sim(request).stubs
    removed = len(stubs.items)
    stubs.clear()
    return JSONResponse({"removed": removed})


async def verify_stub(request: Request) -> JSONResponse:
    """Was the stub matched exactly ``count`` (or at_least / at_most) times? 409 with the count when not."""
    stub = _sim(request).stubs.get(request.path_params["id"])
    if stub is None:
        return error(404, "not_found", f"no stub {request.path_params['id']!r}")
    try:
        body = await _json_body(request)
        unknown = set(body) - {"count", "at_least", "at_most"}
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}")
        if not body:
            raise ValueError("say how many: count, at_least and/or at_most")
        if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in body.values()):
            raise ValueError("count, at_least and at_most are non-negative integers")
    except ValueError as exc:
        return error(400, "invalid_body", str(exc))
    found = stub.matched
    if (found == body.get("count", found) and found >= body.get("at_least", 0)
            and found <= body.get("at_most", found)):
        return JSONResponse({"verified": True, "count": found})
    wanted = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in body.items())
    return JSONResponse({"error": {"code": "verification_failed", "count": found,
                                   "message": f"expected stub {stub.id} matched {wanted} time(s), it was {found}"}},
                        status_code=409)
