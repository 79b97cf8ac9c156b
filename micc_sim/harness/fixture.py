"""What the ``micc_sim`` pytest fixtures hand a test: a running simulator and its faces' URLs, tokens, receivers.

Kept out of :mod:`micc_sim.pytest_plugin` so that the plugin, which pytest imports in every run of an environment
that has micc-sim, costs nothing until a test asks for a simulator.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from micc_sim.harness.clients import cloudlink
from micc_sim.harness.clients.webhooks import WebhookReceiver
from micc_sim.harness.control.journal import JournalEntry, JournalFilter
from micc_sim.harness.scenarios.model import load_scenario
from micc_sim.harness.scenarios.runner import world_for
from micc_sim.runtime import Simulator
from micc_sim.settings import Settings
from micc_sim.testing import RunningSimulator, serve_in_thread
from micc_sim.world.config import WorldConfig, load_world_file
from micc_sim.world.core import World
from micc_sim.world.seed import TALKATIVE_SECRET

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class MiccSim:
    """A running simulator, as a test sees it."""

    sim: Simulator
    base_url: str
    talkative_id: str = "Talkative"
    talkative_secret: str = TALKATIVE_SECRET
    _receivers: list[WebhookReceiver] = field(default_factory=list, repr=False)

    @property
    def sdk_url(self) -> str:
        return f"{self.base_url}/miccsdk/api/v1"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/authorizationserver/token"

    # -- the real-time faces ---------------------------------------------------------------------
    @property
    def hubs_url(self) -> str:
        """What SignalR's ``$.hubConnection`` takes (it adds ``/signalr``): ``http://127.0.0.1:PORT/miccsdk/``."""
        return f"{self.base_url}/miccsdk/"

    @property
    def signalr_url(self) -> str:
        """The hubs' SignalR endpoint itself (``.../miccsdk/signalr``: negotiate, connect, ...)."""
        return f"{self.base_url}/miccsdk/signalr"

    @property
    def desktop_url(self) -> str:
        """The agent desktop as a socket.io client names it: server and namespace (``io(desktop_url)``); with
        python-socketio, connect to ``base_url`` with ``namespaces=["/agent"]``. The path is ``/socket.io/``."""
        return f"{self.base_url}/agent"

    def cloudlink_url(self, service: str) -> str:
        """A CloudLink service's base URL: ``cloudlink_url("media")`` is ``.../media/2017-09-01``."""
        return cloudlink.service_url(self.base_url, service)

    @property
    def cloudlink_urls(self) -> dict[str, str]:
        return {service: self.cloudlink_url(service) for service in cloudlink.SERVICES}

    def cloudlink_token(self, username: str = cloudlink.DEFAULT_ADMIN, password: str = cloudlink.DEFAULT_PASSWORD,
                        account_id: str | None = None) -> str:
        """A CloudLink access token for a login of the default tenant (its account admin by default; agents are
        ``first.last@wagner.example.com``; every password is ``password``)."""
        try:
            return cloudlink.token(self.base_url, username, password, account_id=account_id)
        except PermissionError as exc:
            raise AssertionError(str(exc)) from None

    def cloudlink_client_token(self, client_id: str = "default", secret: str | None = None,
                               account_id: str | None = None) -> str:
        """A client-credentials CloudLink token (the default tenant's client by default)."""
        try:
            return cloudlink.token(self.base_url, client_id=client_id, client_secret=secret, account_id=account_id)
        except PermissionError as exc:
            raise AssertionError(str(exc)) from None

    def webhook_receiver(self, statuses: list[int] | None = None,
                         application_id: str | None = None) -> WebhookReceiver:
        """A webhook receiver on loopback (closed when the test ends): point a CloudLink subscription's
        ``deviceId`` at its ``url``. It records every delivery and verifies its signature with its
        subscription's ``applicationId`` (looked up in the simulator unless given) and the simulator's signature
        settings: ``receiver.wait_for(n)``, ``receiver.deliveries`` (``.json``, ``.signature_ok``),
        ``receiver.forged``. ``statuses`` are answered before 200 (``[503]`` makes the simulator retry)."""
        settings = self.sim.settings.notifications

        def key(notification: Any) -> str | None:
            subscription_id = ((notification or {}).get("subscription") or {}).get("subscriptionId")
            found = self.sim.cloudlink.notify.subscriptions.get(subscription_id or "")
            return found.application_id if found else None

        receiver = WebhookReceiver(application_id=application_id or key, statuses=list(statuses or []),
                                   algorithm=settings.signature_algorithm, encoding=settings.signature_encoding,
                                   header=settings.signature_header.lower())
        self._receivers.append(receiver)
        return receiver

    def subscribe_webhook(self, receiver: WebhookReceiver, token: str | None = None,
                          application_id: str | None = None, **subscription: Any) -> dict[str, Any]:
        """``POST /subscriptions`` for a webhook to ``receiver`` (``topic=..., subjectFilter=...`` in the API's
        spelling), with ``token`` (the tenant's account admin's by default). Returns the subscription."""
        return cloudlink.subscribe_webhook(self.base_url, token or self.cloudlink_token(), receiver.url,
                                           subscription, application_id)

    @property
    def world(self) -> World:
        return self.sim.world

    def token(self, username: str = "_admin", password: str | None = None) -> str:
        """An access token for a login of the world (default world: agents' password is ``password``)."""
        password = password if password is not None else ("_password" if username == "_admin" else "password")
        return self._token({"grant_type": "password", "username": username, "password": password})

    def client_token(self, client_id: str | None = None, secret: str | None = None) -> str:
        return self._token({"grant_type": "client_credentials", "client_id": client_id or self.talkative_id,
                            "client_secret": secret or self.talkative_secret})

    def _token(self, form: dict[str, str]) -> str:
        r = httpx.post(self.token_url, data=form, timeout=30)
        if r.status_code != 200:
            raise AssertionError(f"the AuthorizationServer refused {form.get('grant_type')}: {r.text}")
        return r.json()["access_token"]

    def sdk(self, token: str | None = None) -> httpx.Client:
        """An httpx client for the MiCC SDK with a bearer token (the administrator's by default)."""
        return httpx.Client(base_url=self.sdk_url, headers={"Authorization": f"Bearer {token or self.token()}"},
                            timeout=30)

    def advance(self, seconds: float) -> None:
        """Move the simulated clock; timers due on the way fire at their own instants."""
        r = httpx.post(f"{self.base_url}/_sim/clock/advance", json={"seconds": seconds}, timeout=60)
        r.raise_for_status()

    def requests(self, method: str | None = None, path: str | None = None,
                 status: str | int | None = None) -> list[JournalEntry]:
        """Journal entries matching: ``path`` is a glob (or a regex starting with ``^``)."""
        return self.sim.journal.find(JournalFilter(method=method, path=path,
                                                   status=str(status) if status is not None else None))

    def count(self, method: str | None = None, path: str | None = None, status: str | int | None = None) -> int:
        return len(self.requests(method, path, status))

    def control(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Any /_sim call, e.g. ``micc_sim.control("POST", "/faults", json={"kind": "busy"})``."""
        return httpx.request(method, f"{self.base_url}/_sim{path}", timeout=60, **kwargs)

    def close(self) -> None:
        """Close the webhook receivers this test opened."""
        for receiver in self._receivers:
            receiver.close()
        self._receivers.clear()


@dataclass(frozen=True)
class Options:
    """A test's simulator, from its ``micc_sim`` marker: the world it starts from and the server's settings."""

    settings: dict[str, Any]
    world_file: Path | None = None
    scenario: Path | None = None

    @classmethod
    def from_marker(cls, args: tuple[Any, ...], kwargs: dict[str, Any], root: Path,
                    default_world: str | None = None) -> Options:
        options: dict[str, Any] = dict(kwargs)
        world = args[0] if args else options.pop("world", options.pop("world_file", default_world))
        scenario = options.pop("scenario", None)
        return cls(options, _under(root, world), _under(root, scenario))

    def key(self) -> str:
        """Tests whose settings are equal share a server (the world is set per test)."""
        return repr(sorted(self.settings.items(), key=lambda kv: kv[0]))

    def world(self) -> tuple[WorldConfig | None, dict[str, bool]]:
        """The world config (None: the embedded default) and the scenario's quirks."""
        if self.scenario is not None:
            scenario = load_scenario(self.scenario)
            return world_for(scenario), dict(scenario.settings.quirks)
        return (load_world_file(self.world_file) if self.world_file else None), {}


def _under(root: Path, path: Any) -> Path | None:
    if path is None:
        return None
    path = Path(path)
    return path if path.is_absolute() else root / path


def settings_for(options: Options, quirks: dict[str, bool]) -> Settings:
    merged = {"clock": "manual", "clock_start": DEFAULT_START, **options.settings}
    merged["quirks"] = {**quirks, **merged.get("quirks", {})}
    return Settings(**merged)


class Pool:
    """The servers of one pytest session: one per distinct set of settings, each reset to the test's world
    before the test (world, tokens, timers, journal, faults, and on a manual clock the time, all as at start)."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._running: dict[str, RunningSimulator] = {}
        self._default = None

    def acquire(self, options: Options) -> MiccSim:
        world, quirks = options.world()
        key = options.key() + repr(sorted(quirks.items()))
        running = self._running.get(key)
        if running is None:
            sim = Simulator(settings_for(options, quirks), world)
            running = self._running[key] = self._stack.enter_context(serve_in_thread(sim))
        else:
            _rewind(running.sim, world)
        return MiccSim(running.sim, running.base_url)

    def close(self) -> None:
        self._stack.close()


def _rewind(sim: Simulator, world: WorldConfig | None) -> None:
    if world is None:
        from micc_sim.world.seed import default_world

        world = _default_world_cache.get("world") or _default_world_cache.setdefault("world", default_world())
    sim.baseline = world
    sim.reset()
    if sim.clock.mode.value == "manual":
        sim.clock.set(sim.settings.clock_start or DEFAULT_START)


_default_world_cache: dict[str, WorldConfig] = {}


@contextlib.contextmanager
def fresh(options: Options) -> Iterator[MiccSim]:
    """A simulator of its own for one test."""
    world, quirks = options.world()
    with serve_in_thread(Simulator(settings_for(options, quirks), world)) as running:
        yield MiccSim(running.sim, running.base_url)
