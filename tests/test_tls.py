"""`micc-sim serve --tls`: the integrator guide's TLS modes, verify (a trusted CA), self-signed, no verify."""

from __future__ import annotations

import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port

FORM = {"grant_type": "password", "username": "_admin", "password": "_password"}


def serve_tls(mode: str, folder: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "micc_sim", "serve", "--port", str(port), "--clock", "manual",
                             "--tls", mode, "--tls-dir", str(folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    base = f"https://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(base + "/", verify=False, timeout=1)
            return proc, base
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"serve --tls {mode} did not start: {proc.stderr.read()}") from None
            time.sleep(0.1)


@pytest.mark.parametrize(("mode", "trust"), [("ca", "ca.pem"), ("self-signed", "self-signed-server.pem")])
def test_https_with_each_verification_mode_of_the_guide(tmp_path, mode, trust):
    proc, base = serve_tls(mode, tmp_path)
    try:
        trusted = ssl.create_default_context(cafile=str(tmp_path / trust))
        r = httpx.post(base + "//authorizationserver/token", data=FORM, verify=trusted)  # "Verify"
        assert r.status_code == 200
        r = httpx.post(f"https://localhost:{base.rsplit(':', 1)[1]}/authorizationserver/token", data=FORM,
                       verify=trusted)
        assert r.status_code == 200  # the certificate names localhost too
        with pytest.raises(httpx.ConnectError):  # not trusted by the system's store
            httpx.post(base + "/authorizationserver/token", data=FORM)
        assert httpx.post(base + "/authorizationserver/token", data=FORM, verify=False).status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert f"clients trust {tmp_path / trust}" in out


def test_certificates_are_kept_across_restarts(tmp_path):
    issued = []
    for _ in range(2):
        proc, _base = serve_tls("ca", tmp_path)
        proc.terminate()
        proc.communicate(timeout=10)
        issued.append((tmp_path / "ca.pem").read_bytes())
    assert issued[0] == issued[1]
