"""Presence: presentities, their sources grouped in categories, and the aggregate (CloudLink guides, Presence
API Guide).

A presentity is anything with presence: every directory user has one (``type`` ``user``, its principalId
the userId); groups and external ones are created through the API. It has two presences: the
*principal* presence, an override a client sets, and the *aggregate* presence, which the service
computes from the sources unless the override is on.

The vendor keeps its aggregation algorithm secret; the simulator's is :func:`aggregate`, deterministic
and documented (docs/cloudlink-presence.md):

1. a principal presence other than ``Available`` wins outright (setting it back to ``Available`` ends
   the override);
2. otherwise the most restrictive status among all sources wins: ``DoNotDisturb`` > ``Busy`` > ``Away``
   > ``Available`` > ``Offline`` > ``Unknown`` (so an idle phone makes a logged-out agent Available,
   and anything busy makes the person Busy);
3. ties go to the category of the greater weight (``acd`` 5, ``phones`` 4, ``externalEngines`` 3, a
   custom category such as ``apps`` 2, ``calendar`` 1), then to the source that changed last, then to
   the greater ``categoryId/sourceId``; the winner gives the aggregate its reason and extended data;
4. no source at all: ``Unknown``.

Sources of the ``phones`` and ``acd`` categories are kept by the simulator itself from the Media API's
endpoints and the MiCC agents (see :mod:`micc_sim.faces.cloudlink.presence.feeds`); a client may overwrite
them, and the next change of the phone or the agent overwrites them back (the guide's "flow up").
Every change emits a :class:`PresentityChanged` on the platform's event bus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from micc_sim.faces.cloudlink.admin.models import User
from micc_sim.faces.cloudlink.errors import known, refused
from micc_sim.world.events import Event

if TYPE_CHECKING:
    from micc_sim.faces.cloudlink.platform import CloudLink


class Status(StrEnum):
    Available = "Available"
    Unknown = "Unknown"
    Offline = "Offline"
    Busy = "Busy"
    DoNotDisturb = "DoNotDisturb"
    Away = "Away"


class PresentityType(StrEnum):
    user = "user"
    group = "group"
    external = "external"


RESTRICTIVENESS = {Status.Unknown: 0, Status.Offline: 1, Status.Available: 2, Status.Away: 3, Status.Busy: 4,
                   Status.DoNotDisturb: 5}
CATEGORY_WEIGHTS = {"acd": 5, "phones": 4, "externalEngines": 3, "calendar": 1}
CUSTOM_CATEGORY_WEIGHT = 2
KNOWN_CATEGORIES = ("phones", "externalEngines", "acd", "calendar")
PHONES, ACD = "phones", "acd"
EPOCH = datetime.min.replace(tzinfo=UTC)


@dataclass
class Presence:
    status: Status
    reason: str = ""
    entered_on: datetime | None = None
    extended: dict[str, Any] = field(default_factory=dict)

    def same_as(self, other: Presence) -> bool:
        """The same presence, whenever it was entered."""
        return (self.status, self.reason, self.extended) == (other.status, other.reason, other.extended)


@dataclass
class Source:
    principal_id: str
    category_id: str
    source_id: str
    presence: Presence
    automatic: bool = False  # kept by the simulator (a phone, a MiCC agent)
    created_on: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.category_id}/{self.source_id}"


@dataclass
class Presentity:
    principal_id: str
    account_id: str
    type: PresentityType
    principal: Presence
    aggregate: Presence
    aggregate_source: str | None = None  # "categoryId/sourceId" that decided the aggregate, "principal", None
    categories: dict[str, dict[str, Source]] = field(default_factory=dict)
    created_on: datetime | None = None

    def sources(self) -> list[Source]:
        return [s for sources in self.categories.values() for s in sources.values()]

    @property
    def overridden(self) -> bool:
        return self.principal.status is not Status.Available


@dataclass
class PresenceState:
    presentities: dict[str, Presentity] = field(default_factory=dict)


@dataclass(frozen=True)
class PresentityChanged(Event):
    presentity: Presentity
    cause: str  # "principal" | "source" | "created" | "deleted"


def category_weight(category_id: str) -> int:
    return CATEGORY_WEIGHTS.get(category_id, CUSTOM_CATEGORY_WEIGHT)


def aggregate(presentity: Presentity) -> tuple[Presence, str | None]:
    """The aggregate presence (without its ``entered_on``) and what decided it (module docstring)."""
    if presentity.overridden:
        p = presentity.principal
        return Presence(p.status, p.reason, None, dict(p.extended)), "principal"
    sources = presentity.sources()
    if not sources:
        return Presence(Status.Unknown), None
    best = max(sources, key=lambda s: (RESTRICTIVENESS[s.presence.status], category_weight(s.category_id),
                                       s.presence.entered_on or EPOCH, s.key))
    p = best.presence
    return Presence(p.status, p.reason, None, dict(p.extended)), best.key


class Presences:
    """The Presence service's backend for one CloudLink (state in :attr:`state`, snapshotted)."""

    def __init__(self, platform: CloudLink) -> None:
        self.platform = platform
        self.state = PresenceState()
        # what the MiCC side says of a user's agent: (source id, presence) or None; set by the flows
        self.acd_lookup: Callable[[User], tuple[str, Presence] | None] | None = None

    def now(self) -> datetime:
        return self.platform.now()

    # -- presentities ----------------------------------------------------------------------------
    def materialize_users(self) -> None:
        """A presentity for every directory user (done when the tenant is built; later users get theirs
        when first asked for)."""
        for user in self.platform.directory.users.values():
            self._user_presentity(user)

    def find(self, principal_id: str) -> Presentity | None:
        found = self.state.presentities.get(principal_id)
        if found is not None:
            return found
        user = self.platform.directory.users.get(principal_id)
        return self._user_presentity(user) if user is not None else None

    def get(self, principal_id: str) -> Presentity:
        return known(self.find(principal_id), f"presentity {principal_id!r}")

    def in_accounts(self, account_ids: set[str]) -> list[Presentity]:
        for user in list(self.platform.directory.users.values()):
            if user.account_id in account_ids:
                self.find(user.user_id)
        return [p for p in self.state.presentities.values() if p.account_id in account_ids]

    def _user_presentity(self, user: User) -> Presentity:
        existing = self.state.presentities.get(user.user_id)
        if existing is not None:
            return existing
        now = self.now()
        presentity = Presentity(user.user_id, user.account_id, PresentityType.user,
                                Presence(Status.Available, "", now), Presence(Status.Unknown, "", now),
                                created_on=now)
        if user.extension:
            phone = self.platform.media.phone_presence(user.account_id, user.extension)
            self._put_source(presentity, Source(user.user_id, PHONES, user.extension, phone, True, now))
        acd = self.acd_lookup(user) if self.acd_lookup else None
        if acd is not None:
            self._put_source(presentity, Source(user.user_id, ACD, acd[0], acd[1], True, now))
        self._reaggregate(presentity)
        self.state.presentities[user.user_id] = presentity
        return presentity

    def create(self, principal_id: str, account_id: str, type_: PresentityType) -> Presentity:
        if self.find(principal_id) is not None:
            raise refused(409, f"presentity {principal_id!r} already exists")
        if type_ is PresentityType.user:
            raise refused(400, "a user's presentity is made with the user (Admin API)")
        now = self.now()
        presentity = Presentity(principal_id, account_id, type_, Presence(Status.Available, "", now),
                                Presence(Status.Unknown, "", now), created_on=now)
        self.state.presentities[principal_id] = presentity
        self._changed(presentity, "created")
        return presentity

    def delete(self, principal_id: str) -> None:
        presentity = self.get(principal_id)
        if presentity.type is PresentityType.user:
            raise refused(409, "a user's presentity lives as long as the user")
        del self.state.presentities[principal_id]
        self._changed(presentity, "deleted")

    def set_principal(self, principal_id: str, presence: Presence) -> Presentity:
        """The override: anything but Available replaces the aggregate; Available gives it back."""
        presentity = self.get(principal_id)
        presentity.principal = replace(presence, entered_on=self.now())
        self._reaggregate(presentity)
        self._changed(presentity, "principal")
        return presentity

    # -- sources ---------------------------------------------------------------------------------
    def source(self, principal_id: str, category_id: str, source_id: str) -> Source:
        return known(self.get(principal_id).categories.get(category_id, {}).get(source_id),
                     f"source {category_id}/{source_id} of {principal_id!r}")

    def add_source(self, principal_id: str, category_id: str, source_id: str, presence: Presence) -> Source:
        presentity = self.get(principal_id)
        if source_id in presentity.categories.get(category_id, {}):
            raise refused(409, f"source {category_id}/{source_id} already exists")
        now = self.now()
        source = Source(principal_id, category_id, source_id, replace(presence, entered_on=now), False, now)
        self._put_source(presentity, source)
        self._reaggregate(presentity)
        self._changed(presentity, "source")
        return source

    def update_source(self, principal_id: str, category_id: str, source_id: str, presence: Presence) -> Source:
        source = self.source(principal_id, category_id, source_id)
        source.presence = replace(presence, entered_on=self.now())
        presentity = self.get(principal_id)
        self._reaggregate(presentity)
        self._changed(presentity, "source")
        return source

    def delete_source(self, principal_id: str, category_id: str, source_id: str) -> None:
        self.source(principal_id, category_id, source_id)
        presentity = self.get(principal_id)
        del presentity.categories[category_id][source_id]
        if not presentity.categories[category_id]:
            del presentity.categories[category_id]
        self._reaggregate(presentity)
        self._changed(presentity, "source")

    def feed(self, user_id: str, category_id: str, source_id: str, presence: Presence) -> None:
        """What a phone or a MiCC agent says now: changes the automatic source when it says something new."""
        presentity = self.find(user_id)
        if presentity is None:
            return
        source = presentity.categories.get(category_id, {}).get(source_id)
        if source is not None and source.presence.same_as(presence):
            return
        now = self.now()
        if source is None:
            self._put_source(presentity, Source(user_id, category_id, source_id, replace(presence, entered_on=now),
                                                True, now))
        else:
            source.presence = replace(presence, entered_on=now)
        self._reaggregate(presentity)
        self._changed(presentity, "source")

    # -- internals -------------------------------------------------------------------------------
    @staticmethod
    def _put_source(presentity: Presentity, source: Source) -> None:
        presentity.categories.setdefault(source.category_id, {})[source.source_id] = source

    def _reaggregate(self, presentity: Presentity) -> None:
        computed, decided_by = aggregate(presentity)
        if not computed.same_as(presentity.aggregate):
            computed.entered_on = self.now()
            presentity.aggregate = computed
        presentity.aggregate_source = decided_by

    def _changed(self, presentity: Presentity, cause: str) -> None:
        self.platform.events.publish(PresentityChanged(self.now(), presentity, cause))
