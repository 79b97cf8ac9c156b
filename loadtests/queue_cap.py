"""Locustfile: an Open Media integration keeping its queue cap while chats arrive (``micc-sim load queue-cap``).

Plain locust runs it against a simulator that is already up (its control API prepares the world and clears
the time series when the run starts; docs/load-testing.md has the options)::

    locust -f loadtests/queue_cap.py --headless --host http://127.0.0.1:8080 -u 2 -t 60s --micc-cap 10 --micc-rate 1
"""

from micc_sim.harness.load.locustfile import OpenMediaIntegration, ProfileShape

__all__ = ["OpenMediaIntegration", "ProfileShape"]  # what locust collects from this file
