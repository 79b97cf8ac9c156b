"""The webhook client: HTTP/1.1 POSTs over asyncio, with a keep-alive connection pool per origin.

The delivery worker sends one POST per attempt and only needs the status back, so the client is that and no
more: a request written in one piece, the answer's status line and headers parsed, its body read (by
Content-Length, chunked, or to the end of the connection) and dropped. It stands where httpx's AsyncClient
stood, whose per-request machinery (anyio streams, h11's state machine, a look at every pooled socket) was
half of the simulator's time under a webhook fan-out; what a receiver sees and what an attempt's outcome is
stay as they were:

* the same request headers (Host, ``Accept: */*``, the Accept-Encoding httpx sent, ``Connection: keep-alive``,
  then the caller's, then Content-Length); redirects are not followed (a 3xx is the answer);
* TLS verified exactly as httpx verifies it (its own ``create_ssl_context``, certifi's roots, no environment),
  ALPN ``http/1.1``;
* ``timeout`` limits connecting, and then sending the request and reading the answer;
* at most ``max_connections`` connections, of which at most ``max_keepalive`` kept idle, for at most
  ``keepalive_expiry`` seconds; an idle connection the receiver closed, or wrote to unasked, is not reused;
* a failure is :class:`Timeout` or :class:`TransportError` (``ConnectError``, ``WriteError``, ``ReadError``,
  ``RemoteProtocolError``, named as httpx names them): the caller retries both.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections import deque
from urllib.parse import quote, unquote, urlsplit

import httpx

from micc_sim.outbound import OwnAddress, OwnSockets, delivery_addresses

MAX_HEADER_BYTES = 64 * 1024  # an answer's status line and headers, at most
ACCEPT_ENCODING = b"gzip, deflate, br"  # what httpx announced; the body is dropped, never decoded


class TransportError(Exception):
    """The receiver could not be reached, or did not answer in HTTP."""


class ConnectError(TransportError):
    pass


class OwnAddressError(ConnectError):
    """The URL reaches the simulator's own socket (:mod:`micc_sim.outbound`): never sent, never retried."""


class WriteError(TransportError):
    pass


class ReadError(TransportError):
    pass


class RemoteProtocolError(TransportError):
    pass


class Timeout(Exception):
    """Connecting, or sending and being answered, took longer than the client's ``timeout``."""


Origin = tuple[str, str, int]  # scheme, host, port


class WebhookClient:
    def __init__(self, timeout: float, max_connections: int, max_keepalive: int | None = None,
                 keepalive_expiry: float = 5.0, ssl_context: ssl.SSLContext | None = None,
                 own: OwnSockets | None = None) -> None:
        """``ssl_context`` replaces httpx's verification (a test's own certificate authority); ``own``: the
        simulator's sockets, which no request may reach."""
        self.own = own
        self.timeout = timeout
        self.max_connections = max_connections
        self.max_keepalive = max_connections if max_keepalive is None else max_keepalive
        self.keepalive_expiry = keepalive_expiry
        self._idle: dict[Origin, deque[_Connection]] = {}  # per origin, the most recently used last
        self._idle_count = 0
        self._open = 0  # connections open, idle or busy
        self._slots: asyncio.Semaphore | None = None
        self._ssl = ssl_context

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST ``body`` to ``url``; the answer's status. Raises :class:`Timeout` or :class:`TransportError`."""
        origin, target, host_header, credentials = _parse(url)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_connections)
        request = _request(target, host_header, credentials, body, headers)
        async with self._slots:  # at most max_connections requests, and so connections, under way
            connection = self._reusable(origin)
            try:
                if connection is None:
                    connection = await self._connect(origin)
                async with asyncio.timeout(self.timeout):
                    connection.send(request)
                    status, reusable = await connection.answer()
            except TimeoutError:
                self._discard(connection)
                raise Timeout(f"the receiver took longer than {self.timeout:g} s") from None
            except BaseException:
                self._discard(connection)
                raise
            if reusable:
                self._keep(origin, connection)
            else:
                self._discard(connection)
            return status

    async def aclose(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        self._open -= self._idle_count
        self._idle_count = 0

    # -- the pool ----------------------------------------------------------------------------------
    def _reusable(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if connection.usable and now - connection.idle_since <= self.keepalive_expiry:
                return connection
            self._close(connection)
        return None

    async def _connect(self, origin: Origin) -> _Connection:
        if self._open >= self.max_connections:
            self._close_oldest_idle()  # room for this origin's connection, as httpx's pool makes it
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        context = self._ssl_context() if scheme == "https" else None
        try:
            async with asyncio.timeout(self.timeout):
                connection = await self._open_connection(loop, host, port, context)
        except TimeoutError:
            raise Timeout(f"the receiver took longer than {self.timeout:g} s") from None
        except OwnAddress as exc:
            raise OwnAddressError(str(exc)) from None
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ConnectError(str(exc)) from exc
        self._open += 1
        return connection

    async def _open_connection(self, loop: asyncio.AbstractEventLoop, host: str, port: int,
                               context: ssl.SSLContext | None) -> _Connection:
        """Connect to ``host`` as resolved once and checked (never the simulator's own socket, see
        :mod:`micc_sim.outbound`), trying its addresses in turn; TLS still verifies the name."""
        if self.own is None:
            _, connection = await loop.create_connection(_Connection, host, port, ssl=context)
            return connection
        failure: OSError | None = None
        for address in await delivery_addresses(host, port, self.own):
            try:
                _, connection = await loop.create_connection(_Connection, address, port, ssl=context,
                                                             server_hostname=host if context else None)
            except OSError as exc:
                failure = exc
                continue
            peer = connection.transport.get_extra_info("peername") if connection.transport else None
            if peer and self.own.owns(str(peer[0]), int(peer[1])):  # what the socket reached, to be sure
                connection.close()
                raise OwnAddress(f"{host} port {port} reached the simulator itself at {peer[0]}")
            return connection
        raise failure or OSError(f"{host} has no address")

    def _keep(self, origin: Origin, connection: _Connection) -> None:
        if self._idle_count >= self.max_keepalive:
            self._close_oldest_idle()
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(origin, deque()).append(connection)
        self._idle_count += 1

    def _close_oldest_idle(self) -> None:
        oldest = min((idle for idle in self._idle.values() if idle), key=lambda idle: idle[0].idle_since,
                     default=None)
        if oldest is not None:
            self._idle_count -= 1
            self._close(oldest.popleft())

    def _discard(self, connection: _Connection | None) -> None:
        if connection is not None:
            self._close(connection)

    def _close(self, connection: _Connection) -> None:
        connection.close()
        self._open -= 1

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = httpx.create_ssl_context(verify=True, trust_env=False)  # what httpx's client used
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl


class _Connection(asyncio.Protocol):
    """One connection: bytes in a buffer, and a future for whoever waits for more."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy = False
        self.usable = True  # False once the receiver closed it, wrote unasked or broke an answer
        self.ended = False  # the receiver closed its side (or the connection is lost)
        self.lost: Exception | None = None
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None

    # -- asyncio.Protocol ---------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.busy:
            self.usable = False  # an idle connection has nothing to be told
        self.buffer += data
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self.usable = False
        self._wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.usable = False
        self.lost = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- one exchange -------------------------------------------------------------------------------
    def send(self, request: bytes) -> None:
        if self.ended or self.transport is None or self.transport.is_closing():
            raise WriteError("the connection was closed")
        self.busy = True
        try:
            self.transport.write(request)
        except (OSError, RuntimeError) as exc:
            raise WriteError(str(exc)) from exc

    async def answer(self) -> tuple[int, bool]:
        """The answer's status (1xx skipped), its body read and dropped; whether the connection may be reused."""
        while True:
            head = await self._until_blank_line()
            lines = head.split(b"\n")
            status, version = _status_line(lines[0])
            headers = _headers(lines[1:])
            if 100 <= status < 200:
                continue  # 100 Continue, 103 Early Hints: the answer follows
            break
        connection = b",".join(v for k, v in headers if k == b"connection").lower()
        reusable = version == b"HTTP/1.1" and b"close" not in connection
        encoding = b",".join(v for k, v in headers if k == b"transfer-encoding").lower()
        lengths = {v.strip() for k, v in headers if k == b"content-length"}
        if status in (204, 304):
            pass
        elif encoding.rstrip().endswith(b"chunked"):
            await self._chunked()
        elif lengths:
            if len(lengths) > 1 or not next(iter(lengths)).isascii() or not next(iter(lengths)).isdigit():
                raise RemoteProtocolError(f"bad Content-Length: {b', '.join(sorted(lengths)).decode('latin-1')}")
            await self._exactly(int(next(iter(lengths))))
        else:
            await self._to_the_end()  # no length: the body ends with the connection
            reusable = False
        self.busy = False
        return status, reusable and self.usable_after_answer()

    def usable_after_answer(self) -> bool:
        return not self.ended and not self.buffer and self.transport is not None and not self.transport.is_closing()

    async def _more(self) -> None:
        if self.ended:
            if self.lost is not None:
                raise ReadError(str(self.lost) or type(self.lost).__name__)
            raise RemoteProtocolError("Server disconnected without sending a complete response.")
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def _until_blank_line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                head = bytes(self.buffer[:end]).replace(b"\r\n", b"\n")
                del self.buffer[:end + 4]
                return head
            end = self.buffer.find(b"\n\n")  # bare line feeds, as lenient parsers take them
            if end >= 0:
                head = bytes(self.buffer[:end])
                del self.buffer[:end + 2]
                return head
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise RemoteProtocolError("the answer's headers are too long")
            await self._more()

    async def _line(self) -> bytes:
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line = bytes(self.buffer[:end]).rstrip(b"\r")
                del self.buffer[:end + 1]
                return line
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise RemoteProtocolError("a chunk's size line is too long")
            await self._more()

    async def _exactly(self, size: int) -> None:
        while len(self.buffer) < size:
            size -= len(self.buffer)
            self.buffer.clear()  # dropped as it comes: the body is not needed
            await self._more()
        del self.buffer[:size]

    async def _chunked(self) -> None:
        while True:
            size_text = (await self._line()).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise RemoteProtocolError(f"bad chunk size {size_text[:20]!r}") from None
            if size < 0:
                raise RemoteProtocolError(f"bad chunk size {size_text[:20]!r}")
            if size == 0:
                while await self._line():  # trailers, up to the blank line
                    pass
                return
            await self._exactly(size)
            if await self._line():
                raise RemoteProtocolError("a chunk is longer than its size")

    async def _to_the_end(self) -> None:
        while not self.ended:
            self.buffer.clear()
            await self._more_or_end()
        self.buffer.clear()
        if self.lost is not None:  # reset rather than closed: the body may be cut short
            raise ReadError(str(self.lost) or type(self.lost).__name__)

    async def _more_or_end(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def close(self) -> None:
        self.usable = False
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


def _parse(url: str) -> tuple[Origin, bytes, bytes, bytes | None]:
    """(origin, request target, Host header, Basic credentials from the URL) of an http or https URL, as httpx
    reads it: non-ASCII in the path or query percent-encoded, the fragment left out."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port
        host = parts.hostname
        if scheme not in ("http", "https") or not host:
            raise ValueError(f"not an http or https URL: {url!r}")
        default = 443 if scheme == "https" else 80
        shown = f"[{host}]" if ":" in host else host
        host_header = (shown if port in (None, default) else f"{shown}:{port}").encode("idna")
    except (ValueError, UnicodeError) as exc:
        raise ConnectError(str(exc)) from exc
    target = quote(parts.path or "/", safe=_PATH_SAFE) + (f"?{quote(parts.query, safe=_QUERY_SAFE)}"
                                                          if parts.query else "")
    credentials = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        credentials = b"Basic " + base64.b64encode(pair.encode("utf-8"))
    return (scheme, host, port or default), target.encode("ascii"), host_header, credentials


_PATH_SAFE = "/:@!$&'()*+,;=%"  # what a path may hold as it is (RFC 3986), escapes included
_QUERY_SAFE = _PATH_SAFE + "?"


def _request(target: bytes, host: bytes, credentials: bytes | None, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [b"POST ", target, b" HTTP/1.1\r\nHost: ", host,
             b"\r\nAccept: */*\r\nAccept-Encoding: ", ACCEPT_ENCODING, b"\r\nConnection: keep-alive\r\n"]
    if credentials is not None:
        lines += [b"Authorization: ", credentials, b"\r\n"]
    for name, value in headers.items():
        lines += [name.encode("latin-1"), b": ", value.encode("latin-1"), b"\r\n"]
    lines += [b"Content-Length: ", str(len(body)).encode("ascii"), b"\r\n\r\n", body]
    return b"".join(lines)


def _status_line(line: bytes) -> tuple[int, bytes]:
    parts = line.rstrip(b"\r").split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise RemoteProtocolError(f"not an HTTP status line: {line[:60]!r}")
    return int(parts[1]), parts[0]


def _headers(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    headers = []
    for line in lines:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise RemoteProtocolError(f"not a header line: {line[:60]!r}")
        headers.append((name.lower(), value.strip()))
    return headers
