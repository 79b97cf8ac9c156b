"""Bodies as Mitel's browser samples post them (JavaScript literals, jQuery forms) are read as JSON.NET reads them;
what JSON.NET itself refuses is a 400 in the vendor's shape naming the position."""

from __future__ import annotations

import pytest
from conftest import only_1001_world
from contract import assert_conforms

JSON = {"content-type": "application/json"}  # what micc.js sends with every body


def username_of(live, reporting):
    return next(e["username"] for e in live.world()["employees"] if e["reporting"] == reporting)


def agent(live, reporting="1001"):
    return live.sdk(live.token(username_of(live, reporting), "password"))


def presence_of(live, reporting):
    return next(e for e in live.world()["employees"] if e["reporting"] == reporting)["presence"]


def test_a_single_quoted_presence_as_the_agent_presence_sample_sends_it_sets_the_state(live):
    sdk = agent(live)
    lunch = next(c for c in sdk.get("/employees/me/busyreasoncodes").json()["_embedded"]["items"]
                 if c["name"] == "Lunch")
    body = f"""{{
        'state': 'Busy',
        'reason': '{lunch["id"]}'
    }}"""
    r = sdk.put("/employees/me/state", content=body, headers=JSON)
    assert r.status_code == 200, r.text
    assert presence_of(live, "1001") == "Busy"
    assert sdk.get("/employees/me/state").json()["presence"]["aggregate"]["reason"] == "Lunch"


def test_unquoted_names_comments_trailing_commas_and_a_bom_are_read(live):
    sdk = agent(live)
    body = "\ufeff{ // going away\n  state: /* the name */ 'Away',\n  Reason: null,\n  somethingNew: NaN,\n}"
    r = sdk.put("/employees/me/state", content=body.encode("utf-8"), headers=JSON)
    assert r.status_code == 200, r.text
    assert presence_of(live, "1001") == "Away"


def test_the_open_media_sample_mixing_quotes_posts_an_item(live):
    sdk = live.sdk(live.token())
    body = """{
        "targetUri": 'https://whereby.com/0b2c',
        "targetUriEmbedded": "true",
        "previewUrl": "",
        "id": "0b2c",
        "historyUrl": "https://whereby.com/",
        "from": "Random Kiosk User",
        "to": "Company X",
        "subject": "Sample Open Media App"
        }"""
    r = sdk.post("/openmedia", content=body, headers=JSON)
    assert r.status_code == 201, r.text
    item = live.sim.world.item(r.json()["id"])
    assert item.target_uri == "https://whereby.com/0b2c" and item.target_uri_embedded is True


def test_micc_js_accept_with_unquoted_names_accepts_the_offered_item(live_with):
    live = live_with(world=only_1001_world("never"))
    item = live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    sdk = agent(live)
    tags = "undefined"  # micc.js's `tags: ${JSON.stringify(tags)}` when no tags are given: JSON.NET reads null
    body = f"""{{
            conversationAction: 'Accept',
            id: '{item}',
            tags: {tags}
            }}"""
    r = sdk.put(f"/employees/me/conversations/{item}", content=body, headers=JSON)
    assert r.status_code == 200, r.text
    assert sdk.get(f"/openmedia/{item}").json()["conversationState"] == "Acd"


def test_a_jquery_form_body_binds_like_json(live):
    sdk = agent(live)
    r = sdk.put("/employees/me/state", content="State=DoNotDisturb&reason=Coaching",
                headers={"content-type": "application/x-www-form-urlencoded; charset=UTF-8"})
    assert r.status_code == 200, r.text
    assert presence_of(live, "1001") == "DoNotDisturb"


@pytest.mark.parametrize(("body", "message"), [
    ("{state: Available}",
     "Unexpected character encountered while parsing value: A. Path 'state', line 1, position 9."),
    ("{'state': 'Busy",
     "Unterminated string. Expected delimiter: '. Path 'state', line 1, position 15."),
    ('{"state": "Busy"} x',
     "Additional text encountered after finished reading JSON content: x. Path '', line 1, position 19."),
    ("{\n  state: 'Busy',\n  reason: tru\n}", "Error parsing boolean value. Path 'reason', line 3, position 11."),
])
def test_what_json_net_refuses_is_a_400_naming_the_position(live, body, message):
    r = agent(live).put("/employees/me/state", content=body, headers=JSON)
    assert r.status_code == 400
    assert_conforms(r, "Employee_PutEmployeeState")
    assert r.json() == {"message": "The request is invalid.", "modelState": {"model": [message]}}


def test_with_lenient_json_off_only_standard_json_is_read(live_with):
    live = live_with(quirks={"lenient_json": False})
    sdk = agent(live)
    r = sdk.put("/employees/me/state", content="{'state': 'Away'}", headers=JSON)
    assert r.status_code == 400 and "not valid JSON" in r.json()["modelState"]["model"][0]
    assert sdk.put("/employees/me/state", content='{"state": "Away"}', headers=JSON).status_code == 200


def test_busy_codes_carry_the_vendor_type_names_the_sample_compares(live):
    sdk = agent(live)
    codes = sdk.get("/employees/me/busyreasoncodes").json()["_embedded"]["items"]
    assert {c["type"] for c in codes} == {"Busy", "Dnd"}
    dnd = next(c for c in codes if c["type"] == "Dnd")  # the sample's setPresence('DoNotDisturb', id)
    r = sdk.put("/employees/me/state", content=f"{{'state': 'DoNotDisturb', 'reason': '{dnd['id']}'}}",
                headers=JSON)
    assert r.status_code == 200, r.text
    assert sdk.get("/employees/me/state").json()["presence"]["aggregate"]["reason"] == dnd["name"]
    assert sdk.get("/reasoncodes", params={"$filter": "type eq 'Dnd'"}).json()["count"] == sum(
        c["type"] == "Dnd" for c in codes)


def test_the_queue_conversation_sample_picks_replies_and_junks_waiting_items(live_with):
    live = live_with(world=only_1001_world("never"), quirks={"queue_offline_without_available_agents": False})
    live.set_agent("1001", presence="Away")  # nobody takes the items: they wait in Web Chat
    client = live.sdk(live.client_token())
    items = [client.post("/openmedia", json={"queue": "Web Chat"}).json()["id"] for _ in range(4)]
    queue = client.get("/openmedia/queues").json()["_embedded"]["items"]
    web_chat = next(q["id"] for q in queue if q["name"] == "Web Chat")
    sdk = agent(live)
    waiting = sdk.get(f"/queues/{web_chat}/conversations").json()["_embedded"]["items"]
    assert [c["conversationId"] for c in waiting] == items

    def act(action, item, path=f"/queues/{web_chat}/conversations"):
        r = sdk.put(f"{path}/{item}", content=f"""{{
            conversationAction: '{action}',
            id: '{item}'
            }}""", headers=JSON)
        assert r.status_code == 200, r.text

    act("Pick", items[0])
    act("Pick", items[1])  # "Pick & Reply": Pick, then Accept with the tags
    r = sdk.put(f"/employees/me/conversations/{items[1]}", headers=JSON, content=f"""{{
            conversationAction: 'Accept',
            id: '{items[1]}',
            tags: [{{"key":"emailAcceptType","value":"ReplyAll"}}]
            }}""")
    assert r.status_code == 200, r.text
    act("NoReply", items[2])
    act("Junk", items[3])
    world = live.sim.world
    assert [world.item(i).state.name for i in items] == ["Acd", "Acd", "Handled", "Handled"]
    assert {world.item(i).agent_id for i in items} == {username_id(live, "1001")}
    assert sdk.get(f"/queues/{web_chat}/conversations").json()["count"] == 0


def username_id(live, reporting):
    return next(e["id"] for e in live.world()["employees"] if e["reporting"] == reporting)


def test_numbers_as_strings_and_strings_as_numbers_bind_where_the_type_says_so(live):
    sdk = agent(live)
    r = sdk.put("/employees/me/state", content="{State: '2', Reason: 100}", headers=JSON)  # Busy, code 100
    assert r.status_code == 200, r.text
    assert sdk.get("/employees/me/state").json()["presence"]["aggregate"]["reason"] == "Lunch"
    r = sdk.put("/employees/me/state", content="{state: 4}".encode("utf-16"), headers=JSON)  # Away, UTF-16 with its BOM
    assert r.status_code == 200, r.text
    assert presence_of(live, "1001") == "Away"


def test_jquerys_nested_form_of_an_object_binds_its_arrays_and_objects(live_with):
    live = live_with(world=only_1001_world("never"))
    item = live.sdk(live.client_token()).post("/openmedia", json={"queue": "Web Chat"}).json()["id"]
    sdk = agent(live)
    form = {"content-type": "application/x-www-form-urlencoded; charset=UTF-8"}  # $.ajax({data: {...}})
    assert sdk.put(f"/employees/me/conversations/{item}", content="conversationAction=Accept",
                   headers=form).status_code == 200
    body = ("conversationAction=EnterClassificationCode&tags%5B0%5D%5Bkey%5D=code&tags%5B0%5D%5Bvalue%5D=Sale"
            "&tags%5B1%5D%5Bkey%5D=code&tags%5B1%5D%5Bvalue%5D=Upsell")  # tags[0][key]=code&tags[0][value]=...
    r = sdk.put(f"/employees/me/conversations/{item}", content=body, headers=form)
    assert r.status_code == 200, r.text
    assert live.sim.world.item(item).classification_codes == ["Sale", "Upsell"]


def test_cloudlink_stays_standard_json_as_its_node_services_read_it(live):
    r = live.http.post("/authentication/2017-09-01/token", content="{grant_type: 'password'}", headers=JSON)
    assert r.status_code == 400 and "not valid JSON" in r.json()["message"]
