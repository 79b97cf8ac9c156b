"""The scenario format: a world, steps that drive the simulator's faces, and what must be true at the end.

Written in YAML (``scenarios/*.yaml``); ``scenarios/scenario.schema.json`` is generated from these models
so editors can check and complete the files. Strings may name saved values as ``${name}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulator.control.faults import FaultRuleSpec


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
    query: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    expect: Expect | None = None
    save: dict[str, str] = Field(default_factory=dict, description="name: dotted path into the JSON answer")
    verify: Literal["trusted", "system", "none"] = Field(
        "trusted", description="HTTPS: trust the simulator's certificate (its CA, or itself when self-signed), "
                               "only the system's store, or nothing")


class Token(_Strict):
    name: str
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    path: str = "/authorizationserver/token"

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


class Wait(_Strict):
    """Repeat ``request`` until it answers as ``until`` says, advancing the simulated clock ``step`` seconds
    between tries; fail after ``timeout`` simulated seconds."""

    request: Request
    until: Expect
    step: float = Field(1.0, gt=0)
    timeout: float = Field(60.0, ge=0)


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

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        kinds = [k for k in ("request", "token", "advance", "agent", "fault", "control", "clients_config", "wait")
                 if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a step does exactly one thing; this one has {kinds or 'nothing'}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("request", "token", "advance", "agent", "fault", "control", "clients_config",
                                "wait") if getattr(self, k) is not None)


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


class Settings(_Strict):
    quirks: dict[str, bool] = Field(default_factory=dict)
    clock_start: str | None = Field(None, description="ISO 8601; default 2026-01-05T09:00:00Z")
    token_lifetime: int | None = None
    strictness: Literal["strict", "lenient", "off"] | None = None
    clients_config: list[dict[str, Any]] | None = Field(None, description="Clients.config content at start")
    tls: Literal["off", "self-signed", "ca"] = Field("off", description="serve HTTPS (micc-sim serve --tls)")


class Scenario(_Strict):
    name: str
    description: str = ""
    source: str = Field("", description="the vendor document (and part) the scenario reproduces")
    world: dict[str, Any] = Field(default_factory=dict,
                                  description="a JSON merge patch on the default world (see docs/world-files.md)")
    settings: Settings = Field(default_factory=Settings)
    steps: list[Step] = Field(default_factory=list)
    expect: FinalExpect = Field(default_factory=FinalExpect)


class ScenarioFileError(Exception):
    pass


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
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
