"""The journal as an HTTP Archive (HAR 1.2), for HAR viewers and browsers' developer tools.

HTTP entries only (requests to the faces and the webhooks the simulator sent): HAR has no place for
messages on a connection. Secrets are redacted as in the journal; the simulator's own fields (face,
operation, stub, fault rule, simulated time) are custom fields, whose names HAR wants to start with ``_``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from micc_sim import __version__
from micc_sim.harness.control import redact
from micc_sim.harness.control.journal import JournalEntry

REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 415: "Unsupported Media Type", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


def _headers(raw: Any) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in redact.headers(raw)]


def _type(headers: list[dict[str, str]]) -> str:
    return next((h["value"] for h in headers if h["name"].lower() == "content-type"), "")


def _url(entry: JournalEntry, headers: list[dict[str, str]]) -> str:
    if entry.kind == "outgoing":
        return entry.path
    host = next((h["value"] for h in headers if h["name"].lower() == "host"), "localhost")
    query = redact.query(entry.query)
    return f"http://{host}{entry.raw_path or entry.path}" + (f"?{query}" if query else "")


def har_entry(entry: JournalEntry) -> dict[str, Any]:
    request_headers = _headers(entry.request_headers)
    response_headers = _headers(entry.response_headers)
    request_text = entry.request_text()
    response_text = entry.response_text()
    request: dict[str, Any] = {
        "method": entry.method, "url": _url(entry, request_headers), "httpVersion": "HTTP/1.1", "cookies": [],
        "headers": request_headers,
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(redact.query(entry.query),
                                                                     keep_blank_values=True)],
        "headersSize": -1, "bodySize": len(entry.request_body or b""),
    }
    if entry.request_body:
        request["postData"] = {"mimeType": _type(request_headers) or "application/octet-stream",
                               "text": request_text}
    wait = max(entry.duration_ms, 0.0)
    return {
        "startedDateTime": datetime.fromtimestamp(entry.wall, UTC).isoformat().replace("+00:00", "Z"),
        "time": wait,
        "request": request,
        "response": {
            "status": entry.status or 0, "statusText": REASONS.get(entry.status or 0, ""), "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": response_headers,
            "content": {"size": len(entry.response_body or b""), "mimeType": _type(response_headers) or "x-unknown",
                        "text": response_text},
            "redirectURL": next((h["value"] for h in response_headers if h["name"].lower() == "location"), ""),
            "headersSize": -1, "bodySize": len(entry.response_body or b""),
        },
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
        "comment": f"{entry.face} {entry.operation_id or ''}".strip(),
        "_id": entry.id, "_face": entry.face, "_operation": entry.operation_id,
        "_simulatedTime": entry.at.isoformat().replace("+00:00", "Z"), "_stub": entry.stub, "_fault": entry.fault,
        "_note": entry.note, "_truncated": entry.truncated,
    }


def har(entries: list[JournalEntry], dropped: int = 0) -> dict[str, Any]:
    return {"log": {
        "version": "1.2",
        "creator": {"name": "micc-sim", "version": __version__},
        "entries": [har_entry(e) for e in entries if e.kind != "message"],
        "comment": f"{dropped} earlier exchange(s) dropped by the journal's bounds" if dropped else "",
    }}
