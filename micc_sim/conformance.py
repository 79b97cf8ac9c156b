"""`micc-sim contract`: schemathesis against the simulator or any server, a real MiCC or CloudLink included.

A surface is ``micc-sdk``, ``cloudlink-<service>`` (each registered CloudLink service) or ``cloudlink`` (all
of them). The token comes from the server's own token endpoint, as a client would get it (the
AuthorizationServer for the MiCC SDK, CloudLink's ``/token`` for CloudLink); schemathesis then runs each
contract's operations (examples, coverage, fuzzing and stateful phases, positive and negative data) and
writes a JUnit XML report per surface (``<report-dir>/<surface>.xml``). Without ``--base-url`` a simulator
is started in-process. CloudLink services are found at ``<base-url>/<service>/2017-09-01``, or, when the
base URL holds ``{service}`` (``https://{service}.api.mitel.io``), at ``<base-url>/2017-09-01`` with the
service's name put in.
"""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from micc_sim.spec.contract import CONTRACTS_DIR

DEFAULT_CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                  "response_schema_conformance")
MICC_SDK = "micc-sdk"
CLOUDLINK = "cloudlink"
CLOUDLINK_VERSION = "2017-09-01"
# the default tenant's partner admin: it sees every operation of every service (only a simulator has it)
CLOUDLINK_DEFAULT_LOGIN = ("partner.admin@partner.example.com", "password")


@dataclass
class ContractRun:
    base_url: str | None = None
    username: str | None = None
    password: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    report_dir: Path = Path("reports/contract")
    checks: Sequence[str] = DEFAULT_CHECKS
    phases: str = "examples,coverage,fuzzing,stateful"
    max_examples: int = 20
    workers: str = "1"
    include_tags: Sequence[str] = ()
    extra_args: Sequence[str] = field(default_factory=tuple)
    tls_verify: bool = True
    surface: str = MICC_SDK
    account_id: str | None = None  # CloudLink: the account_id of the token request (id, number or label)


class ContractError(Exception):
    pass


def cloudlink_services() -> list[str]:
    from micc_sim.faces.cloudlink.face import SERVICES

    return list(SERVICES)


def surface_names() -> list[str]:
    return [MICC_SDK, CLOUDLINK, *(f"{CLOUDLINK}-{s}" for s in cloudlink_services())]


def surfaces(name: str) -> list[str]:
    """The contracts a ``--surface`` names."""
    if name == CLOUDLINK:
        return [f"{CLOUDLINK}-{s}" for s in cloudlink_services()]
    if name not in surface_names():
        raise ContractError(f"unknown surface {name!r}; one of {', '.join(surface_names())}")
    return [name]


def surface_url(base_url: str, surface: str) -> str:
    if surface == MICC_SDK:
        return f"{base_url}/miccsdk/api/v1"
    service = surface.removeprefix(f"{CLOUDLINK}-")
    if "{service}" in base_url:
        return f"{base_url.replace('{service}', service)}/{CLOUDLINK_VERSION}"
    return f"{base_url}/{service}/{CLOUDLINK_VERSION}"


def get_cloudlink_token(base_url: str, run: ContractRun) -> str:
    """An access token from CloudLink's ``/token`` (client credentials, or a user's password)."""
    if run.client_id:
        body = {"grant_type": "client_credentials", "client_id": run.client_id,
                "client_secret": run.client_secret or ""}
    else:
        body = {"grant_type": "password", "username": run.username or CLOUDLINK_DEFAULT_LOGIN[0],
                "password": run.password or CLOUDLINK_DEFAULT_LOGIN[1]}
    if run.account_id:
        body["account_id"] = run.account_id
    url = f"{surface_url(base_url, 'cloudlink-authentication')}/token"
    try:
        r = httpx.post(url, json=body, verify=run.tls_verify, timeout=30)
    except httpx.HTTPError as exc:
        raise ContractError(f"cannot reach {url}: {exc}") from exc
    if r.status_code != 200:
        raise ContractError(f"CloudLink's /token refused the credentials ({r.status_code}): {r.text[:300]}")
    return r.json()["access_token"]


def get_token(base_url: str, run: ContractRun) -> str:
    if run.client_id:
        form = {"grant_type": "client_credentials", "client_id": run.client_id,
                "client_secret": run.client_secret or ""}
    else:
        form = {"grant_type": "password", "username": run.username or "_admin",
                "password": run.password or "_password"}
    try:
        r = httpx.post(f"{base_url}/authorizationserver/token", data=form, verify=run.tls_verify, timeout=30)
    except httpx.HTTPError as exc:
        raise ContractError(f"cannot reach {base_url}/authorizationserver/token: {exc}") from exc
    if r.status_code != 200:
        raise ContractError(f"the AuthorizationServer refused the credentials ({r.status_code}): {r.text[:300]}")
    return r.json()["access_token"]


@contextlib.contextmanager
def _target(run: ContractRun) -> Iterator[str]:
    if run.base_url:
        yield run.base_url.rstrip("/")
        return
    from micc_sim.runtime import Simulator
    from micc_sim.settings import Settings
    from micc_sim.testing import serve_in_thread

    with serve_in_thread(Simulator(Settings(token_lifetime=24 * 3600))) as running:
        yield running.base_url


def command(run: ContractRun, base_url: str, token: str, surface: str = MICC_SDK) -> list[str]:
    if importlib.util.find_spec("schemathesis") is None:
        raise ContractError("schemathesis is not installed: pip install 'micc-sim[contract]'")
    # its CLI through this interpreter, so no console script needs to be on PATH
    args = [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis(prog_name='schemathesis')",
            "run", str(CONTRACTS_DIR / f"{surface}.openapi.yaml"),
            "--url", surface_url(base_url, surface), "-H", f"Authorization: Bearer {token}",
            "--checks", ",".join(run.checks), "--phases", run.phases, "--workers", run.workers,
            "--max-examples", str(run.max_examples), "--report", "junit",
            "--report-junit-path", str(run.report_dir / f"{surface}.xml"),
            "--suppress-health-check", "all", "--no-color"]
    for tag in run.include_tags:
        args += ["--include-tag", tag]
    if not run.tls_verify:
        args += ["--tls-verify", "false"]
    return [*args, *run.extra_args]


def run_contract(run: ContractRun) -> int:
    """Run schemathesis once per surface; the exit code is schemathesis' (the first failing run's)."""
    names = surfaces(run.surface)
    run.report_dir.mkdir(parents=True, exist_ok=True)
    with _target(run) as base_url:
        tokens: dict[bool, str] = {}  # one token per token endpoint (CloudLink or not)
        failed: dict[str, int] = {}
        for surface in names:
            on_cloudlink = surface.startswith(CLOUDLINK)
            if on_cloudlink not in tokens:
                tokens[on_cloudlink] = (get_cloudlink_token if on_cloudlink else get_token)(base_url, run)
            source = "CloudLink's /token" if on_cloudlink else "its AuthorizationServer"
            print(f"micc-sim contract: {surface} at {surface_url(base_url, surface)} (token from {source}); "
                  f"report {run.report_dir / (surface + '.xml')}", flush=True)
            code = subprocess.call(command(run, base_url, tokens[on_cloudlink], surface))
            if code:
                failed[surface] = code
        if failed and len(names) > 1:
            print(f"micc-sim contract: failed: {', '.join(failed)}", flush=True)
        return next(iter(failed.values()), 0)
