"""Random durations for virtual agents: distributions, and draws that a seed makes repeatable.

A draw is a pure function of (seed, agent id, stream, n): the n-th accept delay of agent 1001 is the same on
every run with the same seed, whatever the other agents did in between. Only the counters (how many draws each
agent has taken from each stream) are state, kept on the agent, so a snapshot restores them exactly and a
restored world draws what the saved one would have drawn next.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol

_STANDARD_NORMAL = NormalDist()


class Distribution(Protocol):
    """Turns a uniform number in (0, 1) into a duration in seconds (inverse transform sampling)."""

    @property
    def mean(self) -> float: ...

    def sample(self, u: float) -> float: ...


@dataclass(frozen=True)
class Fixed:
    value: float

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, u: float) -> float:
        return self.value


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, u: float) -> float:
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Exponential:
    mean_value: float

    @property
    def mean(self) -> float:
        return self.mean_value

    def sample(self, u: float) -> float:
        return -self.mean_value * math.log1p(-u)


@dataclass(frozen=True)
class LogNormal:
    """Parametrised by its mean (what a handle-time report shows) and the sigma of the underlying normal."""

    mean_value: float
    sigma: float

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def median(self) -> float:
        return math.exp(self._mu)

    @property
    def _mu(self) -> float:
        return math.log(self.mean_value) - self.sigma**2 / 2

    def sample(self, u: float) -> float:
        return math.exp(self._mu + self.sigma * _STANDARD_NORMAL.inv_cdf(u))


def uniform(seed: int, agent_id: str, stream: str, n: int) -> float:
    """A number in (0, 1), the same for the same arguments on every machine (BLAKE2b, not ``hash()``)."""
    digest = hashlib.blake2b(f"{seed}:{agent_id}:{stream}:{n}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2**64


class Draws:
    """Where virtual agents get their random durations: one numbered stream per agent and purpose."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def draw(self, distribution: Distribution, agent_id: str, counters: dict[str, int], stream: str) -> float:
        n = counters.get(stream, 0)
        counters[stream] = n + 1
        return max(0.0, distribution.sample(uniform(self.seed, agent_id, stream, n)))
