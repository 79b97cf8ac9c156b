"""Every CloudLink service under schemathesis: no 5xx, every answer as its contract says."""

from __future__ import annotations

import pytest
from contract import fuzz

from micc_sim.faces.cloudlink.face import SERVICES


@pytest.mark.timeout(330)  # the run's own limit (300 s) decides, not the suite's default 120 s
@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_service_answers_as_its_contract_says_under_fuzzing(live, tmp_path, service):
    token = live.cloudlink_token("partner.admin@partner.example.com")
    fuzz(f"cloudlink-{service}.openapi.yaml", f"{live.base_url}/{service}/2017-09-01", tmp_path,
         "--header", f"Authorization: Bearer {token}", max_examples=4)  # the suite's time: 4 cases per operation
