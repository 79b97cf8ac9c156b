"""A forward proxy for Mitel's hosts: ``micc-sim serve --tls ca --proxy-port 8888``.

Clients that honour ``HTTPS_PROXY`` (curl, Python's requests and httpx, Java with ``-Dhttps.proxyHost``, Node
with a proxy agent) send ``CONNECT media.api.mitel.io:443``; the proxy opens a tunnel to the simulator's own
TLS listener, so the client's TLS handshake and request (with the real ``Host``) reach the simulator, whose
certificate covers ``*.api.mitel.io`` (:data:`~micc_sim.faces.cloudlink.hosts.CERTIFICATE_NAMES`).

Clients that honour ``HTTP_PROXY`` send an ``http://`` URL in absolute form (``GET http://media.api.mitel.io/
2017-09-01/endpoints HTTP/1.1``); the proxy forwards the request in origin form, with the URL's host as
``Host``, to the simulator's listener (over TLS when it serves TLS), and relays the answer: kept-alive client
connections, request and answer bodies framed by ``Content-Length`` or ``chunked`` (streamed, never
buffered), ``Expect: 100-continue`` and ``Upgrade`` (WebSocket) included. The simulator knows such a
request came as ``http://`` by the socket it arrives on (:func:`~micc_sim.faces.cloudlink.hosts.forwarded_as_http`),
so its links say ``http://``.

Any other host is refused (403), by either route: this is no open proxy, nothing leaves the machine. The
request head is read with a bounded buffer (:data:`MAX_HEAD`, else 431), every wait has a timeout, and the
head is taken apart with ``partition``/``split`` (no regular expressions).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from micc_sim.faces.cloudlink.hosts import FORWARDED_AS_HTTP, PORTAL_HOST

MAX_HEAD = 16384  # bytes of a request's head (request line and headers), as uvicorn's h11 allows
MAX_UPSTREAM_HEAD = 65536  # bytes of an answer's head from the simulator
MAX_HEADERS = 100
MAX_TRAILERS = 100
MAX_TUNNELS = 256  # client connections at once
HEAD_WAIT = 30.0  # seconds a new connection may take to send its first request head
KEEP_ALIVE = 120.0  # seconds a kept-alive client connection may wait before its next request
IDLE = 300.0  # seconds a tunnel, a body or an answer may stay silent
_TOKEN = frozenset(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_HOP_BY_HOP = frozenset({b"connection", b"proxy-connection", b"keep-alive", b"proxy-authorization", b"te",
                         b"trailer", b"upgrade", b"host"})

def mitel_host(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host in ("api.mitel.io", PORTAL_HOST) or host.endswith(".api.mitel.io")


def _answer(status: str, message: str = "") -> bytes:
    body = f"{message}\n".encode() if message else b""
    content_type = "Content-Type: text/plain; charset=utf-8\r\n" if body else ""
    return (f"HTTP/1.1 {status}\r\n{content_type}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            .encode() + body)


class Refused(Exception):
    """A request the proxy answers itself (and then closes the connection)."""

    def __init__(self, status: str, message: str = "") -> None:
        super().__init__(status)
        self.status, self.message = status, message


@dataclass
class Head:
    """A request's or an answer's head: the start line's three parts and the header fields, in order."""

    start: tuple[bytes, bytes, bytes]
    fields: list[tuple[bytes, bytes]]  # (name as sent, value without surrounding blanks)

    def values(self, name: bytes) -> list[bytes]:
        return [v for n, v in self.fields if n.lower() == name]

    def tokens(self, name: bytes) -> set[bytes]:
        """The comma-separated tokens of every ``name`` field, lower case (``Connection: keep-alive, Upgrade``)."""
        return {t.strip().lower() for v in self.values(name) for t in v.split(b",") if t.strip()}


def parse_head(raw: bytes, limit: int = MAX_HEADERS, answer: bool = False) -> Head:
    """A head read up to and with its blank line; :class:`Refused` (400) for anything malformed: a start line
    without three parts, a bare CR or LF, a folded line, a field name with blanks or other non-token bytes."""
    lines = raw.lstrip(b"\r\n")[:-4].split(b"\r\n")  # RFC 9112 2.2: blank lines before a request line are ignored
    if any(b"\r" in line or b"\n" in line for line in lines):
        raise Refused("400 Bad Request", "bare CR or LF in the request head")
    parts = lines[0].split(b" ", 2) if answer else lines[0].split(b" ")  # a reason phrase has blanks
    if answer and len(parts) == 2:
        parts.append(b"")
    if len(parts) != 3 or not all(parts[:2]) or not (answer or parts[2]):
        raise Refused("400 Bad Request", "the request line is not METHOD TARGET HTTP/1.x")
    fields: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or not set(name) <= _TOKEN:  # a folded line starts with a blank: no token
            raise Refused("400 Bad Request", "a malformed header field")
        fields.append((name, value.strip(b" \t")))
        if len(fields) > limit:
            raise Refused("431 Request Header Fields Too Large", f"more than {limit} header fields")
    return Head((parts[0], parts[1], parts[2]), fields)


def absolute_http(target: bytes) -> tuple[str, str, str]:
    """``(authority, host, origin-form path)`` of an ``http://`` absolute-form target (400 otherwise)."""
    if target[:7].lower() != b"http://":
        raise Refused("400 Bad Request", "a proxy request names an http:// URL (or is a CONNECT for https://)")
    rest = target[7:].decode("latin-1")
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:].partition("#")[0]
    path = path if path.startswith("/") else f"/{path}"
    if not authority or "@" in authority or authority.startswith("["):
        return authority, "", path  # user info or an IPv6 literal: no Mitel host
    host, colon, port = authority.rpartition(":")
    if not colon:
        host, port = authority, ""
    return authority, (host if port in ("", "80") else ""), path


def _content_length(head: Head) -> int | None:
    values = {v.strip() for v in head.values(b"content-length")}
    if not values:
        return None
    if len(values) > 1 or not all(v.isascii() and v.isdigit() and len(v) <= 18 for v in values):
        raise Refused("400 Bad Request", "Content-Length is not one number")
    return int(values.pop())


def _request_framing(head: Head) -> tuple[str, int]:
    """``("length", n)``, ``("chunked", 0)`` or ``("none", 0)`` for a request body."""
    encodings = head.values(b"transfer-encoding")
    length = _content_length(head)
    if encodings:
        if length is not None:
            raise Refused("400 Bad Request", "Transfer-Encoding and Content-Length together")
        if head.start[2] != b"HTTP/1.1" or [t.strip().lower() for v in encodings for t in v.split(b",")] != [
                b"chunked"]:
            raise Refused("501 Not Implemented", "only Transfer-Encoding: chunked is forwarded")
        return "chunked", 0
    return ("length", length) if length else ("none", 0)


async def _read_exactly(source: asyncio.StreamReader, size: int) -> bytes:
    async with asyncio.timeout(IDLE):
        return await source.readexactly(size)


async def _line(source: asyncio.StreamReader) -> bytes:
    try:
        async with asyncio.timeout(IDLE):
            return await source.readuntil(b"\r\n")
    except asyncio.LimitOverrunError:  # a chunk size or trailer line past the buffer: the body is broken
        raise ConnectionError("a body line is too long") from None


async def _copy_length(source: asyncio.StreamReader, sink: asyncio.StreamWriter, size: int) -> None:
    while size > 0:
        async with asyncio.timeout(IDLE):
            chunk = await source.read(min(size, 65536))
        if not chunk:
            raise ConnectionError("the body ended early")
        size -= len(chunk)
        sink.write(chunk)
        await sink.drain()


async def _copy_chunked(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Relay a chunked body as it was framed: chunk size lines, data, the last chunk and its trailers."""
    while True:
        line = await _line(source)
        size_text = line[:-2].partition(b";")[0].strip(b" \t")
        if not size_text or len(size_text) > 16 or not set(size_text) <= _HEX:
            raise ConnectionError("a malformed chunk size")
        size = int(size_text, 16)
        sink.write(line)
        if size == 0:
            for _ in range(MAX_TRAILERS + 1):
                trailer = await _line(source)
                sink.write(trailer)
                if trailer == b"\r\n":
                    await sink.drain()
                    return
            raise ConnectionError("too many trailer fields")
        await _copy_length(source, sink, size)
        end = await _read_exactly(source, 2)
        if end != b"\r\n":
            raise ConnectionError("a chunk does not end with CRLF")
        sink.write(end)
        await sink.drain()


async def _copy_body(source: asyncio.StreamReader, sink: asyncio.StreamWriter, framing: tuple[str, int]) -> None:
    kind, size = framing
    if kind == "length":
        await _copy_length(source, sink, size)
    elif kind == "chunked":
        await _copy_chunked(source, sink)


class MitelProxy:
    """Tunnels ``CONNECT <mitel host>:443`` and forwards ``http://<mitel host>/...`` to ``target`` (the
    simulator's listener; ``target_tls``: it serves TLS)."""

    def __init__(self, target_host: str, target_port: int, target_tls: bool = False) -> None:
        self.target = (target_host, target_port)
        self._slots = asyncio.Semaphore(MAX_TUNNELS)
        self._tls: ssl.SSLContext | None = None
        if target_tls:  # the hop to the simulator's own listener, on this machine: its certificate is ours
            self._tls = ssl.create_default_context()
            self._tls.check_hostname = False
            self._tls.verify_mode = ssl.CERT_NONE

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with self._slots:
                await self._serve(reader, writer)
        except Refused as refused:
            with contextlib.suppress(ConnectionError, RuntimeError):
                writer.write(_answer(refused.status, refused.message))
                await writer.drain()
        except asyncio.LimitOverrunError:
            with contextlib.suppress(ConnectionError, RuntimeError):
                writer.write(_answer("431 Request Header Fields Too Large", f"the head is over {MAX_HEAD} bytes"))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):  # the server stopped and its loop closed under the tunnel
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        opened: list[asyncio.StreamWriter] = []  # this connection's hops to the simulator still open
        wait = HEAD_WAIT
        try:
            while True:
                try:
                    async with asyncio.timeout(wait):
                        raw = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as exc:
                    if exc.partial.strip():
                        raise Refused("400 Bad Request", "the request head ended early") from None
                    return  # the client closed its kept-alive connection
                except TimeoutError:
                    return
                head = parse_head(raw)
                method, target, _ = head.start
                if method == b"CONNECT":
                    await self._tunnel(target, reader, writer)
                    return
                keep, upstream = await self._forward(head, reader, writer, upstream, opened)
                if not keep:
                    return
                wait = KEEP_ALIVE
        finally:
            for hop in list(opened):
                self._drop(hop, opened)

    # -- CONNECT ---------------------------------------------------------------------------------
    async def _tunnel(self, target: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, _, port = target.decode("latin-1").rpartition(":")
        if not host or not mitel_host(host) or port not in ("443", ""):
            raise Refused("403 Forbidden")  # not one of Mitel's hosts: refused, nothing is forwarded
        upstream_reader, upstream_writer = await self._connect(None)
        writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            with contextlib.suppress(RuntimeError):  # the loop closed under the tunnel
                upstream_writer.close()

    # -- http:// in absolute form ----------------------------------------------------------------
    async def _forward(self, head: Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
                       opened: list[asyncio.StreamWriter],
                       ) -> tuple[bool, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        """Forward one request and relay its answer; ``(keep the client connection, the upstream to reuse)``."""
        method, target, version = head.start
        if version not in (b"HTTP/1.1", b"HTTP/1.0"):
            raise Refused("505 HTTP Version Not Supported")
        authority, host, path = absolute_http(target)
        if not host or not mitel_host(host):
            raise Refused("403 Forbidden")  # as CONNECT: only Mitel's hosts, nothing leaves the machine
        framing = _request_framing(head)
        connection = head.tokens(b"connection") | head.tokens(b"proxy-connection")
        client_keeps = b"close" not in connection and (version == b"HTTP/1.1" or b"keep-alive" in connection)
        upgrade = b"upgrade" in head.tokens(b"connection") and bool(head.values(b"upgrade"))
        named = head.tokens(b"connection")  # fields the Connection header makes hop-by-hop
        lines = [b" ".join((method, path.encode("latin-1"), version)), b"Host: " + authority.encode("latin-1")]
        lines += [n + b": " + v for n, v in head.fields if n.lower() not in _HOP_BY_HOP and n.lower() not in named]
        if upgrade:
            lines += [b"Upgrade: " + v for v in head.values(b"upgrade")] + [b"Connection: Upgrade"]
        request = b"\r\n".join(lines) + b"\r\n\r\n"

        reused = upstream is not None and not upstream[0].at_eof()
        if not reused:
            if upstream is not None:
                self._drop(upstream[1], opened)
            upstream = await self._hop(host, opened)
        up_reader, up_writer = upstream
        up_writer.write(request)
        await up_writer.drain()
        body = asyncio.create_task(_copy_body(reader, up_writer, framing))
        try:
            try:
                answer, raw = await self._answer_unless_body_fails(up_reader, writer, body)
            except asyncio.IncompleteReadError:
                if not reused or framing[0] != "none":
                    raise Refused("502 Bad Gateway", "the simulator closed the connection") from None
                # a kept-alive hop the simulator had just closed: once more on a fresh one
                self._drop(up_writer, opened)
                upstream = await self._hop(host, opened)
                up_reader, up_writer = upstream
                up_writer.write(request)
                await up_writer.drain()
                answer, raw = await self._answer_head(up_reader, writer)
            status = int(answer.start[1])
            writer.write(raw)
            if status == 101:
                await writer.drain()
                await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
                return False, None
            close = b"close" in answer.tokens(b"connection") or answer.start[0] == b"HTTP/1.0"
            if method == b"HEAD" or status in (204, 304):
                pass
            elif answer.values(b"transfer-encoding"):
                await _copy_chunked(up_reader, writer)
            elif (length := _content_length(answer)) is not None:
                await _copy_length(up_reader, writer, length)
            else:  # framed by the end of the connection
                await _pipe(up_reader, writer)
                return False, None
            await writer.drain()
            if not body.done():  # answered before the body was read: the rest of it cannot be told from a request
                return False, None
            body.result()
        finally:
            if not body.done():
                body.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await body
        if close:
            self._drop(up_writer, opened)
            upstream = None
        return client_keeps, upstream

    async def _answer_unless_body_fails(self, source: asyncio.StreamReader, writer: asyncio.StreamWriter,
                                        body: asyncio.Task[None]) -> tuple[Head, bytes]:
        """The answer's head, while the request body goes up; a body that breaks off ends the wait."""
        answer = asyncio.create_task(self._answer_head(source, writer))
        try:
            while not answer.done():
                await asyncio.wait({answer} if body.done() else {answer, body}, return_when=asyncio.FIRST_COMPLETED)
                if body.done() and not body.cancelled() and body.exception() is not None:
                    raise ConnectionError("the request body broke off") from body.exception()
            return answer.result()
        finally:
            if not answer.done():
                answer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await answer

    async def _answer_head(self, source: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[Head, bytes]:
        """The final answer's head, after relaying any interim (1xx but 101) ones."""
        while True:
            async with asyncio.timeout(IDLE):
                try:
                    raw = await source.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    raise Refused("502 Bad Gateway", "the simulator's answer head is too long") from None
            try:
                answer = parse_head(raw, limit=1000, answer=True)
            except Refused:
                raise Refused("502 Bad Gateway", "the simulator's answer head is malformed") from None
            code = answer.start[1]
            if len(code) != 3 or not (code.isascii() and code.isdigit()):
                raise Refused("502 Bad Gateway", "the simulator's answer has no status")
            if code.startswith(b"1") and code != b"101":
                writer.write(raw)
                await writer.drain()
                continue
            return answer, raw

    async def _connect(self, host: str | None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A connection to the simulator: raw for a CONNECT tunnel (``host`` None), else for one forwarded
        ``http://`` request (over TLS when the simulator serves TLS), remembered by its local address."""
        try:
            async with asyncio.timeout(HEAD_WAIT):
                if host is None or self._tls is None:
                    opened = await asyncio.open_connection(*self.target, limit=MAX_UPSTREAM_HEAD)
                else:
                    opened = await asyncio.open_connection(*self.target, limit=MAX_UPSTREAM_HEAD, ssl=self._tls,
                                                           server_hostname=host)
        except (OSError, TimeoutError) as exc:
            raise Refused("502 Bad Gateway", f"the simulator does not answer: {exc}") from None
        if host is not None:
            sockname = opened[1].get_extra_info("sockname")
            if sockname:
                FORWARDED_AS_HTTP.add((sockname[0], sockname[1]))
        return opened

    async def _hop(self, host: str, opened: list[asyncio.StreamWriter],
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        hop = await self._connect(host)
        opened.append(hop[1])
        return hop

    @staticmethod
    def _drop(writer: asyncio.StreamWriter, opened: list[asyncio.StreamWriter]) -> None:
        """Close a hop to the simulator and forget it (its local address may serve another client next)."""
        sockname = writer.get_extra_info("sockname")
        if sockname:
            FORWARDED_AS_HTTP.discard((sockname[0], sockname[1]))
        if writer in opened:
            opened.remove(writer)
        with contextlib.suppress(RuntimeError):  # the loop closed under it
            writer.close()


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
def proxy_in_thread(host: str, port: int, target_host: str, target_port: int,
                    target_tls: bool = False) -> Iterator[int]:
    """Serve the proxy on ``host:port`` (0: any free port) on a thread of its own; yields the port."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    bound: list[int] = []

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(MitelProxy(target_host, target_port, target_tls).handle, host, port,
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
