"""The benchmark runs (on a tiny load): its numbers are not judged here, only that it measures them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.skipif(shutil.which("wrk") is None, reason="Debian's wrk is installed by scripts/test-setup.sh")
def test_the_benchmark_measures_every_path_on_a_tiny_load(tmp_path):
    report = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "loadtests" / "bench.py"), "--tiny", "--report", str(report)],
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    for name in ("a", "b", "c", "e"):
        assert data["results"][name]["requests_per_s"] > 0
    if (ROOT / "loadtests" / ".node" / "node_modules" / ".bin" / "prism").exists():  # scripts/test-setup.sh
        assert data["results"]["f"]["a"]["requests_per_s"] > 0 and data["results"]["f"]["c"]["requests_per_s"] > 0
        assert "a_vs_prism" in data["ratios"] and "c_vs_prism" in data["ratios"]
    b = data["results"]["b"]
    assert b["handled"] > 0 and b["still_live"] == 0  # every posted item went through the whole cycle
    assert data["results"]["a"]["non_2xx"] == 0 and data["results"]["c"]["non_2xx"] == 0
    d = data["results"]["d"]  # 3 publications to 100 webhook subscriptions
    assert d["expected"] == 300 and d["delivered"] == d["received"] == 300 and d["lost"] == d["failed"] == 0
    assert d["bad_signatures"] == d["duplicates"] == 0 and d["latency_sample"] == 300
    assert d["deliveries_per_s"] > 0 and 0 < d["p50_ms"] <= d["p99_ms"] and d["simulator_cpu_s"] > 0
    assert "(d) webhook fan-out: 3 publications x 100 subscriptions" in proc.stdout
    assert "ratios: a/e" in proc.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="Debian's wrk is installed by scripts/test-setup.sh")
def test_the_memory_check_holds_the_interactions_it_was_asked_for(tmp_path):
    report = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(ROOT / "loadtests" / "bench.py"), "--tiny", "--only", "a",
                           "--memory", "300", "--report", str(report)], capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    memory = json.loads(report.read_text())["results"]["memory"]
    assert memory["live"] >= 300 and memory["resident_mib"] > memory["idle_mib"] > 0
