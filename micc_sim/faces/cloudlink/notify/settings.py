"""How the simulator delivers notifications: retries, concurrency, the webhook signature and allowed hosts.

One object in the simulator's settings (``Settings.notifications``; ``MICC_SIM_NOTIFICATIONS`` takes it as JSON,
e.g. ``MICC_SIM_NOTIFICATIONS='{"attempts": 3, "webhook_hosts": ["*"]}'``). The signature's header, algorithm
and encoding are settings because no vendor source confirms them (CloudLink guides names the header and SHA-256 keyed by
the applicationId; third-party receivers verify a hex HMAC-SHA256 of the raw body, the default here).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from micc_sim.faces.cloudlink.notify.models import RetryPolicy


class NotifySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attempts: int = Field(5, ge=1, le=100, description="attempts per delivery in all, the first included")
    first_retry: float = Field(2.0, ge=0, description="simulated seconds before the first retry")
    backoff_factor: float = Field(2.0, ge=1, description="each later wait is this many times the one before")
    timeout: float = Field(10.0, gt=0, description="wall seconds a webhook receiver (or an MQTT PUBACK) may take")
    concurrency: int = Field(16, ge=1, le=1000, description="attempts under way at once, across subscriptions")
    signature_header: str = Field("x-notify-signature", min_length=1)
    signature_algorithm: Literal["sha256", "sha1", "sha512"] = "sha256"
    signature_encoding: Literal["hex", "base64"] = "hex"
    webhook_hosts: list[str] = Field(
        default_factory=lambda: ["localhost", "*.localhost", "127.0.0.0/8", "::1"],
        description="hosts a webhook deviceId may name: names, *.suffix, IP networks, or * for any")
    connection_lifetime: int = Field(3600, gt=0, description="simulated seconds a POST /connections URL is good")
    max_pending: int = Field(1000, ge=1, le=1_000_000, description=(
        "unfinished deliveries one subscription may have (and messages one offline MQTT session may hold); "
        "what comes beyond is dropped and counted as overflowed"))

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.attempts, self.first_retry, self.backoff_factor)
