"""Scenarios: the library of integrator-guide cases passes, and the runner reports failures readably."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from micc_sim.harness.scenarios.model import json_schema, load_scenario
from micc_sim.harness.scenarios.report import scenario_files
from micc_sim.harness.scenarios.runner import run_scenario

LIBRARY = Path(__file__).parent.parent / "scenarios"


@pytest.mark.parametrize("path", scenario_files([LIBRARY]), ids=lambda p: p.stem)
def test_each_scenario_of_the_library_passes(path):
    result = run_scenario(load_scenario(path), str(path))
    assert result.passed, f"{result.failure}\n" + "\n".join(result.log)


def test_the_json_schema_file_is_up_to_date():
    on_disk = json.loads((LIBRARY / "scenario.schema.json").read_text(encoding="utf-8"))
    assert on_disk == json_schema(), "regenerate: micc-sim scenario schema > scenarios/scenario.schema.json"


FAILING = """
name: expects the wrong agent
steps:
  - token: {name: admin, username: _admin, password: _password}
  - request:
      method: POST
      path: /miccsdk/api/v1/openmedia
      token: admin
      json: {queue: Web Chat}
      expect: {status: 201, json: {agentReporting: "1002"}}
"""


def test_a_failing_scenario_says_where_and_what_and_the_cli_exits_1(tmp_path):
    (tmp_path / "failing.yaml").write_text(FAILING)
    junit = tmp_path / "report" / "junit.xml"
    proc = subprocess.run([sys.executable, "-m", "micc_sim", "scenario", "run", str(tmp_path), "--junit",
                           str(junit)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "step 2 (request)" in proc.stderr and '$.agentReporting: expected "1002", got "1001"' in proc.stderr
    assert "0 passed, 1 failed" in proc.stderr
    case = ET.parse(junit).getroot().find("testcase")
    assert case.get("name") == "expects the wrong agent" and case.find("failure") is not None


def test_a_bad_scenario_file_is_a_clear_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: x\nsteps:\n  - advance: 1\n    agent: {ref: '1001'}\n")
    proc = subprocess.run([sys.executable, "-m", "micc_sim", "scenario", "run", str(tmp_path / "bad.yaml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "a step does exactly one thing" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "micc_sim", "scenario", "run", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr


def test_scenarios_run_against_a_running_simulator_too(live):
    plain = load_scenario(LIBRARY / "integrator-guide" / "routing-failure-destination.yaml")
    assert run_scenario(plain, base_url=live.base_url).passed
    needs_settings = load_scenario(LIBRARY / "integrator-guide" / "new-secret-needs-an-iis-restart.yaml")
    result = run_scenario(needs_settings, base_url=live.base_url)
    assert result.skipped and not result.passed


def test_waits_time_out_on_the_simulated_clock(tmp_path):
    path = tmp_path / "wait.yaml"
    path.write_text("""
name: waits in vain
steps:
  - token: {name: admin, username: _admin, password: _password}
  - wait:
      request: {path: /miccsdk/api/v1/openmedia, token: admin}
      until: {json: {count: 1}}
      step: 30
      timeout: 120
""")
    result = run_scenario(load_scenario(path))
    assert not result.passed and "still not true after 120 simulated seconds" in result.failure


def test_realtime_scenarios_run_against_a_running_simulator_too(live):
    for name in ("open-media-reaches-the-hub-and-the-desktop", "cloudlink-call-routing-webhook"):
        result = run_scenario(load_scenario(LIBRARY / "realtime" / f"{name}.yaml"), base_url=live.base_url)
        assert result.passed, f"{result.failure}\n" + "\n".join(result.log)


def test_a_wait_for_an_event_that_never_comes_says_what_did_come(tmp_path):
    path = tmp_path / "never.yaml"
    path.write_text("""
name: waits for an offer that never comes
steps:
  - desktop: {name: desk, logon_id: lcummings, password: password}
  - desktop_request: {desktop: desk, request: SetReadyStatus, args: [false, 0, Lunch], expect: true}
  - wait:
      desktop_event: {desktop: desk, event: OnOpenMediaEvent, payload: {StateDescription: Offered}}
      step: 1
      timeout: 2
""")
    result = run_scenario(load_scenario(path))
    assert not result.passed
    assert result.failure.startswith("step 3 (wait): still not true after 2 simulated seconds: OnOpenMediaEvent "
                                     "event on 'desk' with payload {\"StateDescription\": \"Offered\"}: none came")
    assert "OnUserStatusUpdate" in result.failure and '"ReadyStatus": false' in result.failure


def test_a_webhook_whose_signature_does_not_verify_fails_the_scenario(live_with):
    live = live_with(notifications={"signature_algorithm": "sha1"})  # not what the receiver checks (sha256)
    result = run_scenario(load_scenario(LIBRARY / "realtime" / "cloudlink-call-routing-webhook.yaml"),
                          base_url=live.base_url)
    assert not result.passed
    assert "x-notify-signature does not verify with applicationId" in result.failure
