"""``micc-sim coverage --properties``: how whole the stateful MiCC SDK answers are, measured on a live server.

A populated world (items in every state, agents in every state, calls and chats, time advanced) is built
through the public APIs; then every stateful GET operation is called, for every id its parent collection
lists, and each answer is walked against its response schema (:mod:`micc_sim.spec.completeness`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from micc_sim.spec.completeness import ModelTally, Walker
from micc_sim.spec.contract import Contract, Operation

SDK = "/miccsdk/api/v1"
ID_FIELDS = ("id", "conversationId")
MAX_IDS = 25  # ids tried per path parameter: enough to see every state, bounded on a big world


@dataclass
class OperationReport:
    operation: Operation
    calls: int = 0
    failures: list[str] = field(default_factory=list)  # "GET path -> status" of calls that did not answer 2xx
    models: dict[str, ModelTally] = field(default_factory=dict)

    @property
    def declared(self) -> int:
        return sum(len(t.declared) for t in self.models.values())

    @property
    def missing(self) -> int:
        return sum(len(t.missing) for t in self.models.values())

    @property
    def unseen(self) -> int:
        return sum(len(t.declared) for t in self.models.values() if not t.instances)


def admin_client(base_url: str, username: str = "_admin", password: str = "_password",
                 verify: bool = True) -> httpx.Client:
    http = httpx.Client(base_url=base_url, timeout=30, verify=verify)
    r = http.post("/authorizationserver/token",
                  data={"grant_type": "password", "username": username, "password": password})
    r.raise_for_status()
    http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return http


def populate(http: httpx.Client) -> None:
    """Fill the default world (``micc_sim.world.seed``) on a manual clock with something of everything:
    handled history, items offered, accepted, held, waiting, swallowed, abandoned and failed, agents idle,
    ringing, on ACD, busy with a reason, in do-not-disturb, away and logged out, a call and a chat."""
    def ok(r: httpx.Response) -> httpx.Response:
        if r.status_code >= 300:
            raise RuntimeError(f"populating the world: {r.request.method} {r.request.url} -> {r.status_code} "
                               f"{r.text[:200]}")
        return r

    def advance(seconds: float) -> None:
        ok(http.post("/_sim/clock/advance", json={"seconds": seconds}))

    def post(queue: str, n: int, **extra: Any) -> str:
        body = {"queue": queue, "from": f"customer{n}@example.com", "to": "support@example.com",
                "subject": f"Question {n}", "targetUri": f"https://crm.example.com/tickets/{n}",
                "previewUrl": f"https://crm.example.com/tickets/{n}/preview",
                "historyUrl": f"https://crm.example.com/tickets/{n}/history",
                "variableData": {"customerId": str(1000 + n), "language": "en"}, **extra}
        return ok(http.post(f"{SDK}/openmedia", json=body)).json()["id"]

    def employee(reporting: str) -> str:
        return ok(http.get(f"{SDK}/agents/{reporting}")).json()["id"]

    def state(reporting: str, **body: Any) -> None:
        ok(http.put(f"{SDK}/employees/{employee(reporting)}/state", json=body))

    def act(reporting: str, item: str, action: str) -> None:
        ok(http.put(f"{SDK}/employees/{employee(reporting)}/conversations/{item}", json={"conversationAction": action}))

    # a morning's history: items handled and one abandoned
    for n in range(3):
        post("Web Chat", n)
    advance(130)
    abandoned = post("Overflow", 3)
    advance(5)
    ok(http.put(f"{SDK}/openmedia/{abandoned}", json={"action": "Complete"}))
    advance(60)
    for reporting in ("1001", "1002"):
        ok(http.patch(f"/_sim/employees/{reporting}", json={"profile": "manual"}))
    state("1004", state="DoNotDisturb", reason="Coaching")
    state("2001", state="Busy", reason="Lunch")
    state("2002", state="Away")
    held, offered, acd = post("Web Chat", 10), post("Web Chat", 11), post("Web Chat", 12)
    post("Web Chat", 13)
    post("Social Media", 14)
    post("Unvalidated Tasks", 15)
    advance(4)
    act("1001", held, "Accept")
    advance(2)
    act("1001", held, "Hold")
    del offered, acd  # 1002 keeps its offer ringing; 1003 (default profile) accepted its own
    for body in ({"media": "Voice", "queue": "Support Voice", "from": "+15551230001", "to": "5000"},
                 {"media": "Chat", "queue": "Sales Chat", "from": "visitor@example.com", "from_name": "Visitor"}):
        ok(http.post("/_sim/interactions", json=body))
    advance(7)


def measure(http: httpx.Client, contract: Contract, handlers: Mapping[str, object],
            only: Callable[[Operation], bool] | None = None) -> list[OperationReport]:
    """Call every stateful GET of ``contract`` (for every id its parent collection lists) and tally its answers."""
    reports = []
    for op in contract.operations:
        if op.method != "GET" or op.operation_id not in handlers or (only and not only(op)):
            continue
        status, _ = op.success
        schema = (op.raw["responses"].get(str(status)) or {}).get("content", {}).get("application/json", {})
        schema = schema.get("schema")
        if schema is None:
            continue
        report = OperationReport(op)
        walker = Walker(contract.document)
        walker.reachable(schema)
        if any(p.get("required") for p in op.query_parameters or ()):
            reports.append(report)  # needs a query value (a file path, a search) no listing gives: not called
            continue
        for path in _paths(http, contract.base_path, op.path):
            r = http.get(contract.base_path + path)
            report.calls += 1
            if r.status_code // 100 != 2:
                report.failures.append(f"GET {path} -> {r.status_code}")
                continue
            walker.walk(schema, r.json())
        report.models = walker.tallies
        reports.append(report)
    return reports


def _paths(http: httpx.Client, base: str, template: str) -> Iterator[str]:
    """The template with its parameters filled from the collection before each (``/queues/{id}/state``: each
    id ``GET /queues`` lists); a template with no such collection is skipped."""
    found = re.search(r"{[^}/]+}", template)
    if found is None:
        yield template
        return
    parent = template[:found.start()].rstrip("/")
    rest = template[found.end():]
    for prefix in _paths(http, base, parent):
        r = http.get(base + prefix)
        if r.status_code // 100 != 2:
            continue
        body = r.json()
        items = (body.get("_embedded") or {}).get("items") if isinstance(body, dict) else None
        ids = [next((i[k] for k in ID_FIELDS if isinstance(i.get(k), str)), None) for i in items or []
               if isinstance(i, dict)]
        for item_id in [i for i in ids if i][:MAX_IDS]:
            yield from _paths(http, base, prefix + "/" + item_id + rest) if "{" in rest else [prefix + "/" + item_id
                                                                                              + rest]


@dataclass
class Totals:
    declared: int
    missing: int
    unseen: int
    operations: int

    @property
    def missing_share(self) -> float:
        return 100.0 * self.missing / self.declared if self.declared else 0.0


def totals(reports: list[OperationReport]) -> Totals:
    return Totals(sum(r.declared for r in reports), sum(r.missing for r in reports),
                  sum(r.unseen for r in reports), len(reports))


def text_report(reports: list[OperationReport], verbose: bool = False) -> str:
    lines = []
    for report in reports:
        op = report.operation
        lines.append(f"{op.operation_id}  GET {op.path}  ({report.calls} calls): "
                     f"{report.declared - report.missing - report.unseen} of {report.declared} properties served, "
                     f"{report.missing} missing, {report.unseen} in models never seen")
        for failure in report.failures[:3]:
            lines.append(f"    failed: {failure}")
        for tally in report.models.values():
            if not tally.instances:
                lines.append(f"    {tally.name}: never seen ({len(tally.declared)} properties)")
                continue
            missing = tally.missing
            detail = f": missing {', '.join(missing)}" if missing else ""
            lines.append(f"    {tally.name} ({tally.instances}x): {len(tally.served)}/{len(tally.declared)}{detail}")
            if verbose:
                if tally.always_null:
                    lines.append(f"        always null: {', '.join(tally.always_null)}")
                if tally.wrong_type:
                    lines.append(f"        wrong type: {', '.join(sorted(tally.wrong_type))}")
                if tally.undeclared:
                    lines.append(f"        undeclared: {', '.join(sorted(tally.undeclared))}")
    t = totals(reports)
    lines.append(f"{t.operations} stateful GET operations: {t.missing} of {t.declared} declared properties missing "
                 f"({t.missing_share:.1f}%), {t.unseen} in models never seen")
    return "\n".join(lines) + "\n"
