"""The CloudLink face: each service under ``/<service>/2017-09-01`` (and host-style, see ``HostStyleUrls``)."""

from __future__ import annotations

import re
from typing import Any

from starlette.middleware import Middleware
from starlette.routing import Mount

from simulator.cloudlink.auth.responses import HANDLERS as AUTHENTICATION
from simulator.cloudlink.chat.responses import HANDLERS as CHAT
from simulator.cloudlink.common import VERSION, HostStyleUrls, service_app
from simulator.cloudlink.media.responses import HANDLERS as MEDIA
from simulator.cloudlink.notify.responses import HANDLERS as NOTIFICATIONS
from simulator.cloudlink.presence.responses import HANDLERS as PRESENCE
from simulator.face import Face
from simulator.spec.router import Handler

SERVICES: dict[str, dict[str, Handler]] = {
    "authentication": AUTHENTICATION,
    "chat": CHAT,
    "media": MEDIA,
    "presence": PRESENCE,
    "notifications": NOTIFICATIONS,
}


def _mount(sim: Any, service: str, handlers: dict[str, Handler]) -> Mount:
    mount = Mount(f"/{service}/{VERSION}", app=service_app(sim, service, handlers))
    # a path parameter may hold any character, a newline too (Starlette's pattern stops at one): the
    # service, not the app's fallback, answers such a path, in CloudLink's error shape
    mount.path_regex = re.compile(mount.path_regex.pattern, re.DOTALL)
    return mount


def face(sim: Any) -> Face:
    routes = [_mount(sim, service, handlers) for service, handlers in SERVICES.items()]
    return Face("cloudlink", routes, middleware=[Middleware(HostStyleUrls)])

