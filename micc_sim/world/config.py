"""The world file: the declarative description a world is built from (YAML or JSON).

The embedded default world (``seed.py``) is one of these; ``micc-sim serve --world FILE`` loads a
user's. Names are snake_case. References between entities use names (or reporting numbers for
agents), so a hand-written file needs no GUIDs; ids left out are derived from the names with
UUID v5 and are therefore stable across runs.
"""

from __future__ import annotations

import uuid
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

from micc_sim.limits import InputError, checked_json, load_yaml, read_limited
from micc_sim.world.catalog_config import CatalogConfig
from micc_sim.world.cloudlink_config import CloudLinkConfig
from micc_sim.world.interactions_config import InteractionsConfig
from micc_sim.world.model import MediaType, PresenceAvailability, ReasonKind, Role

ID_NAMESPACE = uuid.UUID("6f2d3c1e-8a4b-4c7d-9e10-6d1c2b3a4f50")


def _by_name(enum: type[IntEnum]) -> Any:
    """An enum field that reads names (any case) or numbers and writes names."""

    def parse(value: Any) -> Any:
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            for member in enum:
                if member.name.lower() == value.lower():
                    return member
            raise ValueError(f"{value!r} is not one of {', '.join(m.name for m in enum)}")
        return enum(int(value)) if isinstance(value, str) else value

    return Annotated[enum, BeforeValidator(parse), PlainSerializer(lambda m: m.name, return_type=str)]


Media = _by_name(MediaType)
Presence = _by_name(PresenceAvailability)
Reason = _by_name(ReasonKind)


def stable_id(kind: str, name: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{name.lower()}"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class SiteConfig(_Strict):
    id: str | None = None
    name: str = "Headquarters"


class MediaServerConfig(_Strict):
    id: str | None = None
    name: str
    media_type: Media = MediaType.OpenMedia
    default_queue: str | None = None
    routing_failure_queue: str | None = None


class FixedConfig(_Strict):
    distribution: Literal["fixed"]
    value: float = Field(ge=0)


class UniformConfig(_Strict):
    distribution: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> UniformConfig:
        if self.low > self.high:
            raise ValueError(f"uniform: low ({self.low:g}) is above high ({self.high:g})")
        return self


class ExponentialConfig(_Strict):
    distribution: Literal["exponential"]
    mean: float = Field(gt=0)


class LogNormalConfig(_Strict):
    distribution: Literal["lognormal"]
    mean: float = Field(gt=0, description="the mean duration (not the median)")
    sigma: float = Field(0.5, ge=0, le=5, description="the standard deviation of the underlying normal")


DistributionConfig = Annotated[FixedConfig | UniformConfig | ExponentialConfig | LogNormalConfig,
                               Field(discriminator="distribution")]
Seconds = Annotated[float, Field(ge=0)]
Duration = Seconds | DistributionConfig  # a number is a fixed duration


class NotReadyConfig(_Strict):
    """Spells away from the queue: every so often the agent goes Busy (or DND, Away) for a while."""

    every: Duration = Field(description="seconds from the end of one spell (or login) to the next (at least 1)")
    lasts: Duration = Field(description="seconds a spell lasts")
    presence: Presence = PresenceAvailability.Busy
    reason: str | None = Field(None, description="a reason code (name or code) of the presence's kind")

    @model_validator(mode="after")
    def _not_ready_presence(self) -> NotReadyConfig:
        if self.presence not in (PresenceAvailability.Busy, PresenceAvailability.DoNotDisturb,
                                 PresenceAvailability.Away):
            raise ValueError(f"a not-ready spell is Busy, DoNotDisturb or Away, not {self.presence.name}")
        return self


class AgentProfileConfig(_Strict):
    accept_delay: Duration | None = 3.0
    handle_time: Duration | None = 120.0
    not_ready: NotReadyConfig | None = None


class EmployeeConfig(_Strict):
    id: str | None = None
    username: str
    password: str
    first_name: str = ""
    last_name: str = ""
    role: Role = Role.AGENT
    reporting: str | None = None
    extension: str | None = None
    logged_in: bool = False
    presence: Presence = PresenceAvailability.Offline
    ready_media: list[Media] = Field(default_factory=list)
    max_concurrent: int = Field(1, ge=1)
    profile: str = "default"
    workloads: dict[Media, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict, description="items the agent may hold when offered one of this media (Chat, Email, "
                                          "Sms; default max_concurrent); open media uses max_concurrent")
    agent_workflow_validated: bool = Field(True, description="off: the agent workflow was never validated, so "
                                                             "routing never offers the agent anything")
    multimedia_licensed: bool = Field(True, description="the employee has a multimedia licence assigned")


class AgentGroupConfig(_Strict):
    id: str | None = None
    name: str
    reporting: str
    members: list[str] = Field(default_factory=list, description="usernames or agent reporting numbers")


class QueueConfig(_Strict):
    id: str | None = None
    name: str
    reporting: str
    media_type: Media
    media_server: str | None = None
    agent_groups: list[str] = Field(default_factory=list, description="agent group names, primary first")
    workflow_validated: bool = True
    service_level_seconds: float = Field(20.0, gt=0, description="answer target for the service level")
    service_level_goal: float = Field(80.0, ge=0, le=100, description="the service level aimed at, in percent")
    response_time_seconds: float | None = Field(None, gt=0, description="re-queue an offer not accepted within "
                                                "this (default: routing.offer_timeout)")


class ReasonCodeConfig(_Strict):
    id: str | None = None
    name: str
    code: str
    kind: Reason = ReasonKind.Busy


class ContactConfig(_Strict):
    """A directory contact: a database or Elasticsearch contact, or an Active Directory user, contact or group."""

    id: str | None = None
    name: str
    kind: Literal["Contact", "ElasticContact", "ADUser", "ADContact", "ADGroup"] = "ElasticContact"
    email: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    extension: str | None = None


class RoutingConfig(_Strict):
    offer_timeout: float = Field(60.0, gt=0, description="seconds an offer rings before it is requeued")
    history_limit: int = Field(100_000, ge=0, description="ended items kept for GET and the control API")


class WorldConfig(_Strict):
    site: SiteConfig = Field(default_factory=SiteConfig)
    media_servers: list[MediaServerConfig] = Field(default_factory=list)
    agent_profiles: dict[str, AgentProfileConfig] = Field(
        default_factory=lambda: {"default": AgentProfileConfig()}
    )
    employees: list[EmployeeConfig] = Field(default_factory=list)
    agent_groups: list[AgentGroupConfig] = Field(default_factory=list)
    queues: list[QueueConfig] = Field(default_factory=list)
    reason_codes: list[ReasonCodeConfig] = Field(default_factory=list)
    contacts: list[ContactConfig] = Field(default_factory=list, description="directory contacts (AD included)")
    clients: list[dict[str, Any]] = Field(
        default_factory=list, description="Clients.config entries ({Id, Secret}), checked when loaded"
    )
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    cloudlink: CloudLinkConfig = Field(default_factory=CloudLinkConfig, description="the CloudLink tenant")
    interactions: InteractionsConfig = Field(default_factory=InteractionsConfig)
    stubs: list[dict[str, Any]] = Field(
        default_factory=list, description="stubs in WireMock's mapping shape (docs/stubs.md), checked when served")
    catalog: CatalogConfig = Field(default_factory=CatalogConfig, description="warning reasons, mail servers, "
                                   "prompts, variables, DNIS, queue groups, reply templates, ...")
    synthesized: list[Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,99}$")]] = Field(
        default_factory=list, description="MiCC SDK operation ids answered with synthesized data instead of the "
                                          "world (opt-in; an operation without a handler answers 501 otherwise)")

    @model_validator(mode="after")
    def _references_resolve(self) -> WorldConfig:
        self.agent_profiles.setdefault("default", AgentProfileConfig())  # a world may define only its own
        problems: list[str] = []
        _unique(problems, "employee username", [e.username.lower() for e in self.employees])
        _unique(problems, "queue name", [q.name.lower() for q in self.queues])
        _unique(problems, "queue reporting number", [q.reporting for q in self.queues])
        _unique(problems, "agent group name", [g.name.lower() for g in self.agent_groups])
        agents = {e.username.lower() for e in self.employees} | {
            e.reporting.lower() for e in self.employees if e.reporting
        }
        groups = {g.name.lower() for g in self.agent_groups}
        queues = {q.name.lower() for q in self.queues} | {q.reporting for q in self.queues}
        servers = {m.name.lower() for m in self.media_servers}
        reasons = {(r.kind, n.lower()) for r in self.reason_codes for n in (r.name, r.code)}
        for name, p in self.agent_profiles.items():
            problems += profile_problems(name, p, reasons)
        for e in self.employees:
            if e.profile not in self.agent_profiles:
                problems.append(f"employee {e.username!r}: unknown agent profile {e.profile!r}")
        for g in self.agent_groups:
            problems += [f"agent group {g.name!r}: unknown member {m!r}" for m in g.members
                         if m.lower() not in agents]
        for q in self.queues:
            problems += [f"queue {q.name!r}: unknown agent group {n!r}" for n in q.agent_groups
                         if n.lower() not in groups]
            if q.media_server and q.media_server.lower() not in servers:
                problems.append(f"queue {q.name!r}: unknown media server {q.media_server!r}")
        for m in self.media_servers:
            for role, ref in (("default_queue", m.default_queue), ("routing_failure_queue",
                                                                     m.routing_failure_queue)):
                if ref and ref.lower() not in queues and ref not in queues:
                    problems.append(f"media server {m.name!r}: {role} {ref!r} is not a queue")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _catalog_references_resolve(self) -> WorldConfig:
        queues = {q.name.lower() for q in self.queues} | {q.reporting.lower() for q in self.queues}
        agents = {e.username.lower() for e in self.employees} | {e.reporting.lower() for e in self.employees
                                                                if e.reporting}
        c = self.catalog
        problems = [f"catalog.{where} {name!r}: unknown queue {ref!r}" for where, name, refs in (
            [("dnis", d.name, [d.queue] if d.queue else []) for d in c.dnis]
            + [("queue_groups", g.name, g.queues) for g in c.queue_groups]
            + [("global_templates", t.template, t.queues) for t in c.global_templates])
            for ref in refs if ref.lower() not in queues]
        problems += [f"catalog.{where}: unknown employee {ref!r}" for where, refs in (
            [("account_codes", a.employees) for a in c.account_codes]
            + [("personal_templates", [t.employee] if t.employee else []) for t in c.personal_templates])
            for ref in refs if ref.lower() not in agents]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @model_validator(mode="after")
    def _cq_code_queues_resolve(self) -> WorldConfig:
        queues = {q.name.lower() for q in self.queues} | {q.reporting.lower() for q in self.queues}
        problems = [f"interactions.cq_codes {c.name!r}: unknown queue {ref!r}" for c in self.interactions.cq_codes
                    for ref in c.queues if ref.lower() not in queues]
        if problems:
            raise ValueError("; ".join(problems))
        return self


def profile_problems(name: str, profile: AgentProfileConfig, reasons: set[tuple[ReasonKind, str]]) -> list[str]:
    """A not-ready spell's reason must be a reason code of its presence's kind (Away takes none)."""
    spell = profile.not_ready
    if spell is None or spell.reason is None:
        return []
    kind = {PresenceAvailability.Busy: ReasonKind.Busy, PresenceAvailability.DoNotDisturb: ReasonKind.DoNotDisturb}
    if spell.presence not in kind:
        return [f"agent profile {name!r}: an {spell.presence.name} spell takes no reason"]
    if (kind[spell.presence], spell.reason.lower()) not in reasons:
        return [f"agent profile {name!r}: {spell.reason!r} is not a {kind[spell.presence].name} reason code"]
    return []


def _unique(problems: list[str], what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            problems.append(f"duplicate {what} {value!r}")
        seen.add(value)


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge, ``None`` removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_world_patch(config: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A merge patch on a world configuration, where lists of named entities (employees, agent groups,
    queues, media servers, reason codes) merge entry by entry: an entry patches the one with the same
    ``name`` (``username`` for employees), a new name is added, and ``{"name": ..., "$delete": true}``
    removes one. Other lists are replaced, as in RFC 7396."""
    result = dict(config)
    for key, value in patch.items():
        current = config.get(key)
        if isinstance(value, list) and isinstance(current, list) and key in _NAMED_LISTS:
            result[key] = _merge_named(current, value, _NAMED_LISTS[key])
        elif value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(current, value)
    return result


_NAMED_LISTS = {"employees": "username", "agent_groups": "name", "queues": "name", "media_servers": "name",
                "reason_codes": "name"}


def _merge_named(current: list[Any], changes: list[Any], key: str) -> list[Any]:
    merged = list(current)
    for change in changes:
        if not isinstance(change, dict) or key not in change:
            raise ValueError(f"each entry of a patched list needs its {key!r} (entries are matched by it)")
        index = next((i for i, entry in enumerate(merged)
                      if isinstance(entry, dict) and str(entry.get(key)).lower() == str(change[key]).lower()), None)
        if change.get("$delete"):
            if index is not None:
                del merged[index]
        elif index is None:
            merged.append(change)
        else:
            merged[index] = merge_patch(merged[index], change)
    return merged


class WorldFileError(Exception):
    """A world file that cannot be used; the message says where and why."""


def load_world_file(path: str | Path) -> WorldConfig:
    path = Path(path)
    try:
        text = read_limited(path)
    except OSError as exc:
        raise WorldFileError(f"cannot read world file {path}: {exc.strerror or exc}") from exc
    except (InputError, UnicodeDecodeError) as exc:
        raise WorldFileError(f"cannot read world file {path}: {exc}") from exc
    try:
        data = checked_json(load_yaml(text, str(path)), str(path))  # JSON is YAML too
    except (yaml.YAMLError, InputError) as exc:
        raise WorldFileError(f"{path} is not valid YAML or JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise WorldFileError(f"{path}: the top level must be a mapping (site, employees, queues, ...)")
    try:
        return WorldConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path} is not a valid world file:"]
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  - {where}: {err['msg']}")
        raise WorldFileError("\n".join(lines)) from exc
