"""Employee tag, beside the employee's state: their extensions, account codes, greetings (recorded by calling
them) and profile picture, each from the world."""

from __future__ import annotations

from typing import Any

from micc_sim.faces.micc import access
from micc_sim.faces.micc.extensions.responses import extension_to_wire
from micc_sim.faces.micc.wire import listing, path_segment
from micc_sim.spec.router import ApiError, Call
from micc_sim.world.catalog import AccountCode
from micc_sim.world.core import NotFound, World
from micc_sim.world.greetings import AgentGreetings, GreetingError


def get_extensions(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    owned = [e for e in world.catalog.extensions() if e.owner_id == employee.id]
    return listing(call, f"/employees/{employee.id}/extensions", extension_to_wire, owned)


def _code_to_wire(world: World, code: AccountCode, call: Call) -> dict[str, Any]:
    return {"_links": {"self": {"href": call.url_for(f"/accountcodes/{path_segment(code.id)}")}},
            "id": code.id, "name": code.name, "reporting": code.reporting,
            "siteRefId": world.site.id}


def get_account_codes(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    return listing(call, f"/employees/{employee.id}/accountcodes", _code_to_wire,
                   world.catalog.account_codes_of(employee.id))


def greetings_to_wire(world: World, mine: AgentGreetings) -> dict[str, Any]:
    queues = [world.queues[q] for q in mine.by_queue if q in world.queues]
    return {"isDefault": mine.use_default, "defaultGreeting": mine.default, "greetings": list(mine.recordings),
            "queueGreetings": [{"queueId": q.id, "queueName": q.name, "queueReporting": q.reporting,
                                "greeting": mine.by_queue[q.id]} for q in queues]}


def get_greetings(call: Call) -> dict[str, Any]:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"])
    return greetings_to_wire(world, world.greetings.greetings(employee))


def _mine(call: Call):
    employee = access.employee_for(call, call.path["id"])
    if employee.id != access.require_employee(call).id:
        raise ApiError(403, "Only the employee themselves may change their greetings.")
    return employee


def _body(call: Call) -> dict[str, Any]:
    return {k.lower(): v for k, v in call.body.items()} if isinstance(call.body, dict) else {}


def post_greeting_recording(call: Call) -> str:
    """Call the agent to record a greeting; the recording exists once they answered and the call ended."""
    world: World = call.world
    employee = _mine(call)
    body = _body(call)
    try:
        return world.greetings.record(employee, str(body.get("recordingname") or ""), bool(body.get("isdefault")))
    except GreetingError as exc:
        raise ApiError(400, "The request is invalid.", {"model.RecordingName": [str(exc)]}) from exc


def put_greeting(call: Call) -> str:
    """``actionName`` Delete removes ``fileToDelete``; Update (or Save) sets the default and per-queue greetings
    from the body (action names inferred)."""
    world: World = call.world
    employee = _mine(call)
    action = call.path["actionName"].lower()
    try:
        if action == "delete":
            world.greetings.delete(employee, call.path["fileToDelete"])
        elif action in ("update", "save"):
            body = _body(call)
            by_queue: dict[str, str] = {}
            for entry in body.get("queuegreetings") or []:
                lowered = {k.lower(): v for k, v in entry.items()} if isinstance(entry, dict) else {}
                try:
                    queue = world.queue(str(lowered.get("queueid") or lowered.get("queuereporting") or ""))
                except NotFound:
                    raise GreetingError(f"no queue {lowered.get('queueid')!r}") from None
                by_queue[queue.id] = str(lowered.get("greeting") or "")
            world.greetings.update(employee, bool(body.get("isdefault", True)), body.get("defaultgreeting"),
                                   by_queue)
        else:
            raise ApiError(400, "The request is invalid.", {"actionName": [
                f"The action '{call.path['actionName']}' is not Update, Save or Delete."]})
    except GreetingError as exc:
        raise ApiError(400, "The request is invalid.", {"model": [str(exc)]}) from exc
    return "OK"


def post_profile_picture(call: Call) -> str:
    world: World = call.world
    employee = access.employee_for(call, call.path["id"], others_need="administrator")
    try:
        size = world.greetings.set_picture(employee, str(_body(call).get("base64string") or ""))
    except GreetingError as exc:
        raise ApiError(400, "The request is invalid.", {"model.Base64String": [str(exc)]}) from exc
    return f"{size}"


HANDLERS = {
    "Employee_GetEmployeeExtensions": get_extensions,
    "Employee_GetAccountCodes": get_account_codes,
    "Employee_GetGreetings": get_greetings,
    "Employee_PostGreetingRecording": post_greeting_recording,
    "Employee_PutGreeting": put_greeting,
    "Employee_PostProfilePicture": post_profile_picture,
}
