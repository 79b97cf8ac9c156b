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


def test_each_test_starts_at_the_clocks_start_and_with_no_timer(micc_sim):
    from micc_sim.harness.fixture import DEFAULT_START

    assert micc_sim.sim.clock.now() == DEFAULT_START and micc_sim.sim.clock.pending() == 0
    micc_sim.sdk().post("/openmedia", json={"queue": "Web Chat"})
    micc_sim.advance(600)  # the next test must not see this hour or this item


def test_the_next_test_sees_none_of_it(micc_sim):
    from micc_sim.harness.fixture import DEFAULT_START

    assert micc_sim.sim.clock.now() == DEFAULT_START and micc_sim.world.items == {}
    assert [q.name for q in micc_sim.world.queues.values()][0] == "Web Chat"  # not the lab world of another test


def test_a_server_of_its_own_when_asked(micc_sim_fresh, micc_sim_pool):
    assert micc_sim_fresh.base_url not in {m.base_url for m in micc_sim_pool._running.values()}
    assert micc_sim_fresh.sdk().get("/queues").status_code == 200


@pytest.mark.micc_sim("lab.yaml", quirks={"double_slash_paths": False})
def test_a_world_file_and_settings_from_the_marker(micc_sim):
    assert [q.name for q in micc_sim.world.queues.values()] == ["Tasks"]
    r = httpx.post(micc_sim.base_url + "//authorizationserver/token", data={"grant_type": "password"})
    assert r.status_code == 404


@pytest.mark.micc_sim(scenario="scenario.yaml")
def test_a_scenario_world_from_the_marker(micc_sim):
    assert micc_sim.world.employee("1001").profile == "manual"
    assert micc_sim.sim.quirks.double_slash_paths is False


def my_call_logger_subscribes(notifications_url, token, hook_url):
    """An integrator's own CloudLink consumer: it subscribes its webhook to the calls of extensions 5000-5005."""
    r = httpx.post(notifications_url + "/subscriptions", headers={"Authorization": "Bearer " + token}, json={
        "applicationId": "call-logger", "deviceId": hook_url, "transport": "webhook",
        "topic": "platform-api-media", "subjectFilter": "^/2017-09-01/endpoints/500[0-5]"})
    assert r.status_code == 201, r.text
    return r.json()


def test_my_call_logger_gets_signed_call_notifications(micc_sim):
    receiver = micc_sim.webhook_receiver()
    my_call_logger_subscribes(micc_sim.cloudlink_url("notifications"), micc_sim.cloudlink_token(), receiver.url)
    tristan = micc_sim.cloudlink_token("tristan.cervantes@wagner.example.com")
    r = httpx.post(micc_sim.cloudlink_url("media") + "/endpoints/5001/calls", json={"to": "5002"},
                   headers={"Authorization": "Bearer " + tristan})
    assert r.status_code == 201
    got = receiver.wait_for(2)
    assert [(d.json["subject"].split("/")[3], d.json["content"]["state"]) for d in got] == [
        ("5001", "ringing"), ("5002", "ringing")]
    assert all(d.signature_ok for d in got) and receiver.forged == []

    wrong_key = micc_sim.webhook_receiver(application_id="not-the-application-id")
    micc_sim.subscribe_webhook(wrong_key, token=micc_sim.cloudlink_client_token(), topic="platform-api-media")
    httpx.put(micc_sim.cloudlink_url("media") + "/endpoints/5001/calls/" + r.json()["callId"],
              json={"action": "end"}, headers={"Authorization": "Bearer " + tristan})
    assert wrong_key.wait_for(1) and wrong_key.forged


def test_the_real_time_faces_are_where_the_fixture_says(micc_sim):
    import socketio

    token = micc_sim.token("tcervantes")
    negotiated = httpx.get(micc_sim.hubs_url + "signalr/negotiate", params={
        "clientProtocol": "2.1", "sessionid": "Bearer " + token, "connectionData": '[{"name": "employeehub"}]'})
    assert negotiated.json()["Url"] == "/miccsdk/signalr" and micc_sim.signalr_url.endswith(negotiated.json()["Url"])
    desk = socketio.Client()
    server, namespace = micc_sim.desktop_url.rsplit("/", 1)
    desk.connect(server, namespaces=["/" + namespace], auth={"token": token}, transports=["websocket"])
    assert desk.call("GetUserInformation", namespace="/agent", timeout=10)["LoginID"] == "tcervantes"
    desk.disconnect()
    assert set(micc_sim.cloudlink_urls) == {"authentication", "admin", "notifications", "chat", "media", "presence"}


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
    result.assert_outcomes(passed=10)


def test_fifty_tests_share_one_server(pytester):
    pytester.makepyfile(test_many="""
import pytest

@pytest.mark.parametrize("n", range(50))
def test_a_chat(micc_sim, n):
    answer = micc_sim.sdk(micc_sim.client_token()).post("/openmedia", json={"queue": "Web Chat"})
    assert answer.status_code == 201 and len(micc_sim.world.items) == 1
    with open("urls.txt", "a") as urls:
        urls.write(micc_sim.base_url + "\\n")
""")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=50)
    assert len(set((pytester.path / "urls.txt").read_text().split())) == 1


def test_the_plugin_imports_nothing_until_a_test_asks_for_a_simulator():
    """pytest imports the plugin in every run of an environment that has micc-sim: it must stay light."""
    import subprocess
    import sys

    code = ("import sys, micc_sim.pytest_plugin; heavy = [m for m in ('starlette', 'uvicorn', 'httpx', "
            "'pydantic', 'micc_sim.runtime', 'micc_sim.world') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
