"""Routes of the /_sim control API."""

from __future__ import annotations

import ipaddress
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from micc_sim.faces.cloudlink.notify import control as notifications
from micc_sim.harness.control import dashboard
from micc_sim.harness.control import interactions as i
from micc_sim.harness.control import responses as r
from micc_sim.harness.control.responses import error


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return error(404, "not_found", f"no control endpoint {request.method} {request.url.path}; see GET /_sim/world "
                                   "and docs/control-api.md")


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return error(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}")


async def _failed(request: Request, exc: Exception) -> JSONResponse:
    """A bug of ours still answers in our shape (and is logged), never as a bare stack trace."""
    logging.getLogger("micc_sim.control").exception("control API failed on %s %s", request.method, request.url.path)
    return error(500, "internal_error", f"the simulator failed on this request: {type(exc).__name__}; "
                                        "see the server log")


EXCEPTION_HANDLERS = {404: _not_found, 405: _not_allowed, Exception: _failed}

routes = [
    Route("/world", r.get_world, methods=["GET"]),
    Route("/world", r.replace_world, methods=["PUT"]),
    Route("/world", r.patch_world, methods=["PATCH"]),
    Route("/world/baseline", r.save_baseline, methods=["POST"]),
    Route("/ready", r.ready, methods=["GET"]),
    Route("/snapshot", r.get_snapshot, methods=["GET"]),
    Route("/snapshot", r.save_snapshot, methods=["POST"]),
    Route("/restore", r.restore_snapshot, methods=["POST"]),
    Route("/reset", r.reset, methods=["POST"]),
    Route("/clock", r.get_clock, methods=["GET"]),
    Route("/clock/advance", r.advance_clock, methods=["POST"]),
    Route("/iis/restart", r.iis_restart, methods=["POST"]),
    Route("/employees/{ref}", r.patch_employee, methods=["PATCH"]),
    Route("/interactions", i.get_interactions, methods=["GET"]),
    Route("/interactions", i.post_interaction, methods=["POST"]),
    Route("/interactions/{ref}", i.get_interaction, methods=["GET"]),
    Route("/interactions/{ref}", i.end_interaction, methods=["DELETE"]),
    Route("/journal", r.get_journal, methods=["GET"]),
    Route("/journal", r.clear_journal, methods=["DELETE"]),
    Route("/journal/count", r.count_journal, methods=["GET"]),
    Route("/journal/verify", r.verify_journal, methods=["POST"]),
    Route("/faults", r.get_faults, methods=["GET"]),
    Route("/faults", r.add_fault, methods=["POST"]),
    Route("/faults", r.clear_faults, methods=["DELETE"]),
    Route("/faults/{id}", r.delete_fault, methods=["DELETE"]),
    Route("/openapi/{name}", r.get_contract, methods=["GET"]),
    Route("/notifications/deliveries", notifications.get_deliveries, methods=["GET"]),
    Route("/metrics", r.get_metrics, methods=["GET"]),
    Route("/metrics/series", r.get_metrics_series, methods=["GET"]),
    Route("/metrics/series", r.clear_metrics_series, methods=["DELETE"]),
    Route("/dashboard", dashboard.page, methods=["GET"]),
    Route("/dashboard/assets/{name}", dashboard.asset, methods=["GET"]),
    Route("/dashboard/queues/{ref}", dashboard.queue_detail, methods=["GET"]),
    Route("/dashboard/items/{ref}", dashboard.item_detail, methods=["GET"]),
]


class LoopbackOnly:
    """The control API has no authentication: refuse it to clients off this machine unless allowed."""

    def __init__(self, app: ASGIApp, allow_anywhere: bool) -> None:
        self.app = app
        self.allow_anywhere = allow_anywhere

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.allow_anywhere and not _is_loopback(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = error(403, "forbidden", "the control API answers loopback clients only; "
                                               "start with --control-from-anywhere to change that")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _is_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return True  # in-process transports (tests, the pytest plugin) have no peer address
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return client[0] in ("localhost", "testclient")
