"""Open Media end to end, through the real server, the way integrations call it."""

from __future__ import annotations

from contract import assert_conforms


def post(sdk, **body):
    return sdk.post("/openmedia", json=body)


def test_an_item_posted_to_a_queue_is_offered_accepted_and_handled(live):
    sdk = live.sdk(live.client_token())
    r = post(sdk, targetUri="https://chat.example/1", targetUriEmbedded="true", queue="Web Chat",
             **{"from": "Ada"}, subject="Order 42")
    assert r.status_code == 201
    assert_conforms(r, "OpenMedia_PostOpenMedia")
    item = r.json()
    assert r.headers["location"].endswith(f"/miccsdk/api/v1/openmedia/{item['id']}")
    assert item["conversationState"] == "Offered"
    assert item["queueName"] == "Web Chat" and item["queueReporting"] == "P7001"
    assert item["agentReporting"] == "1001"
    assert item["timeOfferedToSystem"] == "2026-11-22T09:00:00Z"
    assert item["timeOfferedToQueue"] == item["timeOfferedToAgent"] == "2026-11-22T09:00:00Z"

    live.advance(3)  # the default profile accepts after 3 s
    r = sdk.get(f"/openmedia/{item['id']}")
    assert_conforms(r, "OpenMedia_GetOpenMediaItem")
    assert r.json()["conversationState"] == "Acd"

    live.advance(120)  # ... and handles for 120 s
    r = sdk.get(f"/openmedia/{item['id']}")
    assert r.status_code == 404
    assert_conforms(r, "OpenMedia_GetOpenMediaItem")
    assert live.world()["open_media"]["counts"] == {"Handled": 1}


def test_items_wait_in_queue_with_their_position_until_an_agent_is_free(live):
    sdk = live.sdk(live.token())
    # four ready open-media agents of "Open Media Agents" are logged in: 1001..1004
    ids = [post(sdk, queue="P7001", subject=f"n{i}").json()["id"] for i in range(6)]
    states = [sdk.get(f"/openmedia/{i}").json() for i in ids]
    assert [s["conversationState"] for s in states] == ["Offered"] * 4 + ["InQueue"] * 2
    assert [s["positionInQueue"] for s in states] == [0, 0, 0, 0, 1, 2]
    assert states[4]["timeOfferedToAgent"] is None

    live.advance(10)
    sdk.put(f"/openmedia/{ids[0]}", json={"action": "Complete"})  # frees agent 1001
    fifth = sdk.get(f"/openmedia/{ids[4]}").json()
    assert fifth["conversationState"] == "Offered"
    assert fifth["agentReporting"] == "1001"
    assert fifth["timeOfferedToAgent"] == "2026-11-22T09:00:10Z"
    assert fifth["timeOfferedToQueue"] == "2026-11-22T09:00:00Z"
    assert sdk.get(f"/openmedia/{ids[5]}").json()["positionInQueue"] == 1


def test_an_item_without_a_queue_goes_to_the_media_servers_default_destination(live):
    sdk = live.sdk(live.token())
    item = post(sdk, subject="no queue").json()
    assert item["queueName"] == "Web Chat"


def test_the_queue_is_found_by_guid_name_or_reporting_number(live):
    sdk = live.sdk(live.token())
    social = next(q for q in live.world()["queues"] if q["name"] == "Social Media")
    for ref in (social["id"], social["id"].upper(), "social media", "P7002"):
        assert post(sdk, queue=ref).json()["queueId"] == social["id"]


def test_completing_an_item_abandons_it_while_queued_or_offered_and_handles_it_once_accepted(live):
    sdk = live.sdk(live.client_token())
    offered = post(sdk, queue="Web Chat").json()["id"]
    r = sdk.put(f"/openmedia/{offered}", json={"action": "Complete"})
    assert r.status_code == 200 and r.json() == "Abandoned"
    assert_conforms(r, "OpenMedia_PutOpenMedia")
    assert sdk.get(f"/openmedia/{offered}").json()["conversationState"] == "Abandoned"

    accepted = post(sdk, queue="Web Chat").json()["id"]
    live.advance(5)
    assert sdk.put(f"/openmedia/{accepted}", json={"action": 0}).json() == "Handled"
    assert sdk.get(f"/openmedia/{accepted}").status_code == 404

    stats = next(q for q in live.world()["queues"] if q["name"] == "Web Chat")["stats"]
    assert stats["abandoned"] == 1 and stats["handled"] == 1 and stats["answered"] == 1


def test_completing_twice_counts_once(live):
    sdk = live.sdk(live.token())
    item = post(sdk, queue="Web Chat").json()["id"]
    assert sdk.put(f"/openmedia/{item}", json={"action": "Complete"}).status_code == 200
    again = sdk.put(f"/openmedia/{item}", json={"action": "Complete"})
    assert again.status_code == 400
    assert "already Abandoned" in again.json()["message"]
    assert live.world()["open_media"]["counts"] == {"Abandoned": 1}


def test_active_items_and_open_media_queues_are_listed_in_a_hal_envelope(live):
    sdk = live.sdk(live.token())
    first = post(sdk, queue="Web Chat").json()["id"]
    r = sdk.get("/openmedia")
    assert_conforms(r, "OpenMedia_GetOpenMediaItems")
    body = r.json()
    assert body["count"] == 1 and body["_embedded"]["items"][0]["id"] == first

    r = sdk.get("/openmedia/queues")
    assert_conforms(r, "OpenMedia_GetOpenMediaQueues")
    queues = {q["name"]: q for q in r.json()["_embedded"]["items"]}
    assert set(queues) == {"Web Chat", "Social Media", "Unvalidated Tasks", "Training", "Overflow"}
    web = queues["Web Chat"]
    assert web["mediaType"] == "OpenMedia"
    assert web["agentsAvailable"] == 4 and web["agentsIdle"] == 3
    assert [link["href"].rsplit("/", 1)[1] for link in web["_links"]["conversations"]] == [first]


def test_a_third_party_id_is_kept_and_an_active_duplicate_refused(live):
    sdk = live.sdk(live.token())
    r = post(sdk, id="crm-task-1", queue="Web Chat")
    assert r.status_code == 201 and r.json()["id"] == "crm-task-1"
    dup = post(sdk, id="crm-task-1", queue="Web Chat")
    assert dup.status_code == 409
    assert_conforms(dup, "OpenMedia_PostOpenMedia")


def test_unknown_items_are_404_in_the_dotnet_shape(live):
    sdk = live.sdk(live.token())
    for r in (sdk.get("/openmedia/nope"), sdk.put("/openmedia/nope", json={"action": "Complete"})):
        assert r.status_code == 404
        assert "nope" in r.json()["message"]


def test_collections_take_odata_filter_orderby_top_skip_and_count(live):
    sdk = live.sdk(live.token())
    r = sdk.get("/openmedia/queues", params={"$filter": "mediaType eq 'OpenMedia' and isInDoNotDisturb eq false",
                                             "$orderby": "reporting desc", "$top": "2", "$count": "true"})
    assert r.status_code == 200
    assert_conforms(r, "OpenMedia_GetOpenMediaQueues")
    body = r.json()
    assert [q["reporting"] for q in body["_embedded"]["items"]] == ["P7009", "P7003"]
    assert body["count"] == 4  # Training is offline; $count gives the total before paging
    page = sdk.get("/openmedia/queues", params={"$orderby": "name", "$skip": "1", "$top": "1"}).json()
    assert page["count"] == 1 and page["_embedded"]["items"][0]["name"] == "Social Media"
    assert sdk.get("/openmedia/queues", params={"$filter": "contains(Name, 'media')"}).json()["count"] == 1


def test_bad_odata_options_are_400s(live):
    sdk = live.sdk(live.token())
    for params in ({"$filter": "name eq"}, {"$top": "many"}, {"$top": "²"}, {"$orderby": "name sideways"},
                   {"$filter": "frobnicate(name)"}):
        r = sdk.get("/openmedia/queues", params=params)
        assert r.status_code == 400, params
        assert "not valid" in r.json()["message"] or "modelState" in r.json()


def test_search_finds_items_that_were_already_handled(live):
    sdk = live.sdk(live.token())
    item = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "Refund for order 42"}).json()["id"]
    sdk.put(f"/openmedia/{item}", json={"action": "Complete"})
    assert sdk.get("/openmedia").json()["count"] == 0
    found = sdk.get("/openmedia", params={"$search": "'order 42'"}).json()
    assert [i["id"] for i in found["_embedded"]["items"]] == [item]
    assert found["_embedded"]["items"][0]["conversationState"] == "Abandoned"


def test_a_third_party_id_of_any_characters_is_kept_and_linked_url_encoded(live):
    sdk = live.sdk(live.token())
    odd = "W\U000253f3ß/é 1"
    r = post(sdk, id=odd, queue="Web Chat")
    assert r.status_code == 201 and r.json()["id"] == odd
    assert r.headers["location"].endswith("/openmedia/W%F0%A5%8F%B3%C3%9F%2F%C3%A9%201")
    assert sdk.get(r.headers["location"]).json()["id"] == odd
