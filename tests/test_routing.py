"""The router's decisions, on the world alone (no server): where items go and who gets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import only_1001_world

from micc_sim.world.clock import Clock
from micc_sim.world.core import OpenMediaRequest, World
from micc_sim.world.lifecycle import Action, TransitionError, next_state
from micc_sim.world.model import ConversationState, FailedRouteReason, MediaType, PresenceAvailability
from micc_sim.world.quirks import Quirks
from micc_sim.world.routing import choose_destination, find_queue, offline_reason, pick_agent
from micc_sim.world.seed import default_world

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def world() -> World:
    return World(default_world(), Clock("manual", start=START))


def post(world: World, queue: str | None = "Web Chat") -> str:
    return world.post_open_media(OpenMediaRequest(queue=queue)).id


def agent(world: World, reporting: str):
    return world.employee(reporting)


def destination(world: World, queue: str | None, quirks: Quirks | None = None):
    item = world.items[post(world, queue)]
    return choose_destination(item, world.open_media_server(), world.open_media_queues(),
                              lambda q: world.offline_reason(q) is not None, quirks or Quirks())


def test_queues_are_found_by_id_name_or_reporting_in_any_case(world):
    web = find_queue(world.queues.values(), "Web Chat")
    assert web is not None
    assert find_queue(world.queues.values(), web.id.upper()) is web
    assert find_queue(world.queues.values(), "  web chat ") is web
    assert find_queue(world.queues.values(), "p7001") is web
    assert find_queue(world.queues.values(), "P7999") is None


def test_destinations(world):
    assert destination(world, None).queue.name == "Web Chat"  # the media server's default
    assert destination(world, "Unvalidated Tasks").swallowed is True
    offline = destination(world, "Training")
    assert offline.queue.name == "Overflow" and offline.via_failure_destination
    assert offline.unavailable_queue.name == "Training"
    unknown = destination(world, "Sales Chat")  # not an open-media queue
    assert unknown.queue.name == "Overflow"
    failed = destination(world, "nope", Quirks(routing_failure_destination=False))
    assert failed.queue is None and failed.failed_reason is FailedRouteReason.QueueNotFound


def test_offline_reasons(world):
    training = world.queue("Training")
    assert "no members" in offline_reason(training, world.members(training))
    web = world.queue("Web Chat")
    assert offline_reason(web, world.members(web)) is None
    for member in world.members(web):
        member.presence = PresenceAvailability.Away
    assert "available and ready" in offline_reason(web, world.members(web))


def test_the_least_loaded_then_longest_idle_ready_agent_gets_the_offer(world):
    web = world.queue("Web Chat")
    members = world.members(web)
    for index, member in enumerate(members):  # 1001 idle longest ... 1005 shortest
        member.idle_since = START - timedelta(minutes=10 - index)
    agent(world, "1001").active_items.append("busy")  # loaded: passed over while others are free
    agent(world, "1001").max_concurrent = 2
    item = world.items[post(world, "Unvalidated Tasks")]
    assert pick_agent(item, members).reporting == "1002"
    item.declined_by.add(agent(world, "1002").id)
    assert pick_agent(item, members).reporting == "1003"  # 1005 is logged out, 1004 idle for less time


def test_agents_not_ready_for_open_media_are_never_offered(world):
    for reporting in ("1001", "1002", "1003", "1004"):
        world.set_employee_state(agent(world, reporting), ready_media=[])
    item = world.items[post(world)]
    assert item.state is ConversationState.InQueue
    world.set_employee_state(agent(world, "1002"), ready_media=[MediaType.OpenMedia])
    assert item.state is ConversationState.Offered and item.agent_id == agent(world, "1002").id


def test_the_oldest_waiting_item_across_queues_is_offered_first(world):
    for reporting in ("1001", "1002", "1003", "1004"):
        world.set_employee_state(agent(world, reporting), logged_in=False)
    social = post(world, "Social Media")
    world.clock.advance(5)
    web = post(world, "Web Chat")
    world.set_employee_state(agent(world, "1001"), logged_in=True)  # member of both queues' group
    assert world.items[social].state is ConversationState.Offered
    assert world.items[web].state is ConversationState.InQueue


def test_an_offer_that_rings_out_is_requeued_at_its_place_and_offered_to_someone_else():
    world = World(only_1001_world("never"), Clock("manual", start=START))
    first, second = post(world), post(world)
    assert world.items[first].agent_id == agent(world, "1001").id
    assert world.position(world.items[second]) == 1

    world.clock.advance(60)  # the routing offer_timeout
    # back in the queue ahead of the younger item; 1001, whose offer rang out, takes the younger one
    assert world.items[first].state is ConversationState.InQueue and world.position(world.items[first]) == 1
    assert world.items[second].agent_id == agent(world, "1001").id
    world.set_employee_state(agent(world, "1002"), logged_in=True)
    assert world.items[first].state is ConversationState.Offered
    assert world.items[first].agent_id == agent(world, "1002").id
    assert world.items[first].time_offered_to_queue == START


def test_lifecycle_refuses_moves_the_table_does_not_list():
    assert next_state(ConversationState.Offered, Action.ACCEPT) is ConversationState.Acd
    with pytest.raises(TransitionError):
        next_state(ConversationState.Handled, Action.COMPLETE)
    with pytest.raises(TransitionError):
        next_state(ConversationState.InQueue, Action.ACCEPT)


def test_virtual_agents_accept_then_end_after_their_profile_times(world):
    item = world.items[post(world)]
    world.clock.advance(2.9)
    assert item.state is ConversationState.Offered
    world.clock.advance(0.1)
    assert item.state is ConversationState.Acd and item.time_accepted == START + timedelta(seconds=3)
    world.clock.advance(120)
    assert item.state is ConversationState.Handled and item.time_ended == START + timedelta(seconds=123)
    assert agent(world, "1001").active_items == []


def test_every_change_of_an_item_is_published_as_an_event(world):
    from micc_sim.world.events import OpenMediaChanged

    seen: list[tuple[str | None, str]] = []
    world.bus.subscribe(OpenMediaChanged, lambda e: seen.append((e.previous, e.item.state.name)))
    post(world)
    world.clock.advance(200)
    assert seen == [(None, "InQueue"), ("InQueue", "Offered"), ("Offered", "Acd"), ("Acd", "Handled")]


def test_the_world_core_and_cloudlink_models_import_nothing_of_http():
    import ast
    from pathlib import Path

    import micc_sim.faces.cloudlink
    import micc_sim.world

    banned = {"starlette", "uvicorn", "httpx", "json", "socketio"}
    cloudlink = Path(micc_sim.faces.cloudlink.__file__).parent
    domain = [*Path(micc_sim.world.__file__).parent.glob("*.py"), *cloudlink.glob("*/models.py"),
              cloudlink / "platform.py"]  # the CloudLink world-file section is in the world: cloudlink_config.py
    for path in domain:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in banned, f"{path.name} imports {name}"


def test_the_kept_order_of_agents_offers_to_whom_the_routing_rule_says():
    """The world keeps its agents in routing order (a heap) instead of searching them on every offer: it must
    pick whom ``pick_agent`` picks, whatever loads, idle times, workloads and declines the agents have."""
    from random import Random

    from micc_sim.world.model import Employee, OpenMediaItem
    from micc_sim.world.ready import ReadyAgents

    rng = Random(3)
    agents = [Employee(id=f"a{n}", username=f"a{n}", password="p", first_name="A", last_name=str(n),
                       reporting=str(1000 + n), logged_in=True, presence=PresenceAvailability.Available,
                       ready_media={MediaType.OpenMedia}, max_concurrent=rng.choice((1, 1, 2, 3)),
                       idle_since=START + timedelta(seconds=rng.choice((0, 0, 5)))) for n in range(12)]
    pool = ReadyAgents(agents, MediaType.OpenMedia)
    for step in range(3000):
        agent = rng.choice(agents)
        if rng.random() < 0.5 and len(agent.active_items) < agent.max_concurrent:
            agent.active_items.append(f"i{step}")
        elif agent.active_items:
            agent.active_items.pop(0)
            if not agent.active_items:
                agent.idle_since = START + timedelta(seconds=rng.choice((0, 5, step)))
        pool.moved(agent)
        item = OpenMediaItem(id="x", state=ConversationState.InQueue, time_offered_to_system=START,
                             declined_by={a.id for a in rng.sample(agents, rng.choice((0, 0, 1, 3)))})
        assert pool.any_free() == any(a.can_take(MediaType.OpenMedia) for a in agents)
        assert pool.pick(item) is pick_agent(item, agents)
