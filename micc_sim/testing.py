"""Running a real simulator in-process on a loopback port, for tests, `micc-sim contract` and the like."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from micc_sim.app import create_app
from micc_sim.runtime import Simulator
from micc_sim.serving import uvicorn_options
from micc_sim.tls import TlsFiles

SHUTDOWN_GRACE = 2  # seconds open requests (a hub client's long poll or event stream) get when the server stops


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class RunningSimulator:
    sim: Simulator
    base_url: str


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # signals belong to the main thread
        pass

    async def main_loop(self) -> None:
        """uvicorn's loop, looking for ``should_exit`` every 10 ms instead of every 100 ms: a test suite starts
        and stops hundreds of servers, and each stop waited half a tick on average."""
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 8_640_000
            await asyncio.sleep(0.01)

    async def shutdown(self, sockets: Any = None) -> None:
        """uvicorn's shutdown, but its fixed 0.1 s pause for connections to finish ends as soon as they have."""
        wait_tasks = getattr(self, "_wait_tasks_to_complete", None)
        if wait_tasks is None:  # another uvicorn: its own shutdown
            await super().shutdown(sockets=sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        for _ in range(20):
            if not self.server_state.connections:
                break
            await asyncio.sleep(0.005)
        try:
            async with asyncio.timeout(self.config.timeout_graceful_shutdown):
                await wait_tasks()
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()


@contextlib.contextmanager
def serve_in_thread(sim: Simulator, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 15,
                    tls: TlsFiles | None = None) -> Iterator[RunningSimulator]:
    """Serve ``sim`` with uvicorn on a background thread until the block ends (HTTPS with ``tls``)."""
    port = port or free_port(host)
    sim.own_sockets.add(host, port)
    ssl = {"ssl_certfile": str(tls.cert), "ssl_keyfile": str(tls.key)} if tls else {}
    server = _ThreadedServer(uvicorn.Config(create_app(sim), host=host, port=port, log_level="warning",
                                            lifespan="on", timeout_graceful_shutdown=SHUTDOWN_GRACE,
                                            **uvicorn_options(sim.settings), **ssl))  # http: HttpProtocol, limited
    thread = threading.Thread(target=server.run, name="micc-sim", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the simulator did not start on {host}:{port}")
        time.sleep(0.01)
    try:
        yield RunningSimulator(sim, f"{'https' if tls else 'http'}://{host}:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
