"""The simulator's benchmark: throughput and latency of its hot paths, beside a bare Starlette ceiling.

    python loadtests/bench.py [--duration 10] [--connections 32] [--tiny] [--report reports/bench.json]

Runs on this machine, with wrk (Debian's package) as the one load generator for every measurement:

  (a) GET /miccsdk/api/v1/openmedia/{id}        one live item
  (b) POST /miccsdk/api/v1/openmedia            the full cycle: post -> offer -> accept -> handled, counted
                                                 by the world (200 agents that accept and finish at once)
  (c) GET /miccsdk/api/v1/queues/states         50 queues
  (e) GET /item on a bare Starlette app         the same server stack: the ceiling

and reports requests/s, p50 and p99 latency, and the ratios the targets of docs/performance.md are stated in.
(d) webhook fan-out and (f) Prism come with the CloudLink notifications and the Prism run (not built yet).
Benchmarks are not part of the test suite's pass/fail; the suite only runs this with --tiny.
"""

from __future__ import annotations

import argparse
import json
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
TARGETS = {"a_vs_e": 0.5, "b_items_per_s": 2000}


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


@contextmanager
def server(args: list[str], url: str):
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
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
        proc.wait(timeout=20)


def wrk(url: str, duration: float, connections: int, script: str | None = None) -> dict:
    threads = max(1, min(2, connections))
    args = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s", url]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        if script:
            lua.write(script)
    if script:
        args[1:1] = ["-s", lua.name]
    out = subprocess.run(args, capture_output=True, text=True, timeout=duration + 60).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests_per_s": rps, "p50_ms": latency["50"], "p99_ms": latency["99"],
            "non_2xx": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (32)")
    parser.add_argument("--tiny", action="store_true", help="a one-second smoke run (what the test suite does)")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "bench.json")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (scripts/test-setup.sh does it)")
    duration, connections = (1.0, 4) if args.tiny else (args.duration, args.connections)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        world_file = Path(folder) / "bench.yaml"
        world_file.write_text(yaml.safe_dump(bench_world()))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        sim = [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--world", str(world_file),
               "--clock", "real", "--token-lifetime", "86400", "--journal-size", "1000", "--log-level", "warning"]
        with server(sim, base + "/"):
            token = httpx.post(base + "/authorizationserver/token", data={
                "grant_type": "password", "username": "_admin", "password": "_password"}).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            parked = httpx.post(base + "/miccsdk/api/v1/openmedia", json={"queue": "Parked"}, headers=auth).json()
            header = f'wrk.headers["Authorization"] = "Bearer {token}"\n'
            results["a"] = wrk(f"{base}/miccsdk/api/v1/openmedia/{parked['id']}", duration, connections, header)
            results["c"] = wrk(f"{base}/miccsdk/api/v1/queues/states", duration, connections, header)
            before = httpx.get(base + "/_sim/world").json()["open_media"]["counts"].get("Handled", 0)
            post = header + ('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                             'wrk.body = \'{"queue": "Q01", "targetUriEmbedded": "true"}\'\n')
            started = time.monotonic()
            results["b"] = wrk(f"{base}/miccsdk/api/v1/openmedia", duration, connections, post)
            time.sleep(1)  # let the last timers fire
            counts = httpx.get(base + "/_sim/world").json()["open_media"]["counts"]
            handled = counts.get("Handled", 0) - before
            live = sum(n for state, n in counts.items() if state in ("InQueue", "Offered", "Acd")) - 1  # parked
            results["b"].update({"handled": handled, "still_live": live,
                                 "items_per_s": round(handled / (time.monotonic() - started - 1), 1)})
        port = free_port()
        ceiling = [sys.executable, "-m", "uvicorn", "ceiling:app", "--app-dir", str(ROOT / "loadtests"),
                   "--port", str(port), "--log-level", "warning"]
        with server(ceiling, f"http://127.0.0.1:{port}/item"):
            results["e"] = wrk(f"http://127.0.0.1:{port}/item", duration, connections)
    ratios = {"a_vs_e": round(results["a"]["requests_per_s"] / results["e"]["requests_per_s"], 3),
              "c_vs_e": round(results["c"]["requests_per_s"] / results["e"]["requests_per_s"], 3)}
    report = {"duration_s": duration, "connections": connections, "results": results, "ratios": ratios,
              "targets": {"a >= 50% of e": ratios["a_vs_e"] >= TARGETS["a_vs_e"],
                          "b >= 2000 items/s": results["b"]["items_per_s"] >= TARGETS["b_items_per_s"]}}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2))
    print(f"{'':4}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}")
    for name, label in (("a", "(a) GET openmedia/{id}"), ("b", "(b) POST openmedia"), ("c", "(c) GET queues/states"),
                        ("e", "(e) bare Starlette")):
        r = results[name]
        print(f"{label:<26}{r['requests_per_s']:>10.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}")
    b = results["b"]
    print(f"(b) full cycle: {b['handled']} items handled, {b['items_per_s']} items/s, {b['still_live']} still live")
    print(f"ratios: a/e {ratios['a_vs_e']:.0%}, c/e {ratios['c_vs_e']:.0%}; targets: "
          + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in report["targets"].items()))
    print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
