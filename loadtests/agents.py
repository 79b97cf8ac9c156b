"""Locustfile: agent desktops, fed by a capped integration, with the agents' behaviour set for the run
(``micc-sim load agents``)::

    locust -f loadtests/agents.py --headless --host http://127.0.0.1:8080 -u 5 -t 60s \
        --micc-handle-time lognormal:120:0.5 --micc-not-ready every=exponential:900,lasts=uniform:60:300
"""

from micc_sim.harness.load.locustfile import AgentDesktop, ChatFeed, ProfileShape

__all__ = ["AgentDesktop", "ChatFeed", "ProfileShape"]
