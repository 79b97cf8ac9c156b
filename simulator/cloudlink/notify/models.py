"""Publications: what every CloudLink service (and any client, with ``POST /publications``) records in Notify.

A service that changes something calls :meth:`Notify.publish` with the seed's topic (``platform-api-admin``,
``-conversations``, ``-media``, ``-presence``), the method (``POST``, ``PUT``, ``DELETE``, ...), the subject
(the resource path, e.g. ``/2017-09-01/endpoints/1005/calls/123``) and the content (the resource as the API
returns it). Subscriptions and their delivery listen here; publishing never waits for a delivery.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LOG_SIZE = 10_000


@dataclass
class Publication:
    publication_id: str
    topic: str
    method: str
    subject: str
    content: Any
    created_on: datetime
    correlation_id: str
    account_id: str | None = None
    principal_id: str | None = None
    principal_filter: list[str] | None = None  # only these principals are notified (None: anyone subscribed)


Listener = Callable[[Publication], None]


@dataclass
class Notify:
    clock_now: Callable[[], datetime]
    log: deque[Publication] = field(default_factory=lambda: deque(maxlen=LOG_SIZE))
    _listeners: list[Listener] = field(default_factory=list)

    def publish(self, topic: str, method: str, subject: str, content: Any, *, account_id: str | None = None,
                principal_id: str | None = None, correlation_id: str | None = None,
                principal_filter: list[str] | None = None) -> Publication:
        publication = Publication(uuid.uuid4().hex, topic, method.upper(), subject, content, self.clock_now(),
                                  correlation_id or str(uuid.uuid4()), account_id, principal_id, principal_filter)
        self.log.append(publication)
        for listener in list(self._listeners):
            listener(publication)
        return publication

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with each publication from now on; returns the way to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)
