"""`micc-sim contract`: schemathesis against the simulator or any server, a real MiCC included.

The token comes from the server's own AuthorizationServer, as a client would get it; schemathesis then
runs the contract's operations (examples, coverage, fuzzing and stateful phases, positive and negative
data) and writes a JUnit XML report. Without ``--base-url`` a simulator is started in-process.
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

from simulator.spec.contract import CONTRACTS_DIR

DEFAULT_CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                  "response_schema_conformance")


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


class ContractError(Exception):
    pass


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
    from simulator.runtime import Simulator
    from simulator.settings import Settings
    from simulator.testing import serve_in_thread

    with serve_in_thread(Simulator(Settings(token_lifetime=24 * 3600))) as running:
        yield running.base_url


def command(run: ContractRun, base_url: str, token: str) -> list[str]:
    if importlib.util.find_spec("schemathesis") is None:
        raise ContractError("schemathesis is not installed: pip install 'micc-sim[contract]'")
    # its CLI through this interpreter, so no console script needs to be on PATH
    args = [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis(prog_name='schemathesis')",
            "run", str(CONTRACTS_DIR / "micc-sdk.openapi.yaml"),
            "--url", f"{base_url}/miccsdk/api/v1", "-H", f"Authorization: Bearer {token}",
            "--checks", ",".join(run.checks), "--phases", run.phases, "--workers", run.workers,
            "--max-examples", str(run.max_examples), "--report", "junit", "--report-dir", str(run.report_dir),
            "--suppress-health-check", "all", "--no-color"]
    for tag in run.include_tags:
        args += ["--include-tag", tag]
    if not run.tls_verify:
        args += ["--tls-verify", "false"]
    return [*args, *run.extra_args]


def run_contract(run: ContractRun) -> int:
    """Run schemathesis; its exit code (0 = every check passed) is the command's."""
    run.report_dir.mkdir(parents=True, exist_ok=True)
    with _target(run) as base_url:
        token = get_token(base_url, run)
        print(f"micc-sim contract: {base_url} (token from its AuthorizationServer); report in {run.report_dir}/",
              flush=True)
        return subprocess.call(command(run, base_url, token))
