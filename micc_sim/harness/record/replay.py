"""``micc-sim replay FOLDER``: answer from a recording made with ``serve --proxy``, as the real server did.

A request is answered by the recorded exchange with its method, path (any case) and query; when the same
request was recorded several times, the answers come in the recorded order and the last one repeats. A
request the recording does not have gets a 404 in the face's error shape, and its journal entry says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from micc_sim.chain import Exchange
from micc_sim.harness.control.faults import error_body

SKIPPED = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection", "x-request-id", "date",
                     "server"})  # the server sending the answer gives these


class RecordingError(Exception):
    """A folder that is not a recording; the message says why."""


def load_recording(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        raise RecordingError(f"{folder} is not a folder")
    records = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if not (record["request"]["method"] and record["request"]["path"] and record["response"]["status"]):
                raise ValueError("method, path and status are needed")
        except (ValueError, KeyError, TypeError) as exc:
            raise RecordingError(f"{path}: not an exchange of a recording ({exc})") from None
        records.append(record)
    if not records:
        raise RecordingError(f"{folder} holds no recorded exchanges (*.json)")
    return records


def _key(method: str, path: str, query: str) -> tuple[str, str, str]:
    return method.upper(), path.lower(), query


class ReplayStep:
    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.answers: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            request = record["request"]
            self.answers[_key(request["method"], request["path"], request.get("query", ""))].append(record)
        self.used: dict[tuple[str, str, str], int] = defaultdict(int)

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if scope["type"] != "http" or scope["path"].startswith("/_sim") or exchange.answer:
            return
        key = _key(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"))
        found = self.answers.get(key)
        if not found:
            exchange.note = "replay: the recording has no such request"
            body = error_body(scope["path"], 404, f"The recording has no {scope['method']} {scope['path']}.")
            exchange.answer = _answering(404, [(b"content-type", b"application/json; charset=utf-8")], body)
            return
        record = found[min(self.used[key], len(found) - 1)]
        self.used[key] += 1
        response = record["response"]
        headers = [(k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in response["headers"]
                   if k.lower() not in SKIPPED]
        exchange.note = f"replay: recorded exchange {record.get('seq')}"
        exchange.answer = _answering(response["status"], headers, (response.get("body") or "").encode("utf-8"))


def _answering(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return answer
