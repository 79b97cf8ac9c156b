"""Locustfile: the reads integrations and wallboards make (Queue Now, agent states, open-media polling), with
one capped integration feeding items (``micc-sim load api-mix``)::

    locust -f loadtests/api_mix.py --headless --host http://127.0.0.1:8080 -u 20 -r 5 -t 60s --micc-shape ramp
"""

from micc_sim.harness.load.locustfile import ApiReader, ChatFeed, ProfileShape

__all__ = ["ApiReader", "ChatFeed", "ProfileShape"]
