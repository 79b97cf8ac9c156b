"""The CloudLink face: each service under ``/<service>/2017-09-01`` (and host-style, see ``HostStyleUrls``)."""

from __future__ import annotations

import re
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import Mount

from simulator.cloudlink.auth.responses import HANDLERS as AUTHENTICATION
from simulator.cloudlink.chat.responses import HANDLERS as CHAT
from simulator.cloudlink.common import VERSION, HostStyleUrls, service_app
from simulator.face import Face
from simulator.spec.router import Handler

SERVICES: dict[str, dict[str, Handler]] = {
    "authentication": AUTHENTICATION,
    "chat": CHAT,
}


def face(sim: Any) -> Face:
    routes = [_mount(f"/{service}/{VERSION}", service_app(sim, service, handlers))
              for service, handlers in SERVICES.items()]
    return Face("cloudlink", routes, middleware=[Middleware(HostStyleUrls)])


def _mount(path: str, app: Any) -> Mount:
    """A mount that takes every path below it, one with a newline too (``%0A`` in a path parameter), so the
    service answers in CloudLink's error shape rather than the app's last-resort 404."""
    mount = Mount(path, app=app)
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    return mount
