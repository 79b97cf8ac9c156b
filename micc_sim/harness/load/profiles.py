"""The load profiles (which locust users a run starts) and the command-line forms of agent behaviour.

Durations are written ``3`` (fixed), ``fixed:3``, ``uniform:LOW:HIGH``, ``exponential:MEAN``,
``lognormal:MEAN[:SIGMA]`` or ``never``; not-ready spells ``every=DURATION,lasts=DURATION[,presence=Busy]
[,reason=Break]``. Both become the world file's forms (docs/world-files.md), which the world validates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Profile:
    name: str
    users: tuple[str, ...]  # locust user classes of micc_sim/harness/load/locustfile.py
    summary: str


PROFILES = {
    p.name: p for p in (
        Profile("queue-cap", ("OpenMediaIntegration",),
                "an Open Media integration keeping at most --cap items waiting in the queue while chats arrive"),
        Profile("agents", ("ChatFeed", "AgentDesktop"),
                "agent desktops watching their state and inbox, fed by a capped integration; the agents' "
                "behaviour (accept delay, handle time, not-ready spells) set for the run"),
        Profile("api-mix", ("ChatFeed", "ApiReader"),
                "reads: Queue Now, agent states and open-media polling, with one capped integration feeding items"),
        Profile("notifications", ("CloudLinkActivity",),
                "CloudLink users calling each other, chatting and changing presence while a consumer receives the "
                "notifications by signed webhook and MQTT over WebSocket; every one delivered once or a dead letter"),
    )
}

SHAPES = ("steady", "ramp", "spike")


class ProfileTextError(ValueError):
    pass


def parse_duration(text: str) -> float | dict[str, Any] | None:
    """``exponential:120`` -> ``{"distribution": "exponential", "mean": 120.0}``; ``never`` -> None."""
    text = text.strip()
    if text.lower() in ("never", "none", "null"):
        return None
    names = {"fixed": ("value",), "uniform": ("low", "high"), "exponential": ("mean",),
             "lognormal": ("mean", "sigma")}
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    if kind not in names:
        try:
            return float(text)
        except ValueError:
            raise ProfileTextError(f"{text!r}: a number of seconds, never, or one of "
                                   + ", ".join(f"{k}:{':'.join(n.upper() for n in v)}" for k, v in names.items())
                                   ) from None
    try:
        numbers = [float(n) for n in rest.split(":")] if rest else []
    except ValueError:
        raise ProfileTextError(f"{text!r}: numbers expected after {kind}:") from None
    wanted = names[kind]
    if not (len(wanted) == len(numbers) or (kind == "lognormal" and len(numbers) == 1)):
        raise ProfileTextError(f"{text!r}: {kind} takes {':'.join(w.upper() for w in wanted)}")
    return {"distribution": kind, **dict(zip(wanted, numbers, strict=False))}


def parse_not_ready(text: str) -> dict[str, Any] | None:
    """``every=exponential:600,lasts=uniform:60:180,reason=Break`` -> a world file's ``not_ready``."""
    if text.strip().lower() in ("", "never", "none"):
        return None
    spell: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("every", "lasts", "presence", "reason"):
            raise ProfileTextError(f"{part!r}: write every=DURATION,lasts=DURATION[,presence=P][,reason=R]")
        spell[key] = parse_duration(value) if key in ("every", "lasts") else value.strip()
    if "every" not in spell or "lasts" not in spell:
        raise ProfileTextError(f"{text!r}: a not-ready spell needs every= and lasts=")
    return spell


def behaviour(accept_delay: str | None, handle_time: str | None, not_ready: str | None) -> dict[str, Any] | None:
    """An agent profile from the command line's texts, or None when none was given (the world's stays)."""
    profile: dict[str, Any] = {}
    if accept_delay:
        profile["accept_delay"] = parse_duration(accept_delay)
    if handle_time:
        profile["handle_time"] = parse_duration(handle_time)
    if not_ready:
        profile["not_ready"] = parse_not_ready(not_ready)
    return profile or None


def shape_users(shape: str, users: int, elapsed: float, duration: float) -> int:
    """Users wanted at ``elapsed`` seconds of a ``duration``-second run: steady (``users`` all along), ramp
    (from 1 to ``users`` over the first 80%, then held) or spike (a quarter of them, all of them for the
    middle fifth of the run, then a quarter again)."""
    if shape == "ramp":
        return max(1, math.ceil(users * min(1.0, elapsed / (0.8 * duration))))
    if shape == "spike":
        return users if 0.4 * duration <= elapsed < 0.6 * duration else max(1, round(users / 4))
    return users


def cap_shares(cap: int, workers: int) -> list[int]:
    """The cap split between integration processes, so that their items together stay under it."""
    return [cap // workers + (1 if n < cap % workers else 0) for n in range(workers)]
