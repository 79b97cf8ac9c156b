"""The benchmark's hot paths timed in process: the ASGI app called directly, no sockets, no load generator.

    python loadtests/inprocess.py [--requests 5000] [--repeat 5] [--only a,b,c,e] [--profile a]

Each measurement calls the app (as uvicorn would, with the same scope and messages) ``--requests`` times and
keeps the best of ``--repeat`` rounds: the least disturbed by other work on the machine, so numbers taken on
a busy machine still compare. What it reports is the app's own cost per request (microseconds), beside the
bare Starlette endpoint of ``loadtests/ceiling.py``; the HTTP server's share (uvicorn, httptools) is the same
for both and is what ``bench.py`` adds on top. ``--profile NAME`` runs one measurement under cProfile and
prints the functions that cost most.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "loadtests")]

from bench import bench_world  # noqa: E402

from micc_sim.app import create_app  # noqa: E402
from micc_sim.runtime import Simulator  # noqa: E402
from micc_sim.settings import Settings  # noqa: E402
from micc_sim.world.config import WorldConfig  # noqa: E402

Request = Callable[[], Awaitable[tuple[int, bytes]]]


def client(app, headers: dict[str, str]) -> Callable[..., Awaitable[tuple[int, bytes]]]:
    """A function sending one request to ``app`` the way uvicorn does; returns (status, body)."""
    base_headers = [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"inprocess")] + [
        (k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def request(method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        sent = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")] if body else []
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                 "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 50000), "scheme": "http",
                 "method": method, "root_path": "", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": base_headers + sent, "state": {}}
        status, chunks, delivered = 0, [], False

        async def receive() -> dict:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return request


def simulator_requests() -> tuple[Simulator, dict[str, Request]]:
    """The benchmark's world in process, and one request function per measurement."""
    sim = Simulator(Settings(clock="real", token_lifetime=86400, journal_size=1000),
                    WorldConfig.model_validate(bench_world()))
    app = create_app(sim)
    token = sim.tokens.issue("employee", sim.world.employee("_admin").id).token
    call = client(app, {"Authorization": f"Bearer {token}"})

    async def post_parked() -> str:
        status, body = await call("POST", "/miccsdk/api/v1/openmedia", b'{"queue": "Parked"}')
        assert status == 201, body
        return json.loads(body)["id"]

    parked = asyncio.get_event_loop_policy().get_event_loop().run_until_complete(post_parked())

    async def cycle() -> tuple[int, bytes]:
        answer = await call("POST", "/miccsdk/api/v1/openmedia", b'{"queue": "Q01", "targetUriEmbedded": "true"}')
        sim.clock.run_due()  # accept, then end: the agents' timers are due at once
        sim.clock.run_due()
        return answer

    return sim, {
        "a": lambda: call("GET", f"/miccsdk/api/v1/openmedia/{parked}"),
        "b": cycle,
        "c": lambda: call("GET", "/miccsdk/api/v1/queues/states"),
    }


def nothing_request() -> Request:
    """An app that answers with fixed bytes: what the harness itself costs."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    call = client(app, {})
    return lambda: call("GET", "/item")


def ceiling_request() -> Request:
    from ceiling import app

    call = client(app, {})
    return lambda: call("GET", "/item")


async def timed(request: Request, requests: int) -> float:
    """CPU microseconds per request over ``requests`` calls (this thread's CPU time: time spent waiting for
    a core the machine's other work holds is not counted)."""
    started = time.thread_time()
    for _ in range(requests):
        status, body = await request()
        if status >= 300:
            raise SystemExit(f"unexpected answer {status}: {body[:300]!r}")
    return (time.thread_time() - started) / requests * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="a,c,b,e")
    parser.add_argument("--profile", metavar="NAME", help="profile one measurement (a, b, c or e) with cProfile")
    parser.add_argument("--callgrind", metavar="NAME",
                        help="under valgrind --tool=callgrind --instr-atstart=no: instrument only NAME's requests")
    args = parser.parse_args(argv)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _sim, requests = simulator_requests()
    requests["e"] = ceiling_request()
    requests["0"] = nothing_request()
    if args.profile or args.callgrind:
        request = requests[args.profile or args.callgrind]
        loop.run_until_complete(timed(request, 200))  # warm up
        if args.callgrind:
            with instrumented():
                loop.run_until_complete(timed(request, args.requests))
            return 0
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(timed(request, args.requests))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
        return 0
    names = args.only.split(",")
    for name in names:  # warm up
        loop.run_until_complete(timed(requests[name], 100))
    results: dict[str, float] = {}
    for _ in range(args.repeat):  # rounds interleaved, so every measurement sees the same spells of load
        for name in names:
            n = args.requests // 10 if name == "c" else args.requests
            took = loop.run_until_complete(timed(requests[name], n))
            results[name] = min(took, results.get(name, took))
    for name in names:
        print(f"({name}) {results[name]:8.1f} us/request")
    if "e" in results:
        for name in ("a", "c"):
            if name in results:
                print(f"({name}) costs {results[name] / results['e']:.2f}x the ceiling's app time")
    return 0


@contextmanager
def instrumented():
    """Turn callgrind's instrumentation on for the block (the process runs under callgrind)."""
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
