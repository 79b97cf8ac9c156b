"""Entities of the simulated contact center. Plain objects; no HTTP, no JSON.

Enum members carry the names the MiCC SDK puts on the wire and the integers its .NET models use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from micc_sim.world.draws import Distribution
from micc_sim.world.queue_log import QueueLog
from micc_sim.world.waiting import WaitingList


class MediaType(IntEnum):
    """MiCC media types (integers inferred; the wire uses the names)."""

    Unknown = 0
    Voice = 1
    Email = 2
    Chat = 3
    Sms = 4
    OpenMedia = 5


class PresenceAvailability(IntEnum):
    """The MiCC SDK reference: ``0 = Unknown 1 = Available 2 = Busy 3 = DoNotDisturb 4 = Away 5 = Offline``."""

    Unknown = 0
    Available = 1
    Busy = 2
    DoNotDisturb = 3
    Away = 4
    Offline = 5


class ConversationState(IntEnum):
    """Conversation states. Names from real clients and the MiCC SDK reference; integers inferred."""

    Unknown = 0
    Offered = 1
    Acd = 2
    NonAcd = 3
    Held = 4
    Ended = 5
    Abandoned = 6
    InQueue = 7
    Handled = 8
    Failed = 9


STATE_NAMES = {state: state.name for state in ConversationState}  # an enum's ``name`` is a Python property on
# 3.11: the hot paths (every item moving) look names up here
LIVE_STATES = frozenset({ConversationState.InQueue, ConversationState.Offered, ConversationState.Acd,
                         ConversationState.Held})


class FailedRouteReason(IntEnum):
    """Why routing failed (names of the simulator's own; integers inferred)."""

    None_ = 0
    QueueNotFound = 1
    QueueOffline = 2
    NoDestination = 3
    ServerRestart = 4


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


@dataclass
class Site:
    id: str
    name: str


@dataclass
class MediaServer:
    id: str
    name: str
    media_type: MediaType
    default_queue_id: str | None = None  # the inbound workflow's queue transfer destination
    routing_failure_queue_id: str | None = None  # "Routing Failure Destination Transfer"


@dataclass(frozen=True)
class NotReadySpells:
    """Every so often (``every``) the agent leaves the queue for a while (``lasts``) in ``presence``."""

    every: float | Distribution
    lasts: float | Distribution
    presence: PresenceAvailability = PresenceAvailability.Busy
    reason: str | None = None  # a reason code name, as the presence's reason


@dataclass
class AgentProfile:
    """How a virtual agent behaves: seconds to accept an offer and to handle an item, each a number or a
    distribution drawn from per offer, and its not-ready spells.

    ``None`` means never: an agent that never accepts lets offers time out; one that never
    finishes keeps the item until the integration completes it.
    """

    name: str
    accept_delay: float | Distribution | None = 3.0
    handle_time: float | Distribution | None = 120.0
    not_ready: NotReadySpells | None = None


@dataclass
class Employee:
    id: str
    username: str
    password: str
    first_name: str
    last_name: str
    role: Role = Role.AGENT
    reporting: str | None = None  # the agent's reporting number; None for non-agents
    extension: str | None = None
    logged_in: bool = False
    presence: PresenceAvailability = PresenceAvailability.Offline
    ready_media: set[MediaType] = field(default_factory=set)
    max_concurrent: int = 1  # workload: items of multimedia an agent handles at once
    profile: str = "default"
    idle_since: datetime | None = None
    active_items: list[str] = field(default_factory=list)  # ids of items offered to or held by the agent
    presence_reason: str | None = None  # the busy / do-not-disturb reason given with the presence
    entered_state_on: datetime | None = None
    absent_from_groups: set[str] = field(default_factory=set)  # agent groups the agent left (group presence)
    first_login_today: datetime | None = None
    last_logout_today: datetime | None = None
    handled_today: dict[MediaType, int] = field(default_factory=dict)  # ACD items accepted, per media
    draws: dict[str, int] = field(default_factory=dict)  # random durations drawn so far, per stream (draws.py)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_agent(self) -> bool:
        return self.reporting is not None

    @property
    def available(self) -> bool:
        """Logged in and in the Available presence: the queue's "agents available" basis."""
        return self.is_agent and self.logged_in and self.presence is PresenceAvailability.Available

    @property
    def idle(self) -> bool:
        """Available and handling nothing: the "agents idle" basis."""
        return self.available and not self.active_items

    def available_for(self, media: MediaType) -> bool:
        """Available and ready for this media: what makes a queue of that media online."""
        return self.available and media in self.ready_media

    def can_take(self, media: MediaType) -> bool:
        return self.available and media in self.ready_media and len(self.active_items) < self.max_concurrent


class ReasonKind(IntEnum):
    Busy = 0
    DoNotDisturb = 1


@dataclass
class ReasonCode:
    """A "Busy" or "Do Not Disturb" reason an agent may give."""

    id: str
    name: str
    code: str
    kind: ReasonKind


@dataclass
class AgentGroup:
    id: str
    name: str
    reporting: str
    members: list[str] = field(default_factory=list)  # employee ids


@dataclass
class Queue:
    id: str
    name: str
    reporting: str
    media_type: MediaType
    media_server_id: str | None = None
    agent_group_ids: list[str] = field(default_factory=list)  # primary group first
    workflow_validated: bool = True
    service_level_seconds: float = 20.0  # answered within this counts toward the service level
    waiting: WaitingList = field(default_factory=WaitingList)  # ids of items waiting, in the order served
    stats: QueueCounters = field(default_factory=lambda: QueueCounters())
    log: QueueLog = field(default_factory=lambda: QueueLog())


@dataclass
class QueueCounters:
    offered: int = 0  # items that entered the queue
    answered: int = 0  # items accepted by an agent
    abandoned: int = 0
    handled: int = 0
    failed: int = 0
    transfers_to_unavailable: int = 0


@dataclass
class OpenMediaItem:
    id: str
    state: ConversationState
    time_offered_to_system: datetime
    requested_queue: str | None = None  # what the integrator asked for (guid, name or reporting)
    queue_id: str | None = None
    agent_id: str | None = None
    time_offered_to_queue: datetime | None = None
    time_offered_to_agent: datetime | None = None
    time_accepted: datetime | None = None
    time_ended: datetime | None = None
    swallowed: bool = False  # held by an unvalidated workflow: accepted, never offered
    failed_reason: FailedRouteReason = FailedRouteReason.None_
    declined_by: set[str] = field(default_factory=set)  # agents whose offer timed out or who declined
    classification_codes: list[str] = field(default_factory=list)
    transfer_count: int = 0
    queue_seq: int = 0  # arrival order in its queue: ties of time_offered_to_queue are served in this order
    target_uri: str | None = None
    target_uri_embedded: bool = False
    preview_url: str | None = None
    history_url: str | None = None
    from_: str | None = None
    to: str | None = None
    subject: str | None = None
    tenant: str | None = None
    variable_data: dict[str, object] = field(default_factory=dict)
    posted_by: str | None = None  # the principal (employee or client id) that created it

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

