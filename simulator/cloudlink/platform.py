"""``CloudLink``: the state of every CloudLink service for one simulator (pure domain, no HTTP).

Built from the world file's ``cloudlink`` section and rebuilt on reset; the services share the directory
(accounts, users, clients), the token sessions and Notify, where each of them publishes its changes.
:meth:`CloudLink.dump` and :meth:`CloudLink.load` put all of it in the simulator's snapshots: a service that
keeps state adds its part there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.cloudlink.admin.models import Directory
from simulator.cloudlink.auth.models import Sessions, Throttle
from simulator.cloudlink.config import CloudLinkConfig
from simulator.cloudlink.notify.models import Notify, Publication
from simulator.world.snapshot import decode_entity, encode


class CloudLink:
    def __init__(self, config: CloudLinkConfig, now: Callable[[], datetime]) -> None:
        self.config = config
        self.now = now
        self.directory = Directory.from_config(config, now())
        self.sessions = Sessions(config.token_lifetime, config.refresh_token_lifetime,
                                 code_lifetime=config.authorization_code_lifetime)
        throttle = config.token_throttle
        self.throttle = Throttle(throttle.failures, throttle.window, throttle.lockout)  # not in snapshots
        self.notify = Notify(now)

    # -- snapshots -------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        return {
            "directory": encode(self.directory),
            "sessions": encode(self.sessions),
            "publications": [encode(p) for p in self.notify.log],
        }

    def load(self, data: dict[str, Any]) -> None:
        """Take the state of a :meth:`dump` (on a CloudLink built from the same config)."""
        self.directory = decode_entity(Directory, data["directory"])
        self.sessions = decode_entity(Sessions, data["sessions"])
        self.notify.log.clear()
        self.notify.log.extend(decode_entity(Publication, p) for p in data["publications"])
