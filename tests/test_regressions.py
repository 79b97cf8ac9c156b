"""Behaviour pinned after review: each test names what a user would have tripped over."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
from conftest import free_port, only_1001_world

from micc_sim.world.clock import Clock
from micc_sim.world.config import WorldConfig
from micc_sim.world.core import OpenMediaRequest, World
from micc_sim.world.model import ConversationState, PresenceAvailability


def test_with_validation_off_a_put_without_an_action_is_still_a_400(live_with):
    sim = live_with(strictness="off")
    sdk = sim.sdk(sim.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    for body in ({}, {"action": "Explode"}):
        assert sdk.put(f"/openmedia/{item}", json=body).status_code == 400


def test_an_active_id_differing_only_in_case_is_a_duplicate(live):
    sdk = live.sdk(live.token())
    assert sdk.post("/openmedia", json={"id": "crm-1"}).status_code == 201
    assert sdk.post("/openmedia", json={"id": "CRM-1"}).status_code == 409


def _world_with(profile_1001: str) -> World:
    return World(only_1001_world(profile_1001), Clock("manual"))


def test_an_item_whose_only_agent_let_it_ring_out_is_offered_again_once_they_are_ready_again():
    world = _world_with("never")
    item = world.post_open_media(OpenMediaRequest(queue="Web Chat"))
    agent = world.employee("1001")
    world.clock.advance(60)
    assert item.state is ConversationState.InQueue and item.agent_id is None
    assert item.time_offered_to_agent is None
    world.set_employee_state(agent, presence=PresenceAvailability.Busy)  # back from a break ...
    world.set_employee_state(agent, presence=PresenceAvailability.Available)
    assert item.state is ConversationState.Offered and item.agent_id == agent.id


def test_an_agent_who_logs_out_while_an_offer_rings_does_not_accept_it():
    world = _world_with("default")
    item = world.post_open_media(OpenMediaRequest(queue="Web Chat"))
    agent = world.employee("1001")
    world.set_employee_state(agent, logged_in=False)
    assert item.state is ConversationState.InQueue and agent.active_items == []
    world.clock.advance(10)
    assert item.state is ConversationState.InQueue


def test_environment_variables_configure_serve_when_no_flag_is_given():
    port = free_port()
    env = {**os.environ, "MICC_SIM_TOKEN_LIFETIME": "60", "MICC_SIM_PORT": str(port), "MICC_SIM_CLOCK": "manual"}
    proc = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/authorizationserver/token", data={
                    "grant_type": "password", "username": "_admin", "password": "_password"})
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert r.json()["expires_in"] == 60
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_control_api_errors_are_json_in_our_shape(live):
    r = live.http.get("/_sim/nothing")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = live.http.delete("/_sim/world")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_a_rejected_employee_patch_changes_nothing(live):
    r = live.http.patch("/_sim/employees/1005", json={"logged_in": True, "profile": "nope"})
    assert r.status_code == 400
    assert next(e for e in live.world()["employees"] if e["reporting"] == "1005")["logged_in"] is False


def test_agent_reporting_numbers_with_letters_can_be_group_members():
    config = WorldConfig.model_validate({
        "employees": [{"username": "ann", "password": "x", "reporting": "A1"}],
        "agent_groups": [{"name": "G", "reporting": "9", "members": ["A1"]}],
    })
    assert World(config, Clock("manual")).agent_group("G").members


def test_the_iis_restart_report_counts_only_live_sessions(live):
    live.token()
    live.advance(1300)  # that token expired
    live.token()
    assert live.http.post("/_sim/iis/restart").json()["sessions_ended"] == 1


def test_with_case_insensitive_paths_off_paths_below_the_prefix_are_exact_too(live_with):
    sim = live_with(quirks={"case_insensitive_paths": False})
    sdk = sim.sdk(sim.token())
    assert sdk.get("/openmedia").status_code == 200
    assert sdk.get("/OpenMedia").status_code == 404


def test_a_server_clock_offset_shows_in_the_times_the_server_reports(live_with):
    """The integrator guide: response times differ partly because the two servers' clocks differ."""
    from datetime import UTC, datetime

    sim = live_with(clock="real", clock_start=None, clock_offset=90)
    item = sim.sdk(sim.token()).post("/openmedia", json={"queue": "Web Chat"}).json()
    server_time = datetime.fromisoformat(item["timeOfferedToSystem"].replace("Z", "+00:00"))
    skew = (server_time - datetime.now(UTC)).total_seconds()
    assert 85 < skew < 95


def test_control_inputs_found_by_fuzzing_are_400s_not_500s(live):
    assert live.http.post("/_sim/clock/advance", json={"seconds": 3.6e307}).status_code == 400
    r = live.http.post("/_sim/journal/verify", json={"count": 0, "until": [None, None]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_body"
    r = live.http.get("/_sim/employees/a%0Ab")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_the_dashboard_feed_stops_even_when_the_world_changes_as_the_server_stops(monkeypatch):
    """Python 3.11's ``asyncio.wait_for`` swallows a cancellation that lands as its awaitable finishes; the feed
    then went on pushing and ``serve`` hung on SIGTERM at "Waiting for application shutdown"."""
    from conftest import manual_settings

    from micc_sim.harness.control import dashboard
    from micc_sim.harness.control.metrics import MetricsSampler
    from micc_sim.runtime import Simulator

    monkeypatch.setattr(dashboard, "PUSH_INTERVAL", 0)
    sim = Simulator(manual_settings())
    timeline = dashboard.Timeline(sim)
    feed = dashboard.DashboardFeed(sim, timeline, MetricsSampler(sim, 1.0, 10))

    async def stop_as_a_change_lands() -> bool:
        async with asyncio.timeout(5) as limit:
            async with feed.running():
                for _ in range(3):
                    await asyncio.sleep(0)  # the pusher waits for a change
                assert feed._changed is not None
                feed._changed.set()
                await asyncio.sleep(0)  # the change is heard; the wait has not returned yet
        return not limit.expired()

    for _ in range(20):
        assert asyncio.run(stop_as_a_change_lands()), "the feed went on after it was told to stop"


def test_a_superscript_digit_where_a_number_goes_is_a_clear_error_not_a_500(live):
    """``"³".isdigit()`` is true but ``int("³")`` fails: found by schemathesis on the control API."""
    assert live.http.get("/_sim/interactions/%C2%B3").status_code == 404
    assert live.http.get("/_sim/interactions/1%C2%B3").status_code == 404
