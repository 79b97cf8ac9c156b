"""Mitel's CloudLink hosts over HTTPS, routed to the simulator the way a hosts-file line does, driven from Node.

The simulator serves TLS with a certificate from its own CA (``serve --tls ca``'s names, which cover
``*.api.mitel.io`` and the regional and dev hosts) on port 443 of a loopback address of its own; Node
resolves every ``*.api.mitel.io`` name to that address (``tests/node/mitel-hosts.cjs``) and trusts the CA
through ``NODE_EXTRA_CA_CERTS``, so the Node code calls ``https://media.us-west-2.us.dev.api.mitel.io/...``
exactly as Mitel's samples write it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from micc_sim.faces.cloudlink.hosts import CERTIFICATE_NAMES
from micc_sim.faces.cloudlink.proxy import MAX_HEAD, proxy_in_thread
from micc_sim.runtime import Simulator
from micc_sim.testing import free_port, serve_in_thread
from micc_sim.tls import TlsFiles, TlsMode, ensure_certificates
from tests.conftest import manual_settings

NODE = Path(__file__).parent / "node"


def _address() -> str:
    """A loopback address of this test run's own (the whole 127/8 is the loopback), so port 443 is free."""
    return f"127.{77 + os.getpid() % 100}.{os.getpid() // 100 % 250}.{1 + os.getpid() % 250}"


@pytest.fixture(scope="module")
def mitel_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, TlsFiles]]:
    if os.geteuid() != 0:
        pytest.skip("port 443 needs root (the samples' URLs have no port)")
    address = _address()
    files = ensure_certificates(TlsMode.CA, tmp_path_factory.mktemp("tls"), ["localhost", address, *CERTIFICATE_NAMES])
    with serve_in_thread(Simulator(manual_settings()), host=address, port=443, tls=files):
        yield address, files


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_node_reaches_every_mitel_host_spelling_over_https(mitel_hosts: tuple[str, TlsFiles]) -> None:
    address, files = mitel_hosts
    with proxy_in_thread("127.0.0.1", 0, address, 443, target_tls=True) as proxy:
        env = {**os.environ, "MICC_SIM_ADDRESS": address, "NODE_EXTRA_CA_CERTS": str(files.trust),
               "MICC_SIM_PROXY": f"http://127.0.0.1:{proxy}"}
        done = subprocess.run(["node", "--require", str(NODE / "mitel-hosts.cjs"), "--test",
                               str(NODE / "cloudlink_hosts.test.mjs")], env=env, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


def test_a_proxy_style_client_reaches_the_regional_host_with_its_real_name(mitel_hosts: tuple[str, TlsFiles]) -> None:
    """A client that sends the real ``Host`` to the simulator's address (curl --resolve, a hosts file)."""
    address, files = mitel_hosts
    transport = httpx.HTTPTransport(verify=ssl.create_default_context(cafile=str(files.trust)))
    with httpx.Client(transport=transport, timeout=30) as http:
        r = http.get(f"https://{address}/2017-09-01/.well-known/jwks.json",
                     headers={"Host": "authentication.eu.api.mitel.io"})
        assert r.status_code == 200, r.text
        assert r.json()["keys"]


def test_an_https_proxy_client_reaches_mitel_hosts_through_the_tunnel_and_nothing_else(mitel_hosts) -> None:
    """``HTTPS_PROXY=http://127.0.0.1:<port>``, as curl, requests and httpx read it."""
    address, files = mitel_hosts
    with proxy_in_thread("127.0.0.1", 0, address, 443) as port:
        context = ssl.create_default_context(cafile=str(files.trust))
        with httpx.Client(proxy=f"http://127.0.0.1:{port}", verify=context, timeout=30) as http:
            r = http.post("https://authentication.eu.api.mitel.io/2017-09-01/token", data={
                "grant_type": "password", "username": "admin@wagner.example.com", "password": "password"})
            assert r.status_code == 200, r.text
            endpoint = http.get("https://media.us-west-2.us.dev.api.mitel.io/2017-09-01/endpoints/5001",
                                headers={"Authorization": r.json()["access_token"]}).json()
            assert endpoint["_links"]["self"] == "https://media.us-west-2.us.dev.api.mitel.io/2017-09-01/endpoints/5001"
            with pytest.raises(httpx.ProxyError):
                http.get("https://example.com/")  # not Mitel's: the proxy refuses, nothing leaves the machine


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    """One answer read off ``sock`` (framed by Content-Length, as the simulator frames its JSON)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536) or b"<closed>"
        assert not data.endswith(b"<closed>"), data
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(
        b"content-length:")), 0)
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_an_http_proxy_client_reaches_mitel_hosts_over_plain_http_and_nothing_else(live) -> None:
    """``HTTP_PROXY=http://127.0.0.1:<port>`` with an ``http://`` URL: the absolute-form request is forwarded
    (bodies with Content-Length and chunked), links name the http:// URL, other hosts are refused (403)."""
    host, port = live.base_url.removeprefix("http://").rsplit(":", 1)
    with proxy_in_thread("127.0.0.1", 0, host, int(port)) as proxy:
        with httpx.Client(proxy=f"http://127.0.0.1:{proxy}", timeout=30) as http:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            sent = iter([b"grant_type=password&username=admin%40wagner.example.com", b"&password=password"])
            r = http.post("http://authentication.us.api.mitel.io/2017-09-01/token", content=sent, headers=form)
            assert r.status_code == 200, r.text  # a chunked body (a generator)
            bearer = {"Authorization": r.json()["access_token"]}
            url = "http://media.us-west-2.us.dev.api.mitel.io/2017-09-01/endpoints/5001"
            assert http.get(url, headers=bearer).json()["_links"]["self"] == url
            made = http.post("http://authentication.api.mitel.io/2017-09-01/guest/token",
                             json={"principalId": "proxy-guest", "accountId": "105444491", "name": "Guest"})
            assert made.status_code == 200, made.text  # a Content-Length body
            for refused in ("http://example.com/", "http://api.mitel.io.example.com/", "http://media.api.mitel.io:8080/"):
                assert http.get(refused).status_code == 403, refused  # the proxy's own answer
        with socket.create_connection(("127.0.0.1", proxy), timeout=30) as sock:  # one connection, two requests
            ask = (b"GET http://authentication.api.mitel.io/2017-09-01/.well-known/jwks.json HTTP/1.1\r\n"
                   b"Host: authentication.api.mitel.io\r\nProxy-Connection: keep-alive\r\n\r\n")
            assert _exchange(sock, ask).startswith(b"HTTP/1.1 200")
            assert b'"keys"' in _exchange(sock, ask)
        with socket.create_connection(("127.0.0.1", proxy), timeout=30) as sock:
            huge = b"GET http://media.api.mitel.io/ HTTP/1.1\r\nX-Big: " + b"a" * MAX_HEAD + b"\r\n\r\n"
            assert _exchange(sock, huge).startswith(b"HTTP/1.1 431")
        with socket.create_connection(("127.0.0.1", proxy), timeout=30) as sock:
            smuggled = (b"POST http://media.api.mitel.io/ HTTP/1.1\r\nContent-Length: 3\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            assert _exchange(sock, smuggled).startswith(b"HTTP/1.1 400")
        if shutil.which("curl"):
            done = subprocess.run(["curl", "-s", "-x", f"http://127.0.0.1:{proxy}", "-o", "/dev/null", "-w",
                                   "%{http_code}", "http://authentication.api.mitel.io/2017-09-01/.well-known/jwks.json",
                                   "http://example.com/"], capture_output=True, text=True, timeout=60)
            assert done.stdout == "200403", done.stdout + done.stderr


def test_serve_tls_ca_with_a_proxy_port_serves_mitel_hosts_end_to_end(tmp_path) -> None:
    """The documented route, as a user runs it: ``micc-sim serve --tls ca --proxy-port``; the CA it writes
    verifies ``*.api.mitel.io`` and the portal, and HTTPS_PROXY reaches the service by its real name."""
    ready, proxy_port = tmp_path / "ready", free_port()
    proc = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", "0", "--clock", "manual",
                             "--log-level", "warning", "--tls", "ca", "--tls-dir", str(tmp_path / "tls"),
                             "--proxy-port", str(proxy_port), "--ready-file", str(ready)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "serve never became ready"
            time.sleep(0.05)
        context = ssl.create_default_context(cafile=str(tmp_path / "tls" / "ca.pem"))
        with httpx.Client(proxy=f"http://127.0.0.1:{proxy_port}", verify=context, timeout=30) as http:
            for host in ("authentication.ap.api.mitel.io", "api.mitel.io", "servicedelivery.api.mitel.io"):
                path = "/2017-09-01/token" if host == "api.mitel.io" else "/2017-09-01/.well-known/jwks.json"
                r = (http.post(f"https://{host}{path}", data={"grant_type": "client_credentials"})
                     if host == "api.mitel.io" else http.get(f"https://{host}{path}"))
                assert r.status_code in (200, 400, 401, 404) and r.headers["content-type"].startswith(
                    "application/json"), (host, r.status_code)
            assert http.get("https://authentication.ap.api.mitel.io/2017-09-01/.well-known/jwks.json").json()["keys"]
            page = http.get("https://auth.mitel.io/authorize", params={
                "client_id": "3c9db0cd24b05deaabff3f9a270021f9", "response_type": "code"})
            assert page.status_code == 200 and "<form" in page.text
            # HTTP_PROXY with an http:// URL: forwarded over TLS to the listener, links still name http://
            plain = http.get("http://notifications.eu.api.mitel.io/2017-09-01/nothing-here")
            assert plain.status_code == 404
            assert "'http://notifications.eu.api.mitel.io/2017-09-01/nothing-here'" in plain.json()["message"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
