"""One settings object for a simulator run: defaults, overridden by ``MICC_SIM_*`` variables, then flags."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, IPvAnyNetwork, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from micc_sim.cors import DEFAULT_ORIGINS, check_origin
from micc_sim.faces.cloudlink.notify.settings import NotifySettings
from micc_sim.spec.binding import Strictness
from micc_sim.tls import TlsMode
from micc_sim.world.clock import ClockMode
from micc_sim.world.quirks import Quirks


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MICC_SIM_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    world_file: Path | None = Field(None, description="a world file (YAML or JSON); default: the embedded world")
    clients_config: Path | None = Field(
        None, description="a Clients.config file; default: the world's `clients` entries")
    clock: ClockMode = ClockMode.REAL
    clock_scale: float = Field(1.0, gt=0, description="simulated seconds per wall second (scaled mode)")
    clock_start: datetime | None = Field(None, description="simulated time at start; default: now")
    clock_offset: float = Field(0.0, description="seconds the server's clock is ahead (or, negative, behind) of "
                                                 "real time when clock_start is not given (the integrator guide's "
                                                 "clock skew)")
    token_lifetime: int = Field(1200, gt=0, description="AuthorizationServer token lifetime, seconds")
    strictness: Strictness = Strictness.LENIENT
    quirks: dict[str, bool] = Field(default_factory=dict, description="quirk switches to change")
    cors_origins: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ORIGINS),
        description="origins whose pages may call the MiCC SDK and AuthorizationServer (CORS): exact origins, "
                    "'loopback' (localhost, 127.x, [::1] on any port), 'null' (file:// pages) or '*' (any, "
                    "without credentials)")
    control_from_anywhere: bool = Field(
        False, description="serve /_sim to non-loopback clients too (it has no authentication)")
    seed: int = Field(0, description="seed for generated ids (open media items) and fault draws")
    sdk_allowed_ips: list[IPvAnyNetwork] = Field(
        default_factory=list, description="client addresses (or networks) the MiCC SDK and AuthorizationServer "
                                          "answer; empty: every one (quirk sdk_ip_allow_list)")
    deliveries_to_self: bool = Field(
        False, description="let webhooks and callbacks reach the simulator's own sockets (docs/security.md)")
    tls: TlsMode = Field(TlsMode.OFF, description="off, self-signed or ca (a local CA signs the certificate)")
    tls_dir: Path = Field(Path(".micc-sim/tls"), description="where the TLS certificates are kept")
    tls_names: list[str] = Field(default_factory=list, description="extra host names for the certificate")
    journal_size: int = Field(10_000, ge=0, description="requests kept in the request journal")
    journal_bytes: int = Field(64 << 20, ge=0, description="bytes of bodies the journal keeps, at most")
    journal_body_limit: int = Field(64 << 10, ge=0, description="bytes of each body the journal keeps")
    strict_stubs: bool = Field(False, description="flag stub answers that break the contract (docs/stubs.md)")
    proxy: str | None = Field(None, description="forward requests to this server and record them "
                                                "(docs/record-and-drift.md)")
    record_dir: Path = Field(Path("recording"), description="where --proxy records exchanges")
    proxy_verify: bool = Field(True, description="check the --proxy target's TLS certificate")
    replay_dir: Path | None = Field(None, description="answer from this recording (micc-sim replay)")
    notifications: NotifySettings = Field(
        default_factory=NotifySettings, description="CloudLink notification delivery (docs/cloudlink-notifications.md)")
    metrics_interval: float = Field(1.0, gt=0, description="simulated seconds between samples of the time series")
    metrics_size: int = Field(3600, ge=1, description="samples kept in the time series (a ring)")
    # guards against a hostile web page, account or input (docs/security.md says how to turn each off)
    allowed_origins: list[str] = Field(
        default_factory=list, description="more origins (scheme://host:port) whose pages may use /_sim and the "
                                          "socket.io namespaces; '*': any (the Origin check off)")
    allowed_hosts: list[str] = Field(
        default_factory=list, description="more Host names /_sim and socket.io answer besides localhost and IP "
                                          "addresses (DNS rebinding); '*': any (the Host check off)")
    state_dir: Path = Field(Path(".micc-sim"), description="the one folder snapshot and restore files are in")
    max_body_bytes: int = Field(12 << 20, ge=0, description="largest request body of a face (CloudLink takes 10 MB "
                                                            "attachments): 413 beyond (0: none)")
    max_control_body_bytes: int = Field(
        64 << 20, ge=0, description="largest /_sim request body and snapshot file (a world): 413 beyond (0: none)")
    max_header_bytes: int = Field(64 << 10, ge=1024, description="largest request head (line and headers): 431")
    max_json_depth: int = Field(64, ge=1, description="deepest nesting of a JSON body: 400 beyond")
    header_timeout: float = Field(10.0, gt=0, description="seconds a connection has to send a request's head")
    body_timeout: float = Field(30.0, gt=0, description="seconds a request has to send its body, once its head is in")
    keep_alive_timeout: float = Field(5.0, gt=0, description="seconds an idle kept-alive connection stays open")
    login_failures: int = Field(10, ge=0, description="failed AuthorizationServer password grants of one user name "
                                                  "from one address in a minute that lock it for a minute (0: off)")

    @field_validator("quirks")
    @classmethod
    def _known_quirks(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = set(value) - set(Quirks.names())
        if unknown:
            raise ValueError(f"unknown quirk(s) {sorted(unknown)}; known: {', '.join(Quirks.names())}")
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        return [check_origin(origin) for origin in value]

    def make_quirks(self) -> Quirks:
        quirks = Quirks()
        for name, on in self.quirks.items():
            quirks.set(name, on)
        return quirks
