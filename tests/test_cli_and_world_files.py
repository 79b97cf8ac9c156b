"""The command line and world files: `micc-sim serve` on a real port, `--world FILE`, clear errors."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
import yaml
from conftest import free_port

from micc_sim.cli import main
from micc_sim.world.config import WorldFileError, load_world_file
from micc_sim.world.seed import default_world

MINIMAL_WORLD = """
site: {name: Lab}
media_servers:
  - {name: OM, media_type: OpenMedia, default_queue: Tasks}
employees:
  - {username: boss, password: pw, role: administrator}
  - {username: ann, password: pw, reporting: "42", logged_in: true, presence: Available,
     ready_media: [OpenMedia]}
agent_groups:
  - {name: Team, reporting: "900", members: [ann]}
queues:
  - {name: Tasks, reporting: P1, media_type: OpenMedia, media_server: OM, agent_groups: [Team]}
agent_profiles:
  default: {accept_delay: 1, handle_time: 10}
clients:
  - {Id: Acme, Secret: 3b0c9a4e-5f1d-4c2a-9e8b-7a6d5c4b3a21}
"""


def _serve(*args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", str(port), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read()}")
        try:
            httpx.get(f"{base}/", timeout=1)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("serve did not start")


def test_serve_runs_the_default_world_on_a_real_port():
    proc, base = _serve("--clock", "manual")
    try:
        token = httpx.post(f"{base}//authorizationserver/token", data={
            "grant_type": "password", "username": "_admin", "password": "_password"}).json()["access_token"]
        r = httpx.post(f"{base}/MiccSdk/api/v1/openmedia", json={"queue": "Web Chat", "targetUriEmbedded": "true"},
                       headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201 and r.json()["conversationState"] == "Offered"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "micc-sim" in out and "/authorizationserver/token" in out


def test_serve_loads_a_world_file_and_its_clients(tmp_file):
    proc, base = _serve("--world", str(tmp_file("lab.yaml", MINIMAL_WORLD)), "--clock", "scaled",
                        "--clock-scale", "100")
    try:
        token = httpx.post(f"{base}/authorizationserver/token", data={
            "grant_type": "client_credentials", "client_id": "Acme",
            "client_secret": "3b0c9a4e-5f1d-4c2a-9e8b-7a6d5c4b3a21"}).json()["access_token"]
        sdk = httpx.Client(base_url=f"{base}/miccsdk/api/v1", headers={"Authorization": f"Bearer {token}"})
        item = sdk.post("/openmedia", json={"queue": ""}).json()
        assert item["queueName"] == "Tasks" and item["agentReporting"] == "42"
        # the scaled clock (x100) accepts after 1 simulated second and ends after 10 more, on its own
        deadline = time.monotonic() + 10
        while sdk.get(f"/openmedia/{item['id']}").status_code != 404:
            assert time.monotonic() < deadline, "the scaled clock did not move the item on"
            time.sleep(0.02)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.mark.parametrize(("text", "expected"), [
    ("queues: [", "not valid YAML or JSON"),
    ("- just\n- a list", "top level must be a mapping"),
    ("employees:\n  - {username: a}", "employees.0.password: Field required"),
    ("queues:\n  - {name: Q, reporting: P1, media_type: Fax}", "'Fax' is not one of"),
    ("queues:\n  - {name: Q, reporting: P1, media_type: OpenMedia, agent_groups: [Ghosts]}",
     "unknown agent group 'Ghosts'"),
    ("employes: []", "employes: Extra inputs are not permitted"),
])
def test_bad_world_files_get_a_clear_error(tmp_file, capsys, text, expected):
    path = tmp_file("bad.yaml", text)
    with pytest.raises(WorldFileError, match=None) as err:
        load_world_file(path)
    assert expected in str(err.value)
    assert main(["world", "check", str(path)]) == 2
    assert expected in capsys.readouterr().err


def test_serve_refuses_a_bad_world_file_with_exit_code_2(tmp_file):
    proc = subprocess.run([sys.executable, "-m", "micc_sim", "serve", "--world",
                           str(tmp_file("bad.json", '{"queues": 3}')), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert "is not a valid world file" in proc.stderr and "queues" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_missing_world_file_is_a_clear_error(capsys):
    assert main(["world", "check", "/nonexistent/world.yaml"]) == 2
    assert "cannot read world file" in capsys.readouterr().err


def test_the_exported_default_world_is_a_world_file_that_loads_to_the_same_world(tmp_file, capsys):
    assert main(["world", "export"]) == 0
    exported = capsys.readouterr().out
    loaded = load_world_file(tmp_file("default.yaml", exported))
    assert loaded == default_world()
    assert yaml.safe_load(exported)["clients"] == [{"Id": "Talkative",
                                                     "Secret": "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d"}]


def test_a_json_world_file_works_too(tmp_file):
    import json
    path = tmp_file("lab.json", json.dumps(yaml.safe_load(MINIMAL_WORLD)))
    assert load_world_file(path).queues[0].name == "Tasks"


def test_unknown_quirks_are_refused(capsys):
    with pytest.raises(SystemExit):
        main(["serve", "--quirk", "no_such_quirk=off"])
    assert "unknown quirk" in capsys.readouterr().err


def test_the_default_world_is_the_same_on_every_run():
    assert default_world() == default_world()
    assert default_world().model_dump() == default_world().model_dump()
