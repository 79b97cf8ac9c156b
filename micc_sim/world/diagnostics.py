"""What the SDK's diagnostics operations change and report: monitors registered on the server for an employee
(beside the real-time hubs' own subscriptions, which the face counts), problem reports applications send, and
the router's commands, which answer from the world's routing state."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from micc_sim.world.config import stable_id

if TYPE_CHECKING:
    from micc_sim.world.core import World

MONITOR_KINDS = ("statemonitor", "agentstatemonitors", "agentinboxmonitors")
MAX_REPORTS = 1000
MAX_LOG_LINES = 1000


@dataclass(frozen=True)
class ProblemReport:
    id: str
    at: datetime
    application: str
    description: str
    logs: tuple[str, ...]


class Diagnostics:
    def __init__(self) -> None:
        self.monitors: Counter[tuple[str, str]] = Counter()  # (kind, employee id) -> monitors registered
        self.reports: deque[ProblemReport] = deque(maxlen=MAX_REPORTS)

    def add_monitor(self, kind: str, employee_id: str, skip_if_contained: bool, already: int) -> int:
        """Register a monitor of ``kind`` for the employee (``already``: monitors the hubs hold for them);
        with ``skip_if_contained`` none is added when one exists. Returns the count afterwards."""
        key = (kind, employee_id)
        if not (skip_if_contained and self.monitors[key] + already > 0):
            self.monitors[key] += 1
        return self.monitors[key]

    def remove_monitors(self, kind: str, employee_id: str) -> int:
        """Remove the monitors of ``kind`` registered for the employee; returns how many."""
        return self.monitors.pop((kind, employee_id), 0)

    def report(self, at: datetime, application: str, description: str, logs: list[str]) -> ProblemReport:
        report = ProblemReport(stable_id("problemreport", f"{len(self.reports)}:{at.isoformat()}:{application}"),
                               at, application, description, tuple(logs[:MAX_LOG_LINES]))
        self.reports.append(report)
        return report


ROUTER_COMMANDS = {
    "help": "the commands the router takes",
    "queues": "each queue: waiting conversations, agents available, offline or not",
    "agents": "each agent: logged in, presence, items held of their workload",
    "items": "open media items per state",
    "dispatch": "offer waiting items to free agents now; answers how many offers were made",
}


def router_command(world: World, name: str, value: str) -> str:
    """The text the router answers a command with (commands inferred; ``Help`` lists them)."""
    command = name.strip().lower()
    if command == "help":
        return "\n".join(f"{n.capitalize()}: {text}" for n, text in ROUTER_COMMANDS.items())
    if command == "queues":
        lines = []
        for q in world.queues.values():
            now = world.queue_now(q)
            offline = world.offline_reason(q)
            lines.append(f"{q.reporting} {q.name}: waiting {now.waiting}, available {now.agents_available}"
                         + (f", offline ({offline})" if offline else ""))
        return "\n".join(lines)
    if command == "agents":
        return "\n".join(f"{e.reporting} {e.username}: {'logged in' if e.logged_in else 'logged out'}, "
                         f"{e.presence.name}, {len(e.active_items)}/{e.max_concurrent}"
                         for e in world.employees.values() if e.is_agent)
    if command == "items":
        counts = world.state_counts()
        return "\n".join(f"{state.name}: {count}" for state, count in sorted(counts.items()))
    if command == "dispatch":
        return f"{world.dispatch()} offers made"
    raise ValueError(f"unknown router command {name!r}; Help lists them")
