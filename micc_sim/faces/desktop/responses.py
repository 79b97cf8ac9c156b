"""The IAgentClient requests of Agent Integration, one handler each, in the document's order and sections.

A handler gets the connection's :class:`Context` and its bound arguments, calls the world and answers the
documented type. A request the agent's state does not allow answers its failure value (``false``, ``null`` or
``[]``) as the real AgentClient does; the events tell what happened. Requests other than the initialization and
startup ones need a running, registered desk (``app``), most also a logged-on agent (``agent``).

Inferred (the document does not say): call control by Call ID works for every media (a chat, an e-mail, an SMS
or an open media item is answered with AnswerCall and ended with HangupCall), while the ``...ActiveCall``
requests act on voice calls; no call is ever "authenticating" (no Customer Authentication number is simulated),
so ClearCurrentAuthenticatingCall and ClearAuthenticatingCall answer false; number translation has no rules
configured, so MakeCall dials the number as given; ITemplate has ``ID`` and ``Name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from micc_sim.faces.desktop import wire
from micc_sim.faces.desktop.binding import Param, Request
from micc_sim.faces.desktop.events import DesktopEvents, subscribed
from micc_sim.faces.desktop.models import Desk
from micc_sim.world import calls
from micc_sim.world.core import World
from micc_sim.world.interactions import CampaignStatus, Interaction, InteractionState
from micc_sim.world.model import ConversationState, Employee, MediaType, OpenMediaItem, ReasonKind
from micc_sim.world.sessions import InteractionError

REQUESTS: dict[str, Request] = {}
S = InteractionState


@dataclass
class Context:
    sim: Any
    desk: Desk
    events: DesktopEvents

    @property
    def world(self) -> World:
        return self.sim.world

    @property
    def agent(self) -> Employee | None:
        return self.world.employees.get(self.desk.agent_id or "")

    @property
    def me(self) -> Employee:
        agent = self.agent
        if agent is None:
            raise InteractionError("no agent is logged on")
        return agent

    def interaction(self, number: int, media: MediaType | None = None) -> Interaction:
        """One of the agent's interactions (ended ones too) by its desktop ID."""
        it = self.world.sessions.find(number)
        if it is None or it.agent_id != self.me.id or (media is not None and it.media is not media):
            raise InteractionError(f"{number} is not one of the agent's {media.name if media else ''} sessions")
        return it

    def session(self, number: int) -> Interaction | OpenMediaItem:
        """A call, chat, e-mail, SMS or open media item of the agent by its desktop ID."""
        item = wire.find_item(self.world, number, self.me)
        if item is not None:
            return item
        return self.interaction(number)


def request(name: str, returns: str, js: bool, *params: Param, needs: str = "agent", group: str,
            js_only: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        REQUESTS[name] = Request(name, params, returns, js, needs, group, handler, js_only)
        return handler

    return register


def P(name: str, type_: str, doc: str = "") -> Param:
    """A required parameter (short names: the request table reads like the document's)."""
    return Param(name, type_, True, None, doc)


def Opt(name: str, type_: str, default: Any, doc: str = "") -> Param:
    """An optional parameter and its default."""
    return Param(name, type_, False, default, doc)


CALL_ID = P("callId", "int", "the ID of a call (or another session) of the agent")
INIT = "Initialization"
STARTUP = "Startup/shutdown"
CALLS = "Call control"
AGENT = "Agent commands"
RETRIEVAL = "Session retrieval"
DISPATCH = "Dispatch"
TABS = "Tab control"
REAL_TIME = "Real-time information"
EMAIL = "E-mail and SMS control"


# -- initialization ---------------------------------------------------------------------------------
@request("Initialize", "bool", False, needs="none", group=INIT)
def initialize(ctx: Context) -> bool:
    desk = ctx.desk
    if not desk.running:
        return False
    if not desk.registered:
        desk.registered = True
        desk.last_user_info = wire.user_information(ctx.world, ctx.agent)
        desk.logged_on = bool(desk.last_user_info["LoggedOn"])
    return True


@request("Uninitialize", "bool", False, needs="none", group=INIT)
def uninitialize(ctx: Context) -> bool:
    was = ctx.desk.registered
    ctx.desk.registered = False
    return was


@request("CanInitialize", "bool", False, needs="none", group=INIT)
def can_initialize(ctx: Context) -> bool:
    return ctx.desk.running


# -- startup / shutdown ----------------------------------------------------------------------------
@request("IsBSARunning", "bool", False, needs="none", group=STARTUP)
def is_bsa_running(ctx: Context) -> bool:
    return ctx.desk.running


@request("LaunchBSA", "bool", False, needs="none", group=STARTUP)
def launch_bsa(ctx: Context) -> bool:
    if not ctx.desk.running:
        ctx.desk.running = True
        ctx.desk.send("OnApplicationReadyForInitialization")
    return True


LOGON = (P("logonId", "str", "the user's logon ID (username or agent reporting number)"),
         P("password", "str"), Opt("extension", "str", "", "the extension to use"), Opt("extensionPassword", "str", ""),
         Opt("siteName", "str", ""), Opt("webServer", "str", ""), Opt("brokerServer", "str", ""),
         Opt("brokerPort", "int", 0))


@request("LaunchBSAWithCredentials", "bool", False, *LOGON, needs="none", group=STARTUP)
def launch_with_credentials(ctx: Context, logonId: str, password: str, extension: str, **_: Any) -> bool:
    return launch(ctx, logonId, password, extension)


@request("LaunchAgentWithParams", "bool", False, *LOGON,
         Opt("softphone", "int", -1, "1 softphone, 0 hard phone, -1 as last time"), needs="none", group=STARTUP)
def launch_with_params(ctx: Context, logonId: str, password: str, extension: str, softphone: int,
                       **_: Any) -> bool:
    return softphone in (-1, 0, 1) and launch(ctx, logonId, password, extension)


def launch(ctx: Context, logon_id: str, password: str, extension: str) -> bool:
    """Start the Agent application for a user: it logs them on (with an extension, if given)."""
    desk = ctx.desk
    agent = logon(ctx.world, logon_id, password)
    if agent is None or (desk.agent_id not in (None, agent.id)):
        return False
    if not desk.running:
        desk.running = True
        desk.send("OnApplicationReadyForInitialization")
    log_on(ctx, agent, extension or None)
    return True


def logon(world: World, logon_id: str, password: str) -> Employee | None:
    """The agent with this logon ID (username or agent reporting number) and password."""
    agent = world.find_employee_by_login(logon_id, password)
    if agent is None:
        agent = next((e for e in world.employees.values()
                      if e.reporting and e.reporting == logon_id.strip() and e.password == password), None)
    return agent if agent is not None and agent.is_agent else None


def log_on(ctx: Context, agent: Employee, extension: str | None) -> None:
    desk = ctx.desk
    desk.agent_id = agent.id
    if not agent.logged_in or (extension and extension != agent.extension):
        ctx.world.set_employee_state(agent, logged_in=True, extension=extension)
    desk.send("OnRegistrationStatus", True)
    desk.send("OnUserLogin")
    desk.logged_on = True
    desk.last_user_info = wire.user_information(ctx.world, agent)


@request("GetUserInformation", "IUserInformation", True, needs="app", group=STARTUP)
def get_user_information(ctx: Context) -> dict[str, Any]:
    return wire.user_information(ctx.world, ctx.agent)


@request("IsRegistered", "bool", True, needs="none", group=STARTUP)
def is_registered(ctx: Context) -> bool:
    return ctx.desk.running and ctx.desk.registered


@request("CloseApplication", "void", False, needs="none", group=STARTUP)
def close_application(ctx: Context) -> None:
    """Shut the Agent application down: the agent logs off."""
    desk = ctx.desk
    if not desk.running:
        return None
    agent = ctx.agent
    desk.running = desk.registered = False
    desk.agent_id = None
    desk.shown.clear()
    desk.dispatch_seen.clear()
    desk.realtime.clear()
    if agent is not None:
        desk.send("OnRegistrationStatus", False)
        if agent.logged_in:
            ctx.world.set_employee_state(agent, logged_in=False)
    desk.send("OnApplicationClosed")
    return None


# -- call control ---------------------------------------------------------------------------------
@request("MakeCall", "bool", True, P("number", "str"), Opt("name", "str", ""),
         Opt("useNumberTranslation", "bool", False), group=CALLS)
def make_call(ctx: Context, number: str, name: str, useNumberTranslation: bool) -> bool:
    calls.make_call(ctx.world, ctx.me, number, name)
    return True


@request("AnswerActiveCall", "bool", True, group=CALLS)
def answer_active_call(ctx: Context) -> bool:
    it = calls.ringing_call(ctx.world, ctx.me)
    if it is None:
        return False
    ctx.world.sessions.answer(it, ctx.me)
    return True


@request("AnswerCall", "bool", True, CALL_ID, group=CALLS)
def answer_call(ctx: Context, callId: int) -> bool:
    target = ctx.session(callId)
    if isinstance(target, OpenMediaItem):
        ctx.world.accept_open_media(target.id, ctx.me.id)
    else:
        ctx.world.sessions.answer(target, ctx.me)
    return True


@request("HangupActiveCall", "bool", True, group=CALLS)
def hangup_active_call(ctx: Context) -> bool:
    calls.hangup_active(ctx.world, ctx.me)
    return True


@request("HangupCall", "bool", True, CALL_ID, group=CALLS)
def hangup_call(ctx: Context, callId: int) -> bool:
    target = ctx.session(callId)
    if isinstance(target, OpenMediaItem):
        if target.state is ConversationState.Offered:
            ctx.world.decline_open_media(target.id, ctx.me)
        else:
            ctx.world.end_open_media(target.id)
    else:
        ctx.world.sessions.hangup(target, ctx.me)
    return True


@request("HoldActiveCall", "bool", True, group=CALLS)
def hold_active_call(ctx: Context) -> bool:
    it = calls.active_call(ctx.world, ctx.me)
    if it is None:
        return False
    calls.hold(ctx.world, ctx.me, it)
    return True


@request("RetrieveActiveCall", "bool", True, group=CALLS)
def retrieve_active_call(ctx: Context) -> bool:
    it = calls.held_call(ctx.world, ctx.me)
    if it is None:
        return False
    calls.retrieve(ctx.world, ctx.me, it)
    return True


@request("RetrieveCall", "bool", True, CALL_ID, group=CALLS)
def retrieve_call(ctx: Context, callId: int) -> bool:
    target = ctx.session(callId)
    if isinstance(target, OpenMediaItem):
        ctx.world.hold_open_media(target.id, ctx.me, hold=False)
    else:
        calls.retrieve(ctx.world, ctx.me, target)
    return True


@request("TransferCall", "bool", True, P("callId", "int", "the held call"), group=CALLS)
def transfer_call(ctx: Context, callId: int) -> bool:
    calls.transfer(ctx.world, ctx.me, ctx.interaction(callId, MediaType.Voice))
    return True


@request("ConferenceActiveCall", "bool", True, group=CALLS)
def conference_active_call(ctx: Context) -> bool:
    calls.conference(ctx.world, ctx.me)
    return True


@request("EnterDtmfActiveCall", "bool", True, P("digits", "str"), group=CALLS)
def enter_dtmf_active_call(ctx: Context, digits: str) -> bool:
    calls.send_dtmf(ctx.world, ctx.me, digits)
    return True


@request("DeflectActiveCall", "bool", True, P("destination", "str"), group=CALLS)
def deflect_active_call(ctx: Context, destination: str) -> bool:
    it = calls.ringing_call(ctx.world, ctx.me) or calls.active_call(ctx.world, ctx.me)
    if it is None:
        return False
    calls.deflect(ctx.world, ctx.me, it, destination)
    return True


@request("DeflectCall", "bool", True, CALL_ID, P("destination", "str"), group=CALLS)
def deflect_call(ctx: Context, callId: int, destination: str) -> bool:
    calls.deflect(ctx.world, ctx.me, ctx.interaction(callId, MediaType.Voice), destination)
    return True


@request("ClearCurrentAuthenticatingCall", "bool", True, group=CALLS)
def clear_current_authenticating_call(ctx: Context) -> bool:
    return False  # no call is ever waiting at a Customer Authentication number in the simulator


@request("ClearAuthenticatingCall", "bool", True, CALL_ID, group=CALLS)
def clear_authenticating_call(ctx: Context, callId: int) -> bool:
    return False


@request("CanMakeCall", "bool", True, group=CALLS)
def can_make_call(ctx: Context) -> bool:
    return calls.can_make_call(ctx.world, ctx.me)


@request("CanConference", "bool", True, group=CALLS)
def can_conference(ctx: Context) -> bool:
    return calls.can_conference(ctx.world, ctx.me)


@request("CanTransfer", "bool", True, group=CALLS)
def can_transfer(ctx: Context) -> bool:
    return calls.can_transfer(ctx.world, ctx.me)


@request("SetPrivateData", "bool", True, CALL_ID, P("data", "str"), group=CALLS)
def set_private_data(ctx: Context, callId: int, data: str) -> bool:
    it = ctx.interaction(callId)
    if it.media not in (MediaType.Voice, MediaType.Chat) or not it.live:
        return False
    ctx.world.sessions.set_private_data(it, data)
    return True


@request("StartRecording", "bool", True, Opt("agentId", "int", 0, "not used"), P("allCalls", "bool"), group=CALLS)
def start_recording(ctx: Context, agentId: int, allCalls: bool) -> bool:
    calls.start_recording(ctx.world, ctx.me, allCalls)
    return True


@request("StopRecording", "bool", True, Opt("agentId", "int", 0, "not used"), group=CALLS)
def stop_recording(ctx: Context, agentId: int) -> bool:
    calls.stop_recording(ctx.world, ctx.me)
    return True


@request("DeflectCallToServiceGroup", "bool", True, CALL_ID, P("serviceGroupId", "int"), group=CALLS)
def deflect_call_to_service_group(ctx: Context, callId: int, serviceGroupId: int) -> bool:
    queue = wire.find_queue(ctx.world, serviceGroupId)
    target = ctx.session(callId)
    if queue is None:
        return False
    if isinstance(target, OpenMediaItem):
        if queue.media_type is not MediaType.OpenMedia:
            return False
        ctx.world.transfer_open_media(target.id, queue=queue)
    else:
        ctx.world.sessions.requeue(target, ctx.me, queue)
    return True


IVR = (CALL_ID, P("label", "str", "IVR1, IVR2, IVR3, an existing label, a new one, or a campaign field"),
       P("data", "str"))


@request("SetIVRData", "bool", True, *IVR, group=CALLS)
def set_ivr_data(ctx: Context, callId: int, label: str, data: str, cdr: bool = False) -> bool:
    if not label.strip():
        return False
    target = ctx.session(callId)
    if isinstance(target, OpenMediaItem):
        ctx.world.sessions.set_item_data(target, label, data)
    else:
        ctx.world.sessions.set_ivr(target, label, data, cdr=cdr)
    return True


@request("SetIVRDataWithCDR", "bool", True, *IVR, group=CALLS)
def set_ivr_data_with_cdr(ctx: Context, callId: int, label: str, data: str) -> bool:
    return set_ivr_data(ctx, callId, label, data, cdr=True)


@request("IntrudeCall", "bool", True, P("callId", "int", "a call in the Failed state"), group=CALLS)
def intrude_call(ctx: Context, callId: int) -> bool:
    calls.intrude(ctx.world, ctx.me, ctx.interaction(callId, MediaType.Voice))
    return True


@request("SetName", "bool", True, CALL_ID, P("name", "str"), group=CALLS)
def set_name(ctx: Context, callId: int, name: str) -> bool:
    it = ctx.interaction(callId, MediaType.Voice)
    if not it.live:
        return False
    ctx.world.sessions.set_party_name(it, name)
    return True


# -- agent commands -------------------------------------------------------------------------------
@request("CancelClerical", "bool", True, P("callId", "int", "a call in clerical state"), group=AGENT)
def cancel_clerical(ctx: Context, callId: int) -> bool:
    ctx.world.sessions.cancel_clerical(ctx.interaction(callId), ctx.me)
    return True


@request("ExtendClerical", "bool", True, P("callId", "int", "a call in clerical state"), group=AGENT)
def extend_clerical(ctx: Context, callId: int) -> bool:
    ctx.world.sessions.extend_clerical(ctx.interaction(callId), ctx.me)
    return True


@request("RejectServiceCall", "bool", True, P("callId", "int", "a ringing service group call"), group=AGENT)
def reject_service_call(ctx: Context, callId: int) -> bool:
    target = ctx.session(callId)
    if isinstance(target, OpenMediaItem):
        ctx.world.decline_open_media(target.id, ctx.me)
    else:
        if target.state is not S.Ringing:
            return False
        ctx.world.sessions.reject(target, ctx.me)
    return True


def not_ready_reasons(world: World) -> list[Any]:
    return [c for c in world.reason_codes.values() if c.kind is ReasonKind.Busy]


@request("SetReadyStatus", "bool", True, P("status", "bool", "Ready (true) or Not Ready (false)"),
         Opt("reasonId", "int", 0, "a Not Ready reason's ID (takes precedence)"),
         Opt("reasonName", "str", "", "a Not Ready reason's name"), group=AGENT)
def set_ready_status(ctx: Context, status: bool, reasonId: int, reasonName: str) -> bool:
    reason = None
    if not status and reasonId:
        code = next((c for c in not_ready_reasons(ctx.world) if wire.reason_id(c.code) == reasonId), None)
        if code is None:
            return False
        reason = code.name
    elif not status and reasonName:
        code = next((c for c in not_ready_reasons(ctx.world) if c.name.lower() == reasonName.strip().lower()), None)
        if code is None:
            return False
        reason = code.name
    ctx.world.sessions.set_ready(ctx.me, [MediaType.Voice], status, reason)
    return True


def _ready(ctx: Context, media: list[MediaType], status: bool) -> bool:
    ctx.world.sessions.set_ready(ctx.me, media, status)
    return True


READY = P("status", "bool", "Ready (true) or Not Ready (false)")


@request("SetEmailReadyStatus", "bool", True, READY, group=AGENT)
def set_email_ready_status(ctx: Context, status: bool) -> bool:
    return _ready(ctx, [MediaType.Email, MediaType.Sms], status)


@request("SetOpenMediaReadyStatus", "bool", True, READY, group=AGENT)
def set_open_media_ready_status(ctx: Context, status: bool) -> bool:
    return _ready(ctx, [MediaType.OpenMedia], status)


@request("SetChatReadyStatus", "bool", True, READY, group=AGENT)
def set_chat_ready_status(ctx: Context, status: bool) -> bool:
    return _ready(ctx, [MediaType.Chat], status)


CAMPAIGN = (P("callId", "int", "the campaign call"),
            P("status", "int", "1, 2, 4, 8, 16, 32, 64 (see CampaignStatus) or a customer value above 64"),
            Opt("scheduleCallback", "bool", False, "only with status 8 (Callback Later)"),
            Opt("callbackTime", "datetime", None, "when to call back"))


@request("SetCampaignCallStatus", "bool", True, *CAMPAIGN, group=AGENT)
def set_campaign_call_status(ctx: Context, callId: int, status: int, scheduleCallback: bool,
                             callbackTime: datetime | None, close_form: bool = False) -> bool:
    standard = {s.value for s in CampaignStatus}
    if status not in standard and status <= 64:
        return False
    if scheduleCallback and (status != CampaignStatus.CallbackLater or callbackTime is None):
        return False
    it = ctx.interaction(callId, MediaType.Voice)
    if it.campaign is None or not it.live:
        return False
    ctx.world.sessions.set_campaign_status(it, ctx.me, status, callbackTime if scheduleCallback else None, close_form)
    return True


@request("SetCampaignCallStatusAndCloseForm", "bool", True, *CAMPAIGN, group=AGENT)
def set_campaign_call_status_and_close_form(ctx: Context, callId: int, status: int,
                                            scheduleCallback: bool, callbackTime: datetime | None) -> bool:
    return set_campaign_call_status(ctx, callId, status, scheduleCallback, callbackTime, close_form=True)


@request("GetNotReadyReasons", "INotReadyReason[]", True, needs="app", group=AGENT)
def get_not_ready_reasons(ctx: Context) -> list[dict[str, Any]]:
    return [{"ID": wire.reason_id(c.code), "Name": c.name} for c in not_ready_reasons(ctx.world)]


@request("StartMonitor", "bool", True, P("agentLogonId", "str", "the logon ID of the agent to monitor"),
         Opt("continuous", "bool", False, "monitor all their future calls"), group=AGENT)
def start_monitor(ctx: Context, agentLogonId: str, continuous: bool) -> bool:
    wanted = agentLogonId.strip().lower()
    target = next((e for e in ctx.world.employees.values() if e.is_agent
                   and wanted in (e.username.lower(), (e.reporting or "").lower())), None)
    if target is None or target.id == ctx.me.id or not target.logged_in:
        return False
    if ctx.desk.monitoring not in (None, target.id):
        return False  # one agent at a time
    ctx.desk.monitoring, ctx.desk.monitor_continuous = target.id, continuous
    return True


@request("StopMonitor", "bool", True, group=AGENT)
def stop_monitor(ctx: Context) -> bool:
    was = ctx.desk.monitoring is not None
    ctx.desk.monitoring = None
    return was


MEDIA = P("mediaType", "int", "1 Chat, 2 Voice, 3 E-mail, 4 SMS, 5 Open Media")


def _media_session(ctx: Context, call_id: int, media_type: int) -> Interaction | OpenMediaItem:
    try:
        media = wire.DesktopMedia(media_type).world
    except ValueError:
        raise InteractionError(f"{media_type} is not a media type (1 to 5)") from None
    target = ctx.session(call_id)
    actual = MediaType.OpenMedia if isinstance(target, OpenMediaItem) else target.media
    if actual is not media:
        raise InteractionError(f"{call_id} is not a {media.name} session")
    return target


def _cq_view(ctx: Context, ids: list[int]) -> list[dict[str, Any]]:
    codes = {c.id: c for c in ctx.world.sessions.config.cq_codes}
    return [{"ID": c.id, "Code": c.code, "Name": c.name} for c in (codes.get(i) for i in ids) if c is not None]


@request("EnterCQCodes", "bool", True, CALL_ID, MEDIA, P("codes", "codes", "ICQCode objects (by ID or Code)"),
         group=AGENT)
def enter_cq_codes(ctx: Context, callId: int, mediaType: int, codes: list[tuple[int | None, str | None]]) -> bool:
    target = _media_session(ctx, callId, mediaType)
    catalogue = ctx.world.sessions.config.cq_codes
    ids: list[int] = []
    for ident, code in codes:
        found = next((c for c in catalogue if (ident is not None and c.id == ident) or (code and c.code == code)),
                     None)
        if found is None:
            return False
        ids.append(found.id)
    ctx.world.sessions.set_cq_codes(target, ids)
    return True


@request("GetCQCodes", "ICQCode[]", True, P("serviceGroupId", "int"), group=AGENT)
def get_cq_codes(ctx: Context, serviceGroupId: int) -> list[dict[str, Any]]:
    queue = wire.find_queue(ctx.world, serviceGroupId)
    if queue is None:
        return []
    return _cq_view(ctx, ctx.world.sessions.cq_codes_for(queue))


@request("GetCallCQCodes", "ICQCode[]", True, CALL_ID, MEDIA, group=AGENT)
def get_call_cq_codes(ctx: Context, callId: int, mediaType: int) -> list[dict[str, Any]]:
    target = _media_session(ctx, callId, mediaType)
    if isinstance(target, OpenMediaItem):
        return _cq_view(ctx, ctx.world.sessions.item_cq_codes.get(target.id, []))
    return _cq_view(ctx, target.cq_codes)


# -- session retrieval ----------------------------------------------------------------------------
def _sessions(ctx: Context, media: MediaType) -> list[dict[str, Any]]:
    view = wire.SESSION_VIEWS[media][1]
    return [view(ctx.world, it) for it in ctx.world.sessions.of_agent(ctx.me, media)]


@request("GetCalls", "ICall[]", True, group=RETRIEVAL)
def get_calls(ctx: Context) -> list[dict[str, Any]]:
    return _sessions(ctx, MediaType.Voice)


@request("GetEmails", "IEmail[]", True, group=RETRIEVAL)
def get_emails(ctx: Context) -> list[dict[str, Any]]:
    return _sessions(ctx, MediaType.Email)


@request("GetSMS", "ISMS[]", True, group=RETRIEVAL)
def get_sms(ctx: Context) -> list[dict[str, Any]]:
    return _sessions(ctx, MediaType.Sms)


@request("GetOpenMedia", "IOpenMedia[]", True, group=RETRIEVAL)
def get_open_media(ctx: Context) -> list[dict[str, Any]]:
    world = ctx.world
    return [wire.open_media(world, world.items[i]) for i in ctx.me.active_items if i in world.items]


@request("GetChats", "IChat[]", True, group=RETRIEVAL)
def get_chats(ctx: Context) -> list[dict[str, Any]]:
    return _sessions(ctx, MediaType.Chat)


# -- dispatch -------------------------------------------------------------------------------------
GROUP = P("serviceGroupId", "int", "a service group's ID, or 0 for all")
SUBSCRIBE = P("subscribe", "bool", "subscribe (true) or unsubscribe (false)")


def _subscribe(ctx: Context, kind: str, filter_id: int, on: bool) -> bool:
    if kind not in ("campaign", "common_hold") and filter_id and wire.find_queue(ctx.world, filter_id) is None:
        return False
    if filter_id < 0:
        return False
    wanted = ctx.desk.dispatch.setdefault(kind, set())
    if on:
        wanted.add(filter_id)
        ctx.events.announce_waiting(ctx.desk, kind)
    else:
        wanted.discard(filter_id)
        if filter_id == 0:
            wanted.clear()
        if not wanted:
            del ctx.desk.dispatch[kind]
    return True


@request("SubscribeDispatchPersonalCalls", "bool", True, GROUP, SUBSCRIBE, group=DISPATCH)
def subscribe_dispatch_personal_calls(ctx: Context, serviceGroupId: int, subscribe: bool) -> bool:
    return _subscribe(ctx, "personal", serviceGroupId, subscribe)


@request("SubscribeDispatchCommonHoldCalls", "bool", True, SUBSCRIBE, group=DISPATCH)
def subscribe_dispatch_common_hold_calls(ctx: Context, subscribe: bool) -> bool:
    return _subscribe(ctx, "common_hold", 0, subscribe)


@request("SubscribeDispatchVoiceCalls", "bool", True, GROUP, SUBSCRIBE, group=DISPATCH)
def subscribe_dispatch_voice_calls(ctx: Context, serviceGroupId: int, subscribe: bool) -> bool:
    return _subscribe(ctx, "voice", serviceGroupId, subscribe)


@request("SubscribeDispatchEmails", "bool", True, GROUP, SUBSCRIBE, group=DISPATCH)
def subscribe_dispatch_emails(ctx: Context, serviceGroupId: int, subscribe: bool) -> bool:
    return _subscribe(ctx, "email", serviceGroupId, subscribe)


@request("SubscribeDispatchSMSs", "bool", True, GROUP, SUBSCRIBE, group=DISPATCH)
def subscribe_dispatch_smss(ctx: Context, serviceGroupId: int, subscribe: bool) -> bool:
    return _subscribe(ctx, "sms", serviceGroupId, subscribe)


@request("SubscribeDispatchCampaignCalls", "bool", True, P("campaignId", "int", "a campaign's ID, or 0 for all"),
         SUBSCRIBE, group=DISPATCH)
def subscribe_dispatch_campaign_calls(ctx: Context, campaignId: int, subscribe: bool) -> bool:
    return _subscribe(ctx, "campaign", campaignId, subscribe)


def _waiting(ctx: Context, kind: str, ident: int) -> Interaction:
    """A waiting interaction this desk may retrieve or reserve: dispatch events on and the list subscribed."""
    if not ctx.desk.dispatch_enabled:
        raise InteractionError("dispatch events are not enabled")
    world = ctx.world
    for it in world.sessions.live():
        if it.state is not S.Queued or wire.dispatch_kind(it) != kind:
            continue
        key = it.campaign.customer_id if kind == "campaign" and it.campaign else it.number
        if key == ident:
            if not subscribed(ctx.desk, kind, wire.dispatch_filter_id(world, it)):
                raise InteractionError(f"not subscribed to {kind} dispatch of this service group")
            return it
    raise InteractionError(f"no waiting {kind} dispatch {ident}")


def _retrieve(ctx: Context, kind: str, ident: int) -> bool:
    ctx.world.sessions.pick(_waiting(ctx, kind, ident), ctx.me)
    return True


def _reserve(ctx: Context, kind: str, ident: int, reserve: bool) -> bool:
    ctx.world.sessions.reserve(_waiting(ctx, kind, ident), ctx.me, reserve)
    return True


DISPATCH_CALL = P("callId", "int", "the dispatch call's ID")
RESERVE = P("reserve", "bool", "reserve (true) or unreserve (false)")
CUSTOMER = P("customerId", "int", "the campaign customer's ID")


@request("RetrieveDispatchPersonalCall", "bool", True, DISPATCH_CALL, group=DISPATCH)
def retrieve_dispatch_personal_call(ctx: Context, callId: int) -> bool:
    return _retrieve(ctx, "personal", callId)


@request("RetrieveDispatchCommonHoldCall", "bool", True, DISPATCH_CALL, group=DISPATCH)
def retrieve_dispatch_common_hold_call(ctx: Context, callId: int) -> bool:
    return _retrieve(ctx, "common_hold", callId)


@request("RetrieveDispatchVoiceCall", "bool", True, DISPATCH_CALL, group=DISPATCH)
def retrieve_dispatch_voice_call(ctx: Context, callId: int) -> bool:
    return _retrieve(ctx, "voice", callId)


@request("RetrieveDispatchEmail", "bool", True, DISPATCH_CALL, group=DISPATCH)
def retrieve_dispatch_email(ctx: Context, callId: int) -> bool:
    return _retrieve(ctx, "email", callId)


@request("RetrieveDispatchSMS", "bool", True, DISPATCH_CALL, group=DISPATCH)
def retrieve_dispatch_sms(ctx: Context, callId: int) -> bool:
    return _retrieve(ctx, "sms", callId)


@request("RetrieveDispatchCampaignCall", "bool", True, CUSTOMER, group=DISPATCH)
def retrieve_dispatch_campaign_call(ctx: Context, customerId: int) -> bool:
    return _retrieve(ctx, "campaign", customerId)


@request("ReserveDispatchPersonalCall", "bool", True, DISPATCH_CALL, RESERVE, group=DISPATCH)
def reserve_dispatch_personal_call(ctx: Context, callId: int, reserve: bool) -> bool:
    return _reserve(ctx, "personal", callId, reserve)


@request("ReserveDispatchCommonHoldCall", "bool", True, DISPATCH_CALL, RESERVE, group=DISPATCH)
def reserve_dispatch_common_hold_call(ctx: Context, callId: int, reserve: bool) -> bool:
    return _reserve(ctx, "common_hold", callId, reserve)


@request("ReserveDispatchVoiceCall", "bool", True, DISPATCH_CALL, RESERVE, group=DISPATCH)
def reserve_dispatch_voice_call(ctx: Context, callId: int, reserve: bool) -> bool:
    return _reserve(ctx, "voice", callId, reserve)


@request("ReserveDispatchEmail", "bool", True, DISPATCH_CALL, RESERVE, group=DISPATCH)
def reserve_dispatch_email(ctx: Context, callId: int, reserve: bool) -> bool:
    return False  # "reserved for future use": reserving e-mails is not supported


@request("ReserveDispatchSMS", "bool", True, DISPATCH_CALL, RESERVE, group=DISPATCH)
def reserve_dispatch_sms(ctx: Context, callId: int, reserve: bool) -> bool:
    return False  # "reserved for future use": reserving SMS is not supported


@request("ReserveDispatchCampaignCall", "bool", True, CUSTOMER, RESERVE, group=DISPATCH)
def reserve_dispatch_campaign_call(ctx: Context, customerId: int, reserve: bool) -> bool:
    return _reserve(ctx, "campaign", customerId, reserve)


@request("EnableDispatchEvents", "bool", True, P("enable", "bool"), group=DISPATCH)
def enable_dispatch_events(ctx: Context, enable: bool) -> bool:
    ctx.desk.dispatch_enabled = enable
    if enable:
        ctx.events.announce_waiting(ctx.desk)
    else:
        ctx.desk.dispatch_seen.clear()
    return True


# -- tab control ----------------------------------------------------------------------------------
TAB = P("tabIndex", "int", "0-based position of the tab")
COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?|[A-Za-z]{3,20}")


def _tab_view(desk: Desk, index: int) -> dict[str, Any]:
    tab = desk.tabs[index]
    selected = index == desk.selected_tab and not tab.in_dock_bar
    return {"Index": index, "Name": tab.name, "Symbol": tab.symbol, "Selected": selected,
            "InDockBar": tab.in_dock_bar, "Focused": selected}


def _has_tab(desk: Desk, index: int) -> bool:
    return 0 <= index < len(desk.tabs)


@request("SetTabHeaderSymbol", "bool", True, TAB, P("symbol", "str"), Opt("htmlColor", "str", "", "red, #00FFFF"),
         needs="app", group=TABS)
def set_tab_header_symbol(ctx: Context, tabIndex: int, symbol: str, htmlColor: str) -> bool:
    if not _has_tab(ctx.desk, tabIndex) or (htmlColor and not COLOR.fullmatch(htmlColor)):
        return False
    ctx.desk.tabs[tabIndex].symbol, ctx.desk.tabs[tabIndex].color = symbol, htmlColor
    return True


@request("SelectTab", "bool", True, TAB, needs="app", group=TABS)
def select_tab(ctx: Context, tabIndex: int) -> bool:
    if not _has_tab(ctx.desk, tabIndex) or ctx.desk.tabs[tabIndex].in_dock_bar:
        return False
    ctx.desk.selected_tab = tabIndex
    return True


@request("GetAllTabs", "ITab[]", True, needs="app", group=TABS)
def get_all_tabs(ctx: Context) -> list[dict[str, Any]]:
    return [_tab_view(ctx.desk, n) for n in range(len(ctx.desk.tabs))]


@request("GetTabByName", "ITab", True, P("name", "str"), needs="app", group=TABS)
def get_tab_by_name(ctx: Context, name: str) -> dict[str, Any] | None:
    index = next((n for n, tab in enumerate(ctx.desk.tabs) if tab.name == name), None)  # case-sensitive
    return _tab_view(ctx.desk, index) if index is not None else None


@request("GetTab", "ITab", True, needs="app", group=TABS, js_only=True)
def get_tab(ctx: Context) -> dict[str, Any] | None:
    return _tab_view(ctx.desk, ctx.desk.own_tab) if _has_tab(ctx.desk, ctx.desk.own_tab) else None


@request("TabReload", "bool", True, TAB, needs="app", group=TABS)
def tab_reload(ctx: Context, tabIndex: int) -> bool:
    return _has_tab(ctx.desk, tabIndex)


@request("TabNavigate", "bool", True, TAB, P("url", "str"), needs="app", group=TABS)
def tab_navigate(ctx: Context, tabIndex: int, url: str) -> bool:
    parsed = urlparse(url.strip())
    if not _has_tab(ctx.desk, tabIndex) or parsed.scheme not in ("http", "https") or not parsed.netloc:
        return False
    ctx.desk.tabs[tabIndex].url = url.strip()
    return True


# -- real-time information ------------------------------------------------------------------------
@request("SubscribeRealTimeInformation", "bool", False, Opt("serviceGroupId", "int", 0),
         Opt("serviceGroupName", "str", "", "takes priority over the ID"), P("subscribe", "bool"), group=REAL_TIME)
def subscribe_real_time_information(ctx: Context, serviceGroupId: int, serviceGroupName: str,
                                    subscribe: bool) -> bool:
    world = ctx.world
    if serviceGroupName.strip():
        queue = next((q for q in world.queues.values() if q.name.lower() == serviceGroupName.strip().lower()), None)
    else:
        queue = wire.find_queue(world, serviceGroupId)
    if queue is None:
        return False
    if subscribe:
        ctx.desk.realtime[queue.id] = None
        ctx.events.real_time(ctx.desk)
    else:
        ctx.desk.realtime.pop(queue.id, None)
    return True


# -- e-mail and SMS control -----------------------------------------------------------------------
def _templates(ctx: Context, attendant: bool) -> list[dict[str, Any]]:
    return [{"ID": t.id, "Name": t.name} for t in ctx.world.sessions.config.email_templates
            if t.attendant is attendant]


def _group_ok(ctx: Context, group_id: int, media: MediaType) -> bool:
    queue = wire.find_queue(ctx.world, group_id) if group_id else None
    return group_id == 0 or (queue is not None and queue.media_type is media)


@request("SendEmail", "bool", True, P("to", "str"), P("cc", "str"), P("subject", "str"),
         P("serviceGroupId", "int", "an E-mail service group, or 0 to let the agent choose"),
         P("templateId", "int", "an e-mail template, or 0 to let the agent choose"), group=EMAIL)
def send_email(ctx: Context, to: str, cc: str, subject: str, serviceGroupId: int, templateId: int) -> bool:
    if not _group_ok(ctx, serviceGroupId, MediaType.Email):
        return False
    if templateId and templateId not in {t["ID"] for t in _templates(ctx, False)}:
        return False
    ctx.desk.forms.append({"form": "email", "to": to, "cc": cc, "subject": subject,
                           "serviceGroupId": serviceGroupId, "templateId": templateId})
    return True


@request("SendAttendantEmail", "bool", True, P("to", "str"), P("cc", "str"),
         P("templateId", "int", "an Attendant E-mail template, or 0 for the default one"), group=EMAIL)
def send_attendant_email(ctx: Context, to: str, cc: str, templateId: int) -> bool:
    attendant = {t["ID"] for t in _templates(ctx, True)}
    ctx.desk.forms.append({"form": "attendant_email", "to": to, "cc": cc,
                           "templateId": templateId if templateId in attendant else 0})
    return True


@request("GetEmailTemplates", "ITemplate[]", True, needs="app", group=EMAIL)
def get_email_templates(ctx: Context) -> list[dict[str, Any]]:
    return _templates(ctx, False)


@request("GetAttendantEmailTemplates", "ITemplate[]", True, needs="app", group=EMAIL)
def get_attendant_email_templates(ctx: Context) -> list[dict[str, Any]]:
    return _templates(ctx, True)


@request("SendSMS", "bool", True, P("to", "str"), P("serviceGroupId", "int", "an SMS service group, or 0"),
         group=EMAIL)
def send_sms(ctx: Context, to: str, serviceGroupId: int) -> bool:
    if not _group_ok(ctx, serviceGroupId, MediaType.Sms):
        return False
    ctx.desk.forms.append({"form": "sms", "to": to, "serviceGroupId": serviceGroupId})
    return True

