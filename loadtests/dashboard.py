"""What the live dashboard costs: bytes a page gets per update on a busy world, and the server's CPU while pages
watch an idle one.

    python3 loadtests/dashboard.py [--items 3000] [--pages 5] [--idle 10]

A simulator runs as its own process (manual clock); ``--items`` open-media items are posted and stay live;
``--pages`` python-socketio clients connect to the ``/dashboard`` namespace. Measured: the snapshot a page
gets on connect, the diff after one more item is posted, and the server process's CPU seconds over ``--idle``
wall seconds with the pages connected and nothing happening (read from /proc, so Linux only).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import socketio

TALKATIVE = ("Talkative", "7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ready = Path(folder) / "ready"
        server = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", "0", "--clock", "manual",
                                   "--log-level", "warning", "--ready-file", str(ready)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not ready.exists():
                time.sleep(0.05)
            base = ready.read_text().strip()
            http = httpx.Client(base_url=base, timeout=30)
            token = http.post("/authorizationserver/token", data={
                "grant_type": "client_credentials", "client_id": TALKATIVE[0], "client_secret": TALKATIVE[1]}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            for n in range(args.items):
                http.post("/miccsdk/api/v1/openmedia", headers=headers, json={"queue": "Web Chat", "subject": f"{n}"})
            got: queue.Queue = queue.Queue()
            pages = []
            for _ in range(args.pages):
                page = socketio.Client()
                for event in ("snapshot", "diff"):
                    page.on(event, (lambda e: lambda data: got.put((e, len(json.dumps(data)))))(event),
                            namespace="/dashboard")
                page.connect(base, namespaces=["/dashboard"], transports=["websocket"])
                pages.append(page)
            snapshots = [got.get(timeout=30) for _ in pages]
            time.sleep(1)
            while not got.empty():
                got.get()
            http.post("/miccsdk/api/v1/openmedia", headers=headers, json={"queue": "Web Chat", "subject": "one"})
            time.sleep(1)
            diffs = []
            while not got.empty():
                diffs.append(got.get())
            per_page = sum(size for _, size in diffs) / len(pages)
            before = cpu_seconds(server.pid)
            time.sleep(args.idle)
            idle_cpu = cpu_seconds(server.pid) - before
            idle_messages = got.qsize()
            for page in pages:
                page.disconnect()
            print(f"{args.items} live items, {args.pages} pages")
            print(f"  snapshot on connect: {snapshots[0][1] / 1024:.0f} KiB")
            messages = len(diffs) // len(pages)
            print(f"  one more item posted: {per_page / 1024:.2f} KiB per page ({messages} message(s))")
            print(f"  idle for {args.idle:g} s: {idle_cpu:.3f} CPU seconds in the server, "
                  f"{idle_messages} messages sent")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
