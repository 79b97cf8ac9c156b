"""A load run as the command describes it, its checks, and how a verdict is shown: shared by every profile's judge
(the queue-cap and agents profiles in ``runner``, the notifications profile in ``notifications``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


class LoadError(RuntimeError):
    """A run that could not be made (exit code 2)."""


@dataclass
class LoadRun:
    profile: str
    users: int = 1
    spawn_rate: float = 1.0
    duration: int = 60
    shape: str = "steady"
    cap: int = 10
    cap_basis: str = "queue-now"
    rate: float = 1.0
    queue: str = "Web Chat"
    poll: float = 1.0
    patience: float = 0.0
    chat_length: float = 0.0
    accept_delay: str | None = None
    handle_time: str | None = None
    not_ready: str | None = None
    agents: int = 0
    seed: int = 0
    report_dir: Path = Path("reports/load")
    base_url: str | None = None
    clock: str = "scaled"
    clock_scale: float = 60.0
    world: Path | None = None
    workers: int = 0  # local locust workers (distributed mode on loopback)
    master: bool = False  # a master for workers started elsewhere
    expect_workers: int = 1
    master_bind_host: str = "127.0.0.1"
    master_port: int = 5557
    ignore_cap: bool = False  # for tests: an integration that posts every chat at once
    transport: str = "both"  # notifications: how the consumer receives (webhook, websocket, both)
    webhook_errors: float = 0.0  # notifications: share of webhook POSTs the consumer answers 503
    cloudlink_login: str = "admin@wagner.example.com"  # notifications: the account's admin (consumer, calls)
    cloudlink_password: str = "password"
    consumer_host: str = "127.0.0.1"  # notifications: where the consumer's webhook receiver listens
    quiet: bool = False
    locust_args: list[str] = field(default_factory=list)


# -- the verdict ------------------------------------------------------------------------------------
@dataclass
class Check:
    name: str
    passed: bool
    detail: str


SECRET_FIELDS = ("cloudlink_password",)  # never written into a report: verdict.json, report.html


def redacted(args: list[str]) -> list[str]:
    """A command line with the values of its password, secret and token options hidden."""
    out, hide = [], False
    for arg in args:
        secret = arg.startswith("-") and any(w in arg.lower() for w in ("password", "secret", "token"))
        if hide:
            out.append("<redacted>")
        elif secret and "=" in arg:
            out.append(arg.split("=", 1)[0] + "=<redacted>")
        else:
            out.append(arg)
        hide = secret and "=" not in arg
    return out


def run_view(run: LoadRun) -> dict[str, Any]:
    """The run as the report shows it, its secrets left out (the report folder is shared: CI artifacts)."""
    view = {k: v for k, v in asdict(run).items() if k not in SECRET_FIELDS}
    view["locust_args"] = redacted(run.locust_args)
    return {k: str(v) if isinstance(v, Path) else v for k, v in view.items()}


def print_verdict(console: Console, checks: list[Check], passed: bool, stats: dict[str, dict[str, str]],
                   files: list[Path]) -> None:
    table = Table(title="requests (locust)")
    for column in ("request", "count", "failures", "median ms", "95% ms", "req/s"):
        table.add_column(column, justify="left" if column == "request" else "right")
    for name, row in stats.items():
        table.add_row(name, row["Request Count"], row["Failure Count"], _ms(row["Median Response Time"]),
                      _ms(row["95%"]), f"{float(row['Requests/s'] or 0):.1f}")
    console.print(table)
    for check in checks:
        console.print(f"  {'[green]pass[/]' if check.passed else '[red]FAIL[/]'}  {check.name}: {check.detail}")
    console.print(f"report: {files[0]}")
    console.print("[bold green]PASS[/]" if passed else "[bold red]FAIL[/]")


def _ms(text: str) -> str:
    try:
        return f"{float(text):.0f}"
    except ValueError:
        return text  # "N/A"
