"""Checks that a response is what the contract says the operation answers."""

from __future__ import annotations

import httpx
import jsonschema

from simulator.spec.contract import load_contract


def assert_conforms(response: httpx.Response, operation_id: str, contract: str = "micc-sdk") -> None:
    operation = load_contract(contract).operation(operation_id)
    status = str(response.status_code)
    assert status in operation.responses, (
        f"{operation_id} answered {status}, which the contract does not list: {response.text}")
    schema = operation.responses[status]
    if schema is not None:
        jsonschema.validate(response.json(), schema, cls=jsonschema.Draft202012Validator,
                            format_checker=jsonschema.FormatChecker())
