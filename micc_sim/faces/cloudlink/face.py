"""The CloudLink face: each service under ``/<service>/2017-09-01`` (and host-style, see ``HostStyleUrls``)."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Mount

from micc_sim.face import Face
from micc_sim.faces.cloudlink.admin.responses import HANDLERS as ADMIN
from micc_sim.faces.cloudlink.admin.scim import BASE as SCIM_BASE
from micc_sim.faces.cloudlink.admin.scim import scim_app
from micc_sim.faces.cloudlink.auth.responses import HANDLERS as AUTHENTICATION
from micc_sim.faces.cloudlink.chat.responses import HANDLERS as CHAT
from micc_sim.faces.cloudlink.common import VERSION, service_app
from micc_sim.faces.cloudlink.hosts import HostStyleUrls
from micc_sim.faces.cloudlink.media.callbacks import CallbackWorker
from micc_sim.faces.cloudlink.media.responses import HANDLERS as MEDIA
from micc_sim.faces.cloudlink.notify.responses import HANDLERS as NOTIFICATIONS
from micc_sim.faces.cloudlink.presence.responses import HANDLERS as PRESENCE
from micc_sim.faces.cloudlink.servicedelivery.responses import HANDLERS as SERVICE_DELIVERY
from micc_sim.faces.cloudlink.workflow.responses import HANDLERS as WORKFLOW
from micc_sim.spec.router import Handler

SERVICES: dict[str, dict[str, Handler]] = {
    "authentication": AUTHENTICATION,
    "chat": CHAT,
    "media": MEDIA,
    "presence": PRESENCE,
    "notifications": NOTIFICATIONS,
    "admin": ADMIN,
    "servicedelivery": SERVICE_DELIVERY,
    "workflow": WORKFLOW,
}


class ServiceMount(Mount):
    """A Mount whose ``{path}`` takes any character: a path parameter with a newline (``%0A``) reaches the
    service, which answers in CloudLink's error shape, instead of falling through to the app's 404."""

    def __init__(self, path: str, app: Any) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def face(sim: Any) -> Face:
    routes = [ServiceMount(SCIM_BASE, app=scim_app(sim))]  # before the Admin API's mount, which it is under
    routes += [ServiceMount(f"/{service}/{VERSION}", app=service_app(sim, service, handlers))
               for service, handlers in SERVICES.items()]
    callbacks = CallbackWorker(sim)  # the Media API's successUrl / failureUrl
    return Face("cloudlink", routes, callbacks.running, steps=[HostStyleUrls(tuple(SERVICES))])
