"""Every CloudLink service under schemathesis: no 5xx, every answer as its contract says."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulator.cloudlink.face import SERVICES
from simulator.spec.contract import CONTRACTS_DIR


@pytest.mark.timeout(330)  # the run's own limit (300 s) decides, not the suite's default 120 s
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_service_answers_as_its_contract_says_under_fuzzing(live, tmp_path, service):
    pair = live.http.post("/authentication/2017-09-01/token", json={
        "grant_type": "password", "username": "partner.admin@partner.example.com", "password": "password"})
    assert pair.status_code == 200, pair.text
    proc = subprocess.run(
        [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis(prog_name='schemathesis')",
         "run", str(CONTRACTS_DIR / f"cloudlink-{service}.openapi.yaml"),
         "--url", f"{live.base_url}/{service}/2017-09-01",
         "--header", f"Authorization: Bearer {pair.json()['access_token']}",
         "--checks", "not_a_server_error,status_code_conformance,response_schema_conformance",
         "--max-examples", "15", "--suppress-health-check", "all", "--no-color",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-5000:]
