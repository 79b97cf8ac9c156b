"""The MiCC server's configuration beside agents and queues: warning reasons, mail servers, prompts, variables,
application profiles, DNIS numbers, account codes, queue groups and the softphone gateway.

Built from the world file's ``catalog`` section. DNIS numbers and queue groups a world file leaves out are
derived from its queues (one DNIS per voice queue, one group per media), extensions from the employees' and
queues' numbers, so every id an answer names belongs to something in the world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from micc_sim.world.catalog_config import (
    CatalogConfig,
    MailServerConfig,
    SoftphoneConfig,
    VariableConfig,
)
from micc_sim.world.config import stable_id
from micc_sim.world.errors import NotFound
from micc_sim.world.model import MediaType

if TYPE_CHECKING:
    from micc_sim.world.core import World


def not_found(message: str) -> Exception:
    """The world's NotFound (faces answer 404)."""
    return NotFound(message)


@dataclass
class Named:
    id: str
    name: str


@dataclass
class MailServer(Named):
    config: MailServerConfig


@dataclass
class Variable(Named):
    config: VariableConfig


@dataclass
class ApplicationProfile(Named):
    application: str


@dataclass
class Dnis(Named):
    number: str
    reporting: str
    queue_id: str | None
    use_as_default: bool


@dataclass
class AccountCode(Named):
    reporting: str
    employee_ids: list[str]  # empty: every employee


@dataclass
class QueueGroup(Named):
    reporting: str
    queue_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Extension:
    """A device number: an employee's extension or a queue's dialable number (ACD)."""

    id: str
    reporting: str
    media: MediaType
    name: str
    media_server_id: str | None
    acd: bool
    owner_id: str  # the employee or queue it belongs to


def _id(kind: str, given: str | None, name: str) -> str:
    return given or stable_id(kind, name)


def find(things: dict[str, Named], ref: str, what: str) -> Named:
    """By id or name, in any case."""
    wanted = ref.lower()
    for thing in things.values():
        if wanted in (thing.id.lower(), thing.name.lower()):
            return thing
    raise not_found(f"{what} {ref!r} not found")


class Catalog:
    def __init__(self, config: CatalogConfig, world: World) -> None:
        self.config = config
        self._world = world
        self.warning_reasons = {r.id: r for r in (Named(_id("warningreason", c.id, c.name), c.name)
                                                  for c in config.warning_reasons)}
        self.prompts = {p.id: p for p in (Named(_id("prompt", c.id, c.name), c.name) for c in config.prompts)}
        self.mail_servers = {m.id: m for m in (MailServer(_id("mailserver", c.id, c.name), c.name, c)
                                               for c in config.mail_servers)}
        self.variables = {v.id: v for v in (Variable(_id("variable", c.id, c.name), c.name, c)
                                            for c in config.variables)}
        self.application_profiles = {p.id: p for p in (
            ApplicationProfile(_id("applicationprofile", c.id, f"{c.application}/{c.name}"), c.name, c.application)
            for c in config.application_profiles)}
        self.dnis = {d.id: d for d in self._dnis(config)}
        self.account_codes = {a.id: a for a in (
            AccountCode(_id("accountcode", c.id, c.name), c.name, c.reporting,
                        [world.employee(e).id for e in c.employees]) for c in config.account_codes)}
        self.queue_groups = {g.id: g for g in self._queue_groups(config)}
        self.softphone: SoftphoneConfig = config.softphone

    def _dnis(self, config: CatalogConfig) -> list[Dnis]:
        world = self._world
        if config.dnis:
            return [Dnis(_id("dnis", c.id, c.name), c.name, c.number, c.reporting,
                         world.queue(c.queue).id if c.queue else None, c.use_as_default) for c in config.dnis]
        voice = [q for q in world.queues.values() if q.media_type is MediaType.Voice]
        return [Dnis(stable_id("dnis", q.name), f"{q.name} DNIS", q.reporting, q.reporting, q.id, n == 0)
                for n, q in enumerate(voice)]

    def _queue_groups(self, config: CatalogConfig) -> list[QueueGroup]:
        world = self._world
        if config.queue_groups:
            return [QueueGroup(_id("queuegroup", c.id, c.name), c.name, c.reporting,
                               [world.queue(q).id for q in c.queues]) for c in config.queue_groups]
        groups = []
        for media in MediaType:
            queues = [q.id for q in world.queues.values() if q.media_type is media]
            if queues:
                name = f"All {media.name} queues"
                groups.append(QueueGroup(stable_id("queuegroup", name), name, f"G{media.value}", queues))
        return groups

    # -- lookups -----------------------------------------------------------------------------
    def application_profiles_of(self, application: str) -> list[ApplicationProfile]:
        return [p for p in self.application_profiles.values() if p.application.lower() == application.lower()]

    def application_profile(self, application: str, ref: str) -> ApplicationProfile:
        found = find({p.id: p for p in self.application_profiles_of(application)}, ref, "application profile")
        assert isinstance(found, ApplicationProfile)
        return found

    def queue_group(self, ref: str) -> QueueGroup:
        wanted = ref.lower()
        for group in self.queue_groups.values():
            if wanted in (group.id.lower(), group.name.lower(), group.reporting.lower()):
                return group
        raise not_found(f"queue group {ref!r} not found")

    def extensions(self) -> list[Extension]:
        """Every employee's extension (voice) and every queue's number (its media, ACD), as they are now."""
        world = self._world
        voice_server = next((m.id for m in world.media_servers.values() if m.media_type is MediaType.Voice), None)
        found = [Extension(stable_id("extension", e.extension), e.extension, MediaType.Voice, e.name, voice_server,
                           False, e.id) for e in world.employees.values() if e.extension]
        found += [Extension(stable_id("extension", f"queue:{q.reporting}"), q.reporting, q.media_type, q.name,
                            q.media_server_id, True, q.id) for q in world.queues.values()]
        return found

    def extension(self, ref: str) -> Extension:
        wanted = ref.lower()
        for ext in self.extensions():
            if wanted in (ext.id.lower(), ext.reporting.lower()):
                return ext
        raise not_found(f"extension {ref!r} not found")

    def multimedia_agents(self) -> list[str]:
        """Logged-in agents ready for a multimedia medium, in the order they logged in (licences go first come,
        first served)."""
        world = self._world
        agents = [e for e in world.employees.values() if e.is_agent and e.logged_in and e.multimedia_licensed
                  and e.ready_media - {MediaType.Voice}]
        agents.sort(key=lambda e: (e.first_login_today or world.clock.now(), e.id))
        return [e.id for e in agents]

    def unlicensed_agents(self) -> frozenset[str]:
        """Agents routing offers no multimedia: none assigned to them, or every licence of the site taken."""
        world = self._world
        return world._cached("unlicensed", lambda: frozenset(
            [e.id for e in world.employees.values() if not e.multimedia_licensed]
            + self.multimedia_agents()[self.config.licences.multimedia:]), world._agent_cache)

    def account_codes_of(self, employee_id: str) -> list[AccountCode]:
        return [a for a in self.account_codes.values() if not a.employee_ids or employee_id in a.employee_ids]
