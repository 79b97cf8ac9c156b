"""The server's log as a CI job reads it: JSON lines with the wall and the simulated time, one per request with the
request id the client saw in X-Request-Id."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import httpx


def _serve(tmp_path, *flags: str) -> tuple[subprocess.Popen[str], str]:
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", "0", "--clock", "manual",
                             "--clock-start", "2026-11-22T09:00:00+00:00", "--ready-file", str(ready), *flags],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline and proc.poll() is None, "serve never became ready"
        time.sleep(0.05)
    return proc, ready.read_text().strip()


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=30)[1]


def test_json_logs_carry_simulated_time_and_the_request_id_of_each_answer(tmp_path):
    proc, url = _serve(tmp_path, "--log-format", "json")
    try:
        token = httpx.post(f"{url}/authorizationserver/token", data={
            "grant_type": "password", "username": "_admin", "password": "_password"}).json()["access_token"]
        httpx.post(f"{url}/_sim/clock/advance", json={"seconds": 90})
        answer = httpx.get(f"{url}/miccsdk/api/v1/queues", headers={"Authorization": f"Bearer {token}"})
    finally:
        err = _stop(proc)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert lines and all({"time", "sim", "level", "logger", "message"} <= set(line) for line in lines)
    [request] = [line for line in lines if line.get("request_id") == answer.headers["x-request-id"]]
    assert (request["face"], request["operation"], request["status"]) == ("miccsdk", "Queue_GetQueues", 200)
    assert request["sim"].startswith("2026-11-22T09:01:30") and request["duration_ms"] >= 0
    assert token not in err  # no token in the log


def test_text_logs_say_the_simulated_time_on_every_line(tmp_path):
    proc, url = _serve(tmp_path)
    try:
        httpx.get(f"{url}/miccsdk/api/v1/queues")
    finally:
        err = _stop(proc)
    request = [line for line in err.splitlines() if "micc_sim.access" in line]
    assert len(request) == 1 and "sim=2026-11-22T09:00:00" in request[0] and "GET /miccsdk/api/v1/queues 401" in \
        request[0]
