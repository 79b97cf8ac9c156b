"""One request must not stop the simulator: backtracking regexes, parsers that overflow, input that cannot be stored."""
# ruff: noqa: F811  (the fixtures imported from attack are arguments of the tests)

from __future__ import annotations

import json
import subprocess
import time

import pytest
from attack import error_of, in_subprocess, module_sim, responsive, sim  # noqa: F401  (fixtures)
from cloudlink_notify import AGENT, api

EVIL_PATTERN = r"^(\S+)+X$"  # exponential in Python's re on any subject without an X
ENGINES = f"""
import time
from micc_sim.faces.cloudlink.notify.filters import publication_matches, subject_filter
from micc_sim.harness.control.faults import FaultRule, FaultRuleSpec
from micc_sim.harness.control.journal import JournalFilter
subject = "/" + "a" * 40
for name, run in [
    ("subjectFilter", lambda: subject_filter({EVIL_PATTERN!r}).search(subject)),
    ("publicationFilter",
     lambda: publication_matches("$.publications[?(@.subject =~ '{EVIL_PATTERN}')]", {{"subject": subject}})),
    ("fault path", lambda: FaultRule(FaultRuleSpec(kind="busy", path={EVIL_PATTERN!r})).matches("GET", subject)),
    ("journal path", lambda: JournalFilter(path={EVIL_PATTERN!r}).path_matches(subject)),
]:
    started = time.perf_counter(); run(); print(name, time.perf_counter() - started, flush=True)
"""


def engines_are_linear() -> dict[str, float]:
    """Each pattern engine on ``(\\S+)+X$``, timed in a process of its own (a stalled ``re`` holds the GIL)."""
    try:
        done = in_subprocess(ENGINES, timeout=20)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"a pattern engine backtracked for 20 s: {exc.stdout!r}")
    assert done.returncode == 0, done.stderr
    times = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in done.stdout.splitlines()}
    assert set(times) == {"subjectFilter", "publicationFilter", "fault path", "journal path"}
    return times


def test_every_pattern_a_client_sends_runs_in_linear_time():
    assert all(seconds < 0.1 for seconds in engines_are_linear().values())


def test_a_users_catastrophic_subject_filter_does_not_freeze_the_server(sim):
    engines_are_linear()  # else this would freeze the server for good
    user = api(sim, AGENT)
    r = user.post("/subscriptions", json={"deviceId": "attacker", "transport": "websocket",
                                          "topic": "attack", "subjectFilter": EVIL_PATTERN})
    assert r.status_code == 201, r.text
    started = time.perf_counter()
    r = user.post("/publications", json={"topic": "attack", "method": "POST", "subject": "/" + "a" * 5000,
                                         "content": {}})
    assert r.status_code < 500 and time.perf_counter() - started < 1
    responsive(sim)


@pytest.mark.parametrize("pattern", ["(?=x)", "(a)\\1", "(?<!x)y", "a" * 2000])
def test_patterns_that_need_backtracking_or_are_too_long_are_a_clear_400(sim, pattern):
    user = api(sim, AGENT)
    r = user.post("/subscriptions", json={"deviceId": "d", "transport": "websocket", "topic": "t",
                                          "subjectFilter": pattern})
    assert r.status_code == 400 and "subjectFilter" in r.json()["message"], r.text
    fault = sim.http.post("/_sim/faults", json={"kind": "busy", "path": pattern.replace("\\1", "(?P=a)")})
    assert fault.status_code == 400 and error_of(fault)["code"] == "invalid_body"
    journal = sim.http.get("/_sim/journal", params={"path": "^" + pattern})
    assert journal.status_code == 400 and error_of(journal)["code"] == "invalid_query"


@pytest.mark.parametrize(("name", "odata_filter"), [
    ("a huge integer", "Id eq " + "9" * 5000),
    ("trim of a number", "trim(5) eq 'a'"),
    ("length of a number", "length(5) eq 1"),
    ("a deep or-chain", "Id eq 1" + " or Id eq 1" * 1000),
])
def test_odata_filters_that_broke_the_parser_are_400s_in_the_dotnet_shape(sim, name, odata_filter):
    sdk = sim.sdk(sim.token())
    r = sdk.get("/employees", params={"$filter": odata_filter})
    assert r.status_code == 400, (name, r.text)
    assert r.json()["message"].startswith("The query specified in the URI is not valid.")


def test_odata_in_is_evaluated(sim):
    sdk = sim.sdk(sim.token())
    employees = sdk.get("/employees").json()["_embedded"]["items"]
    wanted = [employees[0]["id"], employees[2]["id"]]
    r = sdk.get("/employees", params={"$filter": f"id in ('{wanted[0]}', '{wanted[1]}')"})
    assert r.status_code == 200 and sorted(e["id"] for e in r.json()["_embedded"]["items"]) == sorted(wanted)


def test_deep_json_is_a_400_everywhere(sim):
    deep = b"[" * 5000 + b"]" * 5000
    nested = b'{"subject": ' + b"[" * 100 + b"1" + b"]" * 100 + b', "queue": "Web Chat"}'
    sdk = sim.sdk(sim.client_token())
    for body in (deep, nested):
        r = sdk.post("/openmedia", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "message" in r.json(), r.text
    for path in ("/_sim/world", "/_sim/faults", "/_sim/restore"):
        r = sim.http.request("PATCH" if path == "/_sim/world" else "POST", path, content=deep,
                             headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (path, r.text)


def test_a_lone_surrogate_is_a_400_in_the_vendors_shape_and_nothing_is_stored(sim):
    sdk = sim.sdk(sim.client_token())
    r = sdk.post("/openmedia", content=b'{"queue": "Web Chat", "subject": "\\ud800"}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["message"] == "The request is invalid." and "surrogate" in r.text
    admin = api(sim)
    r = admin.post("/publications", content=b'{"topic": "t", "method": "POST", "subject": "/x", '
                                            b'"content": {"text": "\\udfff"}}',
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "name" in r.json(), r.text
    r = sim.http.patch("/_sim/employees/1001", content=b'{"profile": "\\ud800"}',
                       headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and error_of(r)["code"] == "invalid_body"
    assert sim.world()["open_media"]["items"] == []
    for path in ("/_sim/world", "/_sim/snapshot", "/_sim/journal"):
        assert sim.http.get(path).status_code == 200, path
    ok = sdk.post("/openmedia", json={"queue": "Web Chat", "subject": "emoji \U0001F600 pairs are fine"})
    assert ok.status_code == 201


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded(sim, tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))
    started = time.perf_counter()
    r = sim.http.put("/_sim/world", content=bomb, headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400 and "aliases" in error_of(r)["message"]
    assert time.perf_counter() - started < 1
    from micc_sim.world.config import WorldFileError, load_world_file

    (tmp_path / "world.yaml").write_text(bomb)
    with pytest.raises(WorldFileError, match="aliases"):
        load_world_file(tmp_path / "world.yaml")
    deep = "[" * 5000 + "]" * 5000  # beyond the recursion limit of the composer
    r = sim.http.put("/_sim/world", content=deep, headers={"Content-Type": "application/yaml"})
    assert r.status_code == 400
    responsive(sim)


def test_a_scenario_file_with_an_alias_bomb_is_refused(tmp_path):
    from micc_sim.harness.scenarios.model import ScenarioFileError, load_scenario

    bomb = "name: x\na: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(7))
    (tmp_path / "bomb.yaml").write_text(bomb)
    with pytest.raises(ScenarioFileError, match="aliases"):
        load_scenario(tmp_path / "bomb.yaml")
    json.dumps(bomb)  # the file itself is small
