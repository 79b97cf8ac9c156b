"""Agent behaviour profiles: accept delays and handle times drawn from seeded distributions, not-ready spells,
set by world files, PATCH /_sim/world and PATCH /_sim/employees/{ref}, and restored byte for byte."""

from __future__ import annotations

import math
import statistics

import pytest
from conftest import only_1001_world

from micc_sim.world.agents import distribution
from micc_sim.world.config import AgentProfileConfig, WorldConfig
from micc_sim.world.draws import Draws
from micc_sim.world.seed import default_world

DISTRIBUTIONS = {
    "fixed": {"distribution": "fixed", "value": 3},
    "uniform": {"distribution": "uniform", "low": 1, "high": 5},
    "exponential": {"distribution": "exponential", "mean": 120},
    "lognormal": {"distribution": "lognormal", "mean": 120, "sigma": 0.5},
}


def _draws(spec: dict, seed: int = 0, n: int = 20_000, agent: str = "agent-1") -> list[float]:
    dist = distribution(AgentProfileConfig.model_validate({"handle_time": spec}).handle_time)
    counters: dict[str, int] = {}
    return [Draws(seed).draw(dist, agent, counters, "handle_time") for _ in range(n)]


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_each_distribution_draws_around_the_mean_it_is_given(name):
    values = _draws(DISTRIBUTIONS[name])
    mean = statistics.fmean(values)
    expected = {"fixed": 3, "uniform": 3, "exponential": 120, "lognormal": 120}[name]
    assert abs(mean - expected) < 0.04 * expected, (name, mean)
    assert min(values) >= 0
    if name == "uniform":
        assert 1 <= min(values) < 1.01 and 4.99 < max(values) <= 5
    if name == "exponential":  # memoryless: about e^-1 of the draws exceed the mean
        assert abs(sum(v > 120 for v in values) / len(values) - math.exp(-1)) < 0.02
    if name == "lognormal":  # the median is below the mean by sigma^2 / 2 in log space
        assert abs(statistics.median(values) - 120 * math.exp(-0.125)) < 4


def test_the_same_seed_draws_the_same_durations_and_another_seed_others():
    spec = DISTRIBUTIONS["lognormal"]
    assert _draws(spec, seed=7, n=50) == _draws(spec, seed=7, n=50)
    assert _draws(spec, seed=7, n=50) != _draws(spec, seed=8, n=50)
    assert _draws(spec, seed=7, n=50, agent="a") != _draws(spec, seed=7, n=50, agent="b")  # a stream per agent


def _handled_times(live, count: int = 12) -> list[tuple[str, str, str]]:
    sdk = live.sdk(live.client_token())
    for n in range(count):
        assert sdk.post("/openmedia", json={"queue": "Web Chat", "subject": f"#{n}"}).status_code == 201
    live.advance(3600)
    items = live.world()["open_media"]["items"]
    assert {i["state"] for i in items} == {"Handled"}
    return [(i["agent_id"], i["time_accepted"], i["time_ended"]) for i in items]


def _distributed_world() -> WorldConfig:
    config = default_world()
    config.agent_profiles["varied"] = AgentProfileConfig.model_validate(
        {"accept_delay": DISTRIBUTIONS["uniform"], "handle_time": DISTRIBUTIONS["exponential"]})
    for employee in config.employees:
        if employee.reporting in ("1001", "1002", "1003", "1004"):
            employee.profile = "varied"
    return config


def test_agents_with_drawn_durations_repeat_a_run_exactly_with_the_same_seed(live_with):
    first = _handled_times(live_with(world=_distributed_world(), seed=7))
    again = _handled_times(live_with(world=_distributed_world(), seed=7))
    assert first == again
    assert len({ended for _, _, ended in first}) == len(first)  # drawn, not one fixed handle time


def test_patch_world_sets_a_profile_with_distributions_and_spells(live):
    r = live.http.patch("/_sim/world", json={
        "agent_profiles": {"default": {"accept_delay": {"distribution": "exponential", "mean": 2},
                                       "not_ready": {"every": 600, "lasts": 60, "reason": "Break"}}}})
    assert r.status_code == 200, r.text
    profile = live.world()["agent_profiles"]["default"]
    assert profile["accept_delay"] == {"distribution": "exponential", "mean": 2.0}
    assert profile["not_ready"]["presence"] == "Busy"
    bad = live.http.patch("/_sim/world", json={"agent_profiles": {"default": {"handle_time": {
        "distribution": "uniform", "low": 9, "high": 1}}}})
    assert bad.status_code == 400 and "low (9) is above high (1)" in bad.json()["error"]["message"]
    meeting_as_dnd = live.http.patch("/_sim/world", json={"agent_profiles": {"default": {"not_ready": {
        "every": 60, "lasts": 60, "presence": "DoNotDisturb", "reason": "Meeting"}}}})
    assert meeting_as_dnd.status_code == 400
    assert "'Meeting' is not a DoNotDisturb reason code" in meeting_as_dnd.json()["error"]["message"]


def test_a_not_ready_spell_takes_the_agent_away_and_brings_it_back(live_with):
    live = live_with(world=only_1001_world())
    spell = {"every": 100, "lasts": 30, "reason": "102"}  # Break, by its code
    assert live.set_agent("1001", profile={"handle_time": 10, "not_ready": spell})["profile"] == "@tcervantes"
    sdk = live.sdk(live.client_token())
    live.advance(100)
    me = next(e for e in live.world()["employees"] if e["reporting"] == "1001")
    assert me["presence"] == "Busy"
    state = sdk.get("/agents/1001/state").json()
    assert (state["currentState"], state["reason"]) == ("MakeBusy", "Break")  # the reason code's name
    item = sdk.post("/openmedia", json={"queue": "Web Chat"}).json()
    assert item["conversationState"] != "Offered"  # nobody available: it waits (or fails over)
    live.advance(30)
    me = next(e for e in live.world()["employees"] if e["reporting"] == "1001")
    assert me["presence"] == "Available"
    live.advance(100)  # the next spell: every 100 s after the last one ended
    assert next(e for e in live.world()["employees"] if e["reporting"] == "1001")["presence"] == "Busy"
    live.set_agent("1001", presence="Away")  # someone else moves the agent: the spell's end leaves it be
    live.advance(30)
    assert next(e for e in live.world()["employees"] if e["reporting"] == "1001")["presence"] == "Away"


def test_patch_employee_refuses_a_bad_profile_in_our_error_shape(live):
    for body in ({"profile": {"handle_time": {"distribution": "gaussian", "mean": 3}}},
                 {"profile": {"not_ready": {"every": 10}}},
                 {"profile": {"not_ready": {"every": 10, "lasts": 5, "reason": "Nope"}}},
                 {"profile": 42}):
        r = live.http.patch("/_sim/employees/1001", json=body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_body", (body, r.text)


def test_spells_and_drawn_durations_survive_a_snapshot_byte_for_byte(live):
    live.set_agent("1001", profile={"accept_delay": DISTRIBUTIONS["uniform"], "handle_time": DISTRIBUTIONS[
        "lognormal"], "not_ready": {"every": {"distribution": "exponential", "mean": 200}, "lasts": 45}})
    live.set_agent("1002", profile={"handle_time": DISTRIBUTIONS["exponential"]})
    sdk = live.sdk(live.client_token())
    for n in range(8):
        sdk.post("/openmedia", json={"queue": "Web Chat", "subject": f"#{n}"})
    live.advance(150)
    saved = live.http.get("/_sim/snapshot").content
    assert b'"action":"not_ready"' in saved or b'"action":"ready"' in saved  # a spell timer is pending
    live.advance(900)
    first = live.world()
    assert live.http.post("/_sim/restore", content=saved).status_code == 200
    assert live.http.get("/_sim/snapshot").content == saved
    live.advance(900)
    again = live.world()
    assert again["open_media"] == first["open_media"] and again["employees"] == first["employees"]
