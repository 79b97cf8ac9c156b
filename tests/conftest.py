"""Fixtures: a real simulator on a loopback port (uvicorn in a thread), with a manual clock.

Tests talk to it with httpx exactly as integrations do and move time with the control API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from micc_sim.runtime import Simulator
from micc_sim.settings import Settings
from micc_sim.testing import free_port, serve_in_thread
from micc_sim.world.config import WorldConfig

__all__ = ["free_port"]

START = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)
TALKATIVE = ("Talkative", "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d")


@dataclass
class LiveSim:
    """A running simulator and an httpx client bound to it."""

    sim: Simulator
    base_url: str
    http: httpx.Client

    def token(self, username: str = "_admin", password: str = "_password") -> str:
        r = self.http.post("/authorizationserver/token",
                           data={"grant_type": "password", "username": username, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def client_token(self, client_id: str = TALKATIVE[0], secret: str = TALKATIVE[1]) -> str:
        r = self.http.post("/authorizationserver/token", data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def cloudlink_token(self, username: str, password: str = "password", **extra: str) -> str:
        """A CloudLink access token (password grant; ``extra``: e.g. ``account_id``)."""
        r = self.http.post("/authentication/2017-09-01/token",
                           json={"grant_type": "password", "username": username, "password": password, **extra})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def cloudlink(self, username: str, base: str = "") -> httpx.Client:
        """A client of the CloudLink service at ``base`` (``/media/2017-09-01``; none: paths name the service)
        signed in as ``username``."""
        return httpx.Client(base_url=self.base_url + base, timeout=30,
                            headers={"Authorization": f"Bearer {self.cloudlink_token(username)}"})

    def sdk(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=f"{self.base_url}/miccsdk/api/v1",
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def advance(self, seconds: float) -> dict[str, Any]:
        r = self.http.post("/_sim/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.text
        return r.json()

    def world(self) -> dict[str, Any]:
        return self.http.get("/_sim/world").json()

    def set_agent(self, ref: str, **state: Any) -> dict[str, Any]:
        r = self.http.patch(f"/_sim/employees/{ref}", json=state)
        assert r.status_code == 200, r.text
        return r.json()


def run_live(settings: Settings, world: WorldConfig | None = None) -> Iterator[LiveSim]:
    sim = Simulator(settings, world)
    with serve_in_thread(sim) as running, httpx.Client(base_url=running.base_url, timeout=30) as http:
        yield LiveSim(sim, running.base_url, http)


def manual_settings(**overrides: Any) -> Settings:
    return Settings(**{"clock": "manual", "clock_start": START, **overrides})


@pytest.fixture
def live() -> Iterator[LiveSim]:
    """The default world on a manual clock."""
    yield from run_live(manual_settings())


@pytest.fixture
def live_with() -> Iterator[Callable[..., LiveSim]]:
    """Start a simulator with other settings or another world: ``live_with(world=..., quirks=...)``."""
    stack: list[Iterator[LiveSim]] = []

    def start(world: WorldConfig | None = None, **overrides: Any) -> LiveSim:
        gen = run_live(manual_settings(**overrides), world)
        stack.append(gen)
        return next(gen)

    yield start
    for gen in stack:
        next(gen, None)


@pytest.fixture
def tmp_file(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def only_1001_world(profile: str = "default") -> WorldConfig:
    """The default world with a `never` profile (accepts and ends nothing by itself) and, of the open media
    agents, only 1001 logged in, on ``profile``."""
    from micc_sim.world.config import AgentProfileConfig
    from micc_sim.world.seed import default_world

    config = default_world()
    config.agent_profiles["never"] = AgentProfileConfig(accept_delay=None, handle_time=None)
    for employee in config.employees:
        if employee.reporting in ("1002", "1003", "1004"):
            employee.logged_in = False
        if employee.reporting == "1001":
            employee.profile = profile
    return config
