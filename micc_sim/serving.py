"""Serving the app from the command line: a socket bound here (so ``--port 0`` can say which port it got) and a
uvicorn server that announces when it accepts requests."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


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
