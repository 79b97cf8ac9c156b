"""The simulator's own time series, sampled on the simulated clock, and the same numbers for Prometheus.

A sample holds, at one simulated instant, each open-media queue's waiting items, longest wait, running
counts (offered, answered, handled, abandoned, failed) and agents (logged in, available, busy with an item,
not ready), the same for the whole world, and the live interactions. The sampler takes one whenever simulated time has
moved on by ``interval`` seconds: a background task looks every ``TICK`` wall seconds, and a read of the
series looks too, so a manual clock gets a sample after each move. Samples are kept in a ring.

What a sample could miss between two ticks the sampler counts from the domain events as they happen: each
queue's peak of waiting items (the queue-cap check of a load test rests on it) and the interactions created
since the series was cleared (with the world's own counts per state, the no-interaction-lost check).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import time
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from micc_sim.faces.micc.wire import dotnet_datetime
from micc_sim.runtime import Simulator
from micc_sim.world.core import World
from micc_sim.world.events import OpenMediaChanged
from micc_sim.world.model import (
    LIVE_STATES,
    ConversationState,
    Employee,
    MediaType,
    PresenceAvailability,
    Queue,
)

_LIVE_BY_NAME = {state.name: state for state in LIVE_STATES}  # an event names the state it left
_IN_QUEUE, _OFFERED_NAME = ConversationState.InQueue, ConversationState.Offered.name  # (read once: on 3.11 an
# enum's member costs a metaclass lookup)
TICK = 0.2  # wall seconds between looks at the clock
QUEUE_FIELDS = ("waiting", "longest_wait", "offered", "answered", "handled", "abandoned", "failed")
AGENT_FIELDS = ("agents_logged_in", "agents_available", "agents_busy", "agents_not_ready")


@dataclass(frozen=True)
class Sample:
    at: datetime
    wall: float  # the computer's time when it was taken (epoch seconds): reports line the two clocks up
    live: int
    agents: tuple[int, ...]  # AGENT_FIELDS, over every agent
    queues: dict[str, tuple[float, ...]]  # open-media queue id -> QUEUE_FIELDS + AGENT_FIELDS (its agents)

    def totals(self) -> tuple[float, ...]:
        rows = list(self.queues.values())
        longest = max((r[1] for r in rows), default=0.0)
        return tuple(longest if i == 1 else sum(r[i] for r in rows) for i in range(len(QUEUE_FIELDS)))

    def row(self, queue_id: str | None) -> dict[str, float]:
        """The queue's numbers and its agents', or (``None``) the totals and every agent."""
        if queue_id is None:
            return dict(zip(QUEUE_FIELDS + AGENT_FIELDS, self.totals() + self.agents, strict=True))
        values = self.queues.get(queue_id) or (0,) * (len(QUEUE_FIELDS) + len(AGENT_FIELDS))
        return dict(zip(QUEUE_FIELDS + AGENT_FIELDS, values, strict=True))


@dataclass
class Ledger:
    """What happened since the series was cleared, counted event by event."""

    world: weakref.ref[World] | None = None  # the world the counts belong to (not kept alive by us)
    replaced: bool = False  # the world was reset, replaced or restored since: counts span two worlds
    cleared_at: datetime | None = None
    created: int = 0
    states: Counter[ConversationState] = field(default_factory=Counter)  # mirror of the world's live states
    peaks: dict[str, int] = field(default_factory=dict)  # queue id -> most items waiting at once
    # the items created since the clear, by state name: those live at the clear are not the run's, and counting
    # the world's deltas instead made a state negative when such an item ended during the run
    run_states: Counter[str] = field(default_factory=Counter)
    run_live: set[str] = field(default_factory=set)  # ids of the run's items still live (bounded by the world's)

    def counts(self, world: World) -> bool:
        """Whether these counts are this world's."""
        return self.world is not None and self.world() is world


HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)  # seconds


class HttpFigures:
    """Requests to the faces, counted as the journal records them: by face, operation and status, and each
    face's latency as a histogram. The operation is the one the face's router matched (none for paths no
    contract has: hubs, socket.io, pages), so counting costs no lookup."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.buckets: dict[str, list[int]] = {}  # face -> count per bucket (the last: above every bound)
        self.sums: Counter[str] = Counter()

    def count(self, entry: Any) -> None:
        if entry.kind != "http":
            return
        operation = entry._operation if isinstance(entry._operation, str) else ""
        self.requests[(entry.face, operation, str(entry.status))] += 1
        seconds = entry.duration_ms / 1000
        counts = self.buckets.get(entry.face)
        if counts is None:
            counts = self.buckets[entry.face] = [0] * (len(HTTP_BUCKETS) + 1)
        counts[bisect.bisect_left(HTTP_BUCKETS, seconds)] += 1
        self.sums[entry.face] += seconds

    def families(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        requests = CounterMetricFamily("micc_sim_http_requests", "Requests to the faces, by face, operationId and "
                                       "status", labels=["face", "operation", "status"])
        for (face, operation, status), n in sorted(self.requests.items()):
            requests.add_metric([face, operation, status], n)
        yield requests
        latency = HistogramMetricFamily("micc_sim_http_request_duration_seconds", "Time to answer, by face",
                                        labels=["face"])
        for face, counts in sorted(self.buckets.items()):
            cumulative = list(itertools.accumulate(counts))
            buckets = [(str(bound), cumulative[i]) for i, bound in enumerate(HTTP_BUCKETS)]
            latency.add_metric([face], [*buckets, ("+Inf", cumulative[-1])], sum_value=self.sums[face])
        yield latency


class MetricsSampler:
    def __init__(self, sim: Simulator, interval: float = 1.0, size: int = 3600) -> None:
        self.sim = sim
        self.interval = interval
        self.samples: deque[Sample] = deque(maxlen=size)
        self.dropped = 0
        self.ledger = Ledger()
        self.caps: dict[str, int] = {}  # queue id -> the queue cap of the load run under way (shown, not enforced)
        self.http = HttpFigures()
        self.clear()
        sim.bus.subscribe(OpenMediaChanged, self._changed)
        sim.journal.subscribe(self.http.count)

    # -- counting from events --------------------------------------------------------------------
    def _changed(self, event: OpenMediaChanged) -> None:
        world, ledger, item = self.sim.world, self.ledger, event.item
        state = item.state
        if ledger.world is None or ledger.world() is not world:
            # a new world: its counts now (this change included) are the base
            ledger.world, ledger.replaced = weakref.ref(world), True
            ledger.states = Counter({s: n for s, n in world.state_counts().items() if s in LIVE_STATES})
        else:
            states = ledger.states
            previous = _LIVE_BY_NAME.get(event.previous)  # None when created or not live
            if previous is not None:
                states[previous] -= 1
            if state in LIVE_STATES:
                states[state] += 1
        if event.previous is None:
            ledger.created += 1
            ledger.run_states[state.name] += 1
            if state in LIVE_STATES:
                ledger.run_live.add(item.id)
        elif item.id in ledger.run_live:
            ledger.run_states[event.previous] -= 1
            ledger.run_states[state.name] += 1
            if state not in LIVE_STATES:
                ledger.run_live.discard(item.id)
        if state is _IN_QUEUE and (queue := world.queues.get(item.queue_id or "")) is not None:
            waiting = len(queue.waiting.ids)
            if event.previous == _OFFERED_NAME and item.id not in queue.waiting:
                waiting += 1  # a requeued item is announced just before it goes back in line
            if waiting > ledger.peaks.get(queue.id, 0):
                ledger.peaks[queue.id] = waiting

    def clear(self) -> None:
        """Forget the samples and start counting afresh (a load run does this when it starts)."""
        world = self.sim.world
        self.samples.clear()
        self.caps.clear()
        self.dropped = 0
        counts = world.state_counts()
        self.ledger = Ledger(world=weakref.ref(world), cleared_at=self.sim.clock.now(),
                             states=Counter({s: n for s, n in counts.items() if s in LIVE_STATES}))
        self.sample_now()

    # -- sampling ----------------------------------------------------------------------------------
    def take(self) -> Sample:
        world, now = self.sim.world, self.sim.clock.now()
        queues: dict[str, tuple[float, ...]] = {}
        for queue in world.queues.values():
            if queue.media_type is MediaType.OpenMedia:
                queues[queue.id] = _queue_row(world, queue, now)
        live = sum(n for n in self.ledger.states.values() if n > 0)
        return Sample(now, time.time(), live, _agent_counts(world.employees.values()), queues)

    def sample_now(self) -> Sample:
        sample = self.take()
        for queue_id, row in sample.queues.items():
            if row[0] > self.ledger.peaks.get(queue_id, 0):
                self.ledger.peaks[queue_id] = int(row[0])
        if len(self.samples) == self.samples.maxlen:
            self.dropped += 1
        self.samples.append(sample)
        return sample

    def maybe_sample(self) -> None:
        """A sample if simulated time has moved on by the interval since the last one."""
        last = self.samples[-1].at if self.samples else None
        if last is None or (self.sim.clock.now() - last).total_seconds() >= self.interval:
            self.sample_now()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The control face's lifespan: sample while the server is up."""

        async def loop() -> None:
            while True:
                await asyncio.sleep(TICK)
                self.maybe_sample()

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- views -------------------------------------------------------------------------------------
    def series(self, queue: Queue | None = None, since: datetime | None = None) -> dict[str, Any]:
        self.maybe_sample()
        world, ledger = self.sim.world, self.ledger
        rows = []
        for sample in self.samples:
            if since is not None and sample.at <= since:
                continue
            rows.append({"at": dotnet_datetime(sample.at), "wall": round(sample.wall, 3), "live": sample.live,
                         **sample.row(None if queue is None else queue.id)})
        peaks = {world.queues[q].reporting: n for q, n in ledger.peaks.items() if q in world.queues}
        return {
            "interval": self.interval, "size": self.samples.maxlen, "dropped": self.dropped,
            "queue": None if queue is None else {"id": queue.id, "name": queue.name, "reporting": queue.reporting},
            "peak_waiting": (ledger.peaks.get(queue.id, 0) if queue is not None
                             else max(ledger.peaks.values(), default=0)),
            "peaks": peaks,
            "interactions": {
                "cleared_at": dotnet_datetime(ledger.cleared_at),
                "world_replaced": ledger.replaced or not ledger.counts(world),
                "created": ledger.created,
                "states": {name: n for name, n in sorted(ledger.run_states.items()) if n},
                "live": len(ledger.run_live),
            },
            "samples": rows,
        }

    def prometheus(self) -> bytes:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Exporter(self))
        return generate_latest(registry)


def _queue_row(world: World, queue: Queue, now: datetime) -> tuple[float, ...]:
    waiting = queue.waiting
    oldest = world.items[waiting[0]].time_offered_to_queue if waiting else None
    longest = round((now - oldest).total_seconds(), 3) if oldest else 0.0
    s = queue.stats
    return (len(waiting), longest, s.offered, s.answered, s.handled, s.abandoned, s.failed,
            *_agent_counts(world.members(queue)))


def _agent_counts(employees: Iterable[Employee]) -> tuple[int, ...]:
    """AGENT_FIELDS: logged in, available, busy (an item offered or in hand), not ready (another presence)."""
    agents = [e for e in employees if e.is_agent and e.logged_in]
    return (len(agents), sum(1 for e in agents if e.presence is PresenceAvailability.Available),
            sum(1 for e in agents if e.active_items),
            sum(1 for e in agents if e.presence is not PresenceAvailability.Available))


class _Exporter(Collector):
    """The numbers of a fresh sample, the queues' peaks and the interactions created, as Prometheus sees them."""

    def __init__(self, sampler: MetricsSampler) -> None:
        self.sampler = sampler

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        sampler = self.sampler
        world = sampler.sim.world
        sample = sampler.take()
        labels = ["queue", "reporting"]
        families = {
            "waiting": GaugeMetricFamily("micc_sim_queue_waiting", "Items waiting in the queue", labels=labels),
            "longest_wait": GaugeMetricFamily("micc_sim_queue_longest_wait_seconds",
                                              "Simulated seconds the oldest waiting item has waited", labels=labels),
        }
        for name in QUEUE_FIELDS[2:]:
            families[name] = CounterMetricFamily(f"micc_sim_queue_{name}", f"Items {name} in the queue",
                                                 labels=labels)
        peak = GaugeMetricFamily("micc_sim_queue_peak_waiting",
                                 "Most items waiting at once since the series was cleared", labels=labels)
        for queue_id, row in sample.queues.items():
            queue = world.queues[queue_id]
            for name, value in zip(QUEUE_FIELDS, row, strict=False):
                families[name].add_metric([queue.name, queue.reporting], value)
            peak.add_metric([queue.name, queue.reporting], sampler.ledger.peaks.get(queue_id, 0))
        yield from families.values()
        yield peak
        agents = GaugeMetricFamily("micc_sim_agents", "Agents logged in, by what they are doing", labels=["state"])
        for name, value in zip(AGENT_FIELDS, sample.agents, strict=True):
            agents.add_metric([name.removeprefix("agents_")], value)
        yield agents
        live = GaugeMetricFamily("micc_sim_interactions_live", "Open media items in a live state")
        live.add_metric([], sample.live)
        yield live
        created = CounterMetricFamily("micc_sim_interactions_created", "Open media items created since cleared")
        created.add_metric([], sampler.ledger.created)
        yield created
        clock = GaugeMetricFamily("micc_sim_clock_seconds", "The simulated clock, as a Unix time")
        clock.add_metric([], sample.at.timestamp())
        yield clock
        yield from _world_families(sampler.sim)
        yield from sampler.http.families()
        connections = GaugeMetricFamily("micc_sim_connections", "Open connections, by transport",
                                        labels=["transport"])
        for transport, count in sorted(sampler.sim.connection_counts.items()):
            connections.add_metric([transport], count())
        yield connections


def _world_families(sim: Simulator) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
    """The world's figures by state, and what the harness did to it: faults fired, notifications delivered."""
    world = sim.world
    items = GaugeMetricFamily("micc_sim_open_media_items", "Open media items the world holds, by state",
                              labels=["state"])
    for state, n in sorted(world.state_counts().items()):
        items.add_metric([state.name], n)
    yield items
    presence = GaugeMetricFamily("micc_sim_agents_by_presence", "Agents by presence (logged out: Offline)",
                                 labels=["presence"])
    for name, n in sorted(Counter(e.presence.name for e in world.employees.values() if e.is_agent).items()):
        presence.add_metric([name], n)
    yield presence
    fired = CounterMetricFamily("micc_sim_faults_fired", "Requests a fault rule answered, by rule",
                                labels=["rule", "kind", "face"])
    for rule in sim.faults.rules:
        fired.add_metric([rule.id, rule.spec.kind, rule.spec.face or ""], rule.fired)
    yield fired
    counts = sim.cloudlink.notify.counts()
    finished = CounterMetricFamily("micc_sim_notifications_finished", "CloudLink deliveries finished, by outcome "
                                   "(failed: dead letters after every retry)", labels=["outcome"])
    pending = GaugeMetricFamily("micc_sim_notifications_pending", "CloudLink deliveries not finished, by state",
                                labels=["state"])
    overflowed = counts.pop("overflowed", 0)
    for state, n in counts.items():
        (finished if state in ("delivered", "failed", "cancelled") else pending).add_metric([state], n)
    yield finished
    yield pending
    dropped = CounterMetricFamily("micc_sim_notifications_overflowed", "CloudLink publications not queued for a "
                                  "subscription that already held notifications.max_pending unfinished deliveries")
    dropped.add_metric([], overflowed)
    yield dropped
