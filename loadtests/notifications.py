"""Locustfile: CloudLink users calling each other, chatting and changing presence, while a consumer receives
the notifications by signed webhook and MQTT over WebSocket (``micc-sim load notifications``)::

    locust -f loadtests/notifications.py --headless --host http://127.0.0.1:8080 -u 5 -r 5 -t 60s --micc-rate 2

Run this way, the master (or the single process) hosts the consumer: it subscribes when the test starts and,
when it stops, judges the run from the simulator's logs as ``micc-sim load`` does, logs the checks and makes
locust exit with 1 if one failed (``micc-sim load notifications`` also writes the report).
"""

from __future__ import annotations

import logging
from typing import Any

from locust import events
from locust.runners import WorkerRunner

from micc_sim.harness.load.locustfile import CloudLinkActivity, ProfileShape
from micc_sim.harness.load.notifications import Consumer, judge, latency_summary

__all__ = ["CloudLinkActivity", "ProfileShape"]
log = logging.getLogger("micc_sim.load")
RUN: dict[str, Any] = {}


@events.test_start.add_listener
def _subscribe(environment: Any, **_: Any) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return
    o = environment.parsed_options
    consumer = Consumer(environment.host, o.micc_cloudlink_login, o.micc_cloudlink_password, seed=o.micc_seed)
    running = consumer.running()
    running.__enter__()
    RUN.update(consumer=consumer, running=running)


@events.test_stop.add_listener
def _judge(environment: Any, **_: Any) -> None:
    consumer, running = RUN.pop("consumer", None), RUN.pop("running", None)
    if consumer is None:
        return
    try:
        seen = consumer.observe(consumer.settle())
        checks = judge(consumer, seen)
        for transport, v in latency_summary(seen.deliveries).items():
            log.info("publish to delivered (%s): %s delivered, p50 %s ms, p99 %s ms", transport, v["delivered"],
                     v["p50_ms"], v["p99_ms"])
        for check in checks:
            log.info("%s  %s: %s", "pass" if check.passed else "FAIL", check.name, check.detail)
        if not all(c.passed for c in checks):
            environment.process_exit_code = 1
    finally:
        running.__exit__(None, None, None)
