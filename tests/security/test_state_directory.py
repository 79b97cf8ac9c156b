"""Snapshot files: read and written only inside the state directory, only regular files, no larger than a cap."""
# ruff: noqa: F811  (the fixtures imported from attack are arguments of the tests)

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from attack import error_of, module_sim, responsive, sim  # noqa: F401  (fixtures)


def state_dir(live) -> Path:
    return Path(live.sim.settings.state_dir)


@pytest.mark.parametrize("name", ["/tmp/micc-sim-attack/evil.json", "../evil.json", "~/.micc-sim-attack.json",
                                  "sub/../../evil.json"])
def test_a_snapshot_cannot_be_written_outside_the_state_directory(sim, name):
    target = (state_dir(sim) / Path(name).expanduser()).resolve()
    r = sim.http.post("/_sim/snapshot", json={"file": name})
    assert r.status_code == 403 and error_of(r)["code"] == "outside_state_dir"
    assert not target.exists()


def test_a_symbolic_link_out_of_the_state_directory_is_not_followed(sim, tmp_path):
    outside = tmp_path / "bashrc"
    outside.write_text("# the developer's\n")
    (state_dir(sim) / "link.json").unlink(missing_ok=True)
    (state_dir(sim) / "link.json").symlink_to(outside)
    assert sim.http.post("/_sim/snapshot", json={"file": "link.json"}).status_code == 403
    assert outside.read_text() == "# the developer's\n"
    assert sim.http.post("/_sim/restore", json={"file": "link.json"}).status_code == 403


def test_restoring_dev_zero_or_a_fifo_is_refused_at_once(sim):
    for name in ("/dev/zero", "/dev/urandom"):
        started = time.perf_counter()
        r = sim.http.post("/_sim/restore", json={"file": name}, timeout=5)
        assert r.status_code == 403 and time.perf_counter() - started < 1
    fifo = state_dir(sim) / "pipe.json"
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    r = sim.http.post("/_sim/restore", json={"file": "pipe.json"}, timeout=5)  # open() of a FIFO would block
    assert r.status_code == 400 and error_of(r)["code"] == "not_a_file"
    responsive(sim)


def test_a_snapshot_file_beyond_the_cap_is_refused_unread(sim):
    huge = state_dir(sim) / "huge.json"
    with huge.open("wb") as f:
        f.truncate(sim.sim.settings.max_control_body_bytes + 1)  # sparse: no disk used
    r = sim.http.post("/_sim/restore", json={"file": "huge.json"})
    assert r.status_code == 413 and error_of(r)["code"] == "file_too_large"
    huge.unlink()


def test_a_snapshot_round_trips_through_the_state_directory(sim):
    before = sim.http.get("/_sim/snapshot").content
    r = sim.http.post("/_sim/snapshot", json={"file": "runs/one.json"})
    assert r.status_code == 200 and Path(r.json()["file"]) == state_dir(sim).resolve() / "runs" / "one.json"
    sim.advance(60)
    assert sim.http.post("/_sim/restore", json={"file": "runs/one.json"}).status_code == 200
    assert sim.http.get("/_sim/snapshot").content == before
