"""An ``HTTPS_PROXY`` for Mitel's hosts: ``micc-sim serve --tls ca --proxy-port 8888``.

Clients that honour ``HTTPS_PROXY`` (curl, Python's requests and httpx, Java with ``-Dhttps.proxyHost``, Node
with a proxy agent) send ``CONNECT media.api.mitel.io:443``; the proxy opens a tunnel to the simulator's own
TLS listener, so the client's TLS handshake and request (with the real ``Host``) reach the simulator, whose
certificate covers ``*.api.mitel.io`` (:data:`~micc_sim.faces.cloudlink.hosts.CERTIFICATE_NAMES`). Any other
host is refused (403): this is no open proxy, nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from micc_sim.faces.cloudlink.hosts import PORTAL_HOST

MAX_HEAD = 8192  # bytes of a CONNECT request's head
MAX_TUNNELS = 256
IDLE = 300.0  # seconds a tunnel may stay silent


def mitel_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host in ("api.mitel.io", PORTAL_HOST) or host.endswith(".api.mitel.io")


def _answer(status: str) -> bytes:
    return f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()


class MitelProxy:
    """Tunnels ``CONNECT <mitel host>:443`` to ``target`` (the simulator's TLS listener)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._slots = asyncio.Semaphore(MAX_TUNNELS)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with self._slots:
                await self._tunnel(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the server stopped and its loop closed under the tunnel
                writer.close()

    async def _tunnel(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(30):
            head = await reader.readuntil(b"\r\n\r\n")
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = request_line.partition(" ")
        authority = rest.partition(" ")[0]
        host, _, port = authority.rpartition(":")
        if method.upper() != "CONNECT" or not host:
            writer.write(_answer("405 Method Not Allowed"))  # only tunnels: https:// URLs through HTTPS_PROXY
            await writer.drain()
            return
        if not mitel_host(host) or port not in ("443", ""):
            writer.write(_answer("403 Forbidden"))  # not one of Mitel's hosts: refused, nothing is forwarded
            await writer.drain()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            with contextlib.suppress(RuntimeError):  # the loop closed under the tunnel
                upstream_writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while True:
            async with asyncio.timeout(IDLE):
                chunk = await source.read(65536)
            if not chunk:
                break
            sink.write(chunk)
            await sink.drain()
    finally:
        with contextlib.suppress(Exception):
            sink.write_eof()


@contextlib.contextmanager
def proxy_in_thread(host: str, port: int, target_host: str, target_port: int) -> Iterator[int]:
    """Serve the proxy on ``host:port`` (0: any free port) on a thread of its own; yields the port."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    bound: list[int] = []

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(MitelProxy(target_host, target_port).handle, host, port,
                                            limit=MAX_HEAD)
        bound.append(server.sockets[0].getsockname()[1])
        started.set()
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(serve())
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

    thread = threading.Thread(target=run, name="micc-sim-proxy", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError(f"the proxy did not start on {host}:{port}")
    try:
        yield bound[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
