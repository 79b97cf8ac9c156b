"""The simulator's benchmark: throughput and latency of its hot paths, beside a bare Starlette ceiling and Prism.

    python loadtests/bench.py [--duration 10] [--connections 32] [--tiny] [--report reports/bench.json]
                              [--memory 100000] [--soak 600] [--only a,b,c,d,e,f] [--rounds 3]
                              [--fanout-publications 30] [--fanout-rate 1]

Runs on this machine, with wrk (Debian's package) as the one load generator for every measurement:

  (a) GET /miccsdk/api/v1/openmedia/{id}        one live item
  (b) POST /miccsdk/api/v1/openmedia            the full cycle: post -> offer -> accept -> handled, counted
                                                 by the world (200 agents that accept and finish at once)
  (c) GET /miccsdk/api/v1/queues/states         50 queues
  (d) CloudLink webhook fan-out                 100 webhook subscriptions to one topic, publications paced at
                                                --fanout-rate; receivers in one process outside the simulator
  (e) GET /item on a bare Starlette app         the same server stack: the ceiling
  (f) Prism (@stoplight/prism-cli) mocking the MiCC SDK contract, for (a) and (c)

and reports requests/s, p50 and p99 latency, and the ratios the targets of docs/performance.md are stated in.
(a) and (e) take turns (``--rounds``), so the ratio a/e compares them under the same load from elsewhere.
``--memory N`` holds N live interactions and reads the server's resident memory; ``--soak S`` runs the full
cycle for S seconds and compares its first and last minutes. (d) reports deliveries per second, the
publish-to-delivered latency from the delivery log's wall times, the simulator's CPU per delivery and whether
anything was lost. Benchmarks are not part of the test suite's pass/fail; the suite only runs this with --tiny.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRISM = ROOT / "loadtests" / ".node" / "node_modules" / ".bin" / "prism"  # scripts/test-setup.sh installs it
TARGETS = {"a_vs_e": 0.5, "b_items_per_s": 2000, "memory_mib": 1024}
GIB = 1024 * 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_world(queues: int = 50, agents: int = 200) -> dict:
    names = [f"Q{n:02d}" for n in range(queues)]
    return {
        "site": {"name": "Bench"},
        "media_servers": [{"name": "OM", "media_type": "OpenMedia", "default_queue": names[0]}],
        "agent_profiles": {"instant": {"accept_delay": 0, "handle_time": 0}},
        "employees": [{"username": "_admin", "password": "_password", "role": "administrator"}] + [
            {"username": f"a{n:03d}", "password": "p", "reporting": str(10000 + n), "logged_in": True,
             "presence": "Available", "ready_media": ["OpenMedia"], "profile": "instant"} for n in range(agents)],
        "agent_groups": [{"name": "All", "reporting": "900", "members": [f"a{n:03d}" for n in range(agents)]}],
        "queues": [{"name": name, "reporting": f"P{n:03d}", "media_type": "OpenMedia", "media_server": "OM",
                    "agent_groups": ["All"]} for n, name in enumerate(names)]
        + [{"name": "Parked", "reporting": "P999", "media_type": "OpenMedia", "media_server": "OM",
            "agent_groups": ["All"], "workflow_validated": False}],
    }


def memory_world() -> dict:
    """One agent busy with an item that never ends, so every other item posted waits in an online queue."""
    return {
        "site": {"name": "Memory"},
        "media_servers": [{"name": "OM", "media_type": "OpenMedia", "default_queue": "Waiting"}],
        "agent_profiles": {"keeps": {"accept_delay": 0, "handle_time": None}},
        "employees": [{"username": "_admin", "password": "_password", "role": "administrator"},
                      {"username": "busy", "password": "p", "reporting": "10000", "logged_in": True,
                       "presence": "Available", "ready_media": ["OpenMedia"], "profile": "keeps"}],
        "agent_groups": [{"name": "One", "reporting": "900", "members": ["busy"]}],
        "queues": [{"name": "Waiting", "reporting": "P000", "media_type": "OpenMedia", "media_server": "OM",
                    "agent_groups": ["One"]}],
    }


@contextmanager
def server(args: list[str], url: str, timeout: float = 30):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise SystemExit(f"could not start {' '.join(args)}: {proc.stderr.read()[-2000:]}") from None
            time.sleep(0.1)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def simulator(world: dict, journal_size: int = 1000):
    """A simulator serving ``world`` on a free port, with an admin token: yields (base URL, headers, process)."""
    with tempfile.TemporaryDirectory() as folder:
        world_file = Path(folder) / "world.yaml"
        world_file.write_text(yaml.safe_dump(world))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        args = [sys.executable, "-m", "micc_sim", "serve", "--port", str(port), "--world", str(world_file),
                "--clock", "real", "--token-lifetime", "86400", "--journal-size", str(journal_size),
                "--log-level", "warning"]
        with server(args, base + "/") as proc:
            token = httpx.post(base + "/authorizationserver/token", data={
                "grant_type": "password", "username": "_admin", "password": "_password"}).json()["access_token"]
            yield base, {"Authorization": f"Bearer {token}"}, proc


def wrk(url: str, duration: float, connections: int, script: str | None = None) -> dict:
    """One wrk thread: far from its own limit at these rates. A second thread, on the cores the server uses,
    is the p99 of large answers: while it waits for a core its connections' answers wait unread, and a
    second's latency is counted (GET /queues/states, 116 KB: p99 1.1 s with two threads, 0.15-0.2 s with one,
    3.3 ms in the server itself)."""
    threads = 1
    duration = max(1, math.ceil(duration))  # wrk takes whole seconds only ("2.8s" is a usage error)
    args = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        args[1:1] = ["-s", lua.name]
    done = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60)
    os.unlink(lua.name)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if found is None:
        raise SystemExit(f"wrk gave no result for {url}: {(done.stderr or done.stdout).strip()[:500]}")
    out = done.stdout
    rps = float(found.group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests_per_s": rps, "p50_ms": latency["50"], "p99_ms": latency["99"],
            "non_2xx": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def resident_mib(pid: int) -> float:
    """The process's resident set (VmRSS), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def _post_script(headers: dict, queue: str) -> str:
    return "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items()) + (
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.body = \'{{"queue": "{queue}", "targetUriEmbedded": "true"}}\'\n')


def _counts(base: str) -> dict:
    return httpx.get(base + "/_sim/world", timeout=60).json()["open_media"]["counts"]


def _live(counts: dict) -> int:
    return sum(n for state, n in counts.items() if state in ("InQueue", "Offered", "Acd", "Held"))


# -- measurements --------------------------------------------------------------------------------
def measure_simulator(duration: float, connections: int, only: set[str], rounds: int = 3) -> tuple[dict, str | None]:
    """(a), (b), (c) and (e); returns the results and the parked item's id (for Prism's (a)).

    (a) and the ceiling (e) take turns, ``rounds`` times, so both see the same spells of load from whatever
    else runs on the machine: the ratio a/e is the number that survives a busy machine."""
    results: dict[str, dict] = {}
    with simulator(bench_world()) as (base, auth, _proc), ceiling() as ceiling_url:
        parked = httpx.post(base + "/miccsdk/api/v1/openmedia", json={"queue": "Parked"}, headers=auth).json()
        header = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in auth.items())
        turns = {"a": lambda span: wrk(f"{base}/miccsdk/api/v1/openmedia/{parked['id']}", span, connections, header),
                 "e": lambda span: wrk(ceiling_url, span, connections)}
        runs: dict[str, list[dict]] = {name: [] for name in ("a", "e") if name in only}
        rounds = rounds if len(runs) > 1 else 1
        span = max(1, round(duration / rounds))  # wrk takes whole seconds
        for _ in range(rounds):
            for name, taken in runs.items():
                taken.append(turns[name](span))
        results.update({name: combined(taken) for name, taken in runs.items()})
        if "c" in only:
            results["c"] = wrk(f"{base}/miccsdk/api/v1/queues/states", duration, connections, header)
        if "b" in only:
            results["b"] = full_cycle(base, auth, duration, connections)
    return results, parked["id"]


def combined(runs: list[dict]) -> dict:
    """Runs of one measurement taken in turns: mean throughput, median p50, worst p99."""
    if len(runs) == 1:
        return runs[0]
    p50s = sorted(r["p50_ms"] for r in runs)
    return {"requests_per_s": round(sum(r["requests_per_s"] for r in runs) / len(runs), 2),
            "p50_ms": p50s[len(p50s) // 2], "p99_ms": max(r["p99_ms"] for r in runs),
            "non_2xx": sum(r["non_2xx"] for r in runs), "rounds": runs}


def full_cycle(base: str, auth: dict, duration: float, connections: int) -> dict:
    counts = _counts(base)
    before = counts.get("Handled", 0)
    live_before = _live(counts)
    started = time.monotonic()
    result = wrk(f"{base}/miccsdk/api/v1/openmedia", duration, connections, _post_script(auth, "Q01"))
    time.sleep(1)  # let the last timers fire
    elapsed = time.monotonic() - started - 1  # before asking for the counts: /_sim/world lists every item kept
    counts = _counts(base)
    handled = counts.get("Handled", 0) - before
    result.update({"handled": handled, "still_live": _live(counts) - live_before,
                   "items_per_s": round(handled / elapsed, 1)})
    return result


@contextmanager
def ceiling():
    """The bare Starlette app of loadtests/ceiling.py on the same server stack; yields its URL."""
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "ceiling:app", "--app-dir", str(ROOT / "loadtests"),
            "--port", str(port), "--log-level", "warning"]
    with server(args, f"http://127.0.0.1:{port}/item"):
        yield f"http://127.0.0.1:{port}/item"


def measure_prism(duration: float, connections: int, item_id: str | None) -> dict:
    """Prism mocking the same contract: (a) and (c) as it answers them (static examples, no state)."""
    port = free_port()
    args = [str(PRISM), "mock", str(ROOT / "contracts" / "micc-sdk.openapi.yaml"), "-p", str(port), "--errors",
            "false"]
    header = 'wrk.headers["Authorization"] = "Bearer bench"\n'
    with server(args, f"http://127.0.0.1:{port}/status", timeout=90):
        return {"a": wrk(f"http://127.0.0.1:{port}/openmedia/{item_id or 'bench'}", duration, connections, header),
                "c": wrk(f"http://127.0.0.1:{port}/queues/states", duration, connections, header)}


def measure_memory(items: int, connections: int = 32) -> dict:
    """Post ``items`` interactions that stay live (waiting behind one busy agent); read the resident memory.

    wrk cannot stop after a number of requests, so it runs in short rounds until the world holds ``items``."""
    with simulator(memory_world(), journal_size=10_000) as (base, auth, proc):
        idle = resident_mib(proc.pid)
        started, live, rate = time.monotonic(), 0, 500.0
        while live < items:
            round_s = min(10.0, max(1.0, (items - live) / rate))
            wrk(f"{base}/miccsdk/api/v1/openmedia", round_s, connections, _post_script(auth, "Waiting"))
            before, live = live, _live(_counts(base))
            rate = max(50.0, (live - before) / round_s)
            print(f"  memory: {live} live interactions, {resident_mib(proc.pid):.0f} MiB", flush=True)
        posted_s = time.monotonic() - started
        return {"items": items, "live": live, "idle_mib": round(idle, 1),
                "resident_mib": round(resident_mib(proc.pid), 1), "post_s": round(posted_s, 1),
                "posts_per_s": round(live / posted_s, 1)}


def soak(seconds: float, connections: int, window: float = 60.0) -> dict:
    """The full cycle for ``seconds``, measured window by window: throughput, p99 and memory must hold."""
    windows = []
    with simulator(bench_world()) as (base, auth, proc):
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            span = min(window, ends - time.monotonic())
            if span < 1:
                break
            result = full_cycle(base, auth, span, connections)
            result["resident_mib"] = round(resident_mib(proc.pid), 1)
            windows.append(result)
            print(f"  soak window {len(windows)}: {result['items_per_s']} items/s, p99 {result['p99_ms']} ms, "
                  f"{result['resident_mib']} MiB", flush=True)
    first, last = windows[0], windows[-1]
    return {"seconds": seconds, "windows": windows,
            "last_vs_first_throughput": round(last["items_per_s"] / max(first["items_per_s"], 1e-9), 3),
            "last_vs_first_p99": round(last["p99_ms"] / max(first["p99_ms"], 1e-9), 3),
            "still_live": last["still_live"]}


# -- (d) webhook fan-out ------------------------------------------------------------------------------
FANOUT_KEY = "bench-fanout-application"  # the applicationId of every subscription: the receivers' signing key


def fanout_world() -> dict:
    """An admin for the simulator, and a CloudLink account whose admin subscribes the receivers."""
    return {"site": {"name": "Fan-out"},
            "employees": [{"username": "_admin", "password": "_password", "role": "administrator"}],
            "cloudlink": {"accounts": [{"number": "100000777", "name": "Bench"}],
                          "users": [{"email": "admin@bench.example.com", "role": "ACCOUNT_ADMIN",
                                     "account": "100000777"}]}}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))], 2) if ordered else 0.0


def _wall(text: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def measure_fanout(publications: int, rate: float, subscriptions: int = 100) -> dict:
    """(d): ``subscriptions`` webhooks on one topic, ``publications`` paced at ``rate`` a second; the receivers
    are one process outside the simulator. Deliveries per second, publish-to-delivered latency (the delivery
    log's wall times), the simulator's CPU per delivery, and whether anything was lost."""
    port = free_port()
    receivers = [sys.executable, "-m", "uvicorn", "webhook_receivers:app", "--app-dir", str(ROOT / "loadtests"),
                 "--port", str(port), "--log-level", "warning", "--no-access-log"]
    os.environ["BENCH_APPLICATION_ID"] = FANOUT_KEY
    with simulator(fanout_world()) as (base, _auth, proc), server(receivers, f"http://127.0.0.1:{port}/count"), \
            httpx.Client(base_url=base, timeout=30) as http:
        token = http.post("/authentication/2017-09-01/token", json={
            "grant_type": "password", "username": "admin@bench.example.com", "password": "password"}).json()
        http.headers["Authorization"] = f"Bearer {token['access_token']}"
        for n in range(subscriptions):
            r = http.post("/notifications/2017-09-01/subscriptions", json={
                "transport": "webhook", "deviceId": f"http://127.0.0.1:{port}/hooks/{n}", "topic": "bench-fanout",
                "applicationId": FANOUT_KEY})
            assert r.status_code == 201, r.text
        cpu = _cpu_seconds(proc.pid)
        started = time.monotonic()
        for n in range(publications):
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
            r = http.post("/notifications/2017-09-01/publications", json={
                "topic": "bench-fanout", "method": "POST", "subject": f"/bench/{n}", "content": {"n": n}})
            assert r.status_code == 201, r.text
        deadline = time.monotonic() + 120 + publications * subscriptions / 200
        while True:
            counts = http.get("/_sim/notifications/deliveries", params={"limit": 0}).json()["counts"]
            if counts["pending"] + counts["sending"] + counts["retrying"] == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        cpu = _cpu_seconds(proc.pid) - cpu
        log = http.get("/_sim/notifications/deliveries", params={"limit": 1_000_000, "status": "delivered"}).json()
        received = httpx.get(f"http://127.0.0.1:{port}/count").json()
    ends = {d["delivery_id"]: _wall(d["attempts"][-1]["wall_ended_at"]) for d in log["deliveries"]}
    latencies = [(ends[d["delivery_id"]] - _wall(d["wall_created_at"])) * 1000 for d in log["deliveries"]]
    first = min((_wall(d["wall_created_at"]) for d in log["deliveries"]), default=0.0)
    span = max(ends.values(), default=first) - first
    expected, delivered = publications * subscriptions, counts["delivered"]
    return {"subscriptions": subscriptions, "publications": publications, "rate": rate, "expected": expected,
            "delivered": delivered, "failed": counts["failed"], "unfinished": counts["pending"] + counts["sending"]
            + counts["retrying"], "lost": expected - delivered - counts["failed"],
            "received": received["received"], "bad_signatures": received["bad_signatures"],
            "duplicates": received["duplicates"], "latency_sample": len(latencies),
            "deliveries_per_s": round(len(latencies) / span, 1) if span > 0 else 0.0,
            "p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99),
            "max_ms": round(max(latencies, default=0.0), 2),
            "simulator_cpu_s": round(cpu, 2), "cpu_ms_per_delivery": round(cpu * 1000 / max(delivered, 1), 3)}


def _cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used (``/proc/PID/stat``), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the report ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    parser.add_argument("--tiny", action="store_true", help="a one-second smoke run (what the test suite does)")
    parser.add_argument("--only", default="a,b,c,d,e,f", help="measurements to run (a,b,c,d,e,f)")
    parser.add_argument("--memory", type=int, default=0, metavar="N",
                        help="also hold N live interactions and read the resident memory (e.g. 100000)")
    parser.add_argument("--soak", type=float, default=0, metavar="SECONDS",
                        help="also run the full cycle this long and compare the first and last minutes (e.g. 600)")
    parser.add_argument("--fanout-publications", type=int, default=30, metavar="N",
                        help="(d): publications to the 100 webhook subscriptions (30; 3 with --tiny)")
    parser.add_argument("--fanout-rate", type=float, default=1.0, metavar="R",
                        help="(d): publications a second (1: 100 deliveries a second; more to find the ceiling)")
    parser.add_argument("--rounds", type=int, default=3, help="turns (a) and (e) take, each a share of --duration (3)")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "bench.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (scripts/test-setup.sh does it)")
    duration, connections = (1.0, 4) if args.tiny else (args.duration, args.connections)
    only = set(args.only.split(","))
    results, item_id = measure_simulator(duration, connections, only, rounds=1 if args.tiny else args.rounds)
    if "d" in only:
        results["d"] = measure_fanout(3 if args.tiny else args.fanout_publications, args.fanout_rate)
    if "f" in only:
        if PRISM.exists():
            results["f"] = measure_prism(duration, connections, item_id)
        else:
            print(f"(f) skipped: Prism is not installed at {PRISM} (sh scripts/test-setup.sh installs it)")
    if args.memory:
        results["memory"] = measure_memory(args.memory)
    if args.soak:
        results["soak"] = soak(args.soak, connections, window=min(60.0, args.soak / 2))
    report = {"duration_s": duration, "connections": connections, "results": results,
              "ratios": ratios(results), "targets": targets(results)}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2))
    print_report(report, args.report)
    return 0


def ratios(results: dict) -> dict:
    rps = {name: r["requests_per_s"] for name, r in results.items() if "requests_per_s" in r}
    out = {}
    if "e" in rps:
        out.update({f"{name}_vs_e": round(rps[name] / rps["e"], 3) for name in ("a", "c") if name in rps})
    for name in ("a", "c"):
        if name in rps and "f" in results:
            out[f"{name}_vs_prism"] = round(rps[name] / results["f"][name]["requests_per_s"], 2)
    return out


def targets(results: dict) -> dict:
    r = ratios(results)
    out = {}
    if "a_vs_e" in r:
        out["a >= 50% of e"] = r["a_vs_e"] >= TARGETS["a_vs_e"]
    if "b" in results:
        out["b >= 2000 items/s"] = results["b"]["items_per_s"] >= TARGETS["b_items_per_s"]
    for name in ("a", "c"):
        if f"{name}_vs_prism" in r:
            out[f"{name} ahead of Prism"] = r[f"{name}_vs_prism"] > 1
    if "d" in results:
        d = results["d"]
        out["d: every webhook delivered once"] = (d["delivered"] == d["received"] == d["expected"]
                                                  and d["bad_signatures"] == d["duplicates"] == 0)
    if "memory" in results and results["memory"]["items"] >= 100_000:
        out["100,000 live in < 1 GiB"] = results["memory"]["resident_mib"] < TARGETS["memory_mib"]
    if "soak" in results:
        out["no degradation over the soak"] = (results["soak"]["last_vs_first_throughput"] >= 0.9
                                               and results["soak"]["still_live"] == 0)
    return out


def print_report(report: dict, path: Path) -> None:
    results = report["results"]
    print(f"{'':26}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    rows = [("a", "(a) GET openmedia/{id}"), ("b", "(b) POST openmedia"), ("c", "(c) GET queues/states"),
            ("e", "(e) bare Starlette")]
    rows = [(results[name], label) for name, label in rows if name in results]
    if "f" in results:
        rows += [(results["f"]["a"], "(f) Prism: (a)"), (results["f"]["c"], "(f) Prism: (c)")]
    for r, label in rows:
        print(f"{label:<26}{r['requests_per_s']:>10.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}")
    if "b" in results:
        b = results["b"]
        print(f"(b) full cycle: {b['handled']} items handled, {b['items_per_s']} items/s, {b['still_live']} still live")
    if "d" in results:
        d = results["d"]
        print(f"(d) webhook fan-out: {d['publications']} publications x {d['subscriptions']} subscriptions at "
              f"{d['rate']:g}/s: {d['delivered']} delivered ({d['deliveries_per_s']:.0f}/s), {d['failed']} failed, "
              f"{d['lost']} lost; publish-to-delivered p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms, "
              f"max {d['max_ms']} ms; "
              f"receivers got {d['received']} ({d['bad_signatures']} bad signatures, {d['duplicates']} duplicates); "
              f"simulator CPU {d['cpu_ms_per_delivery']} ms a delivery")
    if "memory" in results:
        m = results["memory"]
        print(f"memory: {m['live']} live interactions in {m['resident_mib']} MiB resident "
              f"({m['idle_mib']} MiB before; posted at {m['posts_per_s']}/s)")
    if "soak" in results:
        s = results["soak"]
        print(f"soak: {len(s['windows'])} windows, last/first throughput {s['last_vs_first_throughput']}, "
              f"p99 {s['last_vs_first_p99']}")
    print("ratios: " + ", ".join(f"{k.replace('_vs_', '/')} {v:.2f}" for k, v in report["ratios"].items()))
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in report["targets"].items()))
    print(f"report: {path}")


if __name__ == "__main__":
    sys.exit(main())
