"""Running a real simulator in-process on a loopback port, for tests, `micc-sim contract` and the like."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

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
