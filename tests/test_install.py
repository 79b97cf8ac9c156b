"""The wheel, installed as a user installs it: into a fresh virtual environment, next to the newest versions of the
web libraries a user's project already has, and used from a folder that is not a checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
NEWEST = ("websockets", "httpx", "pydantic", "starlette")


def _run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """In a folder of its own and without PYTHONPATH: a checkout's ``micc_sim.egg-info`` on the path would make
    pip think the wheel is installed already."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd or tempfile.gettempdir(),
                          timeout=timeout, env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel and the newest websockets, httpx, pydantic and starlette; its bin folder."""
    folder = tmp_path_factory.mktemp("install")
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", folder / "dist", ROOT)
    if built.returncode != 0 and "No matching distribution" in built.stderr + built.stdout:
        pytest.skip("the package registry cannot be reached to build the wheel")
    assert built.returncode == 0, built.stderr
    [wheel] = (folder / "dist").glob("micc_sim-*.whl")
    venv.create(folder / "venv", with_pip=True)
    bin_ = folder / "venv" / "bin"
    got = _run(bin_ / "python", "-m", "pip", "install", "-q", "--upgrade", wheel, *NEWEST)
    assert got.returncode == 0, got.stdout + got.stderr
    return bin_


def _newest(bin_: Path, package: str) -> str:
    out = _run(bin_ / "python", "-m", "pip", "index", "versions", package).stdout
    return out.split("(", 1)[1].split(")", 1)[0]


def test_the_wheel_installs_beside_the_newest_web_libraries(installed):
    assert _run(installed / "python", "-m", "pip", "check").returncode == 0
    versions = json.loads(_run(installed / "python", "-c", "import json, importlib.metadata as m; print(json.dumps("
                               f"{{p: m.version(p) for p in {list(NEWEST)!r}}}))").stdout)
    assert versions == {p: _newest(installed, p) for p in NEWEST}  # nothing held back or downgraded
    names = {p["name"].lower() for p in json.loads(_run(installed / "python", "-m", "pip", "list", "--format",
                                                         "json").stdout)}
    assert names.isdisjoint({"faker", "pytest", "amqtt"}), names  # not runtime dependencies


def test_import_micc_sim_is_ours_and_import_simulator_is_not(installed, tmp_path):
    code = "import micc_sim, importlib.util; print(micc_sim.__version__, importlib.util.find_spec('simulator'))"
    out = _run(installed / "python", "-c", code, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.split() == ["0.1.0", "None"], out.stderr


def test_the_scenario_library_and_the_default_world_come_with_the_wheel(installed, tmp_path):
    listing = _run(installed / "micc-sim", "scenario", "list", cwd=tmp_path)
    assert listing.returncode == 0 and "library:integrator-guide/queue-cap.yaml" in listing.stdout, listing.stderr
    world = _run(installed / "micc-sim", "world", "export", cwd=tmp_path)  # without faker: the shipped world
    assert world.returncode == 0 and "Web Chat" in world.stdout, world.stderr
    ran = _run(installed / "micc-sim", "scenario", "run", "double-slash-token-url", cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_exec_serves_every_face_from_the_installed_wheel(installed, tmp_path):
    probe = ("import os, urllib.request, json; "
             "r = json.load(urllib.request.urlopen(os.environ['MICC_SIM_URL'] + '/_sim/ready')); "
             "raise SystemExit(0 if r['ready'] else 1)")
    out = _run(installed / "micc-sim", "exec", "--clock", "manual", "--", installed / "python", "-c", probe,
               cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
