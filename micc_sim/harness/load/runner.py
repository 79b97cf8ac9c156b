"""``micc-sim load PROFILE``: run locust headless against a simulator and judge the run.

The command starts a simulator of its own (``python -m micc_sim serve`` on a free loopback port, its clock
scaled so agents' minutes pass in seconds) unless ``--base-url`` names one, prepares its world (the agents'
behaviour for the run, extra agents), runs locust as a subprocess (``python -m locust``; with ``--workers N``
a master and N workers on loopback), shows progress, and then reads the simulator's own time series and
ledger to decide: the integration never had more items waiting in the queue than its cap, and no
interaction was lost. The report folder gets locust's CSV and HTML reports, the series (JSON and CSV),
plots (PNG and an HTML page) and the verdict (JSON). The exit code is 0 for a pass, 1 for a fail, 2 when
the run could not be made.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.live import Live
from rich.table import Table

from micc_sim.harness.load.profiles import PROFILES, ProfileTextError, behaviour
from micc_sim.harness.load.run import Check, LoadError, LoadRun, print_verdict, run_view
from micc_sim.harness.load.world_setup import SetupError, prepare_world


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LOCUSTFILE = Path(__file__).with_name("locustfile.py")
INSTALL_HINT = "python3 -m pip install 'micc-sim[load]'"


def missing_dependencies() -> list[str]:
    def missing(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is None
        except (ImportError, ValueError):  # ValueError: hidden in sys.modules
            return True

    return [name for name in ("locust", "matplotlib") if missing(name)]


# -- the simulator ----------------------------------------------------------------------------------
@contextlib.contextmanager
def simulator(run: LoadRun, log: Path) -> Iterator[str]:
    """The simulator the run loads: ``--base-url``, or one started here until the run is over."""
    if run.base_url:
        yield run.base_url.rstrip("/")
        return
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "micc_sim", "serve", "--port", str(port), "--clock", run.clock,
            "--token-lifetime", str(365 * 86400), "--journal-size", "1000", "--seed", str(run.seed),
            "--metrics-size", str(max(3600, (run.duration + 60) * 6)),  # the sampler looks 5 times a second
            "--log-level", "warning"]
    if run.clock == "scaled":
        args += ["--clock-scale", f"{run.clock_scale:g}"]
    if run.world:
        args += ["--world", str(run.world)]
    with log.open("w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60  # a busy machine takes its time to import and build the app
            while True:
                try:
                    httpx.get(base + "/", timeout=1)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise LoadError(f"the simulator did not start: {log.read_text()[-2000:]}") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


# -- locust -----------------------------------------------------------------------------------------
def micc_options(run: LoadRun, agents: list[str]) -> list[str]:
    options = ["--micc-queue", run.queue, "--micc-cap", str(run.cap), "--micc-cap-basis", run.cap_basis,
               "--micc-rate", f"{run.rate:g}", "--micc-poll", f"{run.poll:g}", "--micc-patience", f"{run.patience:g}",
               "--micc-chat-length", f"{run.chat_length:g}", "--micc-seed", str(run.seed),
               "--micc-shape", run.shape, "--micc-no-setup", "--micc-desktop-agents", ",".join(agents),
               "--micc-cloudlink-login", run.cloudlink_login, "--micc-cloudlink-password", run.cloudlink_password]
    return options + (["--micc-ignore-cap"] if run.ignore_cap else [])


def locust_commands(run: LoadRun, base: str, agents: list[str]) -> tuple[list[str], list[list[str]]]:
    """The master's (or the only) locust command, and the local workers' ones."""
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    report = run.report_dir
    main = [*locust, "--headless", "--host", base, "-u", str(run.users), "-r", f"{run.spawn_rate:g}",
            "-t", f"{run.duration}s", "--csv", str(report / "locust"), "--html", str(report / "locust.html"),
            "--stop-timeout", "0", "--exit-code-on-error", "0", *micc_options(run, agents), *run.locust_args,
            *PROFILES[run.profile].users]
    workers: list[list[str]] = []
    if run.workers or run.master:
        port = run.master_port if run.master else free_port()
        main[5:5] = ["--master", "--expect-workers", str(run.workers or run.expect_workers),
                     "--master-bind-host", run.master_bind_host if run.master else "127.0.0.1",
                     "--master-bind-port", str(port)]
        workers = [[*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
                   for _ in range(run.workers)]
    return main, workers


def worker_command(master_host: str, master_port: int) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker", "--master-host", master_host,
            "--master-port", str(master_port)]


def read_locust_stats(path: Path) -> dict[str, dict[str, str]]:
    """locust's ``*_stats.csv`` as {"POST /openmedia": row, ..., "Aggregated": row} (type and name joined)."""
    if not path.exists():
        return {}
    with path.open(newline="") as f:
        return {(f"{row['Type']} {row['Name']}" if row["Type"] else row["Name"]): row for row in csv.DictReader(f)}


def _last_history_row(path: Path) -> dict[str, str]:
    try:
        with path.open(newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return {}
    return rows[-1] if rows else {}


# -- the verdict ------------------------------------------------------------------------------------
def judge(run: LoadRun, series: dict[str, Any], stats: dict[str, dict[str, str]]) -> list[Check]:
    """Pass/fail from the simulator's side: its per-change peak of the queue, and its own counts."""
    queue = series["queue"] or {"name": run.queue, "reporting": ""}
    peak = series["peak_waiting"]
    cap = Check("queue cap", peak <= run.cap,
                f"at most {peak} item(s) waited in {queue['name']} at once (cap {run.cap}), "
                "counted by the simulator at every change")
    ledger = series["interactions"]
    states = ledger["states"]
    accounted = sum(states.values())
    post = stats.get("POST /openmedia") or {}
    posted = int(post.get("Request Count") or 0) - int(post.get("Failure Count") or 0)
    ended = {s: n for s, n in states.items() if s not in ("InQueue", "Offered", "Acd", "Held")}
    detail = (f"the integration posted {posted} (201 Created); the world created {ledger['created']}: "
              + "".join(f"{n} {s}, " for s, n in sorted(ended.items())) + f"{ledger['live']} still live")
    problems = []
    if posted == 0:
        problems.append("nothing was posted, so nothing was tested (see locust.log)")
    if ledger["world_replaced"]:
        problems.append("the world was reset, replaced or restored during the run")
    if accounted != ledger["created"]:
        problems.append(f"end states + live = {accounted}, not {ledger['created']}")
    if posted > ledger["created"]:  # each 201 stands for an item the world created before answering
        problems.append(f"the integration got {posted} items created, the world knows of {ledger['created']}")
    lost = Check("no interaction lost", not problems, detail + ("; " + "; ".join(problems) if problems else ""))
    return [cap, lost]


# -- progress -----------------------------------------------------------------------------------------
class Progress:
    def __init__(self, run: LoadRun, console: Console) -> None:
        self.run = run
        self.console = console
        self.started = time.monotonic()
        self.latest: dict[str, Any] = {}
        self.peak = 0
        self.printed = 0.0

    def update(self, control: httpx.Client) -> None:
        if self.run.profile == "notifications":  # its numbers are the delivery log's, not a queue's
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                self.deliveries = control.get("/notifications/deliveries", params={"limit": 0}).json()["counts"]
            return
        with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
            params = {"queue": self.run.queue, **({"since": self.latest["at"]} if self.latest else {})}
            data = control.get("/metrics/series", params=params).json()
            if data["samples"]:
                self.latest = data["samples"][-1]
            self.peak = data["peak_waiting"]
            self.created = data["interactions"]["created"]

    def table(self) -> Table:
        run, s = self.run, self.latest
        history = _last_history_row(run.report_dir / "locust_stats_history.csv")
        table = Table(title=f"micc-sim load {run.profile}", show_header=False, box=None)
        elapsed = time.monotonic() - self.started
        table.add_row("elapsed", f"{elapsed:.0f} s (the run: {run.duration} s, {run.shape})")
        table.add_row("locust", f"{history.get('User Count', '0')} users, {float(history.get('Requests/s') or 0):.1f} "
                                f"req/s, {history.get('Total Failure Count', '0')} failures")
        if getattr(self, "deliveries", None):
            table.add_row("notifications", self._deliveries())
        if s:
            table.add_row("simulated time", s["at"])
            table.add_row(run.queue, f"{s['waiting']} waiting (peak {self.peak}, cap {run.cap}), longest "
                                     f"{s['longest_wait']:.0f} s")
            table.add_row("items", f"{getattr(self, 'created', 0)} created, {s['handled']} handled, "
                                   f"{s['abandoned']} abandoned, {s['live']} live")
            table.add_row("agents", f"{s['agents_busy']} busy, {s['agents_available']} available, "
                                    f"{s['agents_not_ready']} not ready")
        return table

    def _deliveries(self) -> str:
        d = self.deliveries
        return (f"{d['delivered']} delivered, {d['failed']} dead letters, "
                f"{d['pending'] + d['sending'] + d['retrying']} under way ({d['retrying']} retrying)")

    def line(self) -> str:
        if getattr(self, "deliveries", None):
            return f"{time.monotonic() - self.started:5.0f} s  notifications: {self._deliveries()}"
        s = self.latest
        return (f"{time.monotonic() - self.started:5.0f} s  waiting {s.get('waiting', 0)} (peak {self.peak}, "
                f"cap {self.run.cap})  handled {s.get('handled', 0)}  live {s.get('live', 0)}")


def _wait(procs: list[subprocess.Popen], run: LoadRun, base: str, console: Console) -> int:
    """Wait for the master while showing progress; returns its exit code."""
    master = procs[0]
    progress = Progress(run, console)
    deadline = time.monotonic() + run.duration + 120
    with httpx.Client(base_url=base + "/_sim", timeout=10) as control:
        live = Live(progress.table(), console=console, refresh_per_second=2, transient=False) \
            if console.is_terminal and not run.quiet else contextlib.nullcontext()
        with live:
            while True:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    master.wait(timeout=1)
                if master.returncode is not None:
                    break
                if time.monotonic() > deadline:
                    master.kill()
                    raise LoadError("locust did not stop by itself; see locust.log")
                if run.quiet:
                    continue
                progress.update(control)
                if isinstance(live, Live):
                    live.update(progress.table())
                elif not run.quiet and time.monotonic() - progress.printed >= 5:
                    progress.printed = time.monotonic()
                    console.print(progress.line())
    return master.returncode


# -- the command ------------------------------------------------------------------------------------------
def run_load(run: LoadRun, console: Console | None = None) -> int:
    console = console or Console()
    missing = missing_dependencies()
    if missing:
        raise LoadError(f"micc-sim load needs {' and '.join(missing)}, which are not installed: {INSTALL_HINT}")
    if run.profile not in PROFILES:
        raise LoadError(f"unknown profile {run.profile!r}; profiles: {', '.join(PROFILES)}")
    try:
        agent_behaviour = behaviour(run.accept_delay, run.handle_time, run.not_ready)
    except ProfileTextError as exc:
        raise LoadError(str(exc)) from exc
    folder = run.report_dir
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("locust*"):
        old.unlink()
    with simulator(run, folder / "micc_sim.log") as base:
        try:
            prepared = prepare_world(base, run.queue, agent_behaviour, run.agents,
                                     cap=run.cap if run.profile == "queue-cap" else None)
        except (SetupError, httpx.HTTPError) as exc:
            raise LoadError(f"cannot prepare the simulator at {base}: {exc}") from exc
        main, workers = locust_commands(run, base, prepared.agents)
        console.print(f"[bold]micc-sim load {run.profile}[/]: {PROFILES[run.profile].summary}")
        console.print(f"  simulator {base} ({'given' if run.base_url else f'clock {run.clock}'}"
                      + (f" x{run.clock_scale:g}" if run.clock == "scaled" and not run.base_url else "") + "), "
                      f"queue {prepared.queue['name']}, {len(prepared.agents)} agents, {run.users} users "
                      f"({run.shape}), {run.duration} s" + (f", {run.workers} workers" if run.workers else ""))
        consumer = _consumer(run, base)  # the notifications profile's: subscribed before locust starts
        with consumer.running() if consumer else contextlib.nullcontext(), \
                (folder / "locust.log").open("w") as log:
            procs = [subprocess.Popen(main, stdout=log, stderr=subprocess.STDOUT)]
            procs += [subprocess.Popen(w, stdout=log, stderr=subprocess.STDOUT) for w in workers]
            try:
                code = _wait(procs, run, base, console)
                for worker in procs[1:]:
                    worker.wait(timeout=30)
            finally:
                for proc in procs:
                    if proc.poll() is None:
                        proc.kill()
            seen = consumer.observe(consumer.settle()) if consumer and code == 0 else None
        stats = read_locust_stats(folder / "locust_stats.csv")
        if code != 0 or not stats:
            raise LoadError(f"locust failed (exit code {code}); see {folder / 'locust.log'}:\n"
                            + (folder / "locust.log").read_text()[-3000:])
        with httpx.Client(base_url=base + "/_sim", timeout=30) as control:
            queue_series = control.get("/metrics/series", params={"queue": run.queue}).json()
            total_series = control.get("/metrics/series").json()
    if consumer is not None and seen is not None:
        from micc_sim.harness.load.notifications import judge_run

        return judge_run(run, base, consumer, seen, stats, console)
    checks = judge(run, queue_series, stats)
    passed = all(c.passed for c in checks)
    from micc_sim.harness.load.report import write_report

    verdict = {"passed": passed, "checks": [asdict(c) for c in checks], "run": run_view(run),
               "simulator": base, "queue": queue_series["queue"], "peak_waiting": queue_series["peak_waiting"],
               "interactions": queue_series["interactions"]}
    files = write_report(folder, verdict, queue_series, total_series, stats)
    print_verdict(console, checks, passed, stats, files)
    return 0 if passed else 1


def _consumer(run: LoadRun, base: str) -> Any:
    """The notifications profile's consumer of the run (None for the other profiles)."""
    if run.profile != "notifications":
        return None
    from micc_sim.harness.load.notifications import Consumer

    return Consumer(base, run.cloudlink_login, run.cloudlink_password, host=run.consumer_host,
                    transport=run.transport, webhook_errors=run.webhook_errors, seed=run.seed)


def run_worker(master_host: str, master_port: int) -> int:
    """A worker for a master started elsewhere (``micc-sim load PROFILE --master``): locust does it all."""
    missing = missing_dependencies()
    if missing:
        raise LoadError(f"micc-sim load needs {' and '.join(missing)}, which are not installed: {INSTALL_HINT}")
    return subprocess.call(worker_command(master_host, master_port))

