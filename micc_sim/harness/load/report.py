"""The report of a load run: one self-contained HTML page with zoomable charts (uPlot, inlined: the page opens
anywhere, offline, as a CI artifact), the simulator's series as JSON and CSV, a PNG of the same plots, and the
verdict. The page's charts share one time axis, the computer's, with the simulated clock shown under it; the
simulator's samples carry both times, locust's history the computer's."""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
from datetime import datetime
from importlib import resources
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
    save_plots(_figure(queue, cap), folder / "plots.png")
    files.append(folder / "plots.png")
    charts = queue_charts(queue, cap) + locust_charts(read_history(folder / "locust_stats_history.csv"))
    (folder / "report.html").write_text(_page(verdict, stats, interactive_charts(charts, queue["samples"])),
                                        encoding="utf-8")
    return files


# -- the interactive page ------------------------------------------------------------------------------------
def _walls_and_sims(samples: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    walls = [s.get("wall") for s in samples]
    sims = [datetime.fromisoformat(s["at"].replace("Z", "+00:00")).timestamp() for s in samples]
    pairs = [(w, sim) for w, sim in zip(walls, sims, strict=True) if w is not None]
    return [w for w, _ in pairs], [sim for _, sim in pairs]


def queue_charts(queue: dict[str, Any], cap: int) -> list[dict[str, Any]]:
    """The simulator's side: the queue against its cap, waits, arrivals/answers/abandons, agents."""
    samples = [s for s in queue["samples"] if s.get("wall") is not None]
    x = [s["wall"] for s in samples]
    name = (queue.get("queue") or {}).get("name", "all queues")

    def rate(field: str) -> list[float | None]:  # a running count as items per simulated minute
        out: list[float | None] = [None]
        for a, b in itertools.pairwise(samples):
            seconds = (datetime.fromisoformat(b["at"].replace("Z", "+00:00"))
                       - datetime.fromisoformat(a["at"].replace("Z", "+00:00"))).total_seconds()
            out.append(round((b[field] - a[field]) * 60 / seconds, 2) if seconds > 0 else None)
        return out

    return [
        {"title": f"{name}: items waiting, the cap and the peak counted at every change", "y": "items", "x": x,
         "series": [{"label": "waiting", "values": [s["waiting"] for s in samples]},
                    {"label": f"cap ({cap})", "values": [cap] * len(x), "dash": True},
                    {"label": f"peak ({queue['peak_waiting']})", "values": [queue["peak_waiting"]] * len(x),
                     "dash": True}]},
        {"title": f"{name}: longest wait", "y": "simulated seconds", "x": x,
         "series": [{"label": "longest wait", "values": [s["longest_wait"] for s in samples]}]},
        {"title": f"{name}: arrivals, answers and abandons", "y": "per simulated minute", "x": x,
         "series": [{"label": label, "values": rate(field)} for label, field in
                    (("arrivals", "offered"), ("answered", "answered"), ("abandoned", "abandoned"),
                     ("handled", "handled"))]},
        {"title": f"{name}: agents", "y": "agents", "x": x,
         "series": [{"label": f.removeprefix("agents_").replace("_", " "), "values": [s[f] for s in samples]}
                    for f in ("agents_logged_in", "agents_available", "agents_busy", "agents_not_ready")]},
    ]


def read_history(path: Path) -> list[dict[str, str]]:
    """locust's stats history, the all-requests rows."""
    try:
        with path.open(newline="") as f:
            return [r for r in csv.DictReader(f) if r.get("Name") == "Aggregated"]
    except OSError:
        return []


def locust_charts(history: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The load generator's side: response-time percentiles, throughput and errors."""
    if not history:
        return []
    x = [float(r["Timestamp"]) for r in history]

    def column(name: str) -> list[float | None]:
        values: list[float | None] = []
        for r in history:
            try:
                values.append(float(r[name]))
            except (KeyError, ValueError):  # "N/A" before the first answer
                values.append(None)
        return values

    return [
        {"title": "Response time (locust, all requests)", "y": "ms", "x": x,
         "series": [{"label": p, "values": column(p)} for p in ("50%", "95%", "99%")]},
        {"title": "Requests and errors (locust)", "y": "per second", "x": x,
         "series": [{"label": "requests", "values": column("Requests/s")},
                    {"label": "errors", "values": column("Failures/s")},
                    {"label": "users", "values": column("User Count")}]},
    ]


def interactive_charts(charts: list[dict[str, Any]], samples: list[dict[str, Any]]) -> str:
    """The charts as HTML: uPlot and the data inlined, cursors in step, drag to zoom, double-click to reset."""
    walls, sims = _walls_and_sims(samples)
    folder = resources.files("micc_sim").joinpath("static", "vendor", "uplot")
    script = folder.joinpath("uPlot.iife.min.js").read_text(encoding="utf-8")
    script = script.replace("</", "<\\/")  # no end tag inside the inlined code
    style = folder.joinpath("uPlot.min.css").read_text(encoding="utf-8")
    data = json.dumps({"charts": charts, "walls": walls, "sims": sims}).replace("</", "<\\/")
    return f"""<style>{style}</style>
<p>Drag across a chart to zoom (every chart follows), double-click to zoom out. The axis reads the computer's
time; under it, the simulated clock at that moment.</p>
<div id="charts"></div>
<script>{script}</script>
<script>
"use strict";
const REPORT = {data};
const COLORS = ["#0b57d0", "#b3261e", "#1b7f3b", "#8a5a00", "#6f42c1", "#00838f"];
function simAt(wall) {{  // the simulated clock at a wall instant, from the samples that carry both
  const w = REPORT.walls, s = REPORT.sims;
  if (!w.length) return null;
  let i = 1;
  while (i < w.length - 1 && w[i] < wall) i++;
  const a = Math.max(0, i - 1), b = Math.min(w.length - 1, i);
  const f = w[b] === w[a] ? 0 : (wall - w[a]) / (w[b] - w[a]);
  return s[a] + f * (s[b] - s[a]);
}}
const hms = (seconds) => seconds == null ? "" : new Date(seconds * 1000).toISOString().slice(11, 19);
const simLabel = (wall) => REPORT.walls.length ? `sim ${{hms(simAt(wall))}}` : "";
const plots = [];
for (const chart of REPORT.charts) {{
  const el = document.createElement("div");
  document.getElementById("charts").append(el);
  const series = [{{label: "time", value: (u, v) => v == null ? "" : `${{hms(v)}} ${{simLabel(v)}}`}}];
  chart.series.forEach((s, n) => series.push({{label: s.label, stroke: COLORS[n % COLORS.length], width: 1.5,
    dash: s.dash ? [6, 4] : undefined, spanGaps: !s.points, paths: s.points ? () => null : undefined,
    points: s.points ? {{show: true, size: 4, fill: COLORS[n % COLORS.length]}} : undefined}}));
  const plot = new uPlot({{title: chart.title, width: Math.min(1000, window.innerWidth - 40), height: 230,
    cursor: {{sync: {{key: "run", setSeries: true}}}}, scales: {{x: {{time: true}}}}, series,
    axes: [{{values: (u, ticks) => ticks.map((t) => `${{hms(t)}}\n${{simLabel(t)}}`), size: 50, space: 110}},
           {{label: chart.y}}],
    hooks: {{setSelect: [(u) => {{ if (u.select.width > 0) {{
      const min = u.posToVal(u.select.left, "x"), max = u.posToVal(u.select.left + u.select.width, "x");
      for (const other of plots) if (other !== u) other.setScale("x", {{min, max}});
    }} }}]}}}},
    [chart.x, ...chart.series.map((s) => s.values)], el);
  el.addEventListener("dblclick", () => {{ for (const p of plots) p.setScale("x", {{min: null, max: null}}); }});
  plots.push(plot);
}}
</script>"""


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


def _page(verdict: dict[str, Any], stats: dict[str, dict[str, str]], charts: str) -> str:
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
<p>Simulator: {e(verdict['simulator'])}. The queue's charts are the simulator's own series, sampled on its clock;
the last two are locust's. Locust's report: <a href="locust.html">locust.html</a>; data:
<a href="series.json">series.json</a>, <a href="series.csv">series.csv</a>,
<a href="locust_stats.csv">locust_stats.csv</a>, <a href="verdict.json">verdict.json</a>; the same plots as a
picture: <a href="plots.png">plots.png</a>.</p>
{charts}
<h2>Requests (locust)</h2>
<table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>{rows}</table>
<h2>Run</h2>
<table>{settings}</table>
</body></html>
"""
