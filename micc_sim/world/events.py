"""Typed domain events and the bus that fans them out to every face.

The world publishes an event after each change; faces (hubs, the agent desktop, CloudLink
publications, the dashboard) subscribe and turn events into wire messages. Handlers run
synchronously, in publish order, on the event loop that changed the world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from micc_sim.world.interactions import Interaction
    from micc_sim.world.model import Employee, OpenMediaItem


@dataclass(frozen=True)
class Event:
    at: datetime


@dataclass(frozen=True)
class OpenMediaChanged(Event):
    item: OpenMediaItem
    previous: str | None  # the ConversationState before the change, None when created

    def __init__(self, at: datetime, item: OpenMediaItem, previous: str | None) -> None:
        # every move of an item makes one: filling __dict__ costs half of three frozen __setattr__ calls
        fields = self.__dict__
        fields["at"], fields["item"], fields["previous"] = at, item, previous


@dataclass(frozen=True)
class InteractionChanged(Event):
    """A call, chat, e-mail or SMS changed: its state, or (``what``) its data, reservation or recording."""

    interaction: Interaction
    previous: str | None  # the InteractionState before the change, None when created
    what: str = "state"


@dataclass(frozen=True)
class EmployeeStateChanged(Event):
    employee: Employee


@dataclass(frozen=True)
class SessionsEnded(Event):
    """The AuthorizationServer dropped every session (a simulated IIS restart)."""

    reason: str


Handler = Callable[[Event], None]


class EventBus:
    """Handlers run in the order they subscribed. Which handlers an event reaches depends on its type only,
    so the list is worked out once per type (and again after a subscription changes), not per event."""

    def __init__(self) -> None:
        self._handlers: list[tuple[type[Event], Handler]] = []
        self._by_type: dict[type[Event], tuple[Handler, ...]] = {}

    def subscribe(self, kind: type[Event], handler: Handler) -> Callable[[], None]:
        entry = (kind, handler)
        self._handlers.append(entry)
        self._by_type.clear()

        def unsubscribe() -> None:
            self._handlers.remove(entry)
            self._by_type.clear()

        return unsubscribe

    def publish(self, event: Event) -> None:
        handlers = self._by_type.get(type(event))
        if handlers is None:
            handlers = self._by_type[type(event)] = tuple(
                handler for kind, handler in self._handlers if isinstance(event, kind))
        for handler in handlers:  # those subscribed when it was published: one subscribing meanwhile hears the next
            handler(event)
