"""Serving the app: a socket bound here (so ``--port 0`` can say which port it got), a uvicorn server that
announces when it accepts requests, and the HTTP protocol with its limits (:func:`protocol_for`).

uvicorn arms no timer until a connection has had its first answer, so a client that connects and sends
nothing (or a byte of its head every few seconds: slowloris), or a body that never ends, holds a socket for
good, and a few hundred of them exhaust the process's descriptors; httptools takes a head of any size. The
protocol here gives every request ``header_timeout`` seconds for its head and ``body_timeout`` for its body
(408 or a closed connection after that), answers 431 to a head beyond ``max_header_bytes``, and kept-alive
idle connections close after ``keep_alive_timeout``. ``X-Forwarded-For`` is not believed: the throttles key
on the socket's peer (``proxy_headers`` off). docs/security.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import socket
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

log = logging.getLogger("micc_sim")


class BindError(Exception):
    """The address cannot be listened on (in use, not ours, no permission)."""


def bind(host: str, port: int) -> socket.socket:
    """The listening socket; with port 0 the system picks a free one (``sock.getsockname()[1]``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise BindError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def base_url(host: str, port: int, tls: bool) -> str:
    return f"{'https' if tls else 'http'}://{f'[{host}]' if ':' in host else host}:{port}"


class ReadyServer(uvicorn.Server):
    """Prints ``micc-sim ready: URL`` once the socket accepts and every face is mounted, and with a ready file
    writes the URL there (atomically: a waiting process never reads half of it); the file goes when it stops."""

    def __init__(self, config: uvicorn.Config, url: str, ready_file: Path | None = None) -> None:
        super().__init__(config)
        self.url = url
        self.ready_file = ready_file

    async def startup(self, sockets: Any = None) -> None:
        await super().startup(sockets=sockets)
        if self.should_exit:
            return
        if self.ready_file is not None:
            tmp = self.ready_file.with_name(self.ready_file.name + ".tmp")
            tmp.write_text(self.url + "\n", encoding="utf-8")
            tmp.replace(self.ready_file)
        print(f"micc-sim ready: {self.url}", flush=True)

    async def shutdown(self, sockets: Any = None) -> None:
        await super().shutdown(sockets=sockets)
        if self.ready_file is not None:
            self.ready_file.unlink(missing_ok=True)


_H2C_UPGRADE = re.compile(rb"\r\nupgrade:[ \t]*h2c[ \t]*(?=\r\n)", re.IGNORECASE)


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's fast HTTP/1.1 protocol, answering what IIS answers to a cleartext HTTP/2 upgrade offer.

    Java's ``HttpClient`` (11 and later) offers ``Upgrade: h2c`` on every ``http://`` request. A server that does
    not speak HTTP/2 ignores the offer and answers in HTTP/1.1 (RFC 7540, 3.2), as IIS does; llhttp instead stops
    parsing at the upgrade, so the body was lost (a token request without its form). The offer is dropped before
    parsing; a request without one costs a substring test."""

    def data_received(self, data: bytes) -> None:
        if b"h2c" in data or b"H2C" in data:
            end = data.find(b"\r\n\r\n")
            if end != -1:
                data = _H2C_UPGRADE.sub(b"", data[:end]) + data[end:]
        super().data_received(data)



class _HeadTooLarge(Exception):
    pass


def protocol_for(settings: Any) -> type[HttpProtocol]:
    """:class:`HttpProtocol` with the limits of ``settings``."""

    class GuardedHttpProtocol(HttpProtocol):
        max_head = settings.max_header_bytes
        head_timeout = settings.header_timeout
        body_timeout = settings.body_timeout

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._head = 0  # bytes of the current request's head, as the parser reports them
            self._raw_head = 0  # bytes received while the head is incomplete (a header still being sent)
            self._reading_head = True
            self._refusing = False
            self._timer: asyncio.TimerHandle | None = self.loop.call_later(self.head_timeout, self._too_slow)

        def _arm(self, seconds: float | None) -> None:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self.loop.call_later(seconds, self._too_slow) if seconds else None

        def data_received(self, data: bytes) -> None:
            if self._refusing:
                return
            if self._reading_head:
                self._raw_head += len(data)
            super().data_received(data)
            if self._reading_head and self._raw_head > self.max_head and not self._refusing:
                self._refuse(431, "Request Header Fields Too Large")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self._reading_head:  # the next request of a kept-alive connection
                self._reading_head, self._head, self._raw_head = True, 0, 0
                self._arm(self.head_timeout)

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _count(self, size: int) -> None:
            self._head += size
            if self._head > self.max_head:
                self._refusing = True
                raise _HeadTooLarge  # the parser stops; send_400_response says 431 instead

        def on_headers_complete(self) -> None:
            self._reading_head = False
            self._arm(None)
            super().on_headers_complete()
            if not self.parser.should_upgrade():
                self._arm(self.body_timeout)  # until the body is in (on_message_complete)

        def on_body(self, body: bytes) -> None:
            if not self._refusing:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if self._refusing:
                return
            self._arm(None)
            super().on_message_complete()

        def send_400_response(self, msg: str) -> None:
            if self._refusing:
                self._refuse(431, "Request Header Fields Too Large")
            else:
                super().send_400_response(msg)

        def connection_lost(self, exc: Exception | None) -> None:
            self._arm(None)
            super().connection_lost(exc)

        def _too_slow(self) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            if self._reading_head or self.cycle is None or not self.cycle.response_started:
                self._refuse(408, "Request Timeout")
            else:
                self.transport.close()

        def _refuse(self, status: int, reason: str) -> None:
            self._refusing = True
            if self.cycle is not None and self.cycle.response_started:
                self.transport.close()
                return
            body = f"{status} {reason}: see docs/security.md".encode()
            self.transport.write(b"".join([
                STATUS_LINE[status], b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: ", str(len(body)).encode(), b"\r\n", b"connection: close\r\n\r\n", body]))
            self.transport.close()

    return GuardedHttpProtocol


def uvicorn_options(settings: Any) -> dict[str, Any]:
    """What ``uvicorn.run`` / ``uvicorn.Config`` get besides the app, host, port and TLS files."""
    return {"http": protocol_for(settings), "proxy_headers": False, "timeout_keep_alive": settings.keep_alive_timeout,
            "h11_max_incomplete_event_size": settings.max_header_bytes,
            # each WebSocket protocol keeps itself alive (MQTT's PINGREQ, engine.io, SignalR): paho-mqtt answers
            # a WebSocket ping with an unmasked pong and was dropped every 20 s
            "ws_ping_interval": None}


def raise_descriptor_limit() -> None:
    """Let the process open as many sockets as the system allows it (the soft limit is often 1,024)."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    except (ValueError, OSError):
        pass


_SECRET_PARAMETER = re.compile(r"(?i)((?:^|[?&;])(?:access_token|token|refresh_token|client_secret|password|"
                               r"authorization|sig|signature)=)[^&;\s]*")


def redact(text: str) -> str:
    """A request line or URL with the values of secret query parameters replaced by ``***``."""
    return _SECRET_PARAMETER.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """Keeps tokens out of uvicorn's logs (an MQTT-over-WebSocket URL carries ``?token=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) and "=" in a else a for a in record.args)
        return True


def install_log_redaction() -> None:
    """On uvicorn's access log and its error log (where it logs each WebSocket with its query)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


def warn_if_exposed(host: str, control_from_anywhere: bool) -> str | None:
    """A warning when the server listens beyond this machine (``0.0.0.0``, ``::`` or another address)."""
    if host in ("127.0.0.1", "localhost", "::1") or host.startswith("127."):
        return None
    control = ("and so does /_sim, which has no authentication (--control-from-anywhere)" if control_from_anywhere
               else "/_sim still answers loopback clients only")
    return (f"listening on {host}: other machines on the network reach the simulator's faces (its default "
            f"credentials are public), {control}; see docs/security.md")
