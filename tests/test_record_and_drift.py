"""Record, replay and drift end to end: a second micc-sim process stands in for the real server, with one
behaviour changed (a stub of its world file answers GET openmedia/{id} otherwise); serve --proxy records
through it, replay serves the recording, drift reports the one operation that differs."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from micc_sim.cli import main
from micc_sim.runtime import Simulator
from micc_sim.settings import Settings
from micc_sim.testing import free_port, serve_in_thread
from micc_sim.world.seed import default_world

START = "2026-11-22T09:00:00+00:00"
CHANGED = {"request": {"method": "GET", "operationId": "OpenMedia_GetOpenMediaItem"},
           "response": {"status": 200, "jsonBody": {"id": "{{request.path.id}}", "conversationState": "Completed",
                                                    "queueName": 7, "escalated": True}}}


@contextlib.contextmanager
def real_server(tmp_path: Path) -> Iterator[str]:
    """``micc-sim serve`` in its own process, on a world whose one stub changes one answer."""
    world = default_world().model_dump(mode="json", exclude_unset=True)
    world["stubs"] = [CHANGED]
    world_file = tmp_path / "real-world.json"
    world_file.write_text(json.dumps(world), encoding="utf-8")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", str(port), "--clock", "manual",
                                "--clock-start", START, "--world", str(world_file), "--log-level", "warning"],
                               stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/_sim/clock", timeout=1)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, "the real server did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def proxy_settings(**options) -> Settings:
    return Settings(clock="manual", clock_start=START, **options)


def client_session(base_url: str) -> str:
    """What an integration does: a token, an item posted, the item read back, the queues listed."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        token = http.post("/authorizationserver/token", data={"grant_type": "password", "username": "_admin",
                                                               "password": "_password"}).json()["access_token"]
        sdk = {"Authorization": f"Bearer {token}"}
        item = http.post("/miccsdk/api/v1/openmedia", json={"queue": "Web Chat"}, headers=sdk).json()
        read = http.get(f"/miccsdk/api/v1/openmedia/{item['id']}", headers=sdk)
        assert read.json()["conversationState"] == "Completed"  # the real server's changed behaviour
        assert http.get("/miccsdk/api/v1/queues", headers=sdk).status_code == 200
        return item["id"]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """One recording for the module's tests (the real server is a process: started once)."""
    tmp_path = tmp_path_factory.mktemp("record")
    folder = tmp_path / "recording"
    with real_server(tmp_path) as real, \
            serve_in_thread(Simulator(proxy_settings(proxy=real, record_dir=folder))) as proxy:
        item_id = client_session(proxy.base_url)
        journal = httpx.get(f"{proxy.base_url}/_sim/journal", params={"face": "miccsdk"}).json()
        assert [e["status"] for e in journal["entries"]] == [201, 200, 200]
    yield folder, item_id


def test_serve_proxy_records_every_exchange_redacted(recording):
    folder, _ = recording
    files = sorted(p.name for p in folder.glob("*.json"))
    assert files == ["000001-POST-Token_PostToken.json", "000002-POST-OpenMedia_PostOpenMedia.json",
                     "000003-GET-OpenMedia_GetOpenMediaItem.json", "000004-GET-Queue_GetQueues.json"]
    text = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.json"))
    assert "_password" not in text and "[redacted]" in text
    token = json.loads((folder / files[0]).read_text(encoding="utf-8"))
    assert json.loads(token["response"]["body"])["access_token"] == "[redacted]"


def test_drift_reports_the_one_operation_the_real_server_answers_otherwise(recording, capsys):
    folder, _ = recording
    assert main(["drift", str(folder), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    by_operation = {op["operation"]: op for op in report["operations"]}
    assert report["drifted"] == 1 and report["total"] == 4
    assert not by_operation["Token_PostToken"]["drifted"] and not by_operation["OpenMedia_PostOpenMedia"]["drifted"]
    assert not by_operation["Queue_GetQueues"]["drifted"]
    drift = by_operation["OpenMedia_GetOpenMediaItem"]
    assert drift["status"] == [] and drift["missing"] == ["$.escalated"]
    assert "$.queueId" in drift["extra"] and "$._links" in drift["extra"]
    assert drift["types"] == [{"path": "$.queueName", "recorded": "number", "simulated": "string"}]
    assert drift["enums"] == [{"path": "$.conversationState", "recorded": "Completed", "simulated": "Offered"}]

    assert main(["drift", str(folder)]) == 1
    text = capsys.readouterr().out
    assert "DRIFT   OpenMedia_GetOpenMediaItem" in text and "1 of 4 operation(s) drifted" in text


def test_replay_serves_the_recording(recording):
    folder, item_id = recording
    with serve_in_thread(Simulator(proxy_settings(replay_dir=folder))) as replay:
        answer = httpx.get(f"{replay.base_url}/miccsdk/api/v1/openmedia/{item_id}")
        assert answer.status_code == 200 and answer.json()["conversationState"] == "Completed"
        missing = httpx.get(f"{replay.base_url}/miccsdk/api/v1/employees")
        assert missing.status_code == 404 and "recording has no" in missing.json()["message"]
        entry = httpx.get(f"{replay.base_url}/_sim/journal/{missing.headers['x-request-id']}").json()
        assert entry["note"] == "replay: the recording has no such request"
    assert main(["replay", str(folder / "nothing-here")]) == 2


def test_a_proxy_target_that_does_not_answer_is_a_502_in_the_vendors_shape(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    with serve_in_thread(Simulator(proxy_settings(proxy=dead, record_dir=tmp_path / "rec"))) as proxy:
        sdk = httpx.get(f"{proxy.base_url}/miccsdk/api/v1/queues")
        assert sdk.status_code == 502 and set(sdk.json()) == {"message"}
        cloudlink = httpx.get(f"{proxy.base_url}/admin/2017-09-01/accounts")
        assert cloudlink.status_code == 502 and cloudlink.json()["name"] == "InternalServerError"
        entry = httpx.get(f"{proxy.base_url}/_sim/journal/{sdk.headers['x-request-id']}").json()
        assert entry["note"].startswith(f"proxy: {dead} did not answer: ConnectError")
    (first, _) = sorted((tmp_path / "rec").glob("*.json"))
    assert json.loads(first.read_text(encoding="utf-8"))["note"].startswith("proxy:")
