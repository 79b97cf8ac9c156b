"""Validating a JSON body the way CloudLink's Node services do (AJV, JSON Schema), with AJV's messages.

CloudLink answers a body its schema refuses with a 400 whose message is AJV's first error, e.g.
``data should NOT have additional properties`` (wire-notes) or ``data should have required property
'body'``. The schema is the contract's; jsonschema does the checking, this module words the first error as
AJV 6 does (``data.originalParticipants[0].type should be equal to one of the allowed values``).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from micc_sim.spec.binding import Strictness
from micc_sim.spec.router import ApiError

_validators: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def ajv_bind(value: Any, schema: dict[str, Any], strictness: Strictness) -> Any:
    """``value`` unchanged when the schema takes it (always with strictness ``off``), else a 400."""
    if strictness is Strictness.OFF:
        return value
    error = best_match(_validator(schema).iter_errors(value))
    if error is not None:
        raise ApiError(400, ajv_message(error), code="ValidationError")
    return value


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:  # the id of a schema that was collected may come back
        cached = (schema, Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER))
        _validators[id(schema)] = cached
    return cached[1]


def ajv_message(error: ValidationError) -> str:
    where = "data" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    keyword, bound = error.validator, error.validator_value
    if keyword == "required":
        missing = next((name for name in bound if isinstance(error.instance, dict) and name not in error.instance),
                       bound[0] if bound else "")
        return f"{where} should have required property '{missing}'"
    wording = _WORDING.get(str(keyword))
    return f"{where} {wording(bound)}" if wording else f"{where} {error.message}"


_WORDING = {
    "additionalProperties": lambda bound: "should NOT have additional properties",
    "type": lambda bound: f"should be {bound if isinstance(bound, str) else ','.join(bound)}",
    "enum": lambda bound: "should be equal to one of the allowed values",
    "const": lambda bound: "should be equal to constant",
    "minLength": lambda bound: f"should NOT be shorter than {bound} characters",
    "maxLength": lambda bound: f"should NOT be longer than {bound} characters",
    "minimum": lambda bound: f"should be >= {bound}",
    "maximum": lambda bound: f"should be <= {bound}",
    "minItems": lambda bound: f"should NOT have fewer than {bound} items",
    "maxItems": lambda bound: f"should NOT have more than {bound} items",
    "format": lambda bound: f'should match format "{bound}"',
    "pattern": lambda bound: f'should match pattern "{bound}"',
}
