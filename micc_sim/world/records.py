"""What the contact center remembers of its conversations: a case for each conversation (open while it is live,
closed when it ends), the history of ended conversations, the call details integrations store on them, and
the recordings of recorded calls.

Every face that creates or ends a conversation does it through the world, which publishes an
``OpenMediaChanged`` or ``InteractionChanged``; ``Records`` hears those, so open media items, calls, chats,
e-mails and SMS all reach the history, whichever face ended them. Bounded: the history keeps the world's
``history_limit`` newest entries, and cases of forgotten entries go with them.
"""

from __future__ import annotations

import functools
import weakref
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from micc_sim.world.catalog import not_found
from micc_sim.world.config import stable_id
from micc_sim.world.contacts import Contacts
from micc_sim.world.events import Event, InteractionChanged, OpenMediaChanged
from micc_sim.world.interactions import Interaction, InteractionState
from micc_sim.world.model import LIVE_STATES, ConversationState, MediaType

if TYPE_CHECKING:
    from micc_sim.world.core import World


@dataclass
class Case:
    key: str  # the id of its first conversation (cases are found by it; the GUID is derived when first asked)
    number: int  # the case number Ignite shows
    created_on: datetime
    subject: str
    conversation_ids: list[str] = field(default_factory=list)
    media: list[MediaType] = field(default_factory=list)
    queue_ids: list[str] = field(default_factory=list)
    agent_ids: list[str] = field(default_factory=list)
    last_queue_id: str | None = None
    last_agent_id: str | None = None
    offered_to_last_queue: datetime | None = None
    offered_to_last_agent: datetime | None = None
    closed_on: datetime | None = None
    modified_on: datetime | None = None
    contact_ids: list[str] = field(default_factory=list)  # directory entries (contacts) linked to the case

    @functools.cached_property
    def id(self) -> str:
        return stable_id("case", self.key)

    @property
    def open(self) -> bool:
        return self.closed_on is None

    @property
    def month_year(self) -> str:
        """``MMyyyy``, the form the SDK's ``monthYearCreated`` takes (``122018``)."""
        return f"{self.created_on.month:02d}{self.created_on.year}"


@dataclass
class HistoryEntry:
    """One conversation as the history index has it (live ones are read from the world itself)."""

    conversation_id: str
    media: MediaType
    state: ConversationState
    queue_id: str | None
    agent_id: str | None
    from_address: str | None
    to_address: str | None
    subject: str | None
    offered_to_system: datetime
    ended_on: datetime | None
    case_key: str  # its case's key in ``Records.cases``


@dataclass
class Recording:
    id: str
    call_id: str
    case_id: str
    agent_id: str | None
    started: datetime
    ended: datetime | None = None

    def seconds(self, now: datetime) -> float:
        return ((self.ended or now) - self.started).total_seconds()


def recording_now(it: Interaction) -> bool:
    """A call's audio is being recorded: recording is on and the call is connected (a dialling call has no
    audio to record yet)."""
    return it.recording and it.state in (InteractionState.Connected, InteractionState.Conference,
                                         InteractionState.Held)


class Records:
    def __init__(self, world: World) -> None:
        self._now = world.clock.now
        self.limit = max(1, world.history_limit)
        self.cases: dict[str, Case] = {}  # by case key
        self.case_of: dict[str, str] = {}  # conversation id -> its case's key
        self.history: deque[HistoryEntry] = deque()
        self._ended_ids: set[str] = set()
        self.call_details: dict[str, list[tuple[str, str]]] = {}  # conversation id -> key/value pairs
        self.recordings: dict[str, Recording] = {}
        self._recording_of: dict[str, str] = {}  # call id -> its running recording's id
        self.last_finished: Recording | None = None  # the recording that ended last (web hooks announce it)
        self._numbers = 0
        self.contacts = Contacts(self.limit, lambda: world.contacts)
        me = weakref.ref(self)

        def heard(event: Event) -> None:
            alive = me()
            if alive is not None:
                alive._heard(event)
            elif stop:
                stop.pop()()

        stop = [world.bus.subscribe(Event, heard)]

    # -- hearing the world -------------------------------------------------------------------
    def _heard(self, event: Event) -> None:
        kind = type(event)
        if kind is OpenMediaChanged:  # the hot path: every move of every item
            item = event.item  # type: ignore[attr-defined]
            key = self.case_of.get(item.id)
            if key is None:
                self._seen(event.at, item.id, MediaType.OpenMedia, item.subject or "", item.queue_id,
                           item.agent_id, item.time_offered_to_queue, item.time_offered_to_agent)
                if item.variable_data:
                    contact = self.contacts.match(item.variable_data, item.id, event.at)
                    if contact is not None:
                        self.link_contact(item.id, contact.id)
            else:
                case = self.cases[key]
                case.modified_on = event.at
                if item.queue_id != case.last_queue_id or item.agent_id != case.last_agent_id:
                    self._seen(event.at, item.id, MediaType.OpenMedia, "", item.queue_id, item.agent_id,
                               item.time_offered_to_queue, item.time_offered_to_agent)
            if item.state not in LIVE_STATES:
                self._ended(HistoryEntry(item.id, MediaType.OpenMedia, item.state, item.queue_id, item.agent_id,
                                         item.from_, item.to, item.subject, item.time_offered_to_system,
                                         item.time_ended or event.at, item.id))
        elif kind is InteractionChanged:
            it = event.interaction
            self._seen(event.at, it.id, it.media, it.subject, it.queue_id, it.agent_id, it.time_queued,
                       it.time_offered)
            self._recorded(it.id, recording_now(it), it.agent_id, event.at)
            if not it.live:
                self._ended(HistoryEntry(it.id, it.media, it.conversation_state(), it.queue_id, it.agent_id,
                                         it.from_address, it.to_address, it.subject or None, it.created,
                                         it.time_ended or event.at, it.id))

    def _seen(self, now: datetime, conversation_id: str, media: MediaType, subject: str, queue_id: str | None,
              agent_id: str | None, to_queue: datetime | None, to_agent: datetime | None) -> None:
        key = self.case_of.get(conversation_id)
        if key is None:
            self._numbers += 1
            case = self.cases[conversation_id] = Case(conversation_id, self._numbers, now, subject,
                                                      [conversation_id], [media])
            self.case_of[conversation_id] = conversation_id
        else:
            case = self.cases[key]
            if media not in case.media:
                case.media.append(media)
        case.modified_on = now
        if queue_id and queue_id != case.last_queue_id:
            case.last_queue_id, case.offered_to_last_queue = queue_id, to_queue
            if queue_id not in case.queue_ids:
                case.queue_ids.append(queue_id)
        if agent_id and agent_id != case.last_agent_id:
            case.last_agent_id, case.offered_to_last_agent = agent_id, to_agent
            if agent_id not in case.agent_ids:
                case.agent_ids.append(agent_id)

    def _ended(self, entry: HistoryEntry) -> None:
        if entry.conversation_id in self._ended_ids:
            return
        self._ended_ids.add(entry.conversation_id)
        entry.case_key = self.case_of.get(entry.case_key, entry.case_key)
        case = self.cases[entry.case_key]
        case.closed_on = case.modified_on = entry.ended_on
        self.history.append(entry)
        while len(self.history) > self.limit:
            old = self.history.popleft()
            self._ended_ids.discard(old.conversation_id)
            self.cases.pop(self.case_of.pop(old.conversation_id, ""), None)
            self.call_details.pop(old.conversation_id, None)

    def _recorded(self, call_id: str, recording: bool, agent_id: str | None, at: datetime) -> None:
        running = self._recording_of.get(call_id)
        if recording and running is None:
            rec = Recording(stable_id("recording", f"{call_id}:{len(self.recordings)}"), call_id,
                            self.cases[self.case_of[call_id]].id, agent_id, at)
            self.recordings[rec.id] = rec
            self._recording_of[call_id] = rec.id
        elif not recording and running is not None:
            self.recordings[running].ended = at
            self.last_finished = self.recordings[running]
            del self._recording_of[call_id]

    # -- reads -------------------------------------------------------------------------------
    def ending_recording(self, call_id: str, recording: bool, at: datetime) -> Recording | None:
        """The recording a change of the call at ``at`` ends, whether this has heard the change yet or not."""
        running = self._recording_of.get(call_id)
        if running is not None and not recording:
            return self.recordings[running]
        done = self.last_finished
        return done if done is not None and done.call_id == call_id and done.ended == at else None

    def case(self, ref: str) -> Case:
        wanted = ref.lower()
        for case in self.cases.values():
            if wanted in (case.id.lower(), str(case.number)):
                return case
        raise not_found(f"case {ref!r} not found")

    def recording(self, ref: str) -> Recording:
        for rec in self.recordings.values():
            if rec.id.lower() == ref.lower():
                return rec
        raise not_found(f"recording {ref!r} not found")

    def case_id_of(self, conversation_id: str) -> str | None:
        case = self.cases.get(self.case_of.get(conversation_id, ""))
        return case.id if case else None

    def link_contact(self, conversation_id: str, contact_id: str) -> None:
        case = self.cases.get(self.case_of.get(conversation_id, ""))
        if case is not None and contact_id not in case.contact_ids:
            case.contact_ids.append(contact_id)
