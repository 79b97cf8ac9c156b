"""The world's calls, chats, e-mails and SMS: where they wait, which agent gets them, how they move and end.

``Sessions`` holds every :class:`Interaction` and the queues' waiting lists for them; it offers waiting
interactions to free agents of the queue's groups (least loaded, then longest idle), runs the virtual agents'
and far ends' timers (an agent answers after its profile's ``accept_delay`` and hangs up after its
``handle_time``; an outside party answers an outgoing call after ``far_answer_seconds``; wrap-up ends after
``clerical_seconds``), and keeps each agent's per-media readiness with the voice not-ready reason. Voice-only
commands (dialing, hold, transfer, conference, deflect, DTMF, recording) are in ``calls.py``.

Every change goes through the media's transition table (``interactions.py``) and publishes an
:class:`~micc_sim.world.events.InteractionChanged`.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from micc_sim.world.clock import Timer
from micc_sim.world.config import ID_NAMESPACE
from micc_sim.world.errors import InteractionError
from micc_sim.world.events import InteractionChanged
from micc_sim.world.interactions import (
    CallType,
    CampaignCall,
    Interaction,
    InteractionKind,
    InteractionState,
    Move,
    can,
    next_state,
)
from micc_sim.world.interactions_config import InteractionsConfig
from micc_sim.world.model import ConversationState, Employee, MediaType, OpenMediaItem, PresenceAvailability, Queue
from micc_sim.world.queue_log import QueueEventKind

if TYPE_CHECKING:
    from micc_sim.world.core import World

S = InteractionState
ROUTED_MEDIA = (MediaType.Voice, MediaType.Chat, MediaType.Email, MediaType.Sms)
WRAP_UP_MEDIA = (MediaType.Voice, MediaType.Chat)


@dataclass
class InteractionRequest:
    """What the control API (or a face) may say about a new call, chat, e-mail or SMS."""

    media: MediaType
    kind: InteractionKind | None = None  # default: ACD with a queue, DIRECT with an agent
    queue: str | None = None
    agent: str | None = None
    from_address: str = ""
    from_name: str = ""
    to_address: str = ""
    subject: str = ""
    body: str = ""
    customer_id: str = ""
    customer_email: str = ""
    customer_phone: str = ""
    ivr: list[tuple[str, str]] = field(default_factory=list)
    private_data: str = ""
    campaign: CampaignCall | None = None


class Sessions:
    def __init__(self, world: World, config: InteractionsConfig) -> None:
        self._world = world
        self.config = config
        self.interactions: dict[str, Interaction] = {}
        self.by_number: dict[int, str] = {}
        self.waiting: dict[str, list[str]] = {}  # queue id -> ids of Queued interactions, oldest first
        self.common_hold: list[str] = []  # ids of calls parked on common hold
        self.next_number = 1
        self.not_ready_reasons: dict[str, str] = {}  # agent id -> voice Not Ready reason name
        self.recording_modes: dict[str, str] = {}  # agent id -> "all" (every call) or "next" (the next one)
        self.item_cq_codes: dict[str, list[int]] = {}  # open media item id -> CQ code ids
        self.ended: deque[str] = deque()
        self.open: set[str] = set()  # ids of live interactions (kept by _publish), so routing never scans history
        self._timers: dict[str, tuple[Timer, str]] = {}  # interaction id -> (timer, action)

    # -- queries ------------------------------------------------------------------------------
    def get(self, ref: str | int) -> Interaction:
        """An interaction by GUID or desktop number."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
            found = self.interactions.get(self.by_number.get(int(ref), ""))
        else:
            found = self.interactions.get(ref) or next(
                (i for i in self.interactions.values() if i.id.lower() == ref.lower()), None)
        if found is None:
            raise InteractionError(f"interaction {ref!r} not found")
        return found

    def find(self, number: int) -> Interaction | None:
        return self.interactions.get(self.by_number.get(number, ""))

    def live(self) -> list[Interaction]:
        return [self.interactions[i] for i in sorted(self.open, key=lambda i: self.interactions[i].number)]

    def of_agent(self, agent: Employee, media: MediaType | None = None) -> list[Interaction]:
        """The agent's live interactions (offered, active, held, in wrap-up), oldest first."""
        return [i for i in self.live()
                if i.agent_id == agent.id and i.state is not S.Queued and (media is None or i.media is media)]

    def waiting_in(self, queue: Queue) -> list[Interaction]:
        return [self.interactions[i] for i in self.waiting.get(queue.id, [])]

    def waiting_since(self, queue: Queue) -> list[datetime]:
        return [i.time_queued or i.created for i in self.waiting_in(queue)]

    def agents_on_acd(self) -> set[str]:
        return {i.agent_id for i in self.live() if i.agent_id and i.acd
                and i.state in (S.Connected, S.Held, S.Conference, S.Clerical)}

    def conversation_states(self, agent: Employee) -> list[ConversationState]:
        return [i.conversation_state() for i in self.of_agent(agent)]

    def voice_not_ready_reason(self, agent: Employee) -> str | None:
        return self.not_ready_reasons.get(agent.id)

    def cq_codes_for(self, queue: Queue | None) -> list[int]:
        """The CQ codes assigned to a queue (codes naming no queue belong to every queue)."""
        refs = {queue.name.lower(), queue.reporting.lower()} if queue else set()
        return [c.id for c in self.config.cq_codes if not c.queues or refs & {q.lower() for q in c.queues}]

    # -- creating -----------------------------------------------------------------------------
    def deliver(self, request: InteractionRequest) -> Interaction:
        """A customer calls, chats, writes; or a personal, common-hold or campaign call appears."""
        world = self._world
        media = request.media
        if media not in ROUTED_MEDIA:
            raise InteractionError(f"{media.name} interactions are not delivered here (open media: POST /openmedia)")
        queue = world.queue(request.queue) if request.queue else None
        agent = world.employee(request.agent) if request.agent else None
        kind = request.kind or (InteractionKind.ACD if queue else InteractionKind.DIRECT)
        if kind in (InteractionKind.PERSONAL, InteractionKind.COMMON_HOLD, InteractionKind.CAMPAIGN) \
                and media is not MediaType.Voice:
            raise InteractionError(f"{kind.value} interactions are voice calls")
        if kind in (InteractionKind.ACD, InteractionKind.PERSONAL, InteractionKind.CAMPAIGN) and queue is None:
            raise InteractionError(f"a {kind.value} interaction needs a queue")
        if queue is not None and queue.media_type is not media:
            raise InteractionError(f"queue {queue.name!r} takes {queue.media_type.name}, not {media.name}")
        if kind in (InteractionKind.DIRECT, InteractionKind.PERSONAL) and agent is None:
            raise InteractionError(f"a {kind.value} interaction needs an agent")
        if agent is not None and not agent.is_agent:
            raise InteractionError(f"employee {agent.username!r} is not an agent")
        if kind is InteractionKind.DIRECT and agent is not None and not agent.logged_in:
            raise InteractionError(f"agent {agent.username!r} is not logged in")
        if kind is InteractionKind.CAMPAIGN and request.campaign is None:
            raise InteractionError("a campaign interaction needs its campaign and customer")
        if kind is InteractionKind.OUTGOING:
            raise InteractionError("outgoing calls are made by agents")
        it = self._new(media, kind, CallType.Outgoing if kind is InteractionKind.CAMPAIGN else CallType.Incoming)
        it.from_address, it.from_name, it.to_address = request.from_address, request.from_name, request.to_address
        it.subject, it.body, it.private_data = request.subject, request.body, request.private_data
        it.customer_id, it.customer_email, it.customer_phone = (request.customer_id, request.customer_email,
                                                                request.customer_phone)
        it.ivr_labels = [label for label, _ in request.ivr]
        it.ivr_data = [data for _, data in request.ivr]
        it.campaign = request.campaign
        if kind is InteractionKind.DIRECT:
            self._ring(it, agent)
        elif kind is InteractionKind.COMMON_HOLD:
            it.state = next_state(media, None, Move.QUEUE)
            it.time_queued = world.clock.now()
            self.common_hold.append(it.id)
            self._publish(it, None)
        else:
            if kind is InteractionKind.PERSONAL:
                it.preferred_agent_id = agent.id
                it.general_from = world.clock.now() + timedelta(seconds=self.config.personal_call_seconds)
                self._schedule(it, "general", it.general_from)
            self._enter(queue, it, None, Move.QUEUE)
        world.dispatch()
        return it

    def _new(self, media: MediaType, kind: InteractionKind, call_type: CallType) -> Interaction:
        number = self.next_number
        self.next_number += 1
        now = self._world.clock.now()  # in the id too: numbers start again after a reset, ids do not
        it = Interaction(id=str(uuid.uuid5(ID_NAMESPACE, f"interaction:{number}:{now.isoformat()}")), number=number,
                         media=media, kind=kind, state=S.Queued, created=now, call_type=call_type)
        self.interactions[it.id] = it
        self.by_number[number] = it.id
        return it

    # -- routing ------------------------------------------------------------------------------
    def dispatch(self) -> int:
        """Offer waiting interactions to free agents, oldest first across queues; returns offers made.
        Ringing ACD interactions of agents who are no longer available go back to their queue first."""
        if not self.open:
            return 0
        for it in [i for i in self.live() if i.state is S.Ringing and i.acd]:
            agent = self._world.employees.get(it.agent_id or "")
            if agent is None or not agent.available:
                self._back_to_queue(it, Move.TIMEOUT)
        offers = 0
        while True:
            heads = sorted((q for q, ids in self.waiting.items() if ids),
                           key=lambda q: self.interactions[self.waiting[q][0]].time_queued)
            offered = False
            for queue_id in heads:
                queue = self._world.queues[queue_id]
                members = self._world.members(queue)
                for it_id in self.waiting[queue_id]:
                    it = self.interactions[it_id]
                    agent = self._pick_agent(it, members)
                    if agent is not None:
                        self._offer(it, agent)
                        offered = True
                        break
                if offered:
                    break
            if not offered:
                return offers
            offers += 1

    def _pick_agent(self, it: Interaction, members: list[Employee]) -> Employee | None:
        if it.kind is InteractionKind.CAMPAIGN:  # campaign customers wait to be retrieved (dispatch)
            return None
        candidates = list(members)
        if it.kind is InteractionKind.PERSONAL:
            preferred = self._world.employees.get(it.preferred_agent_id or "")
            general = it.general_from is not None and self._world.clock.now() >= it.general_from
            candidates = ([preferred] if preferred else []) + (candidates if general else [])
        if it.reserved_by:
            candidates = [m for m in candidates if m.id == it.reserved_by]
        candidates = [m for m in candidates if m.can_take(it.media) and m.id not in it.declined_by
                      and (it.media is MediaType.Voice or self._world.routable(m))]
        if not candidates:
            return None
        return min(candidates, key=lambda a: (len(a.active_items), (a.idle_since or self._world.clock.now())
                                              .replace(tzinfo=None)))

    def _enter(self, queue: Queue, it: Interaction, previous: S | None, move: Move) -> None:
        it.state = next_state(it.media, previous, move)
        it.queue_id = queue.id
        it.time_queued = self._world.clock.now()
        queue.stats.offered += 1
        queue.log.record(it.time_queued, QueueEventKind.OFFERED)
        self.waiting.setdefault(queue.id, []).append(it.id)
        self._publish(it, previous)

    def _offer(self, it: Interaction, agent: Employee) -> None:
        next_state(it.media, it.state, Move.OFFER)
        self.waiting[it.queue_id].remove(it.id)
        self._assign(it, agent)
        self._move(it, Move.OFFER)
        self._ring_timers(it, agent)

    def _ring(self, it: Interaction, agent: Employee) -> None:
        """Straight to an agent (a direct call, an internal call, a deflected one)."""
        it.state = next_state(it.media, None, Move.RING)
        self._assign(it, agent)
        self._publish(it, None)
        self._ring_timers(it, agent)

    def _assign(self, it: Interaction, agent: Employee) -> None:
        it.agent_id = agent.id
        it.time_offered = self._world.clock.now()
        mode = self.recording_modes.get(agent.id)
        if mode and it.media is MediaType.Voice:
            it.recording = True
            if mode == "next":
                del self.recording_modes[agent.id]
        if it.id not in agent.active_items:
            agent.active_items.append(it.id)

    def _ring_timers(self, it: Interaction, agent: Employee) -> None:
        delay = self._world.agents.profile_of(agent).accept_delay
        timeout = self._world.agents.timeout_for(it.queue_id)
        if delay is not None and delay < timeout:
            self._schedule(it, "answer", self._world.clock.now() + timedelta(seconds=delay))
        else:
            self._schedule(it, "timeout", self._world.clock.now() + timedelta(seconds=timeout))

    def _back_to_queue(self, it: Interaction, move: Move) -> None:
        """A ringing ACD interaction rang out or was rejected: back at its place, never to that agent again."""
        next_state(it.media, it.state, move)
        self.forget(it)
        it.declined_by.add(it.agent_id or "")
        self._release(it)
        it.agent_id = it.time_offered = None
        queue = self._world.queues[it.queue_id]
        queue.log.record(self._world.clock.now(), QueueEventKind.REQUEUED)
        waiting = self.waiting.setdefault(queue.id, [])
        at = next((n for n, other in enumerate(waiting)
                   if (self.interactions[other].time_queued or it.created) > (it.time_queued or it.created)),
                  len(waiting))
        waiting.insert(at, it.id)
        self._move(it, move)

    # -- agent commands -----------------------------------------------------------------------
    def answer(self, it: Interaction, agent: Employee) -> None:
        self._own(it, agent)
        next_state(it.media, it.state, Move.ANSWER)
        self.forget(it)
        self._answered(it, agent)
        self._move(it, Move.ANSWER)
        peer = self._peer(it)
        if peer is not None and can(peer.media, peer.state, Move.FAR_ANSWER):
            peer.time_connected = peer.time_connected or self._world.clock.now()
            self.forget(peer)
            self._move(peer, Move.FAR_ANSWER)
        self._handle_timer(it, agent)

    def _answered(self, it: Interaction, agent: Employee) -> None:
        now = self._world.clock.now()
        it.time_connected = now
        queue = self._world.queues.get(it.queue_id or "")
        if queue is not None:
            queue.stats.answered += 1
            queue.log.record(now, QueueEventKind.ANSWERED, _seconds(now, it.time_queued))
            self._world.days.answered(queue, agent)  # today's counts start at midnight
            agent.handled_today[it.media] = agent.handled_today.get(it.media, 0) + 1

    def _handle_timer(self, it: Interaction, agent: Employee) -> None:
        handle = self._world.agents.profile_of(agent).handle_time
        if handle is not None:
            self._schedule(it, "hangup", self._world.clock.now() + timedelta(seconds=handle))

    def reject(self, it: Interaction, agent: Employee) -> None:
        """Give a ringing ACD interaction back to its queue."""
        self._own(it, agent)
        if not it.acd:
            raise InteractionError(f"interaction {it.number} did not come from a queue")
        self._back_to_queue(it, Move.REJECT)
        self._world.dispatch()

    def hangup(self, it: Interaction, agent: Employee) -> None:
        """The agent ends it: declines a ringing one, hangs up a call, ends a chat or a handled message."""
        self._own(it, agent)
        if it.state is S.Ringing and it.acd:
            self.reject(it, agent)
            return
        if it.state is S.Ringing:
            self._end(it, Move.HANGUP)
        elif it.state is S.Clerical:
            raise InteractionError(f"interaction {it.number} is in wrap-up; cancel the clerical time instead")
        else:
            self._end(it, self._end_move(it))
        self._world.dispatch()

    def far_end_leaves(self, it: Interaction) -> None:
        """The customer (or the far end) goes: abandoned while it waits or rings, over once talking."""
        if it.state in (S.Queued, S.Ringing):
            self._end(it, Move.LEAVE)
        elif it.state in (S.Dialing, S.Calling):
            self._end(it, Move.FAIL)
        elif it.state in (S.Connected, S.Held, S.Conference):
            self._end(it, self._end_move(it))
        else:
            raise InteractionError(f"interaction {it.number} is {it.state.name}: the customer has already left")
        self._world.dispatch()

    def _end_move(self, it: Interaction) -> Move:
        wrap = it.acd and it.media in WRAP_UP_MEDIA and self.config.clerical_seconds > 0
        return Move.WRAP_UP if wrap and can(it.media, it.state, Move.WRAP_UP) else Move.HANGUP

    def cancel_clerical(self, it: Interaction, agent: Employee) -> None:
        self._own(it, agent)
        self._end(it, Move.END_CLERICAL)
        self._world.dispatch()

    def extend_clerical(self, it: Interaction, agent: Employee) -> None:
        self._own(it, agent)
        if it.state is not S.Clerical:
            raise InteractionError(f"interaction {it.number} is not in wrap-up")
        entry = self._timers.get(it.id)
        due = entry[0].due if entry else self._world.clock.now()
        self._schedule(it, "clerical", due + timedelta(seconds=self.config.clerical_seconds))
        self.changed(it, "clerical")

    def requeue(self, it: Interaction, agent: Employee, queue: Queue) -> None:
        """Send an offered or active interaction to a queue of its media (deflect to a service group)."""
        self._own(it, agent)
        if queue.media_type is not it.media:
            raise InteractionError(f"queue {queue.name!r} takes {queue.media_type.name}, not {it.media.name}")
        previous = it.state
        next_state(it.media, previous, Move.REQUEUE)
        self.forget(it)
        old = self._world.queues.get(it.queue_id or "")
        if old is not None:
            old.log.record(self._world.clock.now(), QueueEventKind.TRANSFERRED_OUT)
        self._release(it)
        it.agent_id = it.time_offered = None
        it.declined_by.clear()
        it.kind = InteractionKind.ACD
        self._enter(queue, it, previous, Move.REQUEUE)
        self._world.dispatch()

    # -- dispatch -----------------------------------------------------------------------------
    def reserve(self, it: Interaction, agent: Employee, reserve: bool) -> None:
        if it.state is not S.Queued:
            raise InteractionError(f"interaction {it.number} is not waiting")
        if it.reserved_by not in (None, agent.id):
            raise InteractionError(f"interaction {it.number} is reserved by another agent")
        it.reserved_by = agent.id if reserve else None
        self.changed(it, "reserved")
        self._world.dispatch()

    def pick(self, it: Interaction, agent: Employee) -> None:
        """The agent takes a waiting interaction (dispatch retrieve): connected at once, or dialed for a
        campaign customer."""
        if it.state is not S.Queued:
            raise InteractionError(f"interaction {it.number} is not waiting")
        if it.reserved_by not in (None, agent.id):
            raise InteractionError(f"interaction {it.number} is reserved by another agent")
        if not agent.logged_in:
            raise InteractionError(f"agent {agent.username!r} is not logged in")
        move = Move.DIAL if it.kind is InteractionKind.CAMPAIGN else Move.PICK
        next_state(it.media, it.state, move)
        self.forget(it)
        if it.id in self.common_hold:
            self.common_hold.remove(it.id)
        if it.queue_id and it.id in self.waiting.get(it.queue_id, []):
            self.waiting[it.queue_id].remove(it.id)
        it.reserved_by = None
        self._assign(it, agent)
        if move is Move.PICK:
            self._answered(it, agent)
            self._move(it, move)
            self._handle_timer(it, agent)
        else:
            self._move(it, move)
            self._schedule(it, "far_ring", self._world.clock.now() + timedelta(seconds=1))
        self._world.dispatch()

    # -- readiness ----------------------------------------------------------------------------
    def set_ready(self, agent: Employee, media: Iterable[MediaType], ready: bool, reason: str | None = None) -> None:
        """Ready or Not Ready for some media (voice with a Not Ready reason); being Ready brings a Busy,
        Do Not Disturb or Away agent back to Available."""
        if not agent.logged_in:
            raise InteractionError(f"agent {agent.username!r} is not logged in")
        wanted = set(media)
        ready_media = (agent.ready_media | wanted) if ready else (agent.ready_media - wanted)
        if MediaType.Voice in wanted:
            if ready or not reason:
                self.not_ready_reasons.pop(agent.id, None)
            else:
                self.not_ready_reasons[agent.id] = reason
        presence = PresenceAvailability.Available if ready and agent.presence in (
            PresenceAvailability.Busy, PresenceAvailability.DoNotDisturb, PresenceAvailability.Away) else None
        self._world.set_employee_state(agent, ready_media=ready_media, presence=presence)

    # -- data ---------------------------------------------------------------------------------
    def changed(self, it: Interaction, what: str) -> None:
        """Something other than the state changed (data, reservation, recording): tell the faces."""
        self._world.bus.publish(InteractionChanged(self._world.clock.now(), it, it.state.name, what))

    def set_ivr(self, it: Interaction, label: str, data: str, cdr: bool = False) -> None:
        """IVR1..IVR3 or an existing label update that field; a campaign customer field by its label; a new
        label adds a field."""
        if it.campaign is not None and label in it.campaign.fields:
            it.campaign.fields[label] = data
        else:
            slot = {"ivr1": 0, "ivr2": 1, "ivr3": 2}.get(label.lower())
            if label in it.ivr_labels:
                it.ivr_data[it.ivr_labels.index(label)] = data
            elif slot is not None:
                while len(it.ivr_labels) <= slot:
                    it.ivr_labels.append(f"IVR{len(it.ivr_labels) + 1}")
                    it.ivr_data.append("")
                it.ivr_data[slot] = data
            else:
                it.ivr_labels.append(label)
                it.ivr_data.append(data)
        if cdr:
            it.cdr.append(f"{label}={data}")
        self.changed(it, "ivr")

    def set_private_data(self, it: Interaction, data: str) -> None:
        it.private_data = data
        self.changed(it, "private_data")

    def set_party_name(self, it: Interaction, name: str) -> None:
        it.from_name = name
        self.changed(it, "name")

    def set_item_data(self, item: OpenMediaItem, label: str, data: str) -> None:
        """An open media item's IVR data are its variable data."""
        item.variable_data[label] = data

    def set_cq_codes(self, target: Interaction | OpenMediaItem, codes: list[int]) -> None:
        """Associate classification (CQ) codes, replacing those associated before."""
        if isinstance(target, OpenMediaItem):
            self.item_cq_codes[target.id] = list(codes)
        else:
            target.cq_codes = list(codes)
            self.changed(target, "cq_codes")

    def set_campaign_status(self, it: Interaction, agent: Employee, status: int, callback_at: datetime | None,
                            close_form: bool) -> None:
        self._own(it, agent)
        if it.campaign is None:
            raise InteractionError(f"interaction {it.number} is not a campaign call")
        it.campaign.status = status
        it.campaign.callback_at = callback_at
        if close_form:
            it.campaign.form_open = False
        self.changed(it, "campaign")

    # -- moving and ending --------------------------------------------------------------------
    def _own(self, it: Interaction, agent: Employee) -> None:
        if it.agent_id != agent.id or not it.live:
            raise InteractionError(f"interaction {it.number} is not with {agent.username!r}")

    def _peer(self, it: Interaction) -> Interaction | None:
        peer = self.interactions.get(it.peer_id or "")
        return peer if peer is not None and peer.live else None

    def _move(self, it: Interaction, move: Move) -> None:
        previous = it.state
        it.state = next_state(it.media, previous, move)
        self._publish(it, previous)

    def _publish(self, it: Interaction, previous: S | None) -> None:
        if it.live:
            self.open.add(it.id)
        else:
            self.open.discard(it.id)
        self._world.bus.publish(InteractionChanged(self._world.clock.now(), it,
                                                   previous.name if previous is not None else None))

    def _end(self, it: Interaction, move: Move) -> None:
        """End one leg (into wrap-up or for good); its peer's far end has gone too; a conference it was in
        goes on without it."""
        previous = it.state
        new = next_state(it.media, previous, move)
        self.forget(it)
        now = self._world.clock.now()
        if it.queue_id and it.id in self.waiting.get(it.queue_id, []):
            self.waiting[it.queue_id].remove(it.id)
        if it.id in self.common_hold:
            self.common_hold.remove(it.id)
        queue = self._world.queues.get(it.queue_id or "")
        if queue is not None:
            if new is S.Abandoned:
                queue.stats.abandoned += 1
                queue.log.record(now, QueueEventKind.ABANDONED, _seconds(now, it.time_queued))
            elif previous in (S.Connected, S.Held, S.Conference) and it.time_connected:
                queue.stats.handled += 1
                queue.log.record(now, QueueEventKind.HANDLED, _seconds(now, it.time_connected))
        if previous is not S.Clerical:
            it.time_ended = now
        conference = it.conference_id
        it.conference_id = None
        it.state = new
        if new is S.Clerical:
            self._schedule(it, "clerical", now + timedelta(seconds=self.config.clerical_seconds))
        else:
            self._release(it)
            self._ended(it)
        self._publish(it, previous)
        peer = self._peer(it)
        it.peer_id = None
        if peer is not None and peer.peer_id == it.id:
            peer.peer_id = None
            if peer.state in (S.Queued, S.Ringing):
                self._end(peer, Move.LEAVE)
            elif peer.state in (S.Dialing, S.Calling):
                self._end(peer, Move.FAIL)  # declined, rang out or hung up before it was answered
            elif peer.state in (S.Connected, S.Held, S.Conference):
                self._end(peer, self._end_move(peer))
        if conference:
            self.after_leaving_conference(conference)

    def after_leaving_conference(self, conference: str) -> None:
        """What is left of a conference: one leg, or two legs of one call, are a two-party call again."""
        legs = [i for i in self.live() if i.conference_id == conference]
        if len(legs) == 1 or (len(legs) == 2 and legs[0].peer_id == legs[1].id):
            for leg in legs:
                leg.conference_id = None
                if can(leg.media, leg.state, Move.LEAVE_CONFERENCE):
                    self._move(leg, Move.LEAVE_CONFERENCE)

    def _release(self, it: Interaction) -> None:
        agent = self._world.employees.get(it.agent_id or "")
        if agent is not None and it.id in agent.active_items:
            agent.active_items.remove(it.id)
            if not agent.active_items:
                agent.idle_since = self._world.clock.now()
            self._world.days.note(agent)  # the event that follows may no longer name the agent

    def _ended(self, it: Interaction) -> None:
        self.ended.append(it.id)
        while len(self.ended) > self._world.history_limit:
            old = self.ended.popleft()
            gone = self.interactions.get(old)
            if gone is not None and not gone.live:
                del self.interactions[old]
                self.by_number.pop(gone.number, None)

    # -- timers -------------------------------------------------------------------------------
    def forget(self, it: Interaction) -> None:
        entry = self._timers.pop(it.id, None)
        if entry:
            entry[0].cancel()

    def pending(self) -> list[tuple[str, str, datetime]]:
        """(interaction id, action, due) of every timer still to fire, in firing order (for snapshots)."""
        live = sorted((timer, it_id, action) for it_id, (timer, action) in self._timers.items()
                      if not timer.cancelled)
        return [(it_id, action, timer.due) for timer, it_id, action in live]

    def restore_timer(self, it_id: str, action: str, due: datetime) -> None:
        self._schedule(self.interactions[it_id], action, due)

    def _schedule(self, it: Interaction, action: str, due: datetime) -> None:
        self.forget(it)
        it_id = it.id

        def fire() -> None:
            self._timers.pop(it_id, None)
            self._fire(it_id, action)

        self._timers[it_id] = (self._world.clock.call_at(due, fire), action)

    def _fire(self, it_id: str, action: str) -> None:
        from micc_sim.world import calls

        it = self.interactions.get(it_id)
        if it is None:
            return
        agent = self._world.employees.get(it.agent_id or "")
        if action == "answer" and it.state is S.Ringing and agent is not None:
            self.answer(it, agent)
        elif action == "timeout" and it.state is S.Ringing:
            if it.acd:
                self._back_to_queue(it, Move.TIMEOUT)
            else:
                self._end(it, Move.LEAVE)
            self._world.dispatch()
        elif action == "hangup" and agent is not None and it.state in (S.Connected, S.Held, S.Conference):
            self._end(it, self._end_move(it))
            self._world.dispatch()
        elif action == "clerical" and it.state is S.Clerical:
            self._end(it, Move.END_CLERICAL)
            self._world.dispatch()
        elif action == "general" and it.state is S.Queued:
            self.changed(it, "general")
            self._world.dispatch()
        elif action == "far_ring":
            calls.far_rings(self._world, it)
        elif action == "far_answer" and can(it.media, it.state, Move.FAR_ANSWER):
            it.time_connected = self._world.clock.now()
            self._move(it, Move.FAR_ANSWER)
            if agent is not None:
                self._handle_timer(it, agent)


def _seconds(later: datetime, earlier: datetime | None) -> float:
    return (later - earlier).total_seconds() if earlier else 0.0
