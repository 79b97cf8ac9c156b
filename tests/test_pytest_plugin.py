"""The micc_sim fixture, used the way an integrator's own test suite uses it (through pytester)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

INTEGRATOR_TESTS = '''
import httpx
import pytest


def post_chat(base_url, client_id, secret, visitor):
    """What an integration does: token from the AuthorizationServer, then POST /openmedia."""
    token = httpx.post(base_url + "//authorizationserver/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).json()["access_token"]
    return httpx.post(base_url + "/MiccSdk/api/v1/openmedia", headers={"Authorization": "Bearer " + token},
                      json={"queue": "Web Chat", "from": visitor, "targetUriEmbedded": "true"}).json()


def test_a_chat_reaches_an_agent(micc_sim):
    item = post_chat(micc_sim.base_url, micc_sim.talkative_id, micc_sim.talkative_secret, "Ada")
    assert item["conversationState"] == "Offered"
    micc_sim.advance(3)
    assert micc_sim.sdk().get(f"/openmedia/{item['id']}").json()["conversationState"] == "Acd"
    assert micc_sim.count("POST", "*/openmedia") == 1
    assert micc_sim.world.item(item["id"]).agent_id


def test_each_test_gets_a_fresh_world(micc_sim):
    assert micc_sim.count() == 0 and micc_sim.world.items == {}


@pytest.mark.micc_sim("lab.yaml", quirks={"double_slash_paths": False})
def test_a_world_file_and_settings_from_the_marker(micc_sim):
    assert [q.name for q in micc_sim.world.queues.values()] == ["Tasks"]
    r = httpx.post(micc_sim.base_url + "//authorizationserver/token", data={"grant_type": "password"})
    assert r.status_code == 404


@pytest.mark.micc_sim(scenario="scenario.yaml")
def test_a_scenario_world_from_the_marker(micc_sim):
    assert micc_sim.world.employee("1001").profile == "manual"
    assert micc_sim.sim.quirks.double_slash_paths is False


def test_faults_through_the_control_api(micc_sim):
    micc_sim.control("POST", "/faults", json={"kind": "busy", "face": "miccsdk", "count": 1})
    assert micc_sim.sdk().get("/openmedia").status_code == 503
    assert micc_sim.count(status="503") == 1
'''

LAB = """
employees: [{username: ann, password: pw, reporting: "42", logged_in: true, presence: Available,
             ready_media: [OpenMedia]}]
agent_groups: [{name: Team, reporting: "9", members: [ann]}]
queues: [{name: Tasks, reporting: P1, media_type: OpenMedia, agent_groups: [Team]}]
"""


SCENARIO = """
name: a manual agent
world: {employees: [{username: tcervantes, profile: manual}]}
settings: {quirks: {double_slash_paths: false}}
"""


def test_the_fixture_serves_an_integrators_suite(pytester):
    pytester.makefile(".yaml", lab=LAB, scenario=SCENARIO)
    pytester.makepyfile(test_integration=INTEGRATOR_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
