"""The scenario format: a world, steps that drive the simulator's faces, and what must be true at the end.

Written in YAML (``scenarios/*.yaml``); ``scenarios/scenario.schema.json`` is generated from these models
so editors can check and complete the files. Strings may name saved values as ``${name}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from micc_sim.harness.control.faults import FaultRuleSpec
from micc_sim.limits import InputError, checked_json, load_yaml, read_limited


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Expect(_Strict):
    """What an answer must be: ``json`` is a subset match (objects may have more keys; lists match item by
    item, ``{"$contains": x}`` matches a list holding x, ``{"$len": n}`` a list of n items)."""

    status: int | list[int] | None = None
    json_: Any = Field(None, alias="json")
    headers: dict[str, str] = Field(default_factory=dict)
    tls_error: bool = Field(False, description="the request must fail: the client does not trust the server")


class Request(_Strict):
    method: str = "GET"
    path: str = Field(description="from the server's root, e.g. /miccsdk/api/v1/openmedia")
    token: str | None = Field(None, description="name of a token saved by a `token` step")
    json_: Any = Field(None, alias="json")
    form: dict[str, str] | None = None
    body: str | None = Field(None, description="the body as written (e.g. a JavaScript literal); set its "
                                                "content-type in headers")
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    expect: Expect | None = None
    save: dict[str, str] = Field(default_factory=dict, description="name: dotted path into the JSON answer")
    verify: Literal["trusted", "system", "none"] = Field(
        "trusted", description="HTTPS: trust the simulator's certificate (its CA, or itself when self-signed), "
                               "only the system's store, or nothing")


class Token(_Strict):
    """A token from the AuthorizationServer (the MiCC SDK's, form-encoded) or, with ``cloudlink``, from
    CloudLink's Authentication API (``/authentication/2017-09-01/token``, JSON)."""

    name: str
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    account_id: str | None = Field(None, description="CloudLink: the account (id, number or label)")
    impersonate: str | None = Field(None, description="client_credentials: the Impersonate header (a user name)")
    cloudlink: bool = Field(False, description="a CloudLink token rather than an AuthorizationServer one")
    path: str | None = Field(None, description="default /authorizationserver/token, or CloudLink's")

    @model_validator(mode="after")
    def _one_grant(self) -> Token:
        if bool(self.username) == bool(self.client_id):
            raise ValueError("give username/password or client_id/client_secret")
        return self


class Agent(_Strict):
    ref: str = Field(description="employee id, username or agent reporting number")
    logged_in: bool | None = None
    presence: str | None = None
    ready_media: list[str] | None = None
    profile: str | None = None


class Control(_Strict):
    method: str = "POST"
    path: str = Field(description="below /_sim, e.g. /iis/restart")
    json_: Any = Field(None, alias="json")
    expect: Expect | None = None


class Arrived(_Strict):
    """How many of what arrived: at least one unless ``count``, ``at_least`` or ``at_most`` says otherwise;
    ``save`` takes parts of the last match (``name: dotted.path``)."""

    count: int | None = Field(None, ge=0)
    at_least: int | None = Field(None, ge=0)
    at_most: int | None = Field(None, ge=0)
    save: dict[str, str] = Field(default_factory=dict, description="name: dotted path into the last match")


class HubCall(Arrived):
    """A call the server made on a hub connection: ``args`` is a subset match on its argument list."""

    connection: str = Field(description="the name of a `hub` step's connection")
    hub: str | None = Field(None, description="employeeHub or queueHub (any case); any hub when absent")
    method: str = Field(description="e.g. employeeConversationChanged (any case, as SignalR clients match it)")
    args: Any = Field(None, description="subset match on the argument list, e.g. [{$contains: {conversationId: x}}]")


class DesktopEvent(Arrived):
    """An event a desktop connection received: ``payload`` is a subset match on its argument (the list of
    them for events with several, e.g. dispatch events)."""

    desktop: str = Field(description="the name of a `desktop` step's connection")
    event: str = Field(description="e.g. OnOpenMediaEvent")
    payload: Any = None


class WebhookDelivery(Arrived):
    """A notification a `webhook` step's receiver got (its signature verified): ``subject`` is a glob,
    ``content`` a subset match."""

    webhook: str = Field(description="the name of a `webhook` step")
    topic: str | None = None
    subject: str | None = Field(None, description="glob, e.g. /2017-09-01/endpoints/5002/calls/*")
    method: str | None = None
    content: Any = None


class Wait(_Strict):
    """Repeat ``request`` until it answers as ``until`` says, or wait until a hub call, a desktop event or a
    webhook delivery has arrived; the simulated clock advances ``step`` seconds between tries; fail after
    ``timeout`` simulated seconds."""

    request: Request | None = None
    until: Expect | None = None
    hub_call: HubCall | None = None
    desktop_event: DesktopEvent | None = None
    webhook_delivery: WebhookDelivery | None = None
    step: float = Field(1.0, gt=0)
    timeout: float = Field(60.0, ge=0)

    @model_validator(mode="after")
    def _one_thing(self) -> Wait:
        kinds = [k for k in ("request", "hub_call", "desktop_event", "webhook_delivery") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError(f"a wait waits for one thing (request + until, hub_call, desktop_event or "
                             f"webhook_delivery); this one has {kinds or 'nothing'}")
        if (self.request is None) != (self.until is None):
            raise ValueError("request and until go together")
        return self


class HubInvocation(_Strict):
    hub: str
    method: str
    args: list[Any] = Field(default_factory=list)
    error: str | None = Field(None, description="the invocation must be refused with a message containing this")


class Hub(_Strict):
    """Open a MiCC SDK hub connection (SignalR 2, /miccsdk/signalr) for a saved token and monitor; a connection
    already open by that name only gets the monitors."""

    name: str = Field(description="names the connection in hub_call expectations")
    token: str | None = Field(None, description="name of a saved AuthorizationServer token")
    self_monitor: bool = Field(False, description="employeeHub.addSelfMonitor()")
    employees: list[str] = Field(default_factory=list, description="employeeHub.addMonitor(each)")
    queues: list[str] = Field(default_factory=list, description="queueHub.addStateMonitor([each]) and "
                              "addConversationMonitor([each]): id, name or reporting number")
    agents: list[str] = Field(default_factory=list, description="agentHub.addMonitor([agents]): id, username or "
                              "reporting number")
    invoke: list[HubInvocation] = Field(default_factory=list, description="any other hub methods, in order")


class Desktop(_Strict):
    """Connect an agent desktop (socket.io, namespace /agent) with a saved token or a logon ID and password."""

    name: str = Field(description="names the connection in desktop_request steps and desktop_event expectations")
    token: str | None = Field(None, description="name of a saved AuthorizationServer password-grant token")
    logon_id: str | None = None
    password: str | None = None
    extension: str | None = None

    @model_validator(mode="after")
    def _who(self) -> Desktop:
        if bool(self.token) == bool(self.logon_id):
            raise ValueError("give token, or logon_id and password")
        return self


class DesktopRequest(_Strict):
    """An AgentClient request on a desktop connection; ``expect`` is a subset match on its answer."""

    desktop: str
    request: str = Field(description="e.g. AnswerCall or answerCall")
    args: list[Any] | dict[str, Any] | None = Field(None, description="positional (a list) or named (an object)")
    expect: Any = Field(None, description="subset match on the answer (true, {LoginID: x}, ...)")
    save: dict[str, str] = Field(default_factory=dict, description="name: dotted path into the answer ('' whole)")


class CloudLinkLogin(_Strict):
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    account_id: str | None = None


class Webhook(_Strict):
    """Host a webhook receiver on loopback and subscribe it on CloudLink Notify: the runner gets a token
    (``login``; the default tenant's account admin by default), posts ``subscription`` with the receiver's URL
    as ``deviceId``, and verifies every delivery's signature."""

    name: str = Field(description="names the receiver in webhook_delivery expectations")
    subscription: dict[str, Any] = Field(description="topic, subjectFilter, publicationFilter, methodFilter, "
                                                     "applicationId (default: a new GUID), ...")
    login: CloudLinkLogin = Field(default_factory=CloudLinkLogin)
    statuses: list[int] = Field(default_factory=list, description="answers before 200 (e.g. [503] for a retry)")
    save: dict[str, str] = Field(default_factory=dict, description="name: dotted path into the subscription")


class Step(_Strict):
    """Exactly one of the fields."""

    name: str | None = Field(None, description="shown in the report")
    request: Request | None = None
    token: Token | None = None
    advance: float | None = Field(None, ge=0, description="simulated seconds")
    agent: Agent | None = None
    fault: FaultRuleSpec | None = None
    control: Control | None = None
    clients_config: list[dict[str, Any]] | None = Field(
        None, description="rewrite the Clients.config file (read by the next IIS restart)")
    wait: Wait | None = None
    hub: Hub | None = None
    desktop: Desktop | None = None
    desktop_request: DesktopRequest | None = None
    webhook: Webhook | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        kinds = [k for k in STEP_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a step does exactly one thing; this one has {kinds or 'nothing'}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)


STEP_KINDS = ("request", "token", "advance", "agent", "fault", "control", "clients_config", "wait", "hub", "desktop",
              "desktop_request", "webhook")


class RequestCount(_Strict):
    method: str | None = None
    path: str | None = None
    status: str | None = None
    count: int | None = None
    at_least: int | None = None
    at_most: int | None = None


class FinalExpect(_Strict):
    world: Any = Field(None, description="subset of GET /_sim/world")
    requests: list[RequestCount] = Field(default_factory=list, description="journal verifications")
    hub_calls: list[HubCall] = Field(default_factory=list, description="what hub connections received")
    desktop_events: list[DesktopEvent] = Field(default_factory=list, description="what desktops received")
    webhook_deliveries: list[WebhookDelivery] = Field(default_factory=list, description="what receivers got")


class Settings(_Strict):
    quirks: dict[str, bool] = Field(default_factory=dict)
    clock_start: str | None = Field(None, description="ISO 8601; default 2026-01-05T09:00:00Z")
    clock_offset: float | None = Field(
        None, description="seconds the server's clock is ahead of the runner's (negative: behind): the manual "
                          "clock starts at the runner's now plus this, as micc-sim serve --clock-offset does")
    token_lifetime: int | None = None
    strictness: Literal["strict", "lenient", "off"] | None = None
    clients_config: list[dict[str, Any]] | None = Field(None, description="Clients.config content at start")
    tls: Literal["off", "self-signed", "ca"] = Field("off", description="serve HTTPS (micc-sim serve --tls)")
    sdk_allowed_ips: list[str] | None = Field(None, description="micc-sim serve --sdk-allow-ip: the only client "
                                                                "addresses the MiCC SDK answers")

    @model_validator(mode="after")
    def _one_start(self) -> Settings:
        if self.clock_start is not None and self.clock_offset is not None:
            raise ValueError("give clock_start (a fixed start) or clock_offset (a skew from now), not both")
        return self


class Scenario(_Strict):
    name: str
    description: str = ""
    source: str = Field("", description="the vendor document (and part) the scenario reproduces")
    world: dict[str, Any] = Field(default_factory=dict,
                                  description="a JSON merge patch on the default world (see docs/world-files.md)")
    settings: Settings = Field(default_factory=Settings)
    stubs: list[dict[str, Any]] = Field(default_factory=list,
                                        description="stubs in WireMock's mapping shape, added before the steps "
                                                    "(docs/stubs.md)")
    steps: list[Step] = Field(default_factory=list)
    expect: FinalExpect = Field(default_factory=FinalExpect)


class ScenarioFileError(Exception):
    pass


def load_scenario(path: Path) -> Scenario:
    try:
        data = checked_json(load_yaml(read_limited(path), str(path)), str(path))
    except (OSError, yaml.YAMLError, InputError, UnicodeDecodeError) as exc:
        raise ScenarioFileError(f"{path}: {exc}") from exc
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path} is not a valid scenario:"]
        lines += [f"  - {'.'.join(map(str, e['loc'])) or '(top)'}: {e['msg']}" for e in exc.errors()]
        raise ScenarioFileError("\n".join(lines)) from exc


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "micc-sim scenario"
    return schema
