"""`micc-sim exec`: any language's test command runs against a simulator started for it, and the commands a user
types in a shell behave like a shell tool (port 0, a ready file, one-line errors, closed pipes)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).parent.parent
MICC_SIM = [sys.executable, "-m", "micc_sim"]


def _exec(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MICC_SIM, "exec", "--clock", "manual", "--log-level", "warning", *args],
                          capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_a_node_test_suite_runs_against_the_simulator_exec_starts():
    run = _exec("--", "node", "--test", "test/", cwd=ROOT / "examples" / "node")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# pass 2" in run.stdout and "# fail 0" in run.stdout


@pytest.mark.skipif(shutil.which("java") is None, reason="no JDK")
def test_a_java_program_with_the_jdks_own_http_client_runs_unchanged():
    """Java's HttpClient offers an HTTP/2 upgrade (h2c) on every http:// request; IIS ignores it, so must we."""
    run = _exec("--", "java", str(ROOT / "examples" / "java" / "OpenMediaSmoke.java"), timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "is Offered" in run.stdout


def test_the_command_gets_every_faces_url_and_its_exit_code_is_exec_s(tmp_path):
    script = tmp_path / "check.sh"
    script.write_text('curl -sf "$MICC_SIM_URL/_sim/ready" >/dev/null || exit 9\n'
                      'echo "$MICC_SIM_SDK_URL $MICC_SIM_TOKEN_URL $CLOUDLINK_MEDIA_URL" > urls\n'
                      'echo "$MICC_SIM_URL" > base\nexit 3\n')
    run = _exec("--", "sh", str(script), cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    base = (tmp_path / "base").read_text().strip()
    assert (tmp_path / "urls").read_text().split() == [
        f"{base}/miccsdk/api/v1", f"{base}/authorizationserver/token", f"{base}/media/2017-09-01"]
    with pytest.raises(httpx.TransportError):  # the simulator is gone once the command is
        httpx.get(f"{base}/_sim/ready", timeout=2)


def test_a_signal_to_exec_reaches_the_command(tmp_path):
    script = tmp_path / "wait.sh"
    script.write_text('trap "exit 7" TERM\ntouch started\nwhile true; do sleep 0.1; done\n')
    proc = subprocess.Popen([*MICC_SIM, "exec", "--clock", "manual", "--", "sh", str(script)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert time.monotonic() < deadline and proc.poll() is None, "the command never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 7
    finally:
        proc.kill()


def test_exec_without_a_command_is_a_one_line_error():
    run = subprocess.run([*MICC_SIM, "exec"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().startswith("micc-sim: no command to run") and "Traceback" not in run.stderr


def test_serve_on_port_0_writes_the_bound_url_to_the_ready_file(tmp_path):
    ready = tmp_path / "ready"
    proc = subprocess.Popen([*MICC_SIM, "serve", "--port", "0", "--clock", "manual", "--log-level", "warning",
                             "--ready-file", str(ready)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "serve never became ready"
            time.sleep(0.05)
        url = ready.read_text().strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        answer = httpx.get(f"{url}/_sim/ready", timeout=10)
        assert answer.status_code == 200 and answer.json()["ready"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert f"micc-sim ready: {url}" in out
    assert not ready.exists()  # gone with the server, so a stale file never points at a dead port


def test_serve_on_a_port_in_use_says_so_in_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run([*MICC_SIM, "serve", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith(f"micc-sim: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in run.stderr


def test_a_closed_pipe_ends_a_listing_quietly():
    """``micc-sim coverage | head -1``: the reader is gone before the listing is written."""
    proc = subprocess.Popen([*MICC_SIM, "coverage"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # closed before the command has started: its first write meets a closed pipe
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_the_container_image_runs_a_command_line_the_simulator_understands():
    """The image cannot be built here (no base images); what it runs and what its healthcheck asks can be checked."""
    import json
    import re

    from micc_sim.cli import _parser

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M).group(1))
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert entrypoint == ["micc-sim"]
    args = _parser().parse_args(command)
    assert (args.command, args.host, args.port, args.control_from_anywhere) == ("serve", "0.0.0.0", 8080, True)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    healthcheck = re.search(r"urlopen\('http://127\.0\.0\.1:8080(/[^']+)'", dockerfile).group(1)
    from micc_sim.harness.control.urls import routes

    assert healthcheck == "/_sim/ready" and any(r.path == "/ready" for r in routes)
