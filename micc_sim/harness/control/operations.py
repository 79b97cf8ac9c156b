"""Which contract operation a request is, from its method and path alone (for the journal, stubs and drift).

The faces' own routers know it too, but a step of the chain runs before them (a stub answers in their
place) and the journal names it only when asked: so this looks the operation up in the same documents.
"""

from __future__ import annotations

from functools import cache

from micc_sim.spec.contract import Contract, Operation, load_contract

CONTRACTS = ("micc-sdk", "authorizationserver", *(f"cloudlink-{s}" for s in (
    "authentication", "admin", "notifications", "chat", "media", "presence")))


@cache
def _contracts() -> tuple[tuple[str, Contract], ...]:
    found = [(c.base_path.lower(), c) for c in map(load_contract, CONTRACTS)]
    return tuple(sorted(found, key=lambda pair: -len(pair[0])))


def _key(path: str) -> tuple[str, int]:
    trimmed = path[:-1] if path.endswith("/") else path
    first = trimmed[1:].split("/", 1)[0].lower()
    return "{" if first.startswith("{") else first, trimmed.count("/")


@cache
def _index(base: str) -> dict[tuple[str, int], list[Operation]] | None:
    """A contract's operations by (first segment, number of segments), those starting with a parameter in
    every list of their length, in the contract's order: a path is matched against a few, not all. None when
    a template ends with "/" (it takes a path with one more segment: such a contract is searched whole)."""
    contract = dict(_contracts())[base]
    if any(op.path.endswith("/") for op in contract.operations):
        return None
    by_key: dict[tuple[str, int], list[Operation]] = {}
    for operation in contract.operations:
        by_key.setdefault(_key(operation.path), []).append(operation)
    for (first, n), operations in list(by_key.items()):
        if first != "{":
            by_key[(first, n)] = sorted([*operations, *by_key.get(("{", n), [])], key=contract.operations.index)
    return by_key


def operation_for(method: str, path: str) -> Operation | None:
    """The operation ``method path`` (the path after IIS handling) is, or None."""
    folded = path.lower()
    for base, contract in _contracts():
        if folded.startswith(base) and (len(folded) == len(base) or folded[len(base)] == "/"):
            relative = path[len(base):] or "/"
            index, key = _index(base), _key(relative)
            candidates = (contract.operations if index is None
                          else index.get(key) or index.get(("{", key[1]), []))
            for operation in candidates:
                if operation.method == method and operation.match(relative) is not None:
                    return operation
            return None
    return None


def operation_by_id(operation_id: str) -> tuple[Contract, Operation] | None:
    for _, contract in _contracts():
        for operation in contract.operations:
            if operation.operation_id == operation_id:
                return contract, operation
    return None


def known_operation_ids() -> set[str]:
    return {op.operation_id for _, c in _contracts() for op in c.operations}
