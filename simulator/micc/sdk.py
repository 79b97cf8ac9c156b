"""The MiCC SDK surface: its contract and the stateful handlers of each tag, keyed by operationId.

Operations of the contract that no tag module handles are answered with synthesized data
(``simulator.spec.synthesis``); ``micc-sim coverage`` lists which is which.
"""

from __future__ import annotations

from simulator.micc.openmedia.responses import HANDLERS as OPENMEDIA
from simulator.spec.router import Handler

CONTRACT = "micc-sdk"

HANDLERS: dict[str, Handler] = {**OPENMEDIA}
