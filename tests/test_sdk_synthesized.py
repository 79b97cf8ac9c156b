"""Operations without a stateful handler answer with deterministic, schema-valid synthesized data."""

from __future__ import annotations

import subprocess
import sys

from contract import assert_conforms

from micc_sim.faces.micc.sdk import CONTRACT, HANDLERS
from micc_sim.spec.contract import load_contract


def synthesized_gets():
    """Synthesized GETs that need nothing in their URL (no path parameter, no required query parameter)."""
    return [op for op in load_contract(CONTRACT).operations
            if op.operation_id not in HANDLERS and op.method == "GET" and not op.param_names
            and not any(p.get("required") for p in op.parameters)]


def test_the_same_request_gets_the_same_synthesized_answer(live):
    sdk = live.sdk(live.token())
    operations = synthesized_gets()
    assert len(operations) >= 5
    for op in operations:
        first, second = sdk.get(op.path), sdk.get(op.path)
        assert first.status_code == second.status_code == op.success[0], (op.operation_id, first.text)
        assert first.content == second.content, op.operation_id
        assert_conforms(first, op.operation_id)


def test_a_different_request_gets_a_different_answer_and_restarts_do_not_change_it(live, live_with):
    op = next(op for op in load_contract(CONTRACT).operations
              if op.operation_id not in HANDLERS and op.method == "GET" and op.param_names
              and not any(p.get("required") and p.get("in") == "query" for p in op.parameters))
    sdk = live.sdk(live.token())
    path_a = op.path.replace("{" + op.param_names[0] + "}", "a")
    path_b = op.path.replace("{" + op.param_names[0] + "}", "b")
    for name in op.param_names[1:]:
        path_a, path_b = path_a.replace("{" + name + "}", "x"), path_b.replace("{" + name + "}", "x")
    a, b = sdk.get(path_a), sdk.get(path_b)
    assert a.status_code == op.success[0], a.text
    assert a.content != b.content
    other = live_with()
    assert other.sdk(other.token()).get(path_a).content == a.content


def test_coverage_lists_every_operation_as_stateful_or_synthesized():
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
