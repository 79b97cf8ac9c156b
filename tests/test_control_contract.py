"""The control API has an OpenAPI document of its own; it is served, valid, complete and true."""

from __future__ import annotations

import pytest
import yaml
from contract import assert_conforms, fuzz
from openapi_spec_validator import validate
from starlette.routing import Route

from micc_sim.harness.control.urls import routes
from micc_sim.spec.contract import CONTRACTS_DIR, load_contract


def test_the_control_document_is_valid_and_lists_exactly_the_routes():
    validate(yaml.safe_load((CONTRACTS_DIR / "control.openapi.yaml").read_text(encoding="utf-8")))
    documented = {(op.method, op.path) for op in load_contract("control").operations}
    served = {(method, route.path) for route in routes if isinstance(route, Route)
              for method in route.methods - {"HEAD"}}
    assert documented == served


@pytest.mark.parametrize("name", [p.name.replace(".openapi", "") for p in sorted(CONTRACTS_DIR.glob("*.openapi.yaml"))])
def test_the_live_documents_are_served(live, name):
    r = live.http.get(f"/_sim/openapi/{name}")
    assert r.status_code == 200 and yaml.safe_load(r.text)["openapi"] == "3.1.0"
    assert live.http.get("/_sim/openapi/nothing.yaml").status_code == 404


def test_control_answers_conform_to_the_document(live):
    sdk = live.sdk(live.token())
    sdk.post("/openmedia", json={"queue": "Web Chat"})
    calls = [
        (live.http.get("/_sim/world"), "Control_GetWorld"),
        (live.http.get("/_sim/clock"), "Control_GetClock"),
        (live.http.post("/_sim/clock/advance", json={"seconds": 1}), "Control_AdvanceClock"),
        (live.http.post("/_sim/clock/advance", json={"seconds": -1}), "Control_AdvanceClock"),
        (live.http.get("/_sim/journal"), "Control_GetJournal"),
        (live.http.get("/_sim/journal/count", params={"status": "2xx"}), "Control_CountJournal"),
        (live.http.post("/_sim/journal/verify", json={"path": "*/openmedia", "count": 5}), "Control_VerifyJournal"),
        (live.http.post("/_sim/faults", json={"kind": "busy", "probability": 0}), "Control_AddFault"),
        (live.http.get("/_sim/faults"), "Control_GetFaults"),
        (live.http.get("/_sim/snapshot"), "Control_GetSnapshot"),
        (live.http.patch("/_sim/employees/1005", json={"logged_in": True}), "Control_PatchEmployee"),
        (live.http.post("/_sim/iis/restart"), "Control_RestartIis"),
        (live.http.patch("/_sim/world", json={"routing": {"offer_timeout": 30}}), "Control_PatchWorld"),
        (live.http.post("/_sim/world/baseline"), "Control_SaveBaseline"),
        (live.http.get("/_sim/ready"), "Control_Ready"),
        (live.http.post("/_sim/reset"), "Control_Reset"),
    ]
    for response, operation_id in calls:
        assert_conforms(response, operation_id, "control")


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_document(live, tmp_path):
    """The control API takes any input a script may send: fuzz it (file-writing operations excepted)."""
    fuzz("control.openapi.yaml", f"{live.base_url}/_sim", tmp_path,
         "--exclude-operation-id", "Control_SaveSnapshot", "--exclude-operation-id", "Control_RestoreSnapshot")
