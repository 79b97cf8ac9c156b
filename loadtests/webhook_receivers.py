"""The receivers of the benchmark's webhook fan-out (d): one server process outside the simulator, many URLs.

``POST /hooks/{n}`` is subscription n's receiver: it verifies ``x-notify-signature`` (hex HMAC-SHA256 of the
raw body, keyed by ``BENCH_APPLICATION_ID``), remembers the (subscription, publication) pair and answers 204.
``GET /count`` says what arrived: notifications, bad signatures, duplicates. A bare ASGI app, so the receivers
cost the machine as little as they can beside the simulator being measured.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os

KEY = os.environ.get("BENCH_APPLICATION_ID", "bench").encode()
seen: set[tuple[str, str]] = set()
counts = {"received": 0, "bad_signatures": 0, "duplicates": 0}


async def _body(receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _answer(send, status: int, body: bytes = b"") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "GET" and scope["path"] == "/count":
        await _answer(send, 200, json.dumps(counts).encode())
        return
    if scope["method"] != "POST" or not scope["path"].startswith("/hooks/"):
        await _answer(send, 404)
        return
    raw = await _body(receive)
    signature = dict(scope["headers"]).get(b"x-notify-signature", b"").decode()
    counts["received"] += 1
    if not hmac.compare_digest(hmac.new(KEY, raw, hashlib.sha256).hexdigest(), signature):
        counts["bad_signatures"] += 1
    notification = json.loads(raw)
    pair = (notification["subscription"]["subscriptionId"], notification["publicationId"])
    if pair in seen:
        counts["duplicates"] += 1
    seen.add(pair)
    await _answer(send, 204)
