"""The report of a load run: the simulator's series as JSON and CSV, its plots (one PNG, and the same as SVG in
an HTML page) and the verdict. The x axis is simulated time, in seconds from the first sample."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt

matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text in the HTML page

PLOTS = (
    ("queue", "Queue: waiting items and the cap", ("waiting",), "items waiting"),
    ("wait", "Queue: longest wait", ("longest_wait",), "simulated seconds"),
    ("flow", "Queue: items offered, handled, abandoned (running counts)",
     ("offered", "answered", "handled", "abandoned", "failed"), "items"),
    ("agents", "Agents of the queue",
     ("agents_logged_in", "agents_available", "agents_busy", "agents_not_ready"), "agents"),
)


def _seconds(samples: list[dict[str, Any]]) -> list[float]:
    times = [datetime.fromisoformat(s["at"].replace("Z", "+00:00")) for s in samples]
    return [(t - times[0]).total_seconds() for t in times] if times else []


def _figure(queue: dict[str, Any], cap: int) -> Any:
    """One figure, a panel per plot, sharing the simulated time axis."""
    samples = queue["samples"]
    x = _seconds(samples)
    where = f" — {queue['queue']['name']}" if queue.get("queue") else ""
    figure, panels = plt.subplots(len(PLOTS), 1, figsize=(10, 2.6 * len(PLOTS)), dpi=100, sharex=True)
    for axes, (name, title, fields, ylabel) in zip(panels, PLOTS, strict=True):
        for field in fields:
            axes.step(x, [s[field] for s in samples], where="post", label=field.replace("_", " "))
        if name == "queue":
            axes.axhline(cap, color="tab:red", linestyle="--", label=f"cap ({cap})")
            peak = queue["peak_waiting"]
            axes.axhline(peak, color="tab:gray", linestyle=":", label=f"peak, counted at every change ({peak})")
        axes.set_title(title + where, fontsize="medium")
        axes.set_ylabel(ylabel)
        axes.grid(alpha=0.3)
        axes.legend(loc="upper left", fontsize="small")
    panels[-1].set_xlabel("simulated seconds")
    figure.tight_layout()
    return figure


def write_series_csv(path: Path, queue: dict[str, Any], totals: dict[str, Any]) -> None:
    """One row per sample: the queue's numbers, then the totals' (prefixed ``all_``)."""
    rows = queue["samples"]
    by_time = {s["at"]: s for s in totals["samples"]}
    with path.open("w", newline="") as f:
        if not rows:
            return
        fields = [k for k in rows[0] if k != "at"]
        writer = csv.writer(f)
        writer.writerow(["at", *fields, *(f"all_{k}" for k in fields)])
        for row in rows:
            other = by_time.get(row["at"], {})
            writer.writerow([row["at"], *(row[k] for k in fields), *(other.get(k, "") for k in fields)])


def write_report(folder: Path, verdict: dict[str, Any], queue: dict[str, Any], totals: dict[str, Any],
                 stats: dict[str, dict[str, str]]) -> list[Path]:
    """Every file of the report; the HTML page first."""
    (folder / "series.json").write_text(json.dumps({"queue": queue, "all": totals}, indent=1))
    (folder / "verdict.json").write_text(json.dumps(verdict, indent=2))
    write_series_csv(folder / "series.csv", queue, totals)
    cap = verdict["run"]["cap"]
    files = [folder / "report.html", folder / "series.json", folder / "series.csv", folder / "verdict.json"]
    svg = save_plots(_figure(queue, cap), folder / "plots.png")
    files.append(folder / "plots.png")
    (folder / "report.html").write_text(_page(verdict, stats, svg), encoding="utf-8")
    return files


def save_plots(figure: Any, png: Path) -> str:
    """Save ``figure`` as ``png``; its SVG element, for the HTML page."""
    figure.savefig(png)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


_STYLE = """<style>
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 1000px; }
h1 span.PASS { color: #1a7f37; } h1 span.FAIL { color: #cf222e; }
li.ok b { color: #1a7f37; } li.bad b { color: #cf222e; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ddd; padding: 2px 8px; }
th { text-align: left; background: #f6f8fa; } svg { max-width: 100%; height: auto; }
</style>"""


def page_top(profile: str, verdict: dict[str, Any]) -> str:
    """The start of a run's HTML page, through its verdict: the profile, PASS or FAIL, and every check."""
    e = html.escape
    status = "PASS" if verdict["passed"] else "FAIL"
    checks = "".join(f"<li class={'ok' if c['passed'] else 'bad'}><b>{'pass' if c['passed'] else 'FAIL'}</b> "
                     f"{e(c['name'])}: {e(c['detail'])}</li>" for c in verdict["checks"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>micc-sim load {e(profile)}: {status}</title>
{_STYLE}</head><body>
<h1>micc-sim load {e(profile)}: <span class="{status}">{status}</span></h1>
<ul>{checks}</ul>
"""


def _ms(text: str) -> str:
    try:
        return f"{float(text):.0f}"
    except ValueError:
        return text


def _page(verdict: dict[str, Any], stats: dict[str, dict[str, str]], svg: str) -> str:
    e = html.escape
    run = verdict["run"]
    settings = "".join(f"<tr><th>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in run.items()
                       if v not in (None, "", [], False) or k in ("cap", "rate"))
    head = ("request", "count", "failures", "median ms", "95% ms", "99% ms", "max ms", "req/s")
    rows = "".join(
        "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in (
            name, row["Request Count"], row["Failure Count"], _ms(row["Median Response Time"]), _ms(row["95%"]),
            _ms(row["99%"]), _ms(row["Max Response Time"]), f"{float(row['Requests/s'] or 0):.1f}")) + "</tr>"
        for name, row in stats.items())
    return page_top(run["profile"], verdict) + f"""\
<p>Simulator: {e(verdict['simulator'])}. Plots are the simulator's own series, sampled on its clock.
Locust's report: <a href="locust.html">locust.html</a>; data: <a href="series.json">series.json</a>,
<a href="series.csv">series.csv</a>, <a href="locust_stats.csv">locust_stats.csv</a>,
<a href="verdict.json">verdict.json</a>.</p>
<figure>{svg}</figure>
<h2>Requests (locust)</h2>
<table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{rows}</table>
<h2>Run</h2>
<table>{settings}</table>
</body></html>
"""
