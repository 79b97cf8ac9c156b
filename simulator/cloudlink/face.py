"""The CloudLink face: each service under ``/<service>/2017-09-01`` (and host-style, see ``HostStyleUrls``)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Mount

from simulator.cloudlink.auth.responses import HANDLERS as AUTHENTICATION
from simulator.cloudlink.common import VERSION, HostStyleUrls, service_app
from simulator.face import Face
from simulator.spec.router import Handler

SERVICES: dict[str, dict[str, Handler]] = {
    "authentication": AUTHENTICATION,
}


def face(sim: Any) -> Face:
    routes = [Mount(f"/{service}/{VERSION}", app=service_app(sim, service, handlers))
              for service, handlers in SERVICES.items()]
    return Face("cloudlink", routes, steps=[HostStyleUrls()])
