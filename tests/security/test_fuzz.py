"""Property-based fuzz (hypothesis) of the control API, OData ``$filter`` and JSON bodies of every face: nothing
is a 5xx, while a watcher checks that the server keeps answering within a second and its memory stays bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cloudlink_notify import ADMIN, NOTIFY
from conftest import LiveSim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
MAX_LATENCY = 1.0  # seconds a control read may take while the fuzz runs
MAX_GROWTH = 256 << 20  # bytes the server may grow by during one fuzz test


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * 4096


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[LiveSim, int]]:
    """``micc-sim serve`` in a process of its own: its latency and memory are the server's alone (in this
    process, hypothesis and the client would share the interpreter's lock with it)."""
    folder = tmp_path_factory.mktemp("served")
    ready = folder / "ready"
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", "0", "--clock", "manual",
                             "--ready-file", str(ready), "--state-dir", str(folder), "--log-level", "warning"],
                            cwd=folder, env={**os.environ, "PYTHONPATH": str(root)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.05)
        base_url = ready.read_text().strip()
        with httpx.Client(base_url=base_url, timeout=30) as http:
            yield LiveSim(None, base_url, http), proc.pid  # type: ignore[arg-type]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Watcher:
    """Reads ``/_sim/clock`` every 50 ms on its own connection: the slowest answer is the loop's latency."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.slowest = 0.0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=5) as client:
            while not self._stop.wait(0.05):
                started = time.perf_counter()
                try:
                    if client.get("/_sim/clock").status_code != 200:
                        self.failures.append("the clock read failed")
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                self.slowest = max(self.slowest, time.perf_counter() - started)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@pytest.fixture
def watched(served) -> Iterator[LiveSim]:
    live, pid = served
    live.http.post("/_sim/reset")
    before = _rss(pid)
    with Watcher(live.base_url) as watcher:
        yield live
    print(f"slowest answer {watcher.slowest * 1000:.0f} ms, grew {(_rss(pid) - before) / 2**20:.1f} MiB")  # -s
    assert not watcher.failures, watcher.failures[:3]
    assert watcher.slowest < MAX_LATENCY, f"the server took {watcher.slowest:.2f} s to answer during the fuzz"
    assert _rss(pid) - before < MAX_GROWTH, f"the server grew by {(_rss(pid) - before) >> 20} MiB"


# -- strategies ---------------------------------------------------------------------------------------
lone_surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
texts = st.one_of(st.text(max_size=40), lone_surrogates, st.sampled_from(
    ["Web Chat", "1001", "Available", "busy", "OpenMedia", "(a+)+$", "../../etc/passwd", "/dev/zero", "^/x"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30, max_value=10**40),
                    st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)), max_leaves=20)
objects = st.dictionaries(st.one_of(texts, st.sampled_from(
    ["seconds", "kind", "path", "face", "file", "presence", "profile", "queue", "media", "count", "employees",
     "queues", "subject", "status", "logged_in", "ready_media", "probability", "latency_ms"])), json_values, max_size=6)
bodies = st.one_of(objects, json_values, st.binary(max_size=64).map(lambda b: b"\x00" + b),
                   st.integers(1, 200).map(lambda n: "[" * n + "]" * n))

CONTROL = [("POST", "/_sim/clock/advance"), ("POST", "/_sim/faults"), ("PATCH", "/_sim/world"),
           ("PATCH", "/_sim/employees/1001"), ("POST", "/_sim/interactions"), ("POST", "/_sim/journal/verify"),
           ("POST", "/_sim/restore"), ("POST", "/_sim/snapshot"), ("PUT", "/_sim/world")]


def _encode(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str) and body.startswith("["):
        return body.encode()
    return json.dumps(body).encode()  # ensure_ascii: a lone surrogate goes on the wire as \\ud800


@FUZZ
@given(route=st.sampled_from(CONTROL), body=bodies)
def test_the_control_api_answers_any_json_without_a_server_error(watched, route, body):
    method, path = route
    r = watched.http.request(method, path, content=_encode(body), headers={"Content-Type": "application/json"})
    assert r.status_code < 500, (method, path, body, r.text[:300])
    assert "error" in r.json() or r.status_code < 400


# OData $filter from its grammar's parts, put together at random, and from noise
identifiers = st.sampled_from(["id", "Id", "name", "username", "reporting", "extension", "role", "x/y", "isRealTime"])
literals = st.one_of(st.integers(-2**70, 2**70).map(str), st.sampled_from(
    ["null", "true", "false", "'a'", "''''", "1.5", "1e308", "2026-11-22T09:00:00Z", "9" * 500,
     "00000000-0000-0000-0000-000000000000", "Mitel.MiccSdk.Models.Role'Agent'"]),
    st.text(max_size=8).map(lambda t: "'" + t.replace("'", "''") + "'"))
functions = st.sampled_from(["contains", "startswith", "endswith", "tolower", "toupper", "length", "trim",
                             "substringof", "year", "indexof", "concat"])


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "and", "or", "add", "in"]), inner).map(
            " ".join),
        inner.map(lambda e: f"not {e}"), inner.map(lambda e: f"({e})"),
        st.tuples(functions, st.lists(inner, max_size=3)).map(lambda f: f"{f[0]}({', '.join(f[1])})"),
        st.lists(literals, min_size=1, max_size=3).map(lambda xs: f"({', '.join(xs)})"))


filters = st.one_of(st.recursive(st.one_of(identifiers, literals), _combine, max_leaves=12), st.text(max_size=60),
                    st.integers(1, 150).map(lambda n: " or ".join(["id eq 1"] * n)))


@FUZZ
@given(odata_filter=filters, orderby=st.one_of(st.none(), st.sampled_from(["name", "name desc", "x y z", "id,name"])),
       top=st.one_of(st.none(), st.sampled_from(["1", "-1", "99999999999999999999", "x"])))
def test_odata_options_are_a_page_or_a_400(watched, odata_filter, orderby, top):
    sdk = watched.sdk(_admin_token(watched))
    query = {"$filter": odata_filter, **({"$orderby": orderby} if orderby else {}), **({"$top": top} if top else {})}
    r = sdk.get("/employees", params=query)
    assert r.status_code in (200, 400), (query, r.text[:300])
    if r.status_code == 400:  # OData's own message, or the model binder's for a $top that is no integer
        assert r.json()["message"].startswith(("The query specified in the URI is not valid.",
                                               "The request is invalid."))


_tokens: dict[str, str] = {}


def _admin_token(live) -> str:
    """One token per fuzz run: the reset after it ends the session."""
    token = _tokens.get(live.base_url)
    if token is None or live.http.get("/miccsdk/api/v1/employees/me", headers={
            "Authorization": f"Bearer {token}"}).status_code == 401:
        token = _tokens[live.base_url] = live.token()
    return token


FACE_BODIES = [("/miccsdk/api/v1/openmedia", "sdk"), ("/miccsdk/api/v1/employees/me/state", "sdk"),
               (f"{NOTIFY}/subscriptions", "cloudlink"), (f"{NOTIFY}/publications", "cloudlink"),
               ("/chat/2017-09-01/conversations", "cloudlink"), ("/authentication/2017-09-01/token", None),
               ("/presence/2017-09-01/presentities", "cloudlink")]


@FUZZ
@given(target=st.sampled_from(FACE_BODIES), body=bodies, method=st.sampled_from(["POST", "PUT", "PATCH"]))
def test_json_bodies_of_the_faces_never_get_a_server_error(watched, target, body, method):
    path, auth = target
    headers = {"Content-Type": "application/json"}
    if auth == "sdk":
        headers["Authorization"] = f"Bearer {_admin_token(watched)}"
    elif auth == "cloudlink":
        headers["Authorization"] = f"Bearer {_cloudlink_token(watched)}"
    r = watched.http.request(method, path, content=_encode(body), headers=headers)
    assert r.status_code < 500, (method, path, body, r.text[:300])
    for read in ("/_sim/world", "/_sim/snapshot"):  # whatever was accepted can be written out again
        assert watched.http.get(read).status_code == 200, (read, body)


def _cloudlink_token(live) -> str:
    key = "cloudlink " + live.base_url
    token = _tokens.get(key)
    if token is None or live.http.get("/authentication/2017-09-01/token", headers={
            "Authorization": f"Bearer {token}"}).status_code == 401:
        token = _tokens[key] = live.cloudlink_token(ADMIN)
    return token
