"""Loading an OpenAPI document into operations the router can serve.

Local ``$ref``s are inlined so the binder and validators work on plain JSON Schemas. Operations
are keyed by ``operationId``: that id is the only link between the document and a handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: the same documents, 8x faster to start
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


@dataclass
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # template relative to the server url, e.g. /openmedia/{id}
    tags: list[str]
    role: str  # x-micc-sim-role, "public" when the operation has no security
    parameters: list[dict[str, Any]]  # resolved: name, in, required, schema
    request_schema: dict[str, Any] | None  # the first media type's (what a body without a known type is read as)
    request_media: str | None
    responses: dict[str, dict[str, Any] | None]  # status -> resolved JSON schema of the body
    raw: dict[str, Any] = field(repr=False)
    request_media_types: dict[str, dict[str, Any]] = field(default_factory=dict)  # media type -> schema
    pattern: re.Pattern[str] = field(init=False, repr=False)
    exact_pattern: re.Pattern[str] = field(init=False, repr=False)
    param_names: list[str] = field(init=False)
    _param_groups: list[tuple[str, str]] = field(init=False, repr=False)  # (name, its regex group)
    query_parameters: list[dict[str, Any]] = field(init=False, repr=False)  # the ``in: query`` ones
    odata: bool = field(init=False, repr=False)  # a collection operation: it takes OData query options

    def __post_init__(self) -> None:
        self.param_names = re.findall(r"{([^}/]+)}", self.path)
        self._param_groups = [(name, _group(name)) for name in self.param_names]
        self.query_parameters = [p for p in self.parameters if p.get("in") == "query"]
        self.odata = any(p["name"].startswith("$") for p in self.query_parameters)
        regex = re.sub(r"{([^}/]+)}", lambda m: f"(?P<{_group(m.group(1))}>[^/]+)",
                       _escape_literals(self.path))
        self.pattern = re.compile(f"^{regex}/?$", re.IGNORECASE)
        self.exact_pattern = re.compile(f"^{regex}/?$")

    def match(self, path: str, ignore_case: bool = True) -> dict[str, str] | None:
        found = (self.pattern if ignore_case else self.exact_pattern).match(path)
        if found is None:
            return None
        return {name: unquote(found.group(group)) for name, group in self._param_groups}

    @property
    def success(self) -> tuple[int, dict[str, Any] | None]:
        """The first 2xx status the document lists, with its body schema."""
        for status, schema in sorted(self.responses.items()):
            if status.startswith("2"):
                return int(status), schema
        return 200, None

    @property
    def literal_segments(self) -> int:
        return sum(1 for seg in self.path.split("/") if seg and not seg.startswith("{"))


def _group(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _escape_literals(template: str) -> str:
    parts = re.split(r"({[^}/]+})", template)
    return "".join(p if p.startswith("{") else re.escape(p) for p in parts)


@dataclass
class Contract:
    document: dict[str, Any]
    base_path: str
    operations: list[Operation]

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)

    def schema(self, name: str) -> dict[str, Any]:
        return resolve(self.document, self.document["components"]["schemas"][name])


def resolve(document: dict[str, Any], node: Any, _expanding: tuple[str, ...] = ()) -> Any:
    """A copy of ``node`` with every local ``$ref`` replaced by what it points to.

    A schema that contains itself (a folder of folders) is expanded once; the inner reference becomes
    an unconstrained schema, which is what validation and synthesis can work with.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            if ref in _expanding:
                return {"type": target.get("type", "object"), "x-recursive": ref}
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return resolve(document, merged, (*_expanding, ref))
        return {k: resolve(document, v, _expanding) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(document, v, _expanding) for v in node]
    return node


@cache
def load_contract(name: str) -> Contract:
    """Load ``contracts/<name>.openapi.yaml``; cached, so every app shares one parsed copy."""
    path = CONTRACTS_DIR / f"{name}.openapi.yaml"
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    base_path = document.get("servers", [{"url": ""}])[0]["url"].rstrip("/")
    default_security = document.get("security", [])
    operations: list[Operation] = []
    for template, item in document.get("paths", {}).items():
        shared_params = item.get("parameters", [])
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            raw = {**raw, "parameters": shared_params + raw.get("parameters", [])}
            secured = raw.get("security", default_security)
            role = raw.get("x-micc-sim-role", "any") if secured else "public"
            media, body_schema = None, None
            content = (raw.get("requestBody") or {}).get("content", {})
            bodies = {name: resolve(document, entry.get("schema", {})) for name, entry in content.items()}
            if bodies:
                media, body_schema = next(iter(bodies.items()))
            responses = {}
            for status, response in raw.get("responses", {}).items():
                response = resolve(document, response)
                json_body = (response.get("content") or {}).get("application/json")
                responses[str(status)] = json_body.get("schema") if json_body else None
            operations.append(Operation(
                operation_id=raw["operationId"], method=method.upper(), path=template,
                tags=raw.get("tags", []), role=role, parameters=resolve(document, raw["parameters"]),
                request_schema=body_schema, request_media=media,
                responses=responses, raw=raw, request_media_types=bodies,
            ))
    # literal paths win over templated ones: /openmedia/queues before /openmedia/{id}
    operations.sort(key=lambda op: (-op.literal_segments, len(op.param_names)))
    return Contract(document, base_path, operations)
