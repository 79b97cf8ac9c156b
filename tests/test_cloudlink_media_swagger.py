"""The Media face against Mitel's own Media Swagger, operation by operation and field by field.

``contracts/cloudlink-media.swagger-facts.yaml`` holds the Swagger's facts (operations, statuses, fields). The
static half checks that the simulator's contract has every operation with the Swagger's success status and
every request and answer field; the live half makes every operation once the way Mitel's media sample does
(the Swagger's bodies: ``args`` as a string, ``{"hide": true}``, ``{"action": "end"}``) and checks each answer's
status and fields against the Swagger. ``docs/cloudlink-media-swagger.md`` records the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.test_cloudlink_media import MEDIA, guide_world

ROOT = Path(__file__).parent.parent
FACTS = yaml.safe_load((ROOT / "contracts/cloudlink-media.swagger-facts.yaml").read_text(encoding="utf-8"))
OURS = yaml.safe_load((ROOT / "contracts/cloudlink-media.openapi.yaml").read_text(encoding="utf-8"))
SCHEMAS = OURS["components"]["schemas"]
OPERATIONS = {(op["method"], op["path"]): op for op in FACTS["operations"]}
# fields of the Swagger the simulator does not serve, each with the reason (docs/cloudlink-media-swagger.md)
NOT_SERVED: dict[tuple[str, str], str] = {}  # none left: recordings' _embedded.media is served (audio.py)
# fields whose type differs from the Swagger's, each with the reason
OTHER_TYPE = {("endpoint", "pstnRouting"): "the Swagger's string is a mobile number; the simulator's users have none, "
                                           "it shows the flag that PUT {action: pstnRouting} toggles"}
JSON_TYPES = {"string": str, "boolean": bool, "number": (int, float), "integer": int, "object": dict, "array": list}


def _schema(node: Any) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        node = SCHEMAS[node["$ref"].rsplit("/", 1)[-1]]
    return node or {}


def _ours(method: str, path: str) -> dict[str, Any]:
    return OURS["paths"].get(path, {}).get(method.lower(), {})


def _answer_schema(ours: dict[str, Any], status: str, items: bool) -> dict[str, Any]:
    schema = _schema(ours["responses"][status].get("content", {}).get("application/json", {}).get("schema"))
    if items:
        schema = _schema(_schema(schema["properties"]["_embedded"])["properties"]["items"]["items"])
    return schema


def _types(schema: dict[str, Any]) -> set[str]:
    schema = _schema(schema)
    kind = schema.get("type", "object" if "properties" in schema else None)
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def found_of(schema: dict[str, Any], name: str) -> set[str]:
    return _types(schema["properties"][name])


@pytest.mark.parametrize("key", sorted(OPERATIONS), ids=lambda k: f"{k[0]} {k[1]}")
def test_the_contract_has_the_swagger_operation_with_its_status_and_fields(key: tuple[str, str]) -> None:
    facts, ours = OPERATIONS[key], _ours(*key)
    assert ours, f"{key} is not in contracts/cloudlink-media.openapi.yaml"
    success = sorted(int(s) for s in ours["responses"] if s.startswith("2"))
    assert success and success[0] == facts["success"][0] and set(success) <= set(facts["success"]), success
    if "request" in facts:
        body = _schema(ours["requestBody"]["content"]["application/json"]["schema"])
        for name, kind in facts["request"]["fields"].items():
            assert name in body.get("properties", {}), f"request field {name} missing"
            found = _types(body["properties"][name]) | ({"number"} if "integer" in found_of(body, name) else set())
            assert kind in found or not found, f"request field {name}: the Swagger says {kind}, the contract {found}"
    if "response" in facts:
        answer = facts["response"]
        schema = _answer_schema(ours, str(success[0]), "item_fields" in answer)
        for name, kind in (answer.get("item_fields") or answer["fields"]).items():
            if (answer.get("item_schema") or answer["schema"], name) in NOT_SERVED:
                continue
            assert name in schema.get("properties", {}), f"answer field {name} missing"
            found = _types(schema["properties"][name]) | ({"number"} if "integer" in found_of(schema, name) else set())
            if (answer.get("item_schema") or answer["schema"], name) not in OTHER_TYPE:
                assert not found or kind in found, f"{name}: the Swagger says {kind}, the contract {found}"


# -- live ----------------------------------------------------------------------------------------
def _check(r: httpx.Response, method: str, path: str) -> Any:
    """The answer has the Swagger's status and every field of its answer schema, of its type when set."""
    facts = OPERATIONS[(method, path)]
    assert r.status_code == facts["success"][0], f"{method} {path}: {r.status_code} {r.text[:300]}"
    answer = facts.get("response")
    body = r.json() if r.content else None
    if answer is None:
        return body
    rows = body["_embedded"]["items"] if "item_fields" in answer else [body]
    assert rows, f"{method} {path}: nothing to compare (the test must make some)"
    for row in rows:
        for name, kind in (answer.get("item_fields") or answer["fields"]).items():
            if (answer.get("item_schema") or answer["schema"], name) in NOT_SERVED:
                continue
            assert name in row, f"{method} {path}: {name} missing in {sorted(row)}"
            if row[name] is not None and (answer.get("item_schema") or answer["schema"], name) not in OTHER_TYPE:
                assert isinstance(row[name], JSON_TYPES[kind]), f"{method} {path}: {name}={row[name]!r} is no {kind}"
    if "item_fields" in answer:
        assert isinstance(body["_links"]["self"], str)
    return body


def test_every_swagger_operation_answers_live_with_its_status_and_fields(live_with) -> None:
    live = live_with(world=guide_world())
    seen: set[tuple[str, str]] = set()

    def run(method: str, template: str, path: str, media: httpx.Client, **kwargs: Any) -> Any:
        seen.add((method, template))
        return _check(media.request(method, path, **kwargs), method, template)

    with (live.cloudlink("admin@wagner.example.com", MEDIA) as admin,
          live.cloudlink("phone2001@wagner.example.com", MEDIA) as owner):
        me = owner.get("/endpoints/2001").json()["userId"]
        run("GET", "/endpoints/{endpointId}", "/endpoints/2001", admin)
        run("PUT", "/endpoints/{endpointId}", "/endpoints/2001", admin,
            json={"action": "messageWaiting", "userAvailability": "available", "enabled": True})
        made = run("POST", "/endpoints/{endpointId}/calls", "/endpoints/2001/calls", admin,
                   json={"from": "2001", "to": "2002"})
        call_id = made["callId"]
        run("GET", "/endpoints/{endpointId}/calls", "/endpoints/2002/calls", admin)
        run("GET", "/endpoints/{endpointId}/calls/{callId}", f"/endpoints/2002/calls/{call_id}", admin)
        run("PUT", "/endpoints/{endpointId}/calls/{callId}", f"/endpoints/2002/calls/{call_id}", admin,
            json={"action": "answer", "args": call_id})  # the sample sends the call id as args
        live.advance(30)
        run("PUT", "/endpoints/{endpointId}/calls/{callId}", f"/endpoints/2001/calls/{call_id}", admin,
            json={"action": "end", "args": call_id})
        recorded = admin.post("/endpoints/2001/calls", json={"to": "2002", "record": True}).json()["callId"]
        admin.put(f"/endpoints/2002/calls/{recorded}", json={"action": "answer"})
        live.advance(10)
        admin.put(f"/endpoints/2002/calls/{recorded}", json={"action": "end"})
        principal = f"$filter=contains(principal, '{me}')"
        run("GET", "/calls/records", f"/calls/records?{principal}&$top=5", admin)
        run("GET", "/calls/{callId}/records", f"/calls/{call_id}/records?{principal}", admin)
        run("PUT", "/calls/{callId}/records", f"/calls/{call_id}/records?{principal}", admin, json={"hide": True})
        rec = run("GET", "/recordings", "/recordings", admin)["_embedded"]["items"][0]["recordingId"]
        got = run("GET", "/recordings/{recordingId}", f"/recordings/{rec}?$expand=media&media-format=wav", admin)
        assert httpx.get(got["_embedded"]["media"]["url"]).headers["content-type"] == "audio/wav"
        run("PUT", "/recordings/{recordingId}", f"/recordings/{rec}", admin, json={"label": "kept"})
        run("DELETE", "/recordings/{recordingId}", f"/recordings/{rec}", admin)
        run("PUT", "/calls/records", f"/calls/records?{principal}", admin, json={"hide": True})

        conference = run("POST", "/conferences", "/conferences", owner, json={
            "name": "status meeting cloudLink", "accessCodeLength": 9, "participants": [{"participantId": "guest-1"}]})
        cid = conference["id"]
        run("GET", "/conferences", "/conferences", owner)
        run("GET", "/conferences/{conferenceId}", f"/conferences/{cid}", owner)
        run("PUT", "/conferences/{conferenceId}", f"/conferences/{cid}", owner, json={"name": "status meeting"})
        run("POST", "/conferences/{conferenceId}/participants", f"/conferences/{cid}/participants", owner,
            json={"participantId": "guest-2"})
        run("GET", "/conferences/{conferenceId}/participants", f"/conferences/{cid}/participants", owner)
        run("GET", "/conferences/{conferenceId}/participants/{participantId}", f"/conferences/{cid}/participants/{me}",
            owner)
        run("PUT", "/conferences/{conferenceId}/participants/{participantId}", f"/conferences/{cid}/participants/{me}",
            owner, json={"muted": True, "onetimeAcceptance": True})
        owner.put(f"/conferences/{cid}/participants/{me}", json={"state": "active"})
        run("POST", "/conferences/{conferenceId}/participants/{participantId}/connections",
            f"/conferences/{cid}/participants/{me}/connections", owner)
        live.advance(60)
        run("POST", "/conferences/{conferenceId}", f"/conferences/{cid}", owner, json={"action": "end"})
        run("GET", "/conferences/content", "/conferences/content?$search=status", owner)
        run("GET", "/users/{userId}/conferences", f"/users/{me}/conferences", owner)
        run("GET", "/users/{userId}/attendances", f"/users/{me}/attendances", owner)
        run("DELETE", "/conferences/{conferenceId}/participants/{participantId}",
            f"/conferences/{cid}/participants/guest-2", owner)
        run("DELETE", "/conferences/{conferenceId}", f"/conferences/{cid}", owner)
    assert seen == set(OPERATIONS), f"not driven: {sorted(set(OPERATIONS) - seen)}"
