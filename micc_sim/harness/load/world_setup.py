"""Getting the simulator's world ready for a load run, through the control API (so it needs loopback).

The run's agent behaviour goes to each agent of the queue as a profile of its own (``PATCH
/_sim/employees/{ref}``), which leaves the rest of the world as it is; extra agents need a world patch,
which restarts the world. Last, the time series is cleared, so that the run's numbers are the run's only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


class SetupError(RuntimeError):
    pass


@dataclass(frozen=True)
class PreparedWorld:
    queue: dict[str, Any]  # the queue as GET /_sim/world shows it
    agents: list[str]  # usernames of the agents serving it


def _checked(response: httpx.Response, doing: str) -> Any:
    if response.status_code >= 400:
        raise SetupError(f"{doing}: {response.status_code} {response.text[:500]}")
    return response.json()


def _find_queue(world: dict[str, Any], ref: str) -> dict[str, Any]:
    for queue in world["queues"]:
        if ref.lower() in (queue["id"].lower(), queue["name"].lower(), queue["reporting"].lower()):
            return queue
    names = ", ".join(f"{q['name']} ({q['reporting']})" for q in world["queues"])
    raise SetupError(f"the world has no queue {ref!r}; it has {names}")


def prepare_world(base_url: str, queue_ref: str, profile: dict[str, Any] | None = None, extra_agents: int = 0,
                  agent_password: str = "password", cap: int | None = None) -> PreparedWorld:
    with httpx.Client(base_url=base_url.rstrip("/") + "/_sim", timeout=30) as control:
        world = _checked(control.get("/world"), "reading the world")
        queue = _find_queue(world, queue_ref)
        if extra_agents > 0:
            world = _add_agents(control, world, queue, extra_agents, agent_password)
            queue = _find_queue(world, queue_ref)
        groups = [g for g in world["agent_groups"] if g["id"] in queue["agent_group_ids"]]
        member_ids = {m for g in groups for m in g["members"]}
        members = [e for e in world["employees"] if e["id"] in member_ids and e["reporting"]]
        if profile is not None:  # each agent's own profile, with the fields given replaced
            for agent in members:
                own = {**world.get("agent_profiles", {}).get(agent["profile"], {}), **profile}
                _checked(control.patch(f"/employees/{agent['username']}", json={"profile": own}),
                         f"setting the behaviour of agent {agent['username']}")
        agents = [e["username"] for e in members]
        mark = {"queue": queue["id"], "cap": cap} if cap is not None else {}  # the dashboard draws the cap line
        _checked(control.delete("/metrics/series", params=mark), "clearing the time series")
    return PreparedWorld(queue, agents)


def _add_agents(control: httpx.Client, world: dict[str, Any], queue: dict[str, Any], count: int,
                password: str) -> dict[str, Any]:
    """``count`` more virtual agents, logged in and Available, in the queue's primary agent group."""
    if not queue["agent_group_ids"]:
        raise SetupError(f"queue {queue['name']!r} has no agent group to add agents to")
    group = next(g for g in world["agent_groups"] if g["id"] == queue["agent_group_ids"][0])
    usernames = {e["id"]: e["username"] for e in world["employees"]}
    taken = {e["reporting"] for e in world["employees"] if e["reporting"]}
    new, number = [], 60000
    while len(new) < count:
        number += 1
        if str(number) not in taken:
            new.append({"username": f"load{number}", "password": password, "first_name": "Load",
                        "last_name": f"Agent {number}", "reporting": str(number), "logged_in": True,
                        "presence": "Available", "ready_media": ["OpenMedia"]})
    members = list(dict.fromkeys([usernames[m] for m in group["members"]] + [e["username"] for e in new]))
    _checked(control.patch("/world", json={"employees": new, "agent_groups": [
        {"name": group["name"], "members": members}]}), f"adding {count} agents to {group['name']!r}")
    return _checked(control.get("/world"), "reading the world")
