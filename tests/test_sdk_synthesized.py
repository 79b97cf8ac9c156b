"""Synthesized answers are an explicit opt-in: an operation a world file lists under ``synthesized`` answers with
deterministic, schema-valid synthesized data (even one the world answers otherwise); an operation without a
handler that no world file opts in answers 501 in the vendor's shape, never invented data."""

from __future__ import annotations

import subprocess
import sys

from contract import assert_conforms

from micc_sim.faces.micc.sdk import CONTRACT, HANDLERS
from micc_sim.spec.contract import load_contract
from micc_sim.world.seed import default_world


def test_an_operation_marked_synthesized_answers_synthesized_data_the_same_each_time(live_with):
    config = default_world()
    config.synthesized = ["WarningReason_GetWarningReasons", "Prompt_GetPrompt"]
    live = live_with(world=config)
    sdk = live.sdk(live.token())
    first, second = sdk.get("/warningreasons"), sdk.get("/warningreasons")
    assert first.status_code == 200 and first.content == second.content
    assert_conforms(first, "WarningReason_GetWarningReasons")
    names = {r["name"] for r in first.json()["_embedded"]["items"]}
    assert not names & {c.name for c in config.catalog.warning_reasons}  # not the world's
    a, b = sdk.get("/prompts/a"), sdk.get("/prompts/b")
    assert a.status_code == b.status_code == 200 and a.content != b.content  # seeded by the request
    assert sdk.get("/mailservers").json()["_embedded"]["items"][0]["name"] == "Support mail"  # not marked: world


def test_an_unhandled_operation_answers_501_unless_marked(live_with):
    unhandled = [op for op in load_contract(CONTRACT).operations if op.operation_id not in HANDLERS]
    if not unhandled:  # every operation answers from the world
        return
    op = unhandled[0]
    path = op.path
    for name in op.param_names:
        path = path.replace("{" + name + "}", "x")
    live = live_with()
    sdk = live.sdk(live.token())
    r = sdk.request(op.method, path, json={} if op.request_schema else None)
    assert r.status_code == 501 and op.operation_id in r.json()["message"]
    config = default_world()
    config.synthesized = [op.operation_id]
    opted = live_with(world=config)
    r = opted.sdk(opted.token()).request(op.method, path, json={} if op.request_schema else None)
    assert r.status_code != 501, r.text


def test_a_world_file_names_operations_to_synthesize_by_their_id():
    import pytest
    from pydantic import ValidationError

    from micc_sim.world.config import WorldConfig

    with pytest.raises(ValidationError):
        WorldConfig.model_validate({"synthesized": ["not an id!"]})


def test_coverage_lists_every_operation_as_stateful_or_missing():
    out = subprocess.run([sys.executable, "-m", "micc_sim", "coverage"], capture_output=True, text=True,
                         check=True).stdout
    operations = load_contract(CONTRACT).operations
    for op in operations:
        assert op.operation_id in out
    stateful = sum(1 for op in operations if op.operation_id in HANDLERS)
    assert f"{stateful} of {len(operations)} operations stateful" in out
    for line in out.splitlines()[:-1]:
        kind, operation_id = line.split()[:2]
        assert (kind == "stateful") == (operation_id in HANDLERS)
