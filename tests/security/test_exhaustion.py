"""The simulator cannot be exhausted: body and head sizes, slow and silent connections, guessing passwords, leaks."""
# ruff: noqa: F811  (the fixtures imported from attack are arguments of the tests)

from __future__ import annotations

import logging
import socket
import time

import httpx
import pytest
from attack import error_of, module_sim, raw_exchange, responsive, sim  # noqa: F401  (fixtures)
from cloudlink_notify import AGENT

CLOUDLINK_TOKEN = "/authentication/2017-09-01/token"


def test_a_body_beyond_the_limit_is_a_413_in_the_faces_shape(sim):
    big = b"x" * (sim.sim.settings.max_body_bytes + 1)
    r = sim.http.post("/miccsdk/api/v1/openmedia", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "message" in r.json()
    r = sim.http.post("/chat/2017-09-01/conversations", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["name"] == "PayloadTooLargeError"
    control = b"x" * (sim.sim.settings.max_control_body_bytes + 1)
    r = sim.http.post("/_sim/restore", content=control, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and error_of(r)["code"] == "payload_too_large"


def test_a_chunked_body_beyond_the_limit_is_a_413_too(sim):
    limit = sim.sim.settings.max_body_bytes

    def chunks():
        for _ in range(limit // (1 << 20) + 2):
            yield b"x" * (1 << 20)

    r = sim.http.post("/miccsdk/api/v1/openmedia", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    small = sim.sdk(sim.client_token()).post("/openmedia", content=iter([b'{"queue": ', b'"Web Chat"}']),
                                             headers={"Content-Type": "application/json"})
    assert small.status_code == 201, small.text  # a chunked body within the limit reaches the face whole


def test_a_head_beyond_the_limit_is_a_431(sim):
    huge = b"a" * (sim.sim.settings.max_header_bytes + 1)
    answer = raw_exchange(sim.base_url, b"GET /miccsdk/api/v1/employees HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                          huge + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")
    answer = raw_exchange(sim.base_url, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + huge)  # never finished
    assert answer.startswith(b"HTTP/1.1 431 ")
    responsive(sim)


@pytest.fixture(scope="module")
def impatient(tmp_path_factory):
    from conftest import manual_settings, run_live

    yield from run_live(manual_settings(header_timeout=0.5, body_timeout=0.5, keep_alive_timeout=0.5,
                                        state_dir=tmp_path_factory.mktemp("state")))


def test_silent_slow_and_half_open_connections_are_closed(impatient):
    started = time.perf_counter()
    assert raw_exchange(impatient.base_url, b"").startswith(b"HTTP/1.1 408 ")  # connected, sent nothing
    assert raw_exchange(impatient.base_url, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: b\r\n").startswith(
        b"HTTP/1.1 408 ")  # slowloris: a head that never ends
    body = raw_exchange(impatient.base_url, b"POST /authorizationserver/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                            b"Content-Length: 100\r\n\r\ngrant_type=")  # a body that never ends
    assert body.startswith(b"HTTP/1.1 408 ")
    assert time.perf_counter() - started < 3


def test_a_few_hundred_slowloris_sockets_do_not_stop_it(impatient):
    host, port = impatient.base_url.removeprefix("http://").rsplit(":", 1)
    sockets = []
    try:
        for _ in range(300):
            s = socket.create_connection((host, int(port)))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(s)
        responsive(impatient)
        time.sleep(0.8)  # the head timeout (0.5 s) passes: every slow socket is answered 408 and closed
        closed = 0
        for s in sockets:
            s.settimeout(1)
            closed += s.recv(64).startswith(b"HTTP/1.1 408")
        assert closed == len(sockets)
    finally:
        for s in sockets:
            s.close()


def test_x_forwarded_for_does_not_escape_the_cloudlink_login_throttle(sim):
    bad = {"grant_type": "password", "username": AGENT, "password": "wrong"}
    for i in range(5):
        r = sim.http.post(CLOUDLINK_TOKEN, json=bad, headers={"X-Forwarded-For": f"198.51.100.{i}"})
        assert r.status_code == 401
    r = sim.http.post(CLOUDLINK_TOKEN, json={**bad, "password": "password"},
                      headers={"X-Forwarded-For": "198.51.100.99"})
    assert r.status_code == 429


def test_failed_authorizationserver_password_grants_are_throttled(sim):
    bad = {"grant_type": "password", "username": "_admin", "password": "guess"}
    failures = sim.sim.settings.login_failures
    for i in range(failures):
        r = sim.http.post("/authorizationserver/token", data=bad, headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    locked = sim.http.post("/authorizationserver/token", data={**bad, "password": "_password"})
    assert locked.status_code == 400 and "Too many failed sign-ins" in locked.json()["error_description"]
    assert int(locked.headers["Retry-After"]) > 0
    other = sim.http.post("/authorizationserver/token", data={"grant_type": "password", "username": "1001",
                                                              "password": "1001"})
    assert other.status_code != 429  # only the guessed user name is locked
    sim.sim.tokens.throttle.locked.clear()


def test_tokens_are_not_written_to_the_access_log():
    from micc_sim.serving import install_log_redaction

    install_log_redaction()
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    access, errors = logging.getLogger("uvicorn.access"), logging.getLogger("uvicorn.error")
    levels = access.level, errors.level
    for logger in (access, errors):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:  # what uvicorn logs for a request and for a WebSocket (MQTT over WebSocket carries ?token=)
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                    "/notifications/2017-09-01/mqtt?token=eyJSECRET&x=1", "1.1", 101)
        errors.info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", "/mqtt?access_token=eyJSECRET")
    finally:
        for logger, level in zip((access, errors), levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    assert len(lines) == 2 and not any("eyJSECRET" in line for line in lines)
    assert "token=***&x=1" in lines[0]


@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_an_ipv4_client_of_a_dual_stack_socket_is_loopback():
    from starlette.testclient import TestClient

    from micc_sim.app import create_app

    with TestClient(create_app(), client=("::ffff:127.0.0.1", 5555)) as client:
        assert client.get("/_sim/clock").status_code == 200
    with TestClient(create_app(), client=("::ffff:203.0.113.9", 5555)) as client:
        assert client.get("/_sim/clock").status_code == 403


def test_serving_on_every_interface_says_so(capsys, monkeypatch):
    from micc_sim import cli, serving

    monkeypatch.setattr(serving.ReadyServer, "run", lambda self, *args, **kwargs: None)  # not served: only said
    monkeypatch.setattr(cli, "_tune_gc", lambda: None)  # it freezes the collector of the process it runs in
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "0", "--clock", "manual", "--log-level", "warning"]) == 0
    assert "warning: listening on 0.0.0.0" in capsys.readouterr().err
    assert cli.main(["serve", "--port", "0", "--clock", "manual", "--log-level", "warning"]) == 0
    assert "listening on" not in capsys.readouterr().err


def test_an_idle_kept_alive_connection_is_closed(impatient):
    with httpx.Client(base_url=impatient.base_url) as client:
        assert client.get("/_sim/clock").status_code == 200
        time.sleep(0.8)
        assert client.get("/_sim/clock").status_code == 200  # httpx reconnects: the server closed the idle one
