"""The Simulator: one running instance, holding the clock, the world and the AuthorizationServer state.

Every face gets the same ``Simulator``; control commands (reset, IIS restart, clock moves) are
methods here so the control API, the CLI and the pytest fixture share one implementation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from micc_sim.faces.cloudlink.flows import CloudLinkFlows
from micc_sim.faces.cloudlink.platform import CloudLink
from micc_sim.faces.micc.authserver.models import (
    ClientsConfig,
    Session,
    TokenStore,
    parse_clients,
    read_clients_file,
)
from micc_sim.harness.control.faults import Faults
from micc_sim.harness.control.journal import Journal
from micc_sim.harness.control.stubs import StubError, Stubs
from micc_sim.outbound import OwnSockets
from micc_sim.settings import Settings
from micc_sim.spec.router import Principal
from micc_sim.world import snapshot
from micc_sim.world.clock import Clock
from micc_sim.world.config import WorldConfig, WorldFileError, load_world_file
from micc_sim.world.core import World
from micc_sim.world.events import EventBus, SessionsEnded
from micc_sim.world.model import FailedRouteReason
from micc_sim.world.seed import default_world
from micc_sim.world.snapshot import decode_entity, encode

log = logging.getLogger("micc_sim")


@dataclass
class RestartReport:
    sessions_ended: int
    interactions_dropped: int
    clients: list[str]
    rejected: list[str]


class Simulator:
    def __init__(self, settings: Settings | None = None, world_config: WorldConfig | None = None) -> None:
        self.settings = settings or Settings()
        start = self.settings.clock_start or datetime.now(UTC) + timedelta(seconds=self.settings.clock_offset)
        self.clock = Clock(self.settings.clock, self.settings.clock_scale, start)
        self.started_at = self.clock.now()
        self.bus = EventBus()
        self.quirks = self.settings.make_quirks()
        self.world_config = world_config or (
            load_world_file(self.settings.world_file) if self.settings.world_file else default_world())
        self.baseline = self.world_config  # what a reset returns to: the start's world until a new one is saved
        self.world = self._new_world()
        self.cloudlink = CloudLink(self.world_config.cloudlink, self.clock.now, self.bus,
                                   max_pending=self.settings.notifications.max_pending)
        self.tokens = TokenStore(self.clock, self.settings.token_lifetime)
        self.clients = self._read_clients()
        self._clients_mtime = self._mtime()
        self.connection_counts: dict[str, Callable[[], int]] = {}  # transport -> open connections (faces fill it)
        self.journal = Journal(self.settings.journal_size, self.clock.now, self.settings.journal_bytes,
                               self.settings.journal_body_limit)
        try:
            self.stubs = Stubs(self.world_config.stubs)
        except StubError as exc:
            raise WorldFileError(f"the world's stubs: {exc}") from None
        self.faults = Faults(self.settings.seed)
        self.cloudlink_flows = CloudLinkFlows(self)  # MiCC agents into presence; CloudLink publications, timers
        self.own_sockets = OwnSockets(guard=not self.settings.deliveries_to_self)  # deliveries never go there

    def _new_world(self) -> World:
        return World(self.world_config, self.clock, self.bus, self.quirks, seed=self.settings.seed)

    # -- Clients.config ----------------------------------------------------------------------
    def _read_clients(self) -> ClientsConfig:
        path = self.settings.clients_config
        if path is not None:
            return read_clients_file(Path(path))
        return parse_clients(self.world_config.clients, "world clients")

    def _mtime(self) -> float | None:
        path = self.settings.clients_config
        try:
            return Path(path).stat().st_mtime if path else None
        except OSError:
            return None

    def current_clients(self) -> ClientsConfig:
        """The clients the AuthorizationServer knows now: re-read on change only if that quirk is off."""
        if not self.quirks.clients_config_read_on_restart_only and self._mtime() != self._clients_mtime:
            self.clients = self._read_clients()
            self._clients_mtime = self._mtime()
        return self.clients

    # -- authentication ----------------------------------------------------------------------
    def principal_for_token(self, token: str) -> Principal | None:
        session = self.tokens.lookup(token)
        if session is None:
            return None
        if session.kind == "client":
            return Principal("client", session.principal_id, session.principal_id, "client")
        employee = self.world.employees.get(session.principal_id)
        if employee is None:
            return None
        return Principal("employee", employee.id, employee.username, employee.role.value, session.client_id)

    # -- control commands --------------------------------------------------------------------
    def reset(self) -> None:
        """A fresh world (and CloudLink tenant) from the baseline (the world the server started with, or the
        last one saved with :meth:`save_baseline`); timers, sessions, the journal and fault rules are gone too."""
        self.world_config = self.baseline
        self._rebuild()

    def _rebuild(self) -> None:
        self.clock.cancel_all()
        self.world = self._new_world()
        self.cloudlink = CloudLink(self.world_config.cloudlink, self.clock.now, self.bus,
                                   max_pending=self.settings.notifications.max_pending)
        self.cloudlink_flows.attach(fresh=True)
        self.tokens.revoke_all()
        self.journal.clear()
        self.faults.clear()
        self.stubs.reset(self.world_config.stubs)

    def replace_world(self, config: WorldConfig) -> None:
        """Serve another world from now on; sessions end, the clock goes on. A reset goes back to the baseline,
        so one scenario's world never leaks into the next; :meth:`save_baseline` keeps this one instead."""
        self.world_config = config
        self._rebuild()

    def save_baseline(self) -> None:
        """Make the world now configured what every later reset returns to."""
        self.baseline = self.world_config

    def snapshot(self) -> dict[str, Any]:
        """The world and the AuthorizationServer's sessions, as plain data (see world/snapshot.py)."""
        sessions = [encode(s) for s in self.tokens.sessions()]
        return snapshot.dump(self.world, {"sessions": sessions, "cloudlink": self.cloudlink.dump()})

    def restore(self, data: dict[str, Any]) -> None:
        """Go back to a snapshot: the world, its clock time, its timers and its sessions."""
        dry_run = snapshot.load(data, Clock("manual"))  # a damaged snapshot must change nothing
        try:
            sessions = [decode_entity(Session, s) for s in data.get("sessions", [])]
            cloudlink = CloudLink(dry_run.config.cloudlink, self.clock.now, self.bus,
                                  max_pending=self.settings.notifications.max_pending)
            if "cloudlink" in data:
                cloudlink.load(data["cloudlink"])
        except (KeyError, TypeError, ValueError) as exc:
            raise snapshot.SnapshotError(f"the snapshot's sessions or CloudLink state are damaged: {exc}") from exc
        world = snapshot.load(data, self.clock, self.bus, self.quirks)
        self.world_config = world.config
        self.world = world
        self.cloudlink = cloudlink
        self.cloudlink_flows.attach(fresh=False)
        self.tokens.replace(sessions)

    def iis_restart(self) -> RestartReport:
        """What restarting IIS does to a MiCC server (integrator guide, step 6B)."""
        dropped = 0
        if self.quirks.iis_restart_drops_interactions:
            dropped = self.world.drop_live_items(FailedRouteReason.ServerRestart)
        ended = self.tokens.revoke_all()
        self.clients = self._read_clients()
        self._clients_mtime = self._mtime()
        self.bus.publish(SessionsEnded(self.clock.now(), "iis-restart"))
        log.info("IIS restart: %d sessions ended, %d interactions dropped, clients %s",
                 ended, dropped, sorted(self.clients.clients))
        return RestartReport(ended, dropped, sorted(self.clients.clients), list(self.clients.rejected))
