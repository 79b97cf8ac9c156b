"""One settings object for a simulator run: defaults, overridden by ``MICC_SIM_*`` variables, then flags."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    control_from_anywhere: bool = Field(
        False, description="serve /_sim to non-loopback clients too (it has no authentication)")
    seed: int = Field(0, description="seed for generated ids (open media items) and fault draws")
    deliveries_to_self: bool = Field(
        False, description="let webhooks and callbacks reach the simulator's own sockets (docs/security.md)")
    tls: TlsMode = Field(TlsMode.OFF, description="off, self-signed or ca (a local CA signs the certificate)")
    tls_dir: Path = Field(Path(".micc-sim/tls"), description="where the TLS certificates are kept")
    tls_names: list[str] = Field(default_factory=list, description="extra host names for the certificate")
    journal_size: int = Field(10_000, ge=0, description="requests kept in the request journal")
    notifications: NotifySettings = Field(
        default_factory=NotifySettings, description="CloudLink notification delivery (docs/cloudlink-notifications.md)")
    metrics_interval: float = Field(1.0, gt=0, description="simulated seconds between samples of the time series")
    metrics_size: int = Field(3600, ge=1, description="samples kept in the time series (a ring)")

    @field_validator("quirks")
    @classmethod
    def _known_quirks(cls, value: dict[str, bool]) -> dict[str, bool]:
        unknown = set(value) - set(Quirks.names())
        if unknown:
            raise ValueError(f"unknown quirk(s) {sorted(unknown)}; known: {', '.join(Quirks.names())}")
        return value

    def make_quirks(self) -> Quirks:
        quirks = Quirks()
        for name, on in self.quirks.items():
            quirks.set(name, on)
        return quirks
