"""A face: one surface of the simulator, as the app composes it.

Each face package (``micc_sim.faces.micc``, ``micc_sim.faces.desktop``, ``micc_sim.faces.cloudlink``, ...) offers a
``face(sim) -> Face``: the routes it serves and, when it runs something while the server is up (a
keep-alive loop, a delivery worker, a broker), a lifespan that starts and stops it; when it must see
requests before routing (host-style URLs), a step of the request chain (``micc_sim.chain``: an object
with ``before(exchange)`` and/or ``after(exchange)``). ``app.py`` only lists faces; no face knows
about another.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from starlette.routing import BaseRoute


@dataclass
class Face:
    name: str
    routes: list[BaseRoute]
    lifespan: Callable[[], AbstractAsyncContextManager[None]] | None = field(default=None)
    steps: list[object] = field(default_factory=list)  # chain steps, run for every request before routing
