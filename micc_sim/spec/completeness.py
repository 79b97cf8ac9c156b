"""How whole an answer is: which properties its response schema declares and which the answer carries.

The walk follows the document's own ``$ref``s, so every model is tallied under its component name
(``ConversationModel``, ``QueueStateModel``, ...) wherever it appears: at the top of an answer, as a
collection's items, nested in another model. A property is *served* when every instance of its model
carries it (``null`` included: JSON.NET writes nulls), *missing* when one instance leaves it out, and the
model is *unseen* when the answer holds no instance of it (a nested model that was null throughout).
Values of the wrong JSON type and properties the schema does not declare are noted too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,),
    "object": (dict,), "null": (type(None),),
}


@dataclass
class ModelTally:
    """One model's properties over every instance of it an answer held."""

    name: str
    declared: tuple[str, ...]
    instances: int = 0
    absent: Counter[str] = field(default_factory=Counter)  # property -> instances without it
    nulls: Counter[str] = field(default_factory=Counter)  # property -> instances where it was null
    wrong_type: Counter[str] = field(default_factory=Counter)
    undeclared: set[str] = field(default_factory=set)

    @property
    def missing(self) -> list[str]:
        return [p for p in self.declared if self.absent[p]]

    @property
    def served(self) -> list[str]:
        return [p for p in self.declared if self.instances and not self.absent[p]]

    @property
    def always_null(self) -> list[str]:
        return [p for p in self.served if self.nulls[p] == self.instances]


class Walker:
    """Tallies the models of one answer against the schema of ``document`` it was answered with."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.tallies: dict[str, ModelTally] = {}

    def reachable(self, node: Any, name: str = "(answer)", _seen: set[str] | None = None) -> None:
        """Note every model the schema can hold (so a model no instance showed counts as unseen)."""
        seen = set() if _seen is None else _seen
        node, name = self._deref(node, name)
        if not isinstance(node, dict) or name in seen:
            return
        props = self._properties(node)
        if props:
            seen.add(name)
            self._tally(name, props)
            for prop, sub in props.items():
                self.reachable(sub, f"{name}.{prop}", seen)
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                self.reachable(node[key], name, seen)
        for key in ("oneOf", "anyOf", "allOf"):
            for branch in node.get(key) or []:
                self.reachable(branch, name, seen)

    def walk(self, node: Any, value: Any, name: str = "(answer)") -> None:
        node, name = self._deref(node, name)
        if not isinstance(node, dict):
            return
        for key in ("oneOf", "anyOf"):
            if key in node:
                branch = self._branch(node[key], value)
                if branch is not None:
                    self.walk(branch, value, name)
                return
        props = self._properties(node)
        if isinstance(value, dict):
            if props:
                tally = self._tally(name, props)
                tally.instances += 1
                for prop, sub in props.items():
                    if prop not in value:
                        tally.absent[prop] += 1
                        continue
                    item = value[prop]
                    if item is None:
                        tally.nulls[prop] += 1
                    elif not _type_ok(self._deref(sub, "")[0], item):
                        tally.wrong_type[prop] += 1
                    self.walk(sub, item, f"{name}.{prop}")
                extra = node.get("additionalProperties")
                if isinstance(extra, dict):
                    for key, item in value.items():
                        if key not in props:
                            self.walk(extra, item, name)
                elif extra is not True:
                    tally.undeclared.update(k for k in value if k not in props)
            elif isinstance(node.get("additionalProperties"), dict):
                for item in value.values():
                    self.walk(node["additionalProperties"], item, name)
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for item in value:
                self.walk(node["items"], item, name)

    # -- schema plumbing -----------------------------------------------------------------------
    def _deref(self, node: Any, name: str) -> tuple[Any, str]:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            ref = node["$ref"]
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node, name = {**target, **{k: v for k, v in node.items() if k != "$ref"}}, ref.rsplit("/", 1)[-1]
        return node, name

    def _properties(self, node: dict[str, Any]) -> dict[str, Any]:
        props = dict(node.get("properties") or {})
        for branch in node.get("allOf") or []:
            props.update(self._properties(self._deref(branch, "")[0]))
        return props

    def _branch(self, branches: list[Any], value: Any) -> Any:
        for branch in branches:
            resolved = self._deref(branch, "")[0]
            if _type_ok(resolved, value):
                return branch
        return None

    def _tally(self, name: str, props: dict[str, Any]) -> ModelTally:
        tally = self.tallies.get(name)
        if tally is None:
            tally = self.tallies[name] = ModelTally(name, tuple(props))
        return tally


def _type_ok(node: Any, value: Any) -> bool:
    if not isinstance(node, dict):
        return True
    if "oneOf" in node or "anyOf" in node:
        return any(_type_ok(b, value) for b in node.get("oneOf", node.get("anyOf")))
    declared = node.get("type")
    if declared is None:
        return not ("properties" in node and not isinstance(value, dict))
    kinds = declared if isinstance(declared, list) else [declared]
    for kind in kinds:
        expected = _JSON_TYPES.get(kind, ())
        if isinstance(value, bool) and kind in ("integer", "number"):
            continue
        if isinstance(value, expected):
            return True
    return False
