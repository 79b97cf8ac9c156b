"""Checks that a response is what the contract says the operation answers, one by one or under fuzzing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import jsonschema

from micc_sim.spec.contract import CONTRACTS_DIR, load_contract


def assert_conforms(response: httpx.Response, operation_id: str, contract: str = "micc-sdk") -> None:
    operation = load_contract(contract).operation(operation_id)
    status = str(response.status_code)
    assert status in operation.responses, (
        f"{operation_id} answered {status}, which the contract does not list: {response.text}")
    schema = operation.responses[status]
    if schema is not None:
        jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator,
                            format_checker=jsonschema.FormatChecker())


def fuzz(document: str, url: str, report_dir: Path, *options: str, max_examples: int = 15) -> None:
    """schemathesis (its own CLI) on ``document`` of ``contracts/`` against ``url``: no 5xx, every status and
    answer as the document says."""
    proc = subprocess.run(
        [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis(prog_name='schemathesis')",
         "run", str(CONTRACTS_DIR / document), "--url", url,
         "--checks", "not_a_server_error,status_code_conformance,response_schema_conformance",
         "--max-examples", str(max_examples), "--suppress-health-check", "all", "--no-color", *options,
         "--report", "junit", "--report-dir", str(report_dir)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-5000:]
