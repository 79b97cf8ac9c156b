"""The CLI's traffic commands: ``micc-sim journal`` (follow, list, HAR), ``micc-sim replay``, ``micc-sim drift``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8080"


def add_parsers(commands: Any) -> None:
    journal = commands.add_parser(
        "journal", help="show a running simulator's journal: follow it live, or write it as HAR",
        description="List the journal of a running simulator (one line per exchange), follow it as exchanges "
                    "happen (--follow), or save it as an HTTP Archive (--har FILE). Filters as GET /_sim/journal.")
    journal.add_argument("--base-url", default=DEFAULT_URL, help=f"the simulator ({DEFAULT_URL})")
    journal.add_argument("--follow", "-f", action="store_true", help="print exchanges as they happen (Ctrl-C stops)")
    journal.add_argument("--json", action="store_true", help="one JSON object a line (with bodies) instead of text")
    journal.add_argument("--last", type=int, default=10, metavar="N",
                         help="with --follow: first the last N exchanges recorded so far (10)")
    journal.add_argument("--har", type=Path, metavar="FILE", help="write the journal as HAR 1.2 to FILE")
    for name in ("face", "operation", "method", "path", "status", "text", "kind", "since", "until"):
        journal.add_argument(f"--{name}", help=f"only entries with this {name} (as GET /_sim/journal?{name}=)")

    replay = commands.add_parser(
        "replay", help="serve a recording made with serve --proxy, as the real server answered",
        description="Serve the exchanges recorded in FOLDER: each request gets the recorded answer. Any serve "
                    "option may follow (--port, --host, ...).")
    replay.add_argument("folder", type=Path)
    replay.add_argument("serve_options", nargs=argparse.REMAINDER, help="options of micc-sim serve")

    drift = commands.add_parser(
        "drift", help="compare a recording with what the simulator answers for the same requests",
        description="Send each request recorded in FOLDER to a simulator started here on the same world and "
                    "report, per operation, the differences: status, missing and extra properties, types, "
                    "enumeration values. Exit status 1 when something drifted.")
    drift.add_argument("folder", type=Path)
    drift.add_argument("--world", type=Path, help="the world the recorded server had (default: the embedded one)")
    drift.add_argument("--json", action="store_true", help="the report as JSON")
    drift.add_argument("--password", default="_password", help="password for recorded token requests (redacted)")
    drift.add_argument("--client-secret", help="client secret for recorded token requests (redacted)")
    drift.add_argument("--seed", type=int, default=0, help="the simulator's seed (0)")


def _params(args: argparse.Namespace) -> dict[str, str]:
    names = ("face", "operation", "method", "path", "status", "text", "kind", "since", "until")
    return {n: getattr(args, n) for n in names if getattr(args, n)}


def journal(args: argparse.Namespace) -> int:
    base = args.base_url.rstrip("/")
    params = _params(args)
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            if args.har:
                r = http.get("/_sim/journal.har", params=params)
                r.raise_for_status()
                args.har.write_text(r.text, encoding="utf-8")
                print(f"{args.har}: {len(r.json()['log']['entries'])} exchange(s)")
                return 0
            if not args.follow:
                r = http.get("/_sim/journal", params={**params, "bodies": str(args.json).lower()})
                r.raise_for_status()
                for entry in r.json()["entries"]:
                    print(json.dumps(entry) if args.json else line(entry))
                return 0
            with httpx.Client(base_url=base, timeout=httpx.Timeout(30, read=None)) as stream_http, \
                    stream_http.stream("GET", "/_sim/journal/stream", params={
                        **params, "bodies": str(args.json).lower(), "backlog": str(args.last)}) as r:
                if r.status_code != 200:
                    r.read()
                    print(f"micc-sim: {r.text}", file=sys.stderr)
                    return 2
                event = None
                for text in r.iter_lines():
                    if text.startswith("event: "):
                        event = text[7:]
                    elif text.startswith("data: ") and event == "entry":
                        entry = json.loads(text[6:])
                        print(json.dumps(entry) if args.json else line(entry), flush=True)
                    elif text.startswith("data: ") and event == "lost":
                        print(f"... {text[6:]} exchange(s) not shown (the reader fell behind)", flush=True)
    except KeyboardInterrupt:
        return 0
    except httpx.HTTPError as exc:
        print(f"micc-sim: cannot read the journal of {base}: {exc}", file=sys.stderr)
        return 2
    return 0


def line(entry: dict[str, Any]) -> str:
    """The readable line of one entry (as ``JournalEntry.line`` writes it), from its JSON view."""
    at = entry["at"][11:23]
    marks = "".join(f" [{k} {entry[k]}]" for k in ("fault", "stub", "note") if entry.get(k))
    if entry["kind"] == "message":
        return f"{at} {entry['face']:<22} {entry['method']:<7} {entry['path']} {entry.get('event') or ''}{marks}"
    query = f"?{entry['query']}" if entry.get("query") else ""
    operation = f" {entry['operation']}" if entry.get("operation") else ""
    return (f"{at} {entry['face']:<22} {entry['status'] or '---'} {entry['method']:<6} {entry['path']}{query}"
            f"{operation} {entry['duration_ms']:.1f}ms{marks}")


def drift(args: argparse.Namespace) -> int:
    from micc_sim.harness.record.drift import Credentials, first_time, report_json, report_text, run_drift
    from micc_sim.harness.record.replay import RecordingError
    from micc_sim.runtime import Simulator
    from micc_sim.settings import Settings
    from micc_sim.testing import serve_in_thread

    try:
        start = first_time(args.folder)
        settings = Settings(clock="manual", clock_start=start, world_file=args.world, seed=args.seed,
                            journal_size=1000)
        with serve_in_thread(Simulator(settings)) as running:
            drifts = run_drift(args.folder, running.base_url,
                               Credentials(password=args.password, client_secret=args.client_secret))
    except RecordingError as exc:
        print(f"micc-sim: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report_json(drifts), indent=2) if args.json else report_text(drifts))
    return 1 if any(d.drifted for d in drifts.values()) else 0
