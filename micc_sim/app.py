"""Composes the faces (``micc_sim.face.Face``) into one ASGI app (the request chain) around one Simulator.

::

    the request chain (micc_sim.chain): IisPaths (double slash, case-insensitive prefixes), the guard (Host,
    Origin, content type and body size: docs/security.md), the faces' own steps (CloudLink's host-style URLs),
    the request journal, CORS of the REST API and the token endpoint, fault injection, stubs (and with --proxy or
    replay, the real server or its recording in the faces' place); then, by first path segment:
      /authorizationserver/...  SpecRouter(authorizationserver contract)  OAuth error shape
      /miccsdk/api/v1/...       SpecRouter(micc-sdk contract)             .NET error shape
      /miccsdk/signalr/...      SignalR 2 endpoint of the real-time hubs   (micc_sim.faces.micc.hubs)
      /_sim/...                 control API (loopback only by default)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from micc_sim import __version__
from micc_sim.chain import Chain
from micc_sim.cors import Cors, CorsPolicy
from micc_sim.face import Face
from micc_sim.faces.cloudlink import face as cloudlink
from micc_sim.faces.cloudlink.common import VERSION as CLOUDLINK_VERSION
from micc_sim.faces.cloudlink.notify import face as cloudlink_notify
from micc_sim.faces.desktop import face as desktop_face
from micc_sim.faces.micc import hubs as micc_hubs
from micc_sim.faces.micc import sdk as micc_sdk
from micc_sim.faces.micc.allow_list import IpAllowList
from micc_sim.faces.micc.authserver.responses import HANDLERS as AUTH_HANDLERS
from micc_sim.faces.micc.authserver.responses import bearer_principal, oauth_error
from micc_sim.harness.control import dashboard
from micc_sim.harness.control.dashboard import Timeline
from micc_sim.harness.control.faults import FaultInjector
from micc_sim.harness.control.guard import Guard
from micc_sim.harness.control.journal import JournalRecorder
from micc_sim.harness.control.metrics import MetricsSampler
from micc_sim.harness.control.responses import error
from micc_sim.harness.control.stubs import StubStep
from micc_sim.harness.control.urls import EXCEPTION_HANDLERS as CONTROL_EXCEPTION_HANDLERS
from micc_sim.harness.control.urls import LoopbackOnly
from micc_sim.harness.control.urls import routes as control_routes
from micc_sim.harness.record.proxy import ProxyStep
from micc_sim.harness.record.replay import ReplayStep, load_recording
from micc_sim.middleware import IisPaths
from micc_sim.outbound import RefuseOwnDeliveries
from micc_sim.runtime import Simulator
from micc_sim.settings import Settings
from micc_sim.socketio_server import face as socketio_face
from micc_sim.spec.binding import Strictness
from micc_sim.spec.contract import load_contract
from micc_sim.spec.router import SpecRouter
from micc_sim.world.clock import ClockMode

log = logging.getLogger("micc_sim")

def create_app(sim: Simulator | None = None, settings: Settings | None = None) -> ASGIApp:
    sim = sim or Simulator(settings)
    sdk = SpecRouter(sim, load_contract(micc_sdk.CONTRACT), micc_sdk.HANDLERS,
                     authenticate=lambda request: bearer_principal(sim, request),
                     strictness=sim.settings.strictness, jsonnet_bodies=True,
                     synthesized=lambda: sim.world_config.synthesized)  # opt-in only (world file)
    auth = SpecRouter(sim, load_contract("authorizationserver"), AUTH_HANDLERS,
                      render_error=oauth_error, strictness=Strictness.OFF)
    control = Starlette(routes=control_routes, exception_handlers=CONTROL_EXCEPTION_HANDLERS,
                        middleware=[Middleware(LoopbackOnly, allow_anywhere=sim.settings.control_from_anywhere)])
    control.state.sim = sim
    control.state.timeline = Timeline(sim)
    control.state.metrics = MetricsSampler(sim, sim.settings.metrics_interval, sim.settings.metrics_size)

    faces = [
        Face("authorizationserver", [Mount("/authorizationserver", app=auth)]),
        Face("miccsdk", [Mount("/miccsdk/api/v1", app=sdk)], micc_sdk.lifespan(sim), [IpAllowList(sim)]),
        micc_hubs.face(sim),
        desktop_face(sim),  # before control: its test page is /_sim/desktop/
        socketio_face(sim),  # /socket.io/ (the desktop's and the dashboard's namespaces), /_sim/socketio-lite.js
        dashboard.face(sim, control.state.timeline, control.state.metrics),
        Face("control", [Mount("/_sim", app=control)], control.state.metrics.running),
        cloudlink_notify.face(sim),  # before cloudlink: its WebSocket path is under a CloudLink mount
        cloudlink.face(sim),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ticker = asyncio.create_task(_drive_clock(sim)) if sim.clock.mode is not ClockMode.MANUAL else None
        try:
            async with contextlib.AsyncExitStack() as running:
                for face in faces:
                    if face.lifespan is not None:
                        await running.enter_async_context(face.lifespan())
                yield
        finally:
            if ticker:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

    routes = [Route("/", _index, methods=["GET"]), *(route for face in faces for route in face.routes)]
    starlette = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed}, lifespan=lifespan)
    starlette.state.sim = sim
    steps = [RefuseOwnDeliveries(sim.own_sockets), IisPaths(sim.quirks), Guard(sim.settings),
             *(step for face in faces for step in face.steps),
             JournalRecorder(lambda: sim.journal), Cors(CorsPolicy(sim.settings.cors_origins)), FaultInjector(sim),
             StubStep(sim)]
    if sim.settings.replay_dir is not None:  # micc-sim replay: the recording answers, not the faces
        steps.append(ReplayStep(load_recording(sim.settings.replay_dir)))
    elif sim.settings.proxy:  # serve --proxy: the real server answers, and is recorded
        steps.append(ProxyStep(sim))
    return Chain(steps, routes, fallback=starlette)


async def _drive_clock(sim: Simulator) -> None:
    """In the real and scaled modes, fire timers as simulated time reaches them."""
    while True:
        due = sim.clock.next_due()
        wait = 0.25
        if due is not None:
            wait = max(0.0, min(wait, (due - sim.clock.now()) / timedelta(seconds=1) / sim.clock.scale))
        await asyncio.sleep(wait)
        try:
            sim.clock.run_due()
        except Exception:  # one bad timer must not stop the clock
            log.exception("timer failed")


async def _index(request: Request) -> JSONResponse:
    base = str(request.base_url).rstrip("/")
    return JSONResponse({
        "name": "micc-sim", "version": __version__,
        "surfaces": {
            "authorizationserver": f"{base}/authorizationserver/token",
            "miccsdk": f"{base}/miccsdk/api/v1",
            "signalr": f"{base}/miccsdk/signalr",
            "control": f"{base}/_sim",
            **{f"cloudlink-{service}": f"{base}/{service}/{CLOUDLINK_VERSION}" for service in cloudlink.SERVICES},
            "desktop": f"{base}/agent (socket.io namespace; path /socket.io/)",
        },
    })


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    if request.url.path.startswith("/_sim"):  # e.g. a path with a newline, which no route pattern takes
        return error(404, "not_found", f"no control endpoint {request.method} {request.url.path!r}")
    return JSONResponse({"message": f"No HTTP resource was found that matches the request URI '{request.url}'."},
                        status_code=404)


async def _not_allowed(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"message": f"The requested resource does not support http method '{request.method}'."},
                        status_code=405)
