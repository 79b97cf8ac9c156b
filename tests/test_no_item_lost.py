"""No accepted interaction is ever lost or double-counted, whatever arrives at once."""

from __future__ import annotations

import asyncio
import random

import httpx


async def _storm(base_url: str, token: str, count: int) -> tuple[list[str], list[str]]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(base_url=f"{base_url}/miccsdk/api/v1", headers=headers, limits=limits,
                                 timeout=60) as sdk:
        queues = ["Web Chat", "Social Media", "Unvalidated Tasks", "Training", "P7009", "nowhere", None]
        rng = random.Random(7)
        posts = [sdk.post("/openmedia", json={"queue": rng.choice(queues), "subject": f"#{n}"})
                 for n in range(count)]
        created = await asyncio.gather(*posts)
        assert all(r.status_code == 201 for r in created), {r.status_code for r in created}
        ids = [r.json()["id"] for r in created]
        # complete a random third of them concurrently, some of them twice
        chosen = rng.sample(ids, count // 3)
        puts = [sdk.put(f"/openmedia/{i}", json={"action": "Complete"}) for i in chosen + chosen[:20]]
        answers = await asyncio.gather(*puts)
        assert {r.status_code for r in answers} <= {200, 400, 404}
        return ids, chosen


def test_hundreds_of_concurrent_posts_each_end_up_in_exactly_one_state(live):
    count = 400
    ids, completed = asyncio.run(_storm(live.base_url, live.token(), count))
    assert len(set(ids)) == count

    world = live.world()
    by_id = {item["id"]: item for item in world["open_media"]["items"]}
    assert set(ids) <= set(by_id)
    counts = world["open_media"]["counts"]
    assert sum(counts.values()) == count
    for item_id in completed:
        assert by_id[item_id]["state"] in ("Abandoned", "Handled")

    live.advance(4 * 3600)  # let every agent work the backlog off
    world = live.world()
    counts = world["open_media"]["counts"]
    assert sum(counts.values()) == count
    # every item that could reach an agent was handled; the unvalidated queue still holds its own
    swallowed = sum(1 for i in world["open_media"]["items"] if i["swallowed"] and i["state"] == "InQueue")
    assert counts.get("InQueue", 0) == swallowed
    assert counts.get("Offered", 0) == counts.get("Acd", 0) == 0
    handled_by_queues = sum(q["stats"]["handled"] for q in world["queues"])
    abandoned_by_queues = sum(q["stats"]["abandoned"] for q in world["queues"])
    swallowed_abandoned = sum(1 for i in world["open_media"]["items"]
                              if i["swallowed"] and i["state"] == "Abandoned")
    assert handled_by_queues == counts.get("Handled", 0)
    assert abandoned_by_queues + swallowed_abandoned == counts.get("Abandoned", 0)
