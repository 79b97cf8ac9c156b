"""``micc-sim serve --proxy URL``: forward every request for a face to a real server and record the exchange.

The chain's last step answers in the faces' place: the request goes to the target as the client sent it
(its path as routed, its query, headers and body), the answer comes back as the target gave it, and both are
written, secrets redacted, to one JSON file each in the recording folder (``micc-sim replay`` serves them,
``micc-sim drift`` compares them with the simulator). WebSockets (hubs, socket.io, MQTT) are not forwarded:
the simulator serves them. A target that does not answer (30 s to connect, 180 s to answer) gives the client
a 502 in the face's error shape, and the journal entry says why.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import httpx
from starlette.types import Receive, Scope, Send

from micc_sim.chain import Exchange
from micc_sim.harness.control import redact
from micc_sim.harness.control.faults import error_body
from micc_sim.harness.control.journal import face_of
from micc_sim.harness.control.operations import operation_for

log = logging.getLogger("micc_sim.proxy")
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade", b"te",
                        b"trailer", b"host", b"content-length", b"content-encoding"})
MAX_BODY = 16 << 20
TIMEOUT = httpx.Timeout(30, read=180)  # a hub's long poll waits up to two minutes for news before it answers


class Recorder:
    """Writes each exchange as ``NNNNNN-METHOD-operation.json`` into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.seq = max((int(p.name[:6]) for p in folder.glob("[0-9]" * 6 + "-*.json")), default=0)

    def write(self, record: dict[str, Any]) -> Path:
        self.seq += 1
        name = f"{self.seq:06d}-{record['request']['method']}-{record.get('operation') or record['face']}.json"
        path = self.folder / name
        path.write_text(json.dumps({"seq": self.seq, **record}, indent=2, ensure_ascii=False), encoding="utf-8")
        return path


def exchange_record(method: str, path: str, query: str, request_headers: Any, request_body: bytes, status: int,
                    response_headers: Any, response_body: bytes, at: str, note: str | None = None) -> dict[str, Any]:
    """One exchange as the recording keeps it: redacted, bodies as text."""
    def kind(headers: list[tuple[str, str]]) -> str | None:
        return next((v for k, v in headers if k.lower() == "content-type"), None)

    request_h = redact.headers(request_headers)
    response_h = redact.headers(response_headers)
    operation = operation_for(method, path)
    return {
        "face": face_of(path), "operation": operation.operation_id if operation else None, "at": at,
        "request": {"method": method, "path": path, "query": redact.query(query), "headers": request_h,
                    "body": redact.body(request_body, kind(request_h))},
        "response": {"status": status, "headers": response_h, "body": redact.body(response_body, kind(response_h))},
        **({"note": note} if note else {}),
    }


class ProxyStep:
    """The chain's last step: with ``settings.proxy`` set, answer every request for a face from the target."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.target = (sim.settings.proxy or "").rstrip("/")
        self.recorder = Recorder(Path(sim.settings.record_dir)) if self.target else None
        self.client: httpx.AsyncClient | None = None

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if not self.target or scope["type"] != "http" or scope["path"].startswith("/_sim") or exchange.answer:
            return
        exchange.answer = lambda s, receive, send: self._forward(exchange, s, receive, send)

    async def _forward(self, exchange: Exchange, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY or not message.get("more_body", False):
                break
        method, path = scope["method"], scope["path"]
        if len(body) > MAX_BODY:
            exchange.note = f"proxy: a request body over {MAX_BODY} bytes is not forwarded"
            content = error_body(path, 413, "The request body is too large.")
            await send({"type": "http.response.start", "status": 413, "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(content)).encode())]})
            await send({"type": "http.response.body", "body": content})
            return
        query = scope.get("query_string", b"").decode("latin-1")
        raw = (scope.get("raw_path") or path.encode()).decode("latin-1")
        url = f"{self.target}{raw}" + (f"?{query}" if query else "")
        headers = [(k, v) for k, v in scope.get("headers") or () if k not in HOP_BY_HOP]
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False,
                                            verify=self.sim.settings.proxy_verify)
        started = time.perf_counter()
        try:
            answer = await self.client.request(method, url, headers=headers, content=bytes(body))
            status, content = answer.status_code, answer.content
            out = [(k, v) for k, v in answer.headers.raw if k.lower() not in HOP_BY_HOP]
            note = None
        except httpx.HTTPError as exc:
            note = f"proxy: {self.target} did not answer: {type(exc).__name__}: {exc}".rstrip(": ")
            log.warning("%s %s: %s", method, path, note)
            status, content = 502, error_body(path, 502, f"The proxy target {self.target} did not answer.")
            out = [(b"content-type", b"application/json; charset=utf-8")]
            exchange.note = note
        out.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": content})
        if self.recorder is not None:
            at = self.sim.clock.now().isoformat().replace("+00:00", "Z")
            record = exchange_record(method, path, query, scope.get("headers"), bytes(body), status, out, content,
                                     at, note)
            record["duration_ms"] = round((time.perf_counter() - started) * 1000, 3)
            self.recorder.write(record)
