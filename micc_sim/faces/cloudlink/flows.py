"""What ties CloudLink to the rest of the simulator: MiCC agents into presence, service events into Notify.

* **MiCC -> presence.** A MiCC agent's state flows into the presentity of the CloudLink user who names
  them (``micc_employee`` = username or reporting number): the ``acd`` source (mapping in
  :mod:`micc_sim.faces.cloudlink.presence.feeds`). The flows listen to the simulator's bus, which outlives
  the world and the CloudLink tenant, so they subscribe once and always read ``sim.world`` and
  ``sim.cloudlink`` anew.
* **Services -> publications.** The Media and Presence services emit typed events on their CloudLink's
  own bus; here they become Notify publications with the services' topics and subjects and the content
  as the APIs answer it, signed by the request that caused them (:mod:`micc_sim.faces.cloudlink.callers`).
* **Timers.** Pending originate timeouts and external answers run on the simulator's clock.
* **Bot handoffs.** A conversation handed off through the Workflow webhook follows its MiCC item: the
  accepting agent's CloudLink user joins the handoff's chat conversation, and what a CloudLink user writes
  there (heard as the Chat service's publications) is relayed to the bot.

:meth:`CloudLinkFlows.attach` runs for each new CloudLink (built, reset, restored).
"""

from __future__ import annotations

from typing import Any

from micc_sim.faces.cloudlink.admin.models import User
from micc_sim.faces.cloudlink.callers import current_signature
from micc_sim.faces.cloudlink.chat.responses import TOPIC as CHAT_TOPIC
from micc_sim.faces.cloudlink.media import wire as media_wire
from micc_sim.faces.cloudlink.media.models import EndpointChanged, LegChanged
from micc_sim.faces.cloudlink.notify.models import Publication
from micc_sim.faces.cloudlink.platform import CloudLink
from micc_sim.faces.cloudlink.presence import wire as presence_wire
from micc_sim.faces.cloudlink.presence.feeds import acd_presence
from micc_sim.faces.cloudlink.presence.models import ACD, Presence, PresentityChanged
from micc_sim.faces.cloudlink.workflow import bots, handoff_chat
from micc_sim.faces.cloudlink.workflow.models import HandoffState
from micc_sim.world.cloudlink_config import cl_id
from micc_sim.world.core import NotFound
from micc_sim.world.events import EmployeeStateChanged, OpenMediaChanged
from micc_sim.world.model import ConversationState, Employee

MEDIA_TOPIC = "platform-api-media"
PRESENCE_TOPIC = "platform-api-presence"
PUBLICATION_METHODS = {"created": "POST", "deleted": "DELETE"}
WITH_AN_AGENT = frozenset({"Offered", "Acd", "Held"})  # the states in which an item is with an agent


class CloudLinkFlows:
    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self._attached: CloudLink | None = None
        sim.bus.subscribe(EmployeeStateChanged, self._employee_changed)
        sim.bus.subscribe(OpenMediaChanged, self._item_changed)
        self.attach(fresh=True)

    def attach(self, fresh: bool) -> None:
        """Connect the current ``sim.cloudlink``; ``fresh`` (a new tenant, not a restored one) first takes
        the MiCC agents' present state into presence, quietly (nobody can have subscribed yet)."""
        platform: CloudLink = self.sim.cloudlink
        if platform is self._attached:
            return
        self._attached = platform
        platform.presence.acd_lookup = self._acd_for
        if fresh:
            for user in list(platform.directory.users.values()):
                said = self._acd_for(user)
                if said is not None:
                    platform.presence.feed(user.user_id, ACD, *said)
        platform.events.subscribe(LegChanged, lambda event: self._publish_leg(platform, event))
        platform.events.subscribe(EndpointChanged, lambda event: self._publish_endpoint(platform, event))
        platform.events.subscribe(PresentityChanged, lambda event: self._publish_presentity(platform, event))
        platform.notify.listen(lambda publication: self._relay_to_bot(platform, publication))
        platform.media.run_timers(self.sim.clock)

    # -- MiCC -> presence ------------------------------------------------------------------------
    def _employee(self, user: User) -> Employee | None:
        if not user.micc_employee:
            return None
        try:
            return self.sim.world.employee(user.micc_employee)
        except NotFound:
            return None

    def _acd_for(self, user: User) -> tuple[str, Presence] | None:
        employee = self._employee(user)
        if employee is None:
            return None
        return employee.id, acd_presence(employee, self.sim.world.activity(employee))

    def _refresh(self, employee: Employee) -> None:
        platform: CloudLink = self.sim.cloudlink
        refs = {employee.id.lower(), employee.username.lower(), (employee.reporting or "").lower()} - {""}
        for user in list(platform.directory.users.values()):
            if user.micc_employee and user.micc_employee.lower() in refs:
                platform.presence.feed(user.user_id, ACD, employee.id,
                                       acd_presence(employee, self.sim.world.activity(employee)))

    def _employee_changed(self, event: Any) -> None:
        if self.sim.cloudlink.directory.users:  # else no presence follows a MiCC agent
            self._refresh(event.employee)

    def _item_changed(self, event: Any) -> None:
        """The item's agent, and any agent whose ``acd`` source still lists it (a transfer took it away); a bot
        conversation handed off through the workflow webhook follows its item."""
        self._handoff_follows(event.item)
        if not self.sim.cloudlink.directory.users:  # no presence follows a MiCC agent (every item moving asks)
            return
        item = event.item
        wanted = {item.agent_id} if item.agent_id else set()
        if event.previous in WITH_AN_AGENT:  # it may have left an agent: whose acd source lists it?
            for presentity in self.sim.cloudlink.presence.state.presentities.values():
                for source in presentity.categories.get(ACD, {}).values():
                    if item.id in source.presence.extended.get("items", ()):
                        wanted.add(source.source_id)
        for employee_id in wanted:
            employee = self.sim.world.employees.get(employee_id)
            if employee is not None:
                self._refresh(employee)

    def _handoff_follows(self, item: Any) -> None:
        """The conversation follows its item; the bot hears when the agent joins and leaves (when configured)."""
        platform = self.sim.cloudlink
        conversation = platform.workflow.by_item(item.id) if item.posted_by == "workflow" else None
        if conversation is None or conversation.state is HandoffState.ended:
            return
        before, agent_id = conversation.state, conversation.agent_id
        if not item.live:
            conversation.state = HandoffState.ended
        elif item.state in (ConversationState.Acd, ConversationState.Held) and item.agent_id:  # accepted
            conversation.state, conversation.agent_id = HandoffState.agent, item.agent_id
        else:
            conversation.state = HandoffState.queued
        joined = before is not HandoffState.agent and conversation.state is HandoffState.agent
        left = before is HandoffState.agent and conversation.state is not HandoffState.agent
        employee = self.sim.world.employees.get(conversation.agent_id if joined else agent_id or "")
        if joined and employee is not None:  # the agent's CloudLink user joins the handoff's chat conversation
            handoff_chat.agent_joins(platform, conversation, (employee.id, employee.username, employee.reporting),
                                     self.sim.clock.now())
            signature = current_signature()
            handoff_chat.publish(platform, conversation.account_id, signature.correlation_id if signature else None)
        url = self._bot_url(platform, conversation.account_id)
        if url and (joined or left):
            agent = {"id": employee.id if employee else agent_id,
                     "name": f"{employee.first_name} {employee.last_name}" if employee else "Agent"}
            bots.send(url, bots.agent_activity(conversation, agent, joined, self.sim.clock.now()), self.sim.own_sockets)

    def _relay_to_bot(self, platform: CloudLink, publication: Publication) -> None:
        """A CloudLink user's message (or typing START) in a handoff's chat conversation, while the conversation
        is with an agent, goes to the bot as an activity from the agent (the employee the user is mapped to)."""
        content = publication.content
        if publication.topic != CHAT_TOPIC or publication.method != "POST" or not isinstance(content, dict):
            return
        typing = publication.subject.endswith("/typing")
        if content.get("action") != "START" if typing else content.get("messageType") != "USER":
            return
        conversation = platform.workflow.by_chat(str(content.get("conversationId")))
        if conversation is None or conversation.state is not HandoffState.agent:
            return
        user = platform.directory.users.get(str(content.get("participantId" if typing else "senderId")))
        url = self._bot_url(platform, conversation.account_id)
        if user is None or user.user_id == conversation.client_id or not url:
            return  # the client's (and the bot's) own lines, written by Workflow, are not relayed back
        employee = self._employee(user)
        agent = ({"id": employee.id, "name": f"{employee.first_name} {employee.last_name}"} if employee
                 else {"id": user.user_id, "name": user.name})
        text = None if typing else str(content.get("body") or "")
        bots.send(url, bots.agent_said(conversation, agent, self.sim.clock.now(), text), self.sim.own_sockets)

    @staticmethod
    def _bot_url(platform: CloudLink, account_id: str) -> str | None:
        directory = platform.directory
        return next((b.url for b in platform.config.workflow_bots
                     if directory.account(b.account).account_id == account_id), None)

    # -- events -> publications ------------------------------------------------------------------
    @staticmethod
    def _publish(platform: CloudLink, topic: str, method: str, subject: str, content: Any, account_id: str) -> None:
        signature = current_signature()
        platform.notify.publish(topic, method, subject, content, account_id=account_id,
                                principal_id=signature.principal_id if signature else None,
                                correlation_id=signature.correlation_id if signature else None)

    def _publish_leg(self, platform: CloudLink, event: LegChanged) -> None:
        leg = event.leg
        event_id = cl_id("media-event", f"{leg.call_id}/{leg.party}/{leg.state}/{leg.cause}/{event.at.isoformat()}")
        self._publish(platform, MEDIA_TOPIC, "PUT", f"/2017-09-01/endpoints/{leg.party}/calls/{leg.call_id}",
                      media_wire.call_publication(leg, platform.media, event_id), leg.account_id)

    def _publish_endpoint(self, platform: CloudLink, event: EndpointChanged) -> None:
        media = platform.media
        user = media.endpoint_user(event.account_id, event.endpoint_id)
        if user is None:
            return
        content = media_wire.endpoint_to_wire(media.endpoint(event.account_id, event.endpoint_id), user,
                                              media.line_state(event.account_id, event.endpoint_id),
                                              media_wire.PUBLICATION_BASE)
        self._publish(platform, MEDIA_TOPIC, "PUT", f"/2017-09-01/endpoints/{event.endpoint_id}",
                      {**content, "eventType": media_wire.ENDPOINT_EVENT}, event.account_id)

    def _publish_presentity(self, platform: CloudLink, event: PresentityChanged) -> None:
        presentity = event.presentity
        self._publish(platform, PRESENCE_TOPIC, PUBLICATION_METHODS.get(event.cause, "PUT"),
                      f"/presentities/{presentity.principal_id}",
                      presence_wire.presentity_to_wire(presentity, presence_wire.PUBLICATION_BASE),
                      presentity.account_id)
