"""The notifications' delivery face: the MQTT-over-WebSocket endpoint and, while the server is up, the embedded
broker and the delivery worker (the REST operations are served with the other CloudLink services)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.routing import WebSocketRoute

from micc_sim.face import Face
from micc_sim.faces.cloudlink.notify.delivery import DeliveryWorker
from micc_sim.faces.cloudlink.notify.mqtt import PATH, MqttBroker


def face(sim: Any) -> Face:
    broker = MqttBroker(sim)
    worker = DeliveryWorker(sim, broker)
    sim.connection_counts["mqtt"] = lambda: len(broker.connections)

    @contextlib.asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        await broker.start()
        try:
            async with worker.running():
                yield
        finally:
            await broker.stop()

    # listed before the CloudLink face, whose /notifications/2017-09-01 mount would take the WebSocket too
    return Face("cloudlink-notify", [WebSocketRoute(PATH, broker.endpoint)], lifespan)
