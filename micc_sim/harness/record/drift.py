"""``micc-sim drift FOLDER``: where the simulator answers differently from a recorded real server.

Each recorded request is sent again, in order, to a simulator started here on the same world (``--world``) with
a manual clock at the recording's first time. Secrets were redacted when recording, so a request that sent
``Bearer [redacted]`` sends the token this run's own token request got (a recorded token request has its
password or client secret from ``--password`` / ``--client-secret``); ids the real server made (and later
requests name) are mapped to those the simulator made in the same place of the same answer.

Differences are reported per operation: status, properties missing from the simulator's answer or extra in
it, JSON type differences, and values of an enumeration (per the contract) that differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from micc_sim.harness.control.operations import operation_for
from micc_sim.harness.control.redact import REDACTED
from micc_sim.harness.record.replay import load_recording

SKIPPED = frozenset({"host", "content-length", "connection", "accept-encoding", "x-request-id"})
CONNECTION_FACES = frozenset({"signalr", "desktop"})  # their HTTP exchanges carry a connection, not a contract


@dataclass
class OperationDrift:
    operation: str
    exchanges: int = 0
    status: dict[str, int] = field(default_factory=dict)  # "recorded -> simulated": how many times
    missing: set[str] = field(default_factory=set)  # in the recorded answer, not in the simulator's
    extra: set[str] = field(default_factory=set)
    types: dict[str, str] = field(default_factory=dict)  # path -> "recorded -> simulated"
    enums: dict[str, set[str]] = field(default_factory=dict)  # path -> {"recorded -> simulated"}

    @property
    def drifted(self) -> bool:
        return bool(self.status or self.missing or self.extra or self.types or self.enums)

    def as_dict(self) -> dict[str, Any]:
        return {"operation": self.operation, "exchanges": self.exchanges, "drifted": self.drifted,
                "status": [{"recorded": int(k.split(" -> ")[0]), "simulated": int(k.split(" -> ")[1]), "count": n}
                           for k, n in sorted(self.status.items())],
                "missing": sorted(self.missing), "extra": sorted(self.extra),
                "types": [{"path": p, "recorded": t.split(" -> ")[0], "simulated": t.split(" -> ")[1]}
                          for p, t in sorted(self.types.items())],
                "enums": [{"path": p, "recorded": v.split(" -> ")[0], "simulated": v.split(" -> ")[1]}
                          for p, values in sorted(self.enums.items()) for v in sorted(values)]}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def _sub_schema(schema: dict[str, Any] | None, key: str | None) -> dict[str, Any] | None:
    if not isinstance(schema, dict):
        return None
    for combined in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(combined, ()):
            found = _sub_schema(part, key)
            if found is not None:
                return found
    if key is None:
        items = schema.get("items")
        return items if isinstance(items, dict) else None
    props = schema.get("properties") or {}
    return props.get(key) if isinstance(props.get(key), dict) else None


def _enum(schema: dict[str, Any] | None) -> list[Any] | None:
    if not isinstance(schema, dict):
        return None
    if "enum" in schema:
        return schema["enum"]
    for part in schema.get("anyOf", ()) + schema.get("oneOf", ()):
        if isinstance(part, dict) and "enum" in part:
            return part["enum"]
    return None


def compare(recorded: Any, simulated: Any, schema: dict[str, Any] | None, drift: OperationDrift,
            path: str = "$") -> None:
    """Walk both answers together, noting missing and extra properties, type and enumeration differences."""
    if recorded is None or simulated is None:  # a value that is null on one side is a value, not a shape
        return
    kind_r, kind_s = _json_type(recorded), _json_type(simulated)
    if kind_r != kind_s:
        drift.types[path] = f"{kind_r} -> {kind_s}"
        return
    if isinstance(recorded, dict):
        for key in recorded.keys() - simulated.keys():
            drift.missing.add(f"{path}.{key}")
        for key in simulated.keys() - recorded.keys():
            drift.extra.add(f"{path}.{key}")
        for key in recorded.keys() & simulated.keys():
            compare(recorded[key], simulated[key], _sub_schema(schema, key), drift, f"{path}.{key}")
    elif isinstance(recorded, list):
        inner = _sub_schema(schema, None)
        for r, s in zip(recorded, simulated, strict=False):
            compare(r, s, inner, drift, f"{path}[]")
    else:
        allowed = _enum(schema)
        if allowed is not None and recorded != simulated:
            drift.enums.setdefault(path, set()).add(f"{recorded} -> {simulated}")


def _ids(recorded: Any, simulated: Any, found: dict[str, str], key: str = "") -> None:
    """Strings in the same place of both answers that differ and look like ids: recorded -> simulated."""
    if isinstance(recorded, dict) and isinstance(simulated, dict):
        for k in recorded.keys() & simulated.keys():
            _ids(recorded[k], simulated[k], found, k)
    elif isinstance(recorded, list) and isinstance(simulated, list):
        for r, s in zip(recorded, simulated, strict=False):
            _ids(r, s, found, key)
    elif (isinstance(recorded, str) and isinstance(simulated, str) and recorded != simulated
          and len(recorded) >= 6 and (key.lower().endswith("id") or key == "access_token")):
        found[recorded] = simulated


def _body(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


@dataclass
class Credentials:
    username: str = "_admin"
    password: str = "_password"
    client_secret: str | None = None


def _unredact_form(text: str, credentials: Credentials) -> str:
    from urllib.parse import parse_qsl, urlencode

    pairs = []
    for k, v in parse_qsl(text, keep_blank_values=True):
        if v == REDACTED:
            v = credentials.password if k.lower() == "password" else credentials.client_secret or v
        pairs.append((k, v))
    return urlencode(pairs)


def _unredact_json(data: Any, credentials: Credentials) -> Any:
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if v == REDACTED:
                v = credentials.password if k.lower() == "password" else credentials.client_secret or v
            out[k] = _unredact_json(v, credentials)
        return out
    if isinstance(data, list):
        return [_unredact_json(v, credentials) for v in data]
    return data


def _token_family(path: str) -> str:
    return "micc" if path.lower().startswith(("/authorizationserver", "/miccsdk")) else "cloudlink"


def run_drift(folder: Path, base_url: str, credentials: Credentials) -> dict[str, OperationDrift]:
    """Send the recording's requests to the simulator at ``base_url``; the drift of each operation."""
    records = load_recording(folder)
    tokens: dict[str, str] = {}
    ids: dict[str, str] = {}
    drifts: dict[str, OperationDrift] = {}
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for record in records:
            if record.get("face") in CONNECTION_FACES:
                continue  # a connection's transport (a long poll waits for news), not an operation of a contract
            request, response = record["request"], record["response"]
            method, path = request["method"], request["path"]
            for old, new in ids.items():
                path = path.replace(old, new)
            body = request.get("body") or ""
            for old, new in ids.items():
                body = body.replace(old, new)
            headers = {}
            for k, v in request.get("headers", []):
                if k.lower() in SKIPPED:
                    continue
                if k.lower() == "authorization" and REDACTED in v:
                    family = _token_family(path)
                    v = f"Bearer {tokens[family]}" if family in tokens else v
                headers[k] = v
            kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
            if "x-www-form-urlencoded" in kind.lower():  # the redacted value is percent-encoded there
                body = _unredact_form(body, credentials)
            elif REDACTED in body and (data := _body(body)) is not None:
                body = json.dumps(_unredact_json(data, credentials))
            query = request.get("query") or ""
            answer = http.request(method, path + (f"?{query}" if query else ""), headers=headers,
                                  content=body.encode("utf-8"))
            operation = record.get("operation") or (op.operation_id if (op := operation_for(method, path)) else None)
            name = operation or f"{method} {record['request']['path']}"
            drift = drifts.setdefault(name, OperationDrift(name))
            drift.exchanges += 1
            if answer.status_code != response["status"]:
                key = f"{response['status']} -> {answer.status_code}"
                drift.status[key] = drift.status.get(key, 0) + 1
            recorded, simulated = _body(response.get("body") or ""), _body(answer.text)
            if isinstance(simulated, dict) and isinstance(simulated.get("access_token"), str):
                tokens[_token_family(path)] = simulated["access_token"]
            if recorded is not None and simulated is not None and answer.status_code == response["status"]:
                op = operation_for(method, path)
                schema = op.responses.get(str(answer.status_code)) if op else None
                compare(recorded, simulated, schema, drift)
                _ids(recorded, simulated, ids)
    return dict(sorted(drifts.items()))


def report_text(drifts: dict[str, OperationDrift]) -> str:
    lines = []
    for drift in drifts.values():
        if not drift.drifted:
            lines.append(f"ok      {drift.operation} ({drift.exchanges} exchange(s))")
            continue
        lines.append(f"DRIFT   {drift.operation} ({drift.exchanges} exchange(s))")
        for key, n in sorted(drift.status.items()):
            lines.append(f"          status {key} (recorded -> simulator), {n} time(s)")
        lines += [f"          missing in the simulator's answer: {p}" for p in sorted(drift.missing)]
        lines += [f"          extra in the simulator's answer:   {p}" for p in sorted(drift.extra)]
        lines += [f"          type {p}: {t}" for p, t in sorted(drift.types.items())]
        lines += [f"          enum {p}: {v}" for p, values in sorted(drift.enums.items()) for v in sorted(values)]
    drifted = sum(d.drifted for d in drifts.values())
    lines.append(f"{drifted} of {len(drifts)} operation(s) drifted")
    return "\n".join(lines)


def report_json(drifts: dict[str, OperationDrift]) -> dict[str, Any]:
    return {"operations": [d.as_dict() for d in drifts.values()],
            "drifted": sum(d.drifted for d in drifts.values()), "total": len(drifts)}


def first_time(folder: Path) -> datetime | None:
    for record in load_recording(folder):
        try:
            return datetime.fromisoformat(record["at"].replace("Z", "+00:00"))
        except (KeyError, ValueError, AttributeError):
            return None
    return None

