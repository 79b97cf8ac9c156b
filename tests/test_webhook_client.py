"""The webhook client of the delivery worker, against real receivers on loopback that answer byte by byte as
scripted: the request httpx sent, answers of every framing, kept-alive and dropped connections, failures."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
from collections.abc import Awaitable, Callable

import httpx
import pytest
from cloudlink_notify import api, deliveries, subscribe, wait_until

from micc_sim.faces.cloudlink.notify.webhook_client import (
    ConnectError,
    RemoteProtocolError,
    Timeout,
    TransportError,
    WebhookClient,
)
from micc_sim.tls import TlsMode, ensure_certificates

HEADERS = {"content-type": "application/json; charset=utf-8", "user-agent": "micc-sim-notify",
           "x-mitel-correlation-id": "corr-1", "x-notify-signature": "ab12"}
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

Script = Callable[["Receiver", asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]  # one connection


class Receiver:
    """A loopback server running ``script`` for each connection; keeps every request's raw bytes."""

    def __init__(self, script: Script, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []
        self.handlers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Receiver:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            self.handlers.add(asyncio.current_task())  # type: ignore[arg-type]
            try:
                await self.script(self, reader, writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        for handler in self.handlers:
            handler.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/hooks/1"

    async def request(self, reader: asyncio.StreamReader) -> bytes:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(
            b"content-length:")))
        raw = head + await reader.readexactly(length)
        self.requests.append(raw)
        return raw


def answering(*answers: bytes, then_close: bool = False) -> Script:
    """A script: read a request, write the next answer, on one connection; close after the last if asked."""
    async def script(receiver: Receiver, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for answer in answers:
            await receiver.request(reader)
            writer.write(answer)
            await writer.drain()
        if not then_close:
            await reader.read()  # keep the connection until the client closes it
    return script


def reset_by_peer(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset rather than a FIN."""
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def run(coroutine: Awaitable[None]) -> None:
    asyncio.run(coroutine)  # type: ignore[arg-type]


def test_a_post_is_the_request_httpx_sent_and_one_kept_alive_connection_serves_the_next():
    async def main() -> None:
        async with Receiver(answering(OK, OK, OK)) as receiver:
            client = WebhookClient(timeout=5, max_connections=4)
            assert await client.post(receiver.url(), b'{"n":1}', HEADERS) == 200
            assert await client.post(receiver.url(), b'{"n":2}', HEADERS) == 200
            async with httpx.AsyncClient(trust_env=False) as reference:
                assert (await reference.post(receiver.url(), content=b'{"n":2}', headers=HEADERS)).status_code == 200
            await client.aclose()
        ours, second, theirs = receiver.requests
        assert second == theirs  # the same bytes, header for header
        assert ours.endswith(b'\r\n\r\n{"n":1}') and ours.startswith(b"POST /hooks/1 HTTP/1.1\r\nHost: 127.0.0.1:")
        assert receiver.connections == 2  # ours, reused for the second POST; httpx's own
    run(main())


def test_answers_of_every_framing_are_read_whole_before_the_connection_is_used_again():
    chunked = (b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
    informational = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    bare_line_feeds = b"HTTP/1.1 201 Created\nContent-Length: 3\n\nnew"
    to_the_end = b"HTTP/1.0 410 Gone\r\n\r\nthe body runs until the connection ends"

    async def main() -> None:
        async with Receiver(answering(chunked, OK, informational, bare_line_feeds, to_the_end,
                                      then_close=True)) as receiver:
            client = WebhookClient(timeout=5, max_connections=4)
            statuses = [await client.post(receiver.url(), b"{}", HEADERS) for _ in range(5)]
            assert statuses == [202, 200, 204, 201, 410]
            assert receiver.connections == 1
            await client.aclose()
    run(main())


def test_a_connection_the_receiver_closed_while_idle_is_not_reused():
    async def main() -> None:
        async with Receiver(answering(OK, then_close=True)) as receiver:
            client = WebhookClient(timeout=5, max_connections=4)
            assert await client.post(receiver.url(), b"{}", HEADERS) == 200
            await asyncio.sleep(0.05)  # the receiver's FIN arrives while the connection is idle
            assert await client.post(receiver.url(), b"{}", HEADERS) == 200  # on a new connection, no failure
            assert receiver.connections == 2
            await client.aclose()
    run(main())


def test_a_reset_a_cut_answer_or_a_refused_connection_fail_and_a_silent_receiver_times_out():
    async def reset(receiver: Receiver, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await receiver.request(reader)
        reset_by_peer(writer)

    async def cut(receiver: Receiver, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await receiver.request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")

    async def silent(receiver: Receiver, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def main() -> None:
        client = WebhookClient(timeout=0.3, max_connections=4)
        for script, error in ((reset, TransportError), (cut, RemoteProtocolError), (silent, Timeout)):
            async with Receiver(script) as receiver:
                with pytest.raises(error):
                    await client.post(receiver.url(), b"{}", HEADERS)
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()  # nobody listens there
        with pytest.raises(ConnectError):
            await client.post(f"http://127.0.0.1:{port}/", b"{}", HEADERS)
        await client.aclose()
    run(main())


def test_https_receivers_are_verified_as_httpx_verifies_them(tmp_path):
    files = ensure_certificates(TlsMode.SELF_SIGNED, tmp_path, ["127.0.0.1"])
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(files.cert, files.key)

    async def main() -> None:
        async with Receiver(answering(OK), tls) as receiver:
            with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                await WebhookClient(timeout=5, max_connections=1).post(receiver.url("https"), b"{}", HEADERS)
            async with httpx.AsyncClient(trust_env=False) as reference:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await reference.post(receiver.url("https"), content=b"{}")
            trusting = WebhookClient(timeout=5, max_connections=1,
                                     ssl_context=ssl.create_default_context(cafile=str(files.trust)))
            assert await trusting.post(receiver.url("https"), b"{}", HEADERS) == 200
            await trusting.aclose()
    run(main())


def test_a_receiver_that_resets_the_connection_is_retried_on_the_simulated_clock(live):
    """Through the simulator: the reset attempt fails as an unreachable receiver does, the retry delivers."""
    async def reset_first(receiver: Receiver, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await receiver.request(reader)
            if len(receiver.requests) == 1:
                reset_by_peer(writer)
                return
            writer.write(OK)
            await writer.drain()

    loop = asyncio.new_event_loop()
    receiver = Receiver(reset_first)
    loop.run_until_complete(receiver.__aenter__())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    try:
        client = api(live)
        sid = subscribe(client, applicationId="app", deviceId=receiver.url(), transport="webhook",
                        topic="custom-topic")["subscriptionId"]
        assert client.post("/publications", json={"topic": "custom-topic", "method": "POST", "subject": "/x",
                                                  "content": {}}).status_code == 201
        first = wait_until(lambda: [d for d in deliveries(live, subscription_id=sid)["deliveries"]
                                    if d["status"] == "retrying"], what="the failed attempt")[0]
        assert "could not reach the receiver" in first["reason"]
        live.advance(2)
        wait_until(lambda: deliveries(live, subscription_id=sid)["deliveries"][0]["status"] == "delivered",
                   what="the retry")
        assert len(receiver.requests) == 2
    finally:
        asyncio.run_coroutine_threadsafe(receiver.__aexit__(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
