"""The ``notifications`` profile's consumer and verdict: CloudLink notifications received under load.

While locust's ``CloudLinkActivity`` users call, chat and change presence, the run hosts a **consumer**: it
signs in as the account's admin, starts a webhook receiver on loopback (verifying ``x-notify-signature`` over
the raw body; ``--webhook-errors`` makes a share of its answers 503, so retries happen) and an MQTT client
over WebSocket (paho, ``POST /connections``), subscribes both (:data:`SUBSCRIPTIONS`) and marks the start of
the run with a publication of its own. After the run it waits until no delivery of its subscriptions is
under way and judges **from the simulator's side**: the publication log (``GET /publications``) says what
was published since the mark, the subscriptions say which of those each was owed (the simulator's own
matching), and the delivery log (``GET /_sim/notifications/deliveries``) must show each owed one exactly
once, delivered or a dead letter (``failed``), and nothing else. The consumer's own receipts must match the
deliveries. Latency (publish to delivered) comes from the delivery log's wall times.

Both logs are bounded (the newest 10,000 publications and finished deliveries): a run that outgrows them is
judged on the newest part, which the verdict says.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import html
import json
import queue
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from micc_sim.faces.cloudlink.notify.models import DELIVERY_LOG_SIZE, LOG_SIZE, Publication, Subscription
from micc_sim.harness.load.run import Check, LoadError, LoadRun, print_verdict, run_view

CL, NOTIFY = "/authentication/2017-09-01", "/notifications/2017-09-01"
CALLS = "^/2017-09-01/endpoints/[^/]+/calls/[^/]+$"
MESSAGES = "^/conversations/[^/]+/messages/[^/]+$"
RINGING = "$.publications[?(@.content.state == 'ringing')]"
MARK_TOPIC = "micc-sim-load"
UNFINISHED = ("pending", "sending", "retrying")

# name, transport with --transport both, topic, subjectFilter, publicationFilter
SUBSCRIPTIONS = (
    ("every call leg", "webhook", "platform-api-media", CALLS, None),
    ("ringing calls (screen pop)", "webhook", "platform-api-media", CALLS, RINGING),
    ("presence", "webhook", "platform-api-presence", None, None),
    ("every call leg over MQTT", "websocket", "platform-api-media", CALLS, None),
    ("chat messages", "websocket", "platform-api-conversations", MESSAGES, None),
)


class ConsumerError(LoadError):
    """The consumer could not be set up (the run cannot be made: exit code 2)."""


def _wall(text: str | None) -> float | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def _checked(response: httpx.Response, doing: str) -> Any:
    if response.status_code >= 400:
        raise ConsumerError(f"{doing}: {response.status_code} {response.text[:300]}")
    return response.json() if response.content else None


# -- receiving ----------------------------------------------------------------------------------------
@dataclass
class Receipts:
    """What the consumer got: (subscriptionId, publicationId) -> times received, by transport."""

    got: dict[str, Counter[tuple[str, str]]] = field(default_factory=lambda: {"webhook": Counter(),
                                                                               "websocket": Counter()})
    bad_signatures: int = 0
    refused: int = 0  # webhook POSTs answered 503 on purpose (--webhook-errors)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, transport: str, body: bytes) -> None:
        notification = json.loads(body)
        with self.lock:
            self.got[transport][(notification["subscription"]["subscriptionId"], notification["publicationId"])] += 1


class WebhookReceiver:
    """A receiver on loopback (a thread of the run): verifies each signature, answers 200, or 503 for a share."""

    def __init__(self, receipts: Receipts, application_id: str, host: str, errors: float, seed: int) -> None:
        key, chance, lock = application_id.encode(), random.Random(seed), threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the simulator reuses its connections

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                with lock:
                    fail = chance.random() < errors
                status = 503 if fail else 200
                if fail:
                    with receipts.lock:
                        receipts.refused += 1
                elif hmac.compare_digest(hmac.new(key, raw, hashlib.sha256).hexdigest(),
                                         self.headers.get("x-notify-signature", "")):
                    receipts.add("webhook", raw)
                else:
                    with receipts.lock:
                        receipts.bad_signatures += 1
                    status = 401
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_port}/notifications"
        threading.Thread(target=self.server.serve_forever, name="load-webhooks", daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class MqttReceiver:
    """paho over WebSocket on the connection URL; its client id is the websocket subscriptions' deviceId."""

    def __init__(self, receipts: Receipts, url: str) -> None:
        import paho.mqtt.client as mqtt

        parts = urlsplit(url)
        self.client_id = "micc-load-" + uuid.uuid4().hex[:12]
        self.subacks: queue.Queue[list[int]] = queue.Queue()
        connected = threading.Event()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, transport="websockets",
                             protocol=mqtt.MQTTv311, clean_session=False)
        if parts.scheme == "wss":
            client.tls_set()
        client.ws_set_options(path=f"{parts.path}?{parts.query}")
        client.on_connect = lambda c, u, flags, reason, props: reason.is_failure or connected.set()
        client.on_message = lambda c, u, message: receipts.add("websocket", message.payload)
        client.on_subscribe = lambda c, u, mid, reasons, props: self.subacks.put([r.value for r in reasons])
        client.connect(parts.hostname, parts.port or (443 if parts.scheme == "wss" else 80), keepalive=60)
        client.loop_start()
        self.client = client
        if not connected.wait(15):
            self.close()
            raise ConsumerError(f"the MQTT connection to {parts.netloc} was not accepted")

    def subscribe(self, topic: str) -> None:
        self.client.subscribe(topic, qos=1)
        if self.subacks.get(timeout=15) != [1]:
            raise ConsumerError(f"the broker refused the subscription to {topic}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


# -- the consumer ---------------------------------------------------------------------------------------
@dataclass
class Observation:
    """What the logs say after the run: the run's publications, its subscriptions' deliveries."""

    publications: list[Publication]  # oldest first, since the mark
    deliveries: list[dict[str, Any]]  # the delivery log's entries of the run's subscriptions, oldest first
    publication_log_trimmed: bool  # the mark is no longer in the log (it keeps the newest): the oldest are gone
    delivery_log_trimmed: bool  # the log holds as many finished deliveries as it keeps: old ones may be gone
    unfinished: int  # deliveries still under way when the wait ended


class Consumer:
    def __init__(self, base: str, login: str, password: str, *, host: str = "127.0.0.1", transport: str = "both",
                 webhook_errors: float = 0.0, seed: int = 0) -> None:
        self.base, self.login, self.password, self.host = base.rstrip("/"), login, password, host
        self.transport, self.webhook_errors, self.seed = transport, webhook_errors, seed
        self.receipts = Receipts()
        self.application_id = str(uuid.uuid4())
        self.subscriptions: dict[str, Subscription] = {}  # subscriptionId -> as created
        self.names: dict[str, str] = {}  # subscriptionId -> name
        self.mark: str | None = None
        self.http = httpx.Client(base_url=self.base, timeout=30, trust_env=False)
        self.webhooks: WebhookReceiver | None = None
        self.mqtt: MqttReceiver | None = None

    @contextlib.contextmanager
    def running(self) -> Iterator[Consumer]:
        try:
            self._start()
            yield self
        finally:
            self._stop()

    def _start(self) -> None:
        body = {"grant_type": "password", "username": self.login, "password": self.password}
        token = _checked(self.http.post(f"{CL}/token", json=body), f"signing in as {self.login}")["access_token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        wanted = [(name, self.transport if self.transport != "both" else transport, topic, subject, content)
                  for name, transport, topic, subject, content in SUBSCRIPTIONS]
        if any(t == "webhook" for _, t, *_ in wanted):
            self.webhooks = WebhookReceiver(self.receipts, self.application_id, self.host, self.webhook_errors,
                                            self.seed)
        if any(t == "websocket" for _, t, *_ in wanted):
            url = _checked(self.http.post(f"{NOTIFY}/connections", json={"transport": "websocket"}),
                           "asking for the websocket URL")["url"]
            self.mqtt = MqttReceiver(self.receipts, url)
        for name, transport, topic, subject, content in wanted:
            body = {"transport": transport, "topic": topic, "subjectFilter": subject, "publicationFilter": content}
            if transport == "webhook":
                assert self.webhooks is not None
                body.update(deviceId=self.webhooks.url, applicationId=self.application_id)
            else:
                assert self.mqtt is not None
                body["deviceId"] = self.mqtt.client_id
            view = _checked(self.http.post(f"{NOTIFY}/subscriptions", json={k: v for k, v in body.items() if v}),
                            f"subscribing {name!r}")
            sid = view["subscriptionId"]
            self.subscriptions[sid] = subscription_from(view)
            self.names[sid] = name
            if transport == "websocket":
                assert self.mqtt is not None
                self.mqtt.subscribe(sid)
        self.mark = _checked(self.http.post(f"{NOTIFY}/publications", json={
            "topic": MARK_TOPIC, "method": "POST", "subject": f"/load/{uuid.uuid4().hex}/start",
            "content": {"subscriptions": list(self.subscriptions)}}), "marking the start")["publicationId"]

    def _stop(self) -> None:
        for sid in list(self.subscriptions):
            with contextlib.suppress(httpx.HTTPError):
                self.http.delete(f"{NOTIFY}/subscriptions/{sid}")
        for receiver in (self.mqtt, self.webhooks):
            if receiver is not None:
                with contextlib.suppress(Exception):
                    receiver.close()
        self.http.close()

    # -- after the run ----------------------------------------------------------------------------------
    def _unfinished(self) -> int:
        found = 0
        for status in UNFINISHED:
            log = _checked(self.http.get("/_sim/notifications/deliveries", params={"status": status,
                                                                                    "limit": 1_000_000}),
                           "reading the delivery log")
            found += sum(1 for d in log["deliveries"] if d["subscription_id"] in self.subscriptions)
        return found

    def settle(self, timeout: float = 60.0) -> int:
        """Wait (wall time) until none of the run's deliveries is under way; how many still are."""
        deadline = time.monotonic() + timeout
        while (left := self._unfinished()) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.2)  # an MQTT PUBLISH acknowledged is in the consumer's hands a moment later at most
        return left

    def observe(self, unfinished: int) -> Observation:
        publications, trimmed, skip = [], True, 0
        while True:
            page = _checked(self.http.get(f"{NOTIFY}/publications", params={"$top": 1000, "$skip": skip}),
                            "reading the publication log")["_embedded"]["items"]
            for item in page:
                if item["publicationId"] == self.mark:
                    trimmed = False
                    break
                publications.append(publication_from(item))
            if not trimmed or not page:
                break
            skip += len(page)
        log = _checked(self.http.get("/_sim/notifications/deliveries", params={"limit": 1_000_000}),
                       "reading the delivery log")
        finished = sum(1 for d in log["deliveries"] if d["status"] not in UNFINISHED)
        ours = [d for d in reversed(log["deliveries"]) if d["subscription_id"] in self.subscriptions]
        return Observation(publications[::-1], ours, trimmed, finished >= DELIVERY_LOG_SIZE, unfinished)


def subscription_from(view: dict[str, Any]) -> Subscription:
    created = datetime.fromisoformat(view["createdOn"].replace("Z", "+00:00"))
    return Subscription(view["subscriptionId"], view["accountId"], view["principalId"], view["deviceId"],
                        view["transport"], view["topic"], created, view.get("applicationId"),
                        view.get("subjectFilter"), view.get("methodFilter"), view.get("publicationFilter"))


def publication_from(item: dict[str, Any]) -> Publication:
    created = datetime.fromisoformat(item["notification"]["createdOn"].replace("Z", "+00:00"))
    return Publication(item["publicationId"], item["topic"], item["method"], item["subject"], item["content"],
                       created, item["notification"]["correlationId"], item["publisher"]["accountId"],
                       item["publisher"]["principalId"], item.get("principalFilter"))


# -- the verdict ------------------------------------------------------------------------------------------
def latency_ms(delivery: dict[str, Any]) -> float | None:
    """Publish to delivered, wall clock: the last attempt's end minus the delivery's creation."""
    created, ended = _wall(delivery.get("wall_created_at")), _wall(delivery["attempts"][-1]["wall_ended_at"])
    return (ended - created) * 1000 if created is not None and ended is not None else None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 1) if ordered else 0.0


def latency_summary(deliveries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by: dict[str, list[float]] = defaultdict(list)
    for d in deliveries:
        if d["status"] == "delivered" and (ms := latency_ms(d)) is not None:
            by[d["transport"]].append(ms)
            by["all"].append(ms)
    return {name: {"delivered": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95),
                   "p99_ms": percentile(v, 99), "max_ms": round(max(v), 1)} for name, v in sorted(by.items())}


def judge(consumer: Consumer, seen: Observation) -> list[Check]:
    """Every publication a subscription of the run was owed: one delivery, delivered or a dead letter; no
    delivery it was not owed; and the consumer got each delivered one, signed."""
    owed_total, status_count, problems, notes = 0, Counter(), [], []
    known = {p.publication_id: p for p in seen.publications}
    deliveries: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for d in seen.deliveries:
        deliveries[d["subscription_id"]][d["publication_id"]].append(d)
    for sid, subscription in consumer.subscriptions.items():
        name, got = consumer.names[sid], deliveries[sid]
        owed = [p for p in seen.publications if subscription.accepts(p)]
        if seen.delivery_log_trimmed:  # a subscription's deliveries finish in order: the log keeps a suffix
            start = next((n for n, p in enumerate(owed) if p.publication_id in got), len(owed))
            if start:
                notes.append(f"{name}: the oldest {start} of {len(owed)} are no longer in the delivery log")
            owed = owed[start:]
        owed_ids = {p.publication_id for p in owed}
        owed_total += len(owed)
        missing = [p for p in owed if p.publication_id not in got]
        twice = [pid for pid, ds in got.items() if len(ds) > 1]
        # deliveries of publications before the mark (made while the consumer subscribed) are not judged
        unowed = [pid for pid in got if pid in known and not subscription.accepts(known[pid])]
        for ds in got.values():
            if ds[0]["publication_id"] in owed_ids:
                status_count[ds[0]["status"]] += 1
        if missing:
            problems.append(f"{name}: {len(missing)} owed publication(s) with no delivery in the log, "
                            f"e.g. {missing[0].subject}")
        if twice:
            problems.append(f"{name}: {len(twice)} publication(s) delivered more than once")
        if unowed:
            problems.append(f"{name}: {len(unowed)} delivery(ies) of publications it was not owed")
    if seen.unfinished:
        problems.append(f"{seen.unfinished} delivery(ies) still under way when the wait ended")
    if not seen.publications:
        problems.append("nothing was published, so nothing was tested (see locust.log)")
    elif not owed_total:
        problems.append("no publication matched a subscription of the run")
    if status_count["cancelled"]:
        problems.append(f"{status_count['cancelled']} cancelled (the run's subscriptions were deleted early)")
    if seen.publication_log_trimmed:
        notes.append(f"the run's mark is no longer in the publication log (it keeps the newest {LOG_SIZE}): "
                     "judged on the publications it still holds")
    detail = (f"{len(seen.publications)} publications in the run, {owed_total} deliveries owed to "
              f"{len(consumer.subscriptions)} subscriptions: {status_count['delivered']} delivered, "
              f"{status_count['failed']} dead letters (failed, in the delivery log)")
    once = Check("every notification delivered once", not problems,
                 detail + "".join(f"; {x}" for x in problems + notes))
    return [once, _consumer_check(consumer, seen)]


def _consumer_check(consumer: Consumer, seen: Observation) -> Check:
    """What the simulator counts as delivered, the consumer got (webhooks with a good signature)."""
    r = consumer.receipts
    problems = []
    delivered = Counter(d["transport"] for d in seen.deliveries if d["status"] == "delivered")
    missing = {t: sum(1 for d in seen.deliveries if d["transport"] == t and d["status"] == "delivered"
                      and not r.got[t][(d["subscription_id"], d["publication_id"])]) for t in ("webhook", "websocket")}
    logged = {(d["subscription_id"], d["publication_id"]) for d in seen.deliveries}
    unknown = sum(1 for t in r.got for pair in r.got[t] if pair not in logged and not seen.delivery_log_trimmed)
    duplicates = sum(n - 1 for t in r.got for n in r.got[t].values() if n > 1)
    for transport, n in missing.items():
        if n:
            problems.append(f"{n} {transport} notification(s) delivered by the log but not received")
    if r.bad_signatures:
        problems.append(f"{r.bad_signatures} webhook(s) with a bad x-notify-signature")
    if unknown:
        problems.append(f"{unknown} received that the delivery log does not show")
    detail = (f"webhooks: {sum(r.got['webhook'].values())} received, every signature good"
              if not r.bad_signatures else f"webhooks: {sum(r.got['webhook'].values())} received")
    detail += (f" ({r.refused} answered 503 on purpose and retried)" if r.refused else "")
    detail += f"; MQTT: {sum(r.got['websocket'].values())} received; delivered by the log: " + (
        ", ".join(f"{n} {t}" for t, n in sorted(delivered.items())) or "none")
    if duplicates:
        detail += f"; {duplicates} received again (an attempt the simulator counted as failed was retried)"
    return Check("the consumer got what was delivered", not problems,
                 detail + "".join(f"; {x}" for x in problems))


def judge_run(run: LoadRun, base: str, consumer: Consumer, seen: Observation, stats: dict[str, dict[str, str]],
              console: Any) -> int:
    """Judge, write the report, print the verdict; the exit code (0 pass, 1 fail)."""
    checks = judge(consumer, seen)
    passed = all(c.passed for c in checks)
    subscriptions = [{"name": consumer.names[sid], "subscriptionId": sid, "transport": s.transport, "topic": s.topic,
                      "subjectFilter": s.subject_filter, "publicationFilter": s.publication_filter}
                     for sid, s in consumer.subscriptions.items()]
    latency = latency_summary(seen.deliveries)
    verdict = {"passed": passed, "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in checks],
               "run": run_view(run), "simulator": base, "publications": len(seen.publications),
               "deliveries": dict(Counter(d["status"] for d in seen.deliveries)), "latency": latency,
               "subscriptions": subscriptions}
    files = write_report(run.report_dir, verdict, consumer, seen, stats)
    for name, v in latency.items():
        console.print(f"  publish to delivered ({name}): {v['delivered']} delivered, p50 {v['p50_ms']} ms, "
                      f"p95 {v['p95_ms']} ms, p99 {v['p99_ms']} ms, max {v['max_ms']} ms")
    print_verdict(console, checks, passed, stats, files)
    return 0 if passed else 1


# -- the report ---------------------------------------------------------------------------------------------
def write_report(folder: Path, verdict: dict[str, Any], consumer: Consumer, seen: Observation,
                 stats: dict[str, dict[str, str]]) -> list[Path]:
    """verdict.json, deliveries.json and .csv, plots (PNG and SVG in report.html); the HTML page first."""
    from micc_sim.harness.load.report import interactive_charts, locust_charts, plt, read_history, save_plots

    (folder / "verdict.json").write_text(json.dumps(verdict, indent=2))
    (folder / "deliveries.json").write_text(json.dumps(seen.deliveries, indent=1))
    with (folder / "deliveries.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["subscription", "transport", "publication_id", "topic", "subject", "status", "attempts",
                         "wall_created_at", "latency_ms", "reason"])
        for d in seen.deliveries:
            ms = latency_ms(d) if d["status"] == "delivered" else None
            writer.writerow([consumer.names.get(d["subscription_id"], d["subscription_id"]), d["transport"],
                             d["publication_id"], d["topic"], d["subject"], d["status"], len(d["attempts"]),
                             d.get("wall_created_at"), "" if ms is None else round(ms, 2), d["reason"] or ""])
    save_plots(_figure(seen.deliveries, plt), folder / "plots.png")
    charts = delivery_charts(seen.deliveries) + locust_charts(read_history(folder / "locust_stats_history.csv"))
    page = folder / "report.html"
    page.write_text(_page(verdict, stats, interactive_charts(charts, [])), encoding="utf-8")
    return [page, folder / "verdict.json", folder / "deliveries.json", folder / "deliveries.csv",
            folder / "plots.png"]


def delivery_charts(deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each delivery's latency by when it was published, and deliveries a second, per transport."""
    done = sorted((_wall(d["wall_created_at"]), d["transport"], latency_ms(d)) for d in deliveries
                  if d["status"] == "delivered" and d.get("wall_created_at") and latency_ms(d) is not None)
    transports = [t for t in ("webhook", "websocket") if any(kind == t for _, kind, _ in done)]
    x = [at for at, _, _ in done]
    latency = [{"label": f"{t} ({sum(kind == t for _, kind, _ in done)})", "points": True,
                "values": [ms if kind == t else None for _, kind, ms in done]} for t in transports]
    seconds = sorted({int(at) for at in x})
    per_second = [{"label": t, "values": [sum(1 for at, kind, _ in done if kind == t and int(at) == s)
                                          for s in seconds]} for t in transports]
    return [{"title": "Publish to delivered, each delivery (the delivery log's wall times)", "y": "ms", "x": x,
             "series": latency},
            {"title": "Deliveries a second, by when they were published", "y": "deliveries",
             "x": [float(s) for s in seconds], "series": per_second}]


def _figure(deliveries: list[dict[str, Any]], plt: Any) -> Any:
    """Latency over the run (each delivery, by transport) and deliveries a second."""
    done = [(d["transport"], _wall(d["wall_created_at"]), latency_ms(d)) for d in deliveries
            if d["status"] == "delivered" and d.get("wall_created_at") and latency_ms(d) is not None]
    start = min((t for _, t, _ in done), default=0.0)
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.6), dpi=100, sharex=True)
    for transport in ("webhook", "websocket"):
        points = [(t - start, ms) for kind, t, ms in done if kind == transport]
        if points:
            top.plot(*zip(*points, strict=True), ".", markersize=3, label=f"{transport} ({len(points)})")
            per_second = Counter(int(t) for t, _ in points)
            seconds = range(max(per_second) + 1)
            bottom.step(list(seconds), [per_second.get(s, 0) for s in seconds], where="post", label=transport)
    top.set_title("Publish to delivered (the delivery log's wall times)", fontsize="medium")
    top.set_ylabel("ms")
    bottom.set_title("Deliveries a second, by when they were published", fontsize="medium")
    bottom.set_ylabel("deliveries")
    bottom.set_xlabel("wall seconds from the first publication")
    for axes in (top, bottom):
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(loc="upper left", fontsize="small")
    figure.tight_layout()
    return figure


def _page(verdict: dict[str, Any], stats: dict[str, dict[str, str]], charts: str) -> str:
    from micc_sim.harness.load.report import page_top

    e = html.escape
    latency = "".join(f"<tr><td>{e(name)}</td>" + "".join(f"<td>{v[k]}</td>" for k in (
        "delivered", "p50_ms", "p95_ms", "p99_ms", "max_ms")) + "</tr>" for name, v in verdict["latency"].items())
    subscriptions = "".join(f"<tr><td>{e(s['name'])}</td><td>{e(s['transport'])}</td><td>{e(s['topic'])}</td>"
                            f"<td><code>{e(s.get('subjectFilter') or '')}</code></td>"
                            f"<td><code>{e(s.get('publicationFilter') or '')}</code></td></tr>"
                            for s in verdict["subscriptions"])
    rows = "".join("<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
        name, row["Request Count"], row["Failure Count"], row["Median Response Time"], row["95%"],
        f"{float(row['Requests/s'] or 0):.1f}")) + "</tr>" for name, row in stats.items())
    return page_top("notifications", verdict) + f"""\
<p>Simulator: {e(verdict['simulator'])}. Judged from the simulator's publication and delivery logs; data:
<a href="deliveries.csv">deliveries.csv</a>, <a href="deliveries.json">deliveries.json</a>,
<a href="verdict.json">verdict.json</a>; locust's report: <a href="locust.html">locust.html</a>.</p>
<h2>Publish to delivered</h2>
<table><tr><th>transport</th><th>delivered</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>
{latency}</table>
{charts}
<h2>The consumer's subscriptions</h2>
<table><tr><th>name</th><th>transport</th><th>topic</th><th>subjectFilter</th><th>publicationFilter</th></tr>
{subscriptions}</table>
<h2>Requests (locust)</h2>
<table><tr><th>request</th><th>count</th><th>failures</th><th>median ms</th><th>95% ms</th><th>req/s</th></tr>
{rows}</table>
</body></html>
"""
