"""Running scenarios: each in a fresh simulator (in-process) or against a running one (``--base-url``).

A scenario passes when every step's expectation holds and its final ``expect`` holds; the first failure
stops it and is reported with where it happened and what was expected against what came.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from micc_sim.harness.scenarios.listeners import PATIENCE, ListenerError, Listeners
from micc_sim.harness.scenarios.matching import ScenarioFailure, dig, mismatch
from micc_sim.harness.scenarios.model import Arrived, Expect, Request, Scenario, Step
from micc_sim.tls import TlsMode, ensure_certificates
from micc_sim.world.config import WorldConfig, apply_world_patch
from micc_sim.world.seed import default_world

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_VARIABLE = re.compile(r"\$\{(\w+)\}")


__all__ = ["Result", "ScenarioFailure", "dig", "mismatch", "run_scenario"]


@dataclass
class Result:
    name: str
    path: str
    passed: bool
    seconds: float
    steps: int  # steps completed
    failure: str | None = None
    skipped: str | None = None
    log: list[str] = field(default_factory=list)


# -- running ------------------------------------------------------------------------------------
class Run:
    def __init__(self, base_url: str, clients_file: Path | None, trust: Path | None = None) -> None:
        context = ssl.create_default_context(cafile=str(trust)) if trust else True
        self.http = httpx.Client(base_url=base_url, timeout=60, verify=context)
        self.verify: dict[str, Any] = {"trusted": context, "system": True, "none": False}
        self.clients_file = clients_file
        self.values: dict[str, Any] = {}
        self.log: list[str] = []
        self.listeners = Listeners(base_url, verify=str(trust) if trust else True)

    def fill(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = _VARIABLE.fullmatch(value)
            if whole:
                return self._value(whole.group(1))
            return _VARIABLE.sub(lambda m: str(self._value(m.group(1))), value)
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value

    def _value(self, name: str) -> Any:
        if name not in self.values:
            raise ScenarioFailure(f"${{{name}}} was never saved (saved: {', '.join(self.values) or 'nothing'})")
        return self.values[name]

    def request(self, spec: Request) -> httpx.Response:
        headers = dict(self.fill(spec.headers))
        if spec.token:
            headers["Authorization"] = f"Bearer {self._value(spec.token)}"
        kwargs: dict[str, Any] = {"headers": headers, "params": self.fill(spec.query)}
        if spec.json_ is not None:
            kwargs["json"] = self.fill(spec.json_)
        if spec.form is not None:
            kwargs["data"] = self.fill(spec.form)
        if spec.body is not None:
            kwargs["content"] = str(self.fill(spec.body)).encode("utf-8")
        # absolute path on the server: keep double slashes and spelling as written
        url = str(self.http.base_url).rstrip("/") + self.fill(spec.path)  # not join(): "//x" is not a host here
        if spec.verify == "trusted":
            response = self.http.request(spec.method.upper(), url, **kwargs)
        else:
            with httpx.Client(timeout=60, verify=self.verify[spec.verify]) as client:
                response = client.request(spec.method.upper(), url, **kwargs)
        self.log.append(f"{spec.method.upper()} {self.fill(spec.path)} -> {response.status_code}")
        return response

    def check(self, response: httpx.Response, expect: Expect | None, what: str) -> None:
        problem = answer_mismatch(response, expect, self.fill)
        if problem:
            raise ScenarioFailure(f"{what}: {problem}")

    def step(self, step: Step) -> None:
        kind = step.kind
        if kind == "request":
            what = f"{step.request.method} {step.request.path}"
            if step.request.expect and step.request.expect.tls_error:
                try:
                    self.request(step.request)
                except httpx.ConnectError as exc:
                    self.log.append(f"{what} -> TLS refused: {str(exc)[:80]}")
                    return
                raise ScenarioFailure(f"{what}: expected the client to refuse the server's certificate")
            response = self.request(step.request)
            self.check(response, step.request.expect, what)
            for name, dotted in step.request.save.items():
                self.values[name] = dig(response.json(), dotted)
        elif kind == "token":
            self._token(step)
        elif kind == "advance":
            self._control("POST", "/clock/advance", {"seconds": step.advance})
        elif kind == "agent":
            body = step.agent.model_dump(exclude_none=True)
            self._control("PATCH", f"/employees/{self.fill(body.pop('ref'))}", body)
        elif kind == "fault":
            self._control("POST", "/faults", step.fault.model_dump(exclude_none=True))
        elif kind == "control":
            c = step.control
            response = self.http.request(c.method.upper(), f"/_sim{self.fill(c.path)}",
                                         json=self.fill(c.json_) if c.json_ is not None else None)
            self.check(response, c.expect or Expect(status=[200, 201]), f"control {c.method} {c.path}")
        elif kind == "clients_config":
            if self.clients_file is None:
                raise ScenarioFailure("clients_config steps need a simulator started by the runner")
            self.clients_file.write_text(json.dumps(step.clients_config), encoding="utf-8")
        elif kind == "wait":
            self._wait(step)
        elif kind in ("hub", "desktop", "desktop_request", "webhook"):
            try:
                getattr(self, f"_{kind}")(getattr(step, kind))
            except ListenerError as exc:
                raise ScenarioFailure(str(exc)) from exc

    def _token(self, step: Step) -> None:
        t = step.token
        form: dict[str, Any] = ({"grant_type": "password", "username": t.username, "password": t.password or ""}
                                if t.username else {"grant_type": "client_credentials", "client_id": t.client_id,
                                                    "client_secret": t.client_secret or ""})
        if t.account_id:
            form["account_id"] = t.account_id
        path = t.path or ("/authentication/2017-09-01/token" if t.cloudlink else "/authorizationserver/token")
        url = str(self.http.base_url).rstrip("/") + self.fill(path)
        body = {"json": self.fill(form)} if t.cloudlink else {"data": self.fill(form)}  # CloudLink: JSON
        headers = {"Impersonate": self.fill(t.impersonate)} if t.impersonate else {}
        response = self.http.post(url, headers=headers, **body)
        if response.status_code != 200:
            raise ScenarioFailure(f"token {t.name}: {response.status_code} {response.text}")
        self.values[t.name] = response.json()["access_token"]

    # -- listening ------------------------------------------------------------------------------
    def _hub(self, spec: Any) -> None:
        token = self._value(spec.token) if spec.token else None
        self.listeners.hub(type(spec).model_validate(self.fill(spec.model_dump())), token)
        self.log.append(f"hub {spec.name}: open, monitoring")

    def _desktop(self, spec: Any) -> None:
        token = self._value(spec.token) if spec.token else None
        self.listeners.desktop(type(spec).model_validate(self.fill(spec.model_dump())), token)
        self.log.append(f"desktop {spec.name}: connected")

    def _desktop_request(self, spec: Any) -> None:
        answer = self.listeners.desktop_request(spec.desktop, self.fill(spec.request), self.fill(spec.args))
        self.log.append(f"desktop {spec.desktop}: {spec.request} -> {json.dumps(answer, default=str)[:120]}")
        if "expect" in spec.model_fields_set:
            problem = mismatch(self.fill(spec.expect), answer, "$answer")
            if problem:
                raise ScenarioFailure(f"{spec.request} on desktop {spec.desktop!r}: {problem}")
        for name, dotted in spec.save.items():
            self.values[name] = dig(answer, dotted)

    def _webhook(self, spec: Any) -> None:
        created = self.listeners.webhook(spec, self.fill)
        self.log.append(f"webhook {spec.name}: subscription {created.get('subscriptionId')} to "
                        f"{self.listeners.webhooks[spec.name].url}")
        for name, dotted in spec.save.items():
            self.values[name] = dig(created, dotted)

    def arrived(self, expectation: Arrived, patience: float = PATIENCE, give_up_when_quiet: bool = False) \
            -> str | None:
        """Check an expectation on what arrived (saved values filled in); saves from the last match."""
        filled = type(expectation).model_validate(self.fill(expectation.model_dump()))
        problem, found = self.listeners.expect(filled, patience, give_up_when_quiet)
        if problem is None and expectation.save and found:
            for name, dotted in expectation.save.items():
                self.values[name] = dig(found[-1].data, dotted)
        return problem

    def _wait(self, step: Step) -> None:
        wait = step.wait
        waited = 0.0
        expectation = wait.hub_call or wait.desktop_event or wait.webhook_delivery
        if expectation is not None:
            while True:
                last = waited >= wait.timeout
                problem = self.arrived(expectation, give_up_when_quiet=not last)
                if problem is None:
                    return
                if last:
                    raise ScenarioFailure(f"still not true after {wait.timeout:g} simulated seconds: {problem}")
                self._control("POST", "/clock/advance", {"seconds": wait.step})
                waited += wait.step
        while True:
            response = self.request(wait.request)
            problem = answer_mismatch(response, wait.until, self.fill)
            if problem is None:
                return
            if waited >= wait.timeout:
                raise ScenarioFailure(f"still not true after {wait.timeout:g} simulated seconds: {problem}")
            self._control("POST", "/clock/advance", {"seconds": wait.step})
            waited += wait.step

    def _control(self, method: str, path: str, body: Any) -> Any:
        response = self.http.request(method, f"/_sim{path}", json=self.fill(body))
        if response.status_code >= 400:
            raise ScenarioFailure(f"control {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def final(self, scenario: Scenario) -> None:
        for name, expectations in (("hub_calls", scenario.expect.hub_calls),
                                   ("desktop_events", scenario.expect.desktop_events),
                                   ("webhook_deliveries", scenario.expect.webhook_deliveries)):
            for index, expectation in enumerate(expectations):
                problem = self.arrived(expectation)
                if problem:
                    raise ScenarioFailure(f"expect.{name}[{index}]: {problem}")
        forged = self.listeners.forged()
        if forged:
            raise ScenarioFailure(forged)
        if scenario.expect.world is not None:
            world = self.http.get("/_sim/world").json()
            problem = mismatch(self.fill(scenario.expect.world), world)
            if problem:
                raise ScenarioFailure(f"expect.world: {problem.replace('$', 'world', 1)}")
        for check in scenario.expect.requests:
            body = self.fill(check.model_dump(exclude_none=True))
            if not any(k in body for k in ("count", "at_least", "at_most")):
                body["at_least"] = 1
            response = self.http.post("/_sim/journal/verify", json=body)
            if response.status_code != 200:
                error = response.json()["error"]
                near = "; ".join(f"{e['method']} {e['path']} -> {e['status']}" for e in error.get("near_misses", []))
                raise ScenarioFailure(f"expect.requests: {error['message']}" + (f" (near misses: {near})"
                                                                                 if near else ""))


def answer_mismatch(response: httpx.Response, expect: Expect | None, fill: Any) -> str | None:
    if expect is None:
        return None
    wanted = expect.status if isinstance(expect.status, list) else [expect.status] if expect.status else []
    if wanted and response.status_code not in wanted:
        return f"status {response.status_code}, expected {' or '.join(map(str, wanted))}: {response.text[:300]}"
    for name, value in expect.headers.items():
        if response.headers.get(name) != fill(value):
            return f"header {name}: {response.headers.get(name)!r}, expected {fill(value)!r}"
    if expect.json_ is not None:
        try:
            body = response.json()
        except ValueError:
            return f"the answer is not JSON: {response.text[:200]!r}"
        return mismatch(fill(expect.json_), body)
    return None


def world_for(scenario: Scenario) -> WorldConfig:
    base = default_world().model_dump(mode="json", exclude_unset=True)
    return WorldConfig.model_validate(apply_world_patch(base, scenario.world))


@contextlib.contextmanager
def _simulator(scenario: Scenario) -> Iterator[tuple[str, Path | None, Path | None]]:
    from micc_sim.runtime import Simulator
    from micc_sim.settings import Settings
    from micc_sim.testing import serve_in_thread

    start = scenario.settings.clock_start or DEFAULT_START
    if scenario.settings.clock_offset is not None:  # the server's clock skewed against the integration's
        start = datetime.now(UTC) + timedelta(seconds=scenario.settings.clock_offset)
    options: dict[str, Any] = {"clock": "manual", "clock_start": start, "quirks": scenario.settings.quirks}
    for name in ("token_lifetime", "strictness", "sdk_allowed_ips"):
        if getattr(scenario.settings, name) is not None:
            options[name] = getattr(scenario.settings, name)
    with tempfile.TemporaryDirectory(prefix="micc-sim-scenario-") as folder:
        clients_file = None
        if scenario.settings.clients_config is not None or any(s.kind == "clients_config" for s in scenario.steps):
            clients_file = Path(folder) / "Clients.config"
            clients_file.write_text(json.dumps(scenario.settings.clients_config
                                               or default_world().clients), encoding="utf-8")
            options["clients_config"] = clients_file
        tls = None
        if scenario.settings.tls != "off":
            tls = ensure_certificates(TlsMode(scenario.settings.tls), Path(folder) / "tls",
                                      ["localhost", "127.0.0.1"])
        with serve_in_thread(Simulator(Settings(**options), world_for(scenario)), tls=tls) as running:
            yield running.base_url, clients_file, tls.trust if tls else None


def run_scenario(scenario: Scenario, path: str = "", base_url: str | None = None) -> Result:
    started = time.perf_counter()
    result = Result(scenario.name, path, passed=False, seconds=0.0, steps=0)
    remote_unsupported = base_url and (scenario.settings.model_dump(exclude_defaults=True)
                                       or any(s.kind == "clients_config" for s in scenario.steps))
    if remote_unsupported:
        result.skipped = "its settings (quirks, clock, Clients.config) need a simulator started by the runner"
        return result
    try:
        with contextlib.ExitStack() as stack:
            trust = None
            if base_url:
                url, clients_file = base_url.rstrip("/"), None
                httpx.post(f"{url}/_sim/reset", timeout=30).raise_for_status()
                if scenario.world:
                    httpx.patch(f"{url}/_sim/world", json=scenario.world, timeout=30).raise_for_status()
            else:
                url, clients_file, trust = stack.enter_context(_simulator(scenario))
            run = Run(url, clients_file, trust)
            stack.callback(run.http.close)  # before the server stops: it waits for open connections
            stack.callback(run.listeners.close)
            result.log = run.log
            if scenario.stubs:
                added = run.http.post("/_sim/stubs", json={"mappings": scenario.stubs})
                if added.status_code != 201:
                    raise ScenarioFailure(f"stubs: {added.json().get('error', {}).get('message', added.text)}")
            for index, step in enumerate(scenario.steps, start=1):
                try:
                    run.step(step)
                except ScenarioFailure as exc:
                    label = step.name or step.kind
                    raise ScenarioFailure(f"step {index} ({label}): {exc}") from exc
                result.steps = index
            run.final(scenario)
            result.passed = True
    except ScenarioFailure as exc:
        result.failure = str(exc)
    except (httpx.HTTPError, ValueError) as exc:
        result.failure = f"{type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - started
    return result
