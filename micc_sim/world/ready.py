"""The agents ready for a queue, in the order the router offers to them, found in O(log n).

The router's rule (``routing.pick_agent``) is: least loaded first, then longest idle, then the order of
the queue's members. A queue may have hundreds of agents and every offer asks, so instead of a pass over
them all, :class:`ReadyAgents` keeps a heap of ``(load, idle since, position)``. An agent whose load or idle
time changes is pushed again (the world calls :meth:`moved`); an entry that no longer matches its agent is
stale and dropped when it reaches the top. Agents with no free workload are left out until they have some.
The set of agents (logged in, Available, ready for the media) is fixed: the world builds a new one when
an agent's state changes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from heapq import heapify, heappop, heappush
from itertools import count

from micc_sim.world.model import Employee, MediaType, OpenMediaItem

NEVER = datetime.min.replace(tzinfo=UTC)  # idle since before anyone else

Entry = tuple[int, datetime, int, int, Employee]  # load, idle since, position among the members, a tie-break
# for copies of one entry (so agents are never compared), the agent
_SEQ = count()


class ReadyAgents:
    def __init__(self, agents: list[Employee], media: MediaType) -> None:
        self.agents = agents  # in the order of the queue's members
        self.media = media
        self._position = {agent.id: n for n, agent in enumerate(agents)}
        self._heap: list[Entry] = []
        self._rebuild()

    def __contains__(self, agent: Employee) -> bool:
        return agent.id in self._position

    def moved(self, agent: Employee) -> None:
        """``agent``'s load or idle time changed: place it again."""
        if agent.id in self._position and len(agent.active_items) < agent.max_concurrent:
            heappush(self._heap, self._entry(agent, self._position[agent.id]))
            if len(self._heap) > 2 * len(self.agents) + 16:  # mostly stale entries: start over
                self._rebuild()

    def any_free(self) -> bool:
        """Whether any agent could take an item now."""
        return self._top() is not None

    def pick(self, item: OpenMediaItem) -> Employee | None:
        """The agent ``item`` is offered to (what ``routing.pick_agent`` answers), or None."""
        passed_over: list[Entry] = []
        found = None
        while (entry := self._top()) is not None:
            agent = entry[-1]
            if agent.can_take(self.media) and agent.id not in item.declined_by:
                found = agent
                break
            passed_over.append(heappop(self._heap))  # declined this item (or no longer ready): not for it
        for entry in passed_over:
            heappush(self._heap, entry)
        return found

    def _top(self) -> Entry | None:
        heap = self._heap
        while heap:
            load, since, _, _, agent = heap[0]
            if load == len(agent.active_items) and since == _since(agent) and load < agent.max_concurrent:
                return heap[0]
            heappop(heap)  # stale: the agent moved since (its current entry is further down)
        return None

    def _rebuild(self) -> None:
        self._heap = [self._entry(agent, n) for n, agent in enumerate(self.agents)
                      if len(agent.active_items) < agent.max_concurrent]
        heapify(self._heap)

    @staticmethod
    def _entry(agent: Employee, position: int) -> Entry:
        return len(agent.active_items), _since(agent), position, next(_SEQ), agent


def _since(agent: Employee) -> datetime:
    """The world's times are UTC; one without a zone (from a hand-written snapshot) is read as UTC."""
    since = agent.idle_since
    if since is None:
        return NEVER
    return since if since.tzinfo is not None else since.replace(tzinfo=UTC)
