"""``micc-sim exec [serve options] -- CMD ARGS...``: a simulator around any command, in any language.

The simulator runs as a child process on a free loopback port (``serve --port 0 --ready-file``); once it
answers ``GET /_sim/ready``, CMD runs with the faces' URLs in its environment (``MICC_SIM_URL`` and friends),
SIGINT/SIGTERM/SIGHUP go to CMD, and when CMD ends the simulator is stopped and CMD's exit code is ours. The
simulator's own output goes to standard error, so CMD's standard output stays CMD's.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

READY_TIMEOUT = 60.0
STOP_GRACE = 10.0
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# The index's surface names -> the variables a command gets (CloudLink services: CLOUDLINK_<SERVICE>_URL).
_VARIABLES = {
    "authorizationserver": "MICC_SIM_TOKEN_URL",
    "miccsdk": "MICC_SIM_SDK_URL",
    "signalr": "MICC_SIM_SIGNALR_URL",
    "control": "MICC_SIM_CONTROL_URL",
}


class ExecError(Exception):
    """The simulator could not be started or did not become ready (the message says why)."""


def environment(base_url: str, surfaces: dict[str, str]) -> dict[str, str]:
    """The variables CMD gets, from the server's own index (``GET /``), so every face it serves is named."""
    env = {"MICC_SIM_URL": base_url, "MICC_SIM_HUBS_URL": f"{base_url}/miccsdk/",
           "MICC_SIM_DESKTOP_URL": f"{base_url}/agent"}
    for name, url in surfaces.items():
        if name in _VARIABLES:
            env[_VARIABLES[name]] = url
        elif name.startswith("cloudlink-"):
            env[f"CLOUDLINK_{name.removeprefix('cloudlink-').upper()}_URL"] = url
    return env


def run_exec(serve_args: Sequence[str], command: Sequence[str], ready_timeout: float = READY_TIMEOUT) -> int:
    if not command:
        raise ExecError("no command to run: micc-sim exec [serve options] -- CMD ARGS...")
    with tempfile.TemporaryDirectory(prefix="micc-sim-exec-") as folder:
        ready_file = Path(folder) / "ready"
        server = subprocess.Popen(
            [sys.executable, "-m", "micc_sim", "serve", "--port", "0", *serve_args, "--ready-file", str(ready_file)],
            stdout=sys.stderr, stderr=sys.stderr, stdin=subprocess.DEVNULL)
        try:
            base_url = _wait_ready(server, ready_file, ready_timeout)
            env = {**os.environ, **environment(base_url, _get_json(f"{base_url}/")["surfaces"])}
            return _run_forwarding_signals(command, env)
        finally:
            _stop(server)


def _wait_ready(server: subprocess.Popen[bytes], ready_file: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ExecError(f"the simulator exited with code {server.returncode} before it was ready "
                            "(its messages are above)")
        if ready_file.exists():
            base_url = ready_file.read_text(encoding="utf-8").strip()
            if _get_json(f"{base_url}/_sim/ready").get("ready"):
                return base_url
        time.sleep(0.05)
    raise ExecError(f"the simulator was not ready within {timeout:g} s")


def _get_json(url: str) -> dict:
    """A GET on our own loopback child: its certificate (``--tls``) is not the point here, so it is not checked."""
    context = ssl._create_unverified_context() if url.startswith("https:") else None
    with urllib.request.urlopen(url, timeout=10, context=context) as answer:
        return json.loads(answer.read())


def _run_forwarding_signals(command: Sequence[str], env: dict[str, str]) -> int:
    try:
        child = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        raise ExecError(f"cannot run {command[0]}: {exc.strerror or exc}") from None

    def forward(signum: int, frame: FrameType | None) -> None:
        child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in _FORWARDED}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as shells report it


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # uvicorn stops gracefully on it
    try:
        server.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
