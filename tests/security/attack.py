"""What the attack suite shares: a simulator per module (reset before each test) and ways to time an attack.

Each test of ``tests/security`` is one finding of the hardening issue, attacked as a hostile web page, a hostile
account or hostile CI input would: it fails against a simulator without the guard it names.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import LiveSim, manual_settings, run_live

EVIL = "http://evil.example"  # a page the developer opened, on the internet


@pytest.fixture(scope="module")
def module_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSim]:
    state = tmp_path_factory.mktemp("state")
    yield from run_live(manual_settings(state_dir=state))


@pytest.fixture
def sim(module_sim: LiveSim) -> LiveSim:
    """The module's simulator, reset: a fresh world, no fault rules, an empty journal."""
    assert module_sim.http.post("/_sim/reset").status_code == 200
    return module_sim


def responsive(live: LiveSim, within: float = 1.0) -> float:
    """Seconds the server takes to answer a control read; fails beyond ``within``."""
    started = time.perf_counter()
    r = httpx.get(f"{live.base_url}/_sim/clock", timeout=within + 1)
    took = time.perf_counter() - started
    assert r.status_code == 200 and took < within, f"the server took {took:.2f} s to answer"
    return took


def raw_exchange(base_url: str, data: bytes, *, read_for: float = 3.0) -> bytes:
    """Send bytes on a fresh connection and read what comes back until the server closes it or ``read_for``."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=read_for) as s:
        if data:
            s.sendall(data)
        received = b""
        deadline = time.monotonic() + read_for
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            received += chunk
        return received


def in_subprocess(code: str, timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` with this tree's micc_sim; a stalled regex engine holds the GIL, so it is timed from
    outside (the test fails with TimeoutExpired instead of hanging the suite)."""
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def error_of(response: httpx.Response) -> dict[str, Any]:
    return response.json()["error"]
