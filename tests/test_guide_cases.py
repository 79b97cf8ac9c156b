"""The integrator guide's cases beyond the scenarios: per-medium workloads, and the IP allow-list switched off."""

from __future__ import annotations

from micc_sim.world.model import MediaType
from micc_sim.world.seed import default_world


def test_a_chat_workload_lets_an_agent_take_two_chats_at_once(live_with):
    config = default_world()
    for e in config.employees:
        if e.reporting == "2001":
            e.workloads = {MediaType.Chat: 2}
        elif e.reporting in ("2002", "1004"):
            e.logged_in = False
    live = live_with(world=config)
    chats = [live.http.post("/_sim/interactions", json={"media": "Chat", "queue": "Sales Chat"}).json()
             for _ in range(3)]
    live.advance(3)  # the first answered, the second offered
    live.advance(3)  # the second answered: the workload is full
    live.advance(30)
    states = [live.http.get(f"/_sim/interactions/{c['id']}").json()["state"] for c in chats]
    assert states == ["Connected", "Connected", "Queued"]  # two at once, the third waits for a free slot


def test_the_allow_list_switched_off_answers_every_address(live_with):
    refused = live_with(sdk_allowed_ips=["3.8.11.116"])
    assert refused.http.get("/miccsdk/api/v1/status").status_code == 403
    allowed = live_with(sdk_allowed_ips=["127.0.0.0/8"])
    assert allowed.http.get("/miccsdk/api/v1/status").status_code in (200, 401)
    off = live_with(sdk_allowed_ips=["3.8.11.116"], quirks={"sdk_ip_allow_list": False})
    assert off.http.get("/miccsdk/api/v1/status").status_code in (200, 401)
    assert refused.http.get("/_sim/world").status_code == 200  # the control API is not guarded
