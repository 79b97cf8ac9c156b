"""schemathesis against the live simulator, through `micc-sim contract`: no 5xx, every answer as documented."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from contract import fuzz


@pytest.mark.timeout(540)  # 139 operations through every phase: the slowest test, under load even more so
def test_micc_sim_contract_passes_against_the_simulator(live_with, tmp_path):
    sim = live_with(clock="real", token_lifetime=24 * 3600)
    reports = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "micc_sim", "contract", "--base-url", sim.base_url, "--max-examples", "5",
         "--report-dir", str(reports), "--workers", "2"],
        capture_output=True, text=True, timeout=540)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    junit = list(reports.glob("*.xml"))
    assert len(junit) == 1
    suites = ET.parse(junit[0]).getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) >= 5
    assert not suites.findall(".//failure") and not suites.findall(".//error")


def test_micc_sim_contract_says_clearly_when_the_credentials_are_refused(live, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "micc_sim", "contract", "--base-url", live.base_url, "--username", "_admin",
         "--password", "wrong", "--report-dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "refused the credentials" in proc.stderr and "Traceback" not in proc.stderr


def test_the_authorization_server_answers_as_its_contract_says_under_fuzzing(live, tmp_path):
    fuzz("authorizationserver.openapi.yaml", f"{live.base_url}/authorizationserver", tmp_path, max_examples=30)


def test_micc_sim_contract_runs_every_cloudlink_contract_with_a_token_from_cloudlinks_own_endpoint(live, tmp_path):
    from micc_sim.faces.cloudlink.face import SERVICES

    reports = tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "micc_sim", "contract", "--surface", "cloudlink", "--base-url", live.base_url,
         "--username", "admin@wagner.example.com", "--account-id", "wagner", "--phases", "fuzzing",
         "--max-examples", "1", "--report-dir", str(reports)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert sorted(p.name for p in reports.glob("*.xml")) == sorted(f"cloudlink-{s}.xml" for s in SERVICES)
    for junit in reports.glob("*.xml"):
        suites = ET.parse(junit).getroot()
        assert suites.findall(".//testcase") and not suites.findall(".//failure"), junit.name
    # the token came from CloudLink's /token, for the account admin of the account named by its label
    assert live.sim.cloudlink.sessions.tokens
    assert {r.principal.email for r in live.sim.cloudlink.sessions.tokens.values()} >= {"admin@wagner.example.com"}


def test_micc_sim_contract_says_clearly_when_cloudlink_refuses_the_credentials(live, tmp_path, capsys):
    from micc_sim.cli import main

    code = main(["contract", "--surface", "cloudlink-admin", "--base-url", live.base_url, "--password", "wrong",
                 "--report-dir", str(tmp_path)])
    assert code == 2
    assert "CloudLink's /token refused the credentials (401)" in capsys.readouterr().err


def test_cloudlink_services_on_hosts_of_their_own_are_reached_through_a_service_template():
    from micc_sim.conformance import surface_url

    assert surface_url("https://{service}.api.mitel.io", "cloudlink-admin") == "https://admin.api.mitel.io/2017-09-01"
    assert surface_url("http://127.0.0.1:8080", "cloudlink-media") == "http://127.0.0.1:8080/media/2017-09-01"
