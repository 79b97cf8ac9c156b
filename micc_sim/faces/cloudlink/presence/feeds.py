"""What a phone and a MiCC agent say to presence: the ``phones`` and ``acd`` sources (the guide's "flow up").

* **phones** (source id = the extension): the most restrictive of what the endpoint says, by the
  aggregate's order: ``DoNotDisturb`` when the phone is in do-not-disturb (the ``dnd`` toggle or the
  ``dnd`` availability); ``Busy`` while it has a call ringing, connected or held; otherwise its
  ``userAvailability`` (available -> Available, busy -> Busy, away -> Away). The extended data carries
  the line state and the call ids, as a PBX attaches the call id when a call starts (guide).
* **acd** (source id = the MiCC employee id): the agent's activity as MiCC reports it: logged out ->
  ``Offline``; handling an item (accepted or held) -> ``Busy`` with reason ``Acd``; an item offered ->
  ``Busy`` with reason ``Ringing``; ``Busy`` / ``DoNotDisturb`` with the MiCC reason code's name as the
  reason; ``Away`` -> ``Away``; otherwise (Available, idle or not) -> ``Available``. The extended data
  carries the employee, the activity and the ids of the items the agent holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from micc_sim.faces.cloudlink.media.lifecycle import LIVE, CallState
from micc_sim.faces.cloudlink.presence.models import RESTRICTIVENESS, Presence, Status
from micc_sim.world.model import Employee
from micc_sim.world.stats import AgentActivity

AVAILABILITY_STATUS = {"available": Status.Available, "busy": Status.Busy, "dnd": Status.DoNotDisturb,
                       "away": Status.Away}

ACD_STATUS = {
    AgentActivity.LOGGED_OUT: Status.Offline,
    AgentActivity.IDLE: Status.Available,
    AgentActivity.RINGING: Status.Busy,
    AgentActivity.ACD: Status.Busy,
    AgentActivity.BUSY: Status.Busy,
    AgentActivity.DND: Status.DoNotDisturb,
    AgentActivity.AWAY: Status.Away,
}


def phone_presence(endpoint_id: str, line_state: CallState, dnd: bool, availability: str,
                   call_ids: Iterable[str]) -> Presence:
    said = [AVAILABILITY_STATUS[availability]]
    if dnd:
        said.append(Status.DoNotDisturb)
    if line_state in LIVE:
        said.append(Status.Busy)
    status = max(said, key=RESTRICTIVENESS.__getitem__)
    return Presence(status, "", None, {"endpointId": endpoint_id, "lineState": line_state.value,
                                       "callIds": list(call_ids)})


def acd_presence(employee: Employee, activity: AgentActivity) -> Presence:
    if activity in (AgentActivity.ACD, AgentActivity.RINGING):
        reason = activity.value
    elif activity in (AgentActivity.BUSY, AgentActivity.DND):
        reason = employee.presence_reason or ""
    else:
        reason = ""
    return Presence(ACD_STATUS[activity], reason, None, {
        "miccEmployeeId": employee.id, "username": employee.username, "activity": activity.value,
        "items": list(employee.active_items)})
